// name: tenant_episode_count
// Adds to a user's episode counter (kept for choosing exact or index-backed episode search).
// Parameters: $user_id, $episodes
MATCH (t:Tenant {user_id: $user_id})
SET t.episode_count = coalesce(t.episode_count, 0) + $episodes
