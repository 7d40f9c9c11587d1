// name: facts_by_ids
// Full records for fact ids of one user, with the facts each one superseded.
// Parameters: $user_id, $ids
UNWIND $ids AS fact_id
MATCH (s:Entity)-[f:FACT {id: fact_id}]->(o:Entity)
WHERE f.user_id = $user_id
OPTIONAL CALL (f) {
  MATCH ()-[old:FACT]->(oo:Entity)
  WHERE old.user_id = $user_id AND old.id IN coalesce(f.supersedes, [])
  RETURN collect(old {.id, .fact, object: oo.name, .valid_from, .valid_until, .status}) AS supersedes
}
RETURN f {.*, embedding: null} AS f, s.name AS subject, s.type AS subject_type, s.id AS subject_id,
       o.name AS object, o.type AS object_type, o.id AS object_id, supersedes
