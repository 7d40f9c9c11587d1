// name: schema_episode_embedding_in_index
// The episode vector index with user_id as a filter property (Neo4j >= 2026.02, Cypher 25), so that
// SEARCH ... WHERE ep.user_id = $user_id finds a user's nearest episodes inside the index. Run before
// `schema`, whose plain CREATE VECTOR INDEX of the same name is then a no-op (IF NOT EXISTS).
// Parameters: $dimensions
CYPHER 25
CREATE VECTOR INDEX episode_embedding IF NOT EXISTS FOR (ep:Episode) ON ep.embedding WITH [ep.user_id]
  OPTIONS {indexConfig: {`vector.dimensions`: $dimensions, `vector.similarity_function`: 'cosine'}}
