// name: search_facts_vector
// Entry facts from the fact vector index. The index cannot pre-filter by user, so mem0g asks for
// $fetch neighbours (over-fetch) and keeps the user's valid ones; it widens $fetch when too few remain.
// Parameters: as search_facts_candidates, plus $vector and $fetch
CALL db.index.vector.queryRelationships('fact_embedding', $fetch, $vector) YIELD relationship AS f, score
WITH f, score
WHERE f.user_id = $user_id
  AND ($include_history
       OR ($as_of IS NULL AND f.status <> 'superseded' AND (f.valid_until IS NULL OR f.valid_until > $now))
       OR ($as_of IS NOT NULL AND (f.valid_from IS NULL OR f.valid_from <= $as_of)
           AND (f.valid_until IS NULL OR f.valid_until > $as_of)))
  AND ($agent_id IS NULL OR f.agent_id = $agent_id)
  AND ($run_id IS NULL OR f.run_id = $run_id)
  AND all(grp IN $metadata_groups WHERE any(pair IN grp WHERE pair IN f.metadata_pairs))
RETURN f.id AS id, score
ORDER BY score DESC
LIMIT $k
