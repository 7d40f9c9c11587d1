// name: search_episodes_fulltext
// Episodes by keyword, restricted to the user's tenant token inside Lucene and again by user_id.
// Parameters: $user_id, $lucene (built by mem0g from words only), $k, $as_of, $agent_id, $run_id
CALL db.index.fulltext.queryNodes('episode_text', $lucene, {limit: $k * 4}) YIELD node AS ep, score
WITH ep, score
WHERE ep.user_id = $user_id
  AND ($as_of IS NULL OR ep.observed_at <= $as_of)
  AND ($agent_id IS NULL OR ep.agent_id = $agent_id)
  AND ($run_id IS NULL OR ep.run_id = $run_id)
RETURN ep.id AS id, score
ORDER BY score DESC
LIMIT $k
