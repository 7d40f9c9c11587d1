// name: search_episodes_vector
// Episodes from the episode vector index, over-fetching $fetch and keeping the user's own.
// Parameters: $user_id, $vector, $k, $fetch, $as_of, $agent_id, $run_id (as search_episodes_exact)
CALL db.index.vector.queryNodes('episode_embedding', $fetch, $vector) YIELD node AS ep, score
WITH ep, score
WHERE ep.user_id = $user_id
  AND ($as_of IS NULL OR ep.observed_at <= $as_of)
  AND ($agent_id IS NULL OR ep.agent_id = $agent_id)
  AND ($run_id IS NULL OR ep.run_id = $run_id)
RETURN ep.id AS id, score
ORDER BY score DESC
LIMIT $k
