// name: search_episodes_vector_in_index
// Episodes from the episode vector index filtered by user inside the index (Cypher 25 SEARCH, Neo4j
// >= 2026.02; see schema_episode_embedding_in_index): the user's $fetch nearest episodes, of which
// those observed by $as_of and of the asked agent and run are kept.
// Parameters: $user_id, $vector, $k, $fetch, $as_of, $agent_id, $run_id (as search_episodes_exact)
CYPHER 25
MATCH (ep:Episode)
  SEARCH ep IN (VECTOR INDEX episode_embedding FOR $vector WHERE ep.user_id = $user_id LIMIT $fetch) SCORE AS score
WITH ep, score
WHERE ep.user_id = $user_id
  AND ($as_of IS NULL OR ep.observed_at <= $as_of)
  AND ($agent_id IS NULL OR ep.agent_id = $agent_id)
  AND ($run_id IS NULL OR ep.run_id = $run_id)
RETURN ep.id AS id, score
ORDER BY score DESC
LIMIT $k
