// name: search_entities_fulltext
// Entry entities by keyword over names and aliases, restricted to the user's tenant token.
// Parameters: $user_id, $lucene, $k
CALL db.index.fulltext.queryNodes('entity_text', $lucene, {limit: $k * 4}) YIELD node AS e, score
WITH e, score WHERE e.user_id = $user_id
RETURN e.id AS id, score
ORDER BY score DESC
LIMIT $k
