// name: search_entities_vector_in_index
// Entry entities from the entity vector index filtered by user inside the index (Cypher 25 SEARCH,
// Neo4j >= 2026.02; see schema_entity_embedding_in_index): the user's $k nearest entities.
// Parameters: $user_id, $vector, $k, $fetch
CYPHER 25
MATCH (e:Entity)
  SEARCH e IN (VECTOR INDEX entity_embedding FOR $vector WHERE e.user_id = $user_id LIMIT $fetch) SCORE AS score
WITH e, score WHERE e.user_id = $user_id
RETURN e.id AS id, score
ORDER BY score DESC
LIMIT $k
