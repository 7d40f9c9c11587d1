// name: schema
// The mem0g schema: constraints, range, vector and fulltext indexes. Idempotent (IF NOT EXISTS).
// Fulltext uses the English analyzer so that "live" finds "lives".
// Statements are separated by semicolons; mem0g runs them one by one with $dimensions set to the
// embedding dimension. In the Browser, first run  :param dimensions => 384
CREATE CONSTRAINT entity_user_key IF NOT EXISTS FOR (e:Entity) REQUIRE (e.user_id, e.name_key) IS UNIQUE;
CREATE CONSTRAINT entity_id IF NOT EXISTS FOR (e:Entity) REQUIRE e.id IS UNIQUE;
CREATE CONSTRAINT fact_id IF NOT EXISTS FOR ()-[f:FACT]-() REQUIRE f.id IS UNIQUE;
CREATE CONSTRAINT episode_id IF NOT EXISTS FOR (ep:Episode) REQUIRE ep.id IS UNIQUE;
CREATE CONSTRAINT tenant_user IF NOT EXISTS FOR (t:Tenant) REQUIRE t.user_id IS UNIQUE;
CREATE CONSTRAINT conversation_thread IF NOT EXISTS FOR (c:Conversation) REQUIRE (c.user_id, c.thread) IS UNIQUE;
CREATE CONSTRAINT api_key_id IF NOT EXISTS FOR (k:ApiKey) REQUIRE k.id IS UNIQUE;
CREATE INDEX entity_user IF NOT EXISTS FOR (e:Entity) ON (e.user_id);
CREATE INDEX fact_user IF NOT EXISTS FOR ()-[f:FACT]-() ON (f.user_id);
CREATE INDEX fact_valid_from IF NOT EXISTS FOR ()-[f:FACT]-() ON (f.valid_from);
CREATE INDEX fact_valid_until IF NOT EXISTS FOR ()-[f:FACT]-() ON (f.valid_until);
CREATE INDEX fact_status IF NOT EXISTS FOR ()-[f:FACT]-() ON (f.status);
CREATE INDEX episode_user IF NOT EXISTS FOR (ep:Episode) ON (ep.user_id, ep.observed_at);
CREATE INDEX episode_thread IF NOT EXISTS FOR (ep:Episode) ON (ep.user_id, ep.thread);
CREATE INDEX api_key_user IF NOT EXISTS FOR (k:ApiKey) ON (k.user_id);
CREATE VECTOR INDEX entity_embedding IF NOT EXISTS FOR (e:Entity) ON e.embedding
  OPTIONS {indexConfig: {`vector.dimensions`: $dimensions, `vector.similarity_function`: 'cosine'}};
CREATE VECTOR INDEX fact_embedding IF NOT EXISTS FOR ()-[f:FACT]-() ON f.embedding
  OPTIONS {indexConfig: {`vector.dimensions`: $dimensions, `vector.similarity_function`: 'cosine'}};
CREATE VECTOR INDEX episode_embedding IF NOT EXISTS FOR (ep:Episode) ON ep.embedding
  OPTIONS {indexConfig: {`vector.dimensions`: $dimensions, `vector.similarity_function`: 'cosine'}};
CREATE FULLTEXT INDEX entity_text IF NOT EXISTS FOR (e:Entity) ON EACH [e.name, e.aliases_text, e.tenant]
  OPTIONS {indexConfig: {`fulltext.analyzer`: 'english'}};
CREATE FULLTEXT INDEX fact_text IF NOT EXISTS FOR ()-[f:FACT]-() ON EACH [f.fact, f.triple_text, f.tenant]
  OPTIONS {indexConfig: {`fulltext.analyzer`: 'english'}};
CREATE FULLTEXT INDEX episode_text IF NOT EXISTS FOR (ep:Episode) ON EACH [ep.content, ep.name, ep.tenant]
  OPTIONS {indexConfig: {`fulltext.analyzer`: 'english'}}
