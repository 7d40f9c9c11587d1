// name: tenant_counts
// Adds to a user's fact and entity counters (kept for choosing exact or index-backed search).
// Parameters: $user_id, $facts, $entities
MATCH (t:Tenant {user_id: $user_id})
SET t.fact_count = t.fact_count + $facts, t.entity_count = t.entity_count + $entities
