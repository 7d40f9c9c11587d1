// name: reembed_episodes_set
// Stores new content embeddings on episodes.
// Parameters: $rows: [{id, embedding}]
UNWIND $rows AS row
MATCH (ep:Episode {id: row.id})
USING INDEX ep:Episode(id)
SET ep.embedding = row.embedding
