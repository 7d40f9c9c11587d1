// name: entities_embeddings
// The stored name embeddings of given entities of one user (see facts_embeddings).
// Parameters: $user_id, $ids
UNWIND $ids AS entity_id
MATCH (e:Entity {id: entity_id})
USING INDEX e:Entity(id)
WHERE e.user_id = $user_id
RETURN collect(e.id) AS ids, collect(e.embedding) AS embeddings
