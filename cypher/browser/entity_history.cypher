// name: entity_history
// The timeline of one entity of a user, found by name or alias in any case ("I" or "me" finds the
// user's own entity): every fact it is the subject or object of, any status, with when it held
// (valid_from, valid_until), its status and when mem0g recorded and superseded it, oldest first.
// Parameters: $user_id, $name
// :param user_id => "demo-alice"
// :param name => "Sarah"
MATCH (e:Entity {user_id: $user_id})
WHERE e.name_norm = toLower(trim($name))
   OR any(alias IN coalesce(e.aliases, []) WHERE toLower(alias) = toLower(trim($name)))
MATCH (e)-[f:FACT]-(:Entity)
WHERE f.user_id = $user_id
WITH DISTINCT f
RETURN startNode(f).name AS subject, f.predicate AS predicate, endNode(f).name AS object,
       f.fact AS fact, f.status AS status, f.valid_from AS valid_from, f.valid_until AS valid_until,
       f.recorded_at AS recorded_at, f.superseded_at AS superseded_at, f.id AS fact_id
ORDER BY coalesce(f.valid_from, f.observed_at, f.recorded_at), f.recorded_at, f.id
