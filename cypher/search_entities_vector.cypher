// name: search_entities_vector
// Entry entities from the entity vector index, over-fetching $fetch and keeping the user's own.
// Parameters: $user_id, $vector, $k, $fetch
CALL db.index.vector.queryNodes('entity_embedding', $fetch, $vector) YIELD node AS e, score
WITH e, score WHERE e.user_id = $user_id
RETURN e.id AS id, score
ORDER BY score DESC
LIMIT $k
