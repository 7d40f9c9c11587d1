// name: facts_similarity
// Cosine similarity between the query vector and given facts of one user (facts found by keyword).
// Parameters: $user_id, $vector, $ids
UNWIND $ids AS fact_id
MATCH ()-[f:FACT {id: fact_id}]->()
WHERE f.user_id = $user_id
RETURN f.id AS id, vector.similarity.cosine(f.embedding, $vector) AS score
