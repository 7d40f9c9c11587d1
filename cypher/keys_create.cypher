// name: keys_create
// Stores a new API key of one user: its id, name and a salted HMAC-SHA256 of the secret (never the
// secret itself). The id is unique (constraint api_key_id). Instants as integer microseconds (UTC).
// Parameters: $user_id, $id, $name, $salt, $hash, $now
CREATE (k:ApiKey {id: $id, user_id: $user_id, name: $name, salt: $salt, hash: $hash, created_at: $now})
RETURN k.id AS id, k.user_id AS user_id, k.name AS name,
       k.created_at.epochSeconds * 1000000 + k.created_at.microsecond AS created_at,
       null AS revoked_at
