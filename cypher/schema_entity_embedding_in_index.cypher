// name: schema_entity_embedding_in_index
// The entity vector index with user_id as a filter property (Neo4j >= 2026.02, Cypher 25), so that
// SEARCH ... WHERE e.user_id = $user_id finds a user's nearest entities inside the index. Run before
// `schema`, whose plain CREATE VECTOR INDEX of the same name is then a no-op (IF NOT EXISTS).
// Parameters: $dimensions
CYPHER 25
CREATE VECTOR INDEX entity_embedding IF NOT EXISTS FOR (e:Entity) ON e.embedding WITH [e.user_id]
  OPTIONS {indexConfig: {`vector.dimensions`: $dimensions, `vector.similarity_function`: 'cosine'}}
