// name: entities_lookup
// Resolves normalised-name keys to a user's existing entities by name (an index seek per key).
// Keys that match no name are then looked up among aliases by entities_lookup_alias.
// Parameters: $user_id, $keys (list of sha256 name keys)
UNWIND $keys AS key
MATCH (e:Entity {user_id: $user_id, name_key: key})
USING INDEX e:Entity(user_id, name_key)
RETURN key, e.name_key AS name_key, e.id AS id, e.type AS type
