// name: entities_lookup_alias
// Resolves keys that matched no entity's name to the user's entity carrying them as an alias key
// (the earliest created when several do). One pass over the user's entities that have aliases for
// the whole batch, instead of one scan per key.
// Parameters: $user_id, $keys (list of sha256 name keys)
MATCH (e:Entity {user_id: $user_id})
WHERE size(e.alias_keys) > 0
UNWIND e.alias_keys AS key
WITH key, e
WHERE key IN $keys
WITH key, e
ORDER BY e.created_at, e.id
WITH key, head(collect(e)) AS e
RETURN key, e.name_key AS name_key, e.id AS id, e.type AS type
