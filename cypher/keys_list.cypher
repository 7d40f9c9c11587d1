// name: keys_list
// The API keys of one user, revoked ones included, oldest first (no salt, no hash).
// Instants come back as integer microseconds since the epoch (UTC).
// Parameters: $user_id
MATCH (k:ApiKey {user_id: $user_id})
RETURN k.id AS id, k.user_id AS user_id, k.name AS name,
       k.created_at.epochSeconds * 1000000 + k.created_at.microsecond AS created_at,
       k.revoked_at.epochSeconds * 1000000 + k.revoked_at.microsecond AS revoked_at
ORDER BY k.created_at, k.id
