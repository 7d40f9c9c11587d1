// name: search_entities_exact
// Entry entities by exact cosine similarity of their name embeddings, within one user.
// Parameters: $user_id, $vector, $k
MATCH (e:Entity {user_id: $user_id})
WITH e, vector.similarity.cosine(e.embedding, $vector) AS score
ORDER BY score DESC
LIMIT $k
RETURN e.id AS id, score
