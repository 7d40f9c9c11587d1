// name: reembed_entities_set
// Stores new name embeddings on entities.
// Parameters: $rows: [{id, embedding}]
UNWIND $rows AS row
MATCH (e:Entity {id: row.id})
USING INDEX e:Entity(id)
SET e.embedding = row.embedding
