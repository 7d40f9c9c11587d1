// name: tenant_lock
// First statement of every write transaction for one user: creates the user's :Tenant node and takes
// its write lock, so writers of the same user are serialised (no duplicate entities, no two current
// facts) while different users write in parallel. A new random `version` tells searches that what
// they kept of this user's facts may be stale (mem0g._engine.factcache).
// Parameters: $user_id, $tenant, $now
MERGE (t:Tenant {user_id: $user_id})
  ON CREATE SET t.created_at = $now, t.tenant = $tenant, t.fact_count = 0, t.entity_count = 0
SET t.updated_at = $now, t.version = randomUUID()
RETURN t.fact_count AS fact_count, t.entity_count AS entity_count
