// name: keys_revoke
// Revokes one API key by id (of $user_id only, unless it is null: the operator's `mem0g keys revoke`).
// Revoking a revoked key keeps its first revocation time. No row when there is no such key.
// Parameters: $id, $user_id (null = any user), $now
MATCH (k:ApiKey {id: $id})
WHERE $user_id IS NULL OR k.user_id = $user_id
SET k.revoked_at = coalesce(k.revoked_at, $now)
RETURN k.id AS id, k.user_id AS user_id, k.name AS name,
       k.created_at.epochSeconds * 1000000 + k.created_at.microsecond AS created_at,
       k.revoked_at.epochSeconds * 1000000 + k.revoked_at.microsecond AS revoked_at
