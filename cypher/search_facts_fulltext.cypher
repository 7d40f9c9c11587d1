// name: search_facts_fulltext
// Entry facts by keyword: Lucene query over fact sentences, restricted to the user's tenant token
// inside Lucene (so other users cannot crowd the user out) and again exactly by user_id.
// Parameters: as search_facts_candidates, plus $lucene (escaped by mem0g)
CALL db.index.fulltext.queryRelationships('fact_text', $lucene, {limit: $k * 4}) YIELD relationship AS f, score
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
