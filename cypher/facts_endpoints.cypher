// name: facts_endpoints
// The subject and object entity ids of facts (used to start graph expansion from entry facts).
// Parameters: $user_id, $ids
UNWIND $ids AS fact_id
MATCH (s:Entity)-[f:FACT {id: fact_id}]->(o:Entity)
WHERE f.user_id = $user_id
RETURN f.id AS id, s.id AS subject_id, o.id AS object_id,
       s.name AS subject, f.predicate AS predicate, o.name AS object
