// name: search_episodes_exact
// Episodes (raw messages) of one user by exact cosine similarity, optionally only those said at or
// before $as_of and of one agent/run. Exact, so a small user never vanishes behind other users.
// Parameters: $user_id, $vector, $k, $as_of (null = any time), $agent_id, $run_id (null = any)
MATCH (ep:Episode {user_id: $user_id})
USING INDEX ep:Episode(user_id, observed_at)
WHERE ep.observed_at IS NOT NULL  // always set: lets the (user_id, observed_at) index find them
  AND ($as_of IS NULL OR ep.observed_at <= $as_of)
  AND ($agent_id IS NULL OR ep.agent_id = $agent_id)
  AND ($run_id IS NULL OR ep.run_id = $run_id)
  AND ep.embedding IS NOT NULL
WITH ep, vector.similarity.cosine(ep.embedding, $vector) AS score
ORDER BY score DESC
LIMIT $k
RETURN ep.id AS id, score
