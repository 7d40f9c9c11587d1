// name: facts_by_ids
// Full records for fact ids of one user, with the facts each one superseded.
// Only the fields a hit shows are returned (not the observation times nor the vector), and instants
// as integer microseconds since the epoch (all are UTC): decoding temporal values in the Python
// driver dominated search time.
// Every lookup is a seek on the fact id constraint's index (the superseded ones too, one per id:
// filtering the user's facts by `id IN f.supersedes` scanned all of them for every hit).
// Parameters: $user_id, $ids
UNWIND $ids AS fact_id
MATCH (s:Entity)-[f:FACT {id: fact_id}]->(o:Entity)
USING INDEX f:FACT(id)
WHERE f.user_id = $user_id
OPTIONAL CALL (f) {
  UNWIND coalesce(f.supersedes, []) AS old_id
  MATCH ()-[old:FACT {id: old_id}]->(oo:Entity)
  USING INDEX old:FACT(id)
  WHERE old.user_id = $user_id
  RETURN collect(old {.id, .fact, object: oo.name, .status,
                      valid_from: old.valid_from.epochSeconds * 1000000 + old.valid_from.microsecond,
                      valid_until: old.valid_until.epochSeconds * 1000000 + old.valid_until.microsecond}) AS supersedes
}
RETURN f {.id, .fact, .predicate, .superseded_by, .status, .cardinality, .source, .user_id, .agent_id, .run_id,
          .metadata,
          valid_from: f.valid_from.epochSeconds * 1000000 + f.valid_from.microsecond,
          valid_until: f.valid_until.epochSeconds * 1000000 + f.valid_until.microsecond,
          recorded_at: f.recorded_at.epochSeconds * 1000000 + f.recorded_at.microsecond,
          superseded_at: f.superseded_at.epochSeconds * 1000000 + f.superseded_at.microsecond} AS f,
       s.name AS subject, s.type AS subject_type, s.id AS subject_id,
       o.name AS object, o.type AS object_type, o.id AS object_id, supersedes
