// name: entities_lookup
// Resolves normalised-name keys to a user's existing entities, by name first, then by alias.
// Parameters: $user_id, $keys (list of sha256 name keys)
UNWIND $keys AS key
OPTIONAL MATCH (byName:Entity {user_id: $user_id, name_key: key})
OPTIONAL CALL (key, byName) {
  WITH key WHERE byName IS NULL
  MATCH (e:Entity {user_id: $user_id}) WHERE key IN e.alias_keys
  RETURN e AS byAlias ORDER BY e.created_at LIMIT 1
}
WITH key, coalesce(byName, byAlias) AS e
WHERE e IS NOT NULL
RETURN key, e.name_key AS name_key, e.id AS id, e.type AS type
