// name: superseded_and_ended
// What a user no longer holds true: superseded and ended facts, with when they held, when mem0g
// stopped believing them, and the fact that replaced each one (looked up by its superseded_by id).
// Parameters: $user_id
// :param user_id => "demo-alice"
MATCH (s:Entity)-[f:FACT]->(o:Entity)
WHERE f.user_id = $user_id AND f.status IN ['superseded', 'ended']
OPTIONAL MATCH (ns:Entity)-[n:FACT {id: f.superseded_by}]->(no:Entity)
WHERE n.user_id = $user_id
RETURN s.name AS subject, f.predicate AS predicate, o.name AS object, f.fact AS fact,
       f.status AS status, f.valid_from AS valid_from, f.valid_until AS valid_until,
       f.recorded_at AS recorded_at, f.superseded_at AS superseded_at, f.id AS fact_id,
       f.superseded_by AS superseded_by,
       CASE WHEN n IS NULL THEN null
            ELSE n {.id, .fact, .status, .valid_from, .valid_until, subject: ns.name, object: no.name}
       END AS replaced_by
ORDER BY coalesce(f.superseded_at, f.valid_until), f.valid_from, f.id
