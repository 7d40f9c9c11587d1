// name: facts_embeddings
// The stored embeddings and the two entity ids of given facts of one user, which mem0g keeps by id
// to score searches and start expansions (neither changes once a fact is written; re-indexing
// clears mem0g's copy of the embeddings).
// One row of parallel lists: a row per fact cost more in the Python driver than the vectors.
// Parameters: $user_id, $ids
UNWIND $ids AS fact_id
MATCH (s:Entity)-[f:FACT {id: fact_id}]->(o:Entity)
USING INDEX f:FACT(id)
WHERE f.user_id = $user_id
RETURN collect(f.id) AS ids, collect(f.embedding) AS embeddings, collect(s.id) AS subjects,
       collect(o.id) AS objects
