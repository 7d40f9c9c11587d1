// name: reembed_facts_set
// Stores new sentence embeddings on facts.
// Parameters: $rows: [{id, embedding}]
UNWIND $rows AS row
MATCH ()-[f:FACT {id: row.id}]->()
USING INDEX f:FACT(id)
SET f.embedding = row.embedding
