// name: facts_all
// Every fact of one user (optionally only those holding at $as_of, or current ones), oldest first.
// Instants come back as integer microseconds since the epoch (UTC), as in facts_by_ids.
// Parameters: $user_id, $as_of (null = no time filter), $current_only, $now, $agent_id, $run_id,
//             $skip, $limit
MATCH (s:Entity)-[f:FACT]->(o:Entity)
WHERE f.user_id = $user_id
  AND ($agent_id IS NULL OR f.agent_id = $agent_id)
  AND ($run_id IS NULL OR f.run_id = $run_id)
  AND ($as_of IS NULL OR ((f.valid_from IS NULL OR f.valid_from <= $as_of)
                          AND (f.valid_until IS NULL OR f.valid_until > $as_of)))
  AND (NOT $current_only OR (f.status <> 'superseded' AND (f.valid_until IS NULL OR f.valid_until > $now)))
RETURN f {.id, .fact, .predicate, .superseded_by, .status, .cardinality, .source, .user_id, .agent_id, .run_id,
          .metadata,
          valid_from: f.valid_from.epochSeconds * 1000000 + f.valid_from.microsecond,
          valid_until: f.valid_until.epochSeconds * 1000000 + f.valid_until.microsecond,
          recorded_at: f.recorded_at.epochSeconds * 1000000 + f.recorded_at.microsecond,
          superseded_at: f.superseded_at.epochSeconds * 1000000 + f.superseded_at.microsecond} AS f,
       s.name AS subject, s.type AS subject_type, s.id AS subject_id,
       o.name AS object, o.type AS object_type, o.id AS object_id, [] AS supersedes
ORDER BY f.recorded_at, f.valid_from, f.id
SKIP $skip
LIMIT $limit
