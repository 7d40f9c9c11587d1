// name: keys_lookup
// The stored salt and hash of the API key with this id (the id is the key's public prefix); the
// caller compares the hash in constant time. Database-wide on purpose: the key decides the user.
// Parameters: $id
MATCH (k:ApiKey {id: $id})
RETURN k.user_id AS user_id, k.salt AS salt, k.hash AS hash, k.revoked_at IS NOT NULL AS revoked
