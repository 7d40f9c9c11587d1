// name: entity_history
// The whole timeline of one entity (found by name or alias key): every fact it is the subject or
// object of, any status, ordered by when it held. Paste with :param user_id and :param key.
// Instants come back as integer microseconds since the epoch (UTC), as in facts_by_ids.
// Parameters: $user_id, $key (sha256 of the normalised name)
MATCH (e:Entity {user_id: $user_id})
WHERE e.name_key = $key OR $key IN e.alias_keys
MATCH (s:Entity)-[f:FACT]->(o:Entity)
WHERE f.user_id = $user_id AND (s = e OR o = e)
RETURN f {.id, .fact, .predicate, .superseded_by, .status, .cardinality, .source, .user_id, .agent_id, .run_id,
          .metadata,
          valid_from: f.valid_from.epochSeconds * 1000000 + f.valid_from.microsecond,
          valid_until: f.valid_until.epochSeconds * 1000000 + f.valid_until.microsecond,
          recorded_at: f.recorded_at.epochSeconds * 1000000 + f.recorded_at.microsecond,
          superseded_at: f.superseded_at.epochSeconds * 1000000 + f.superseded_at.microsecond} AS f,
       s.name AS subject, s.type AS subject_type, s.id AS subject_id,
       o.name AS object, o.type AS object_type, o.id AS object_id, [] AS supersedes
ORDER BY f.predicate_key, coalesce(f.valid_from, datetime('0001-01-01T00:00:00Z')), f.recorded_at
