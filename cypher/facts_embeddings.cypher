// name: facts_embeddings
// The stored embeddings of given facts of one user, which mem0g keeps by id to score searches
// (an embedding never changes once written; re-indexing clears mem0g's copy).
// One row of two parallel lists: a row per fact cost more in the Python driver than the vectors.
// Parameters: $user_id, $ids
UNWIND $ids AS fact_id
MATCH ()-[f:FACT {id: fact_id}]->()
WHERE f.user_id = $user_id
RETURN collect(f.id) AS ids, collect(f.embedding) AS embeddings
