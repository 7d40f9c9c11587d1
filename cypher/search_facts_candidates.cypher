// name: search_facts_candidates
// The ids of one user's facts that hold at the asked time and pass the filters: the pool that the
// exact entry search ranks by cosine in mem0g. A small user's pool comes with search_start; this
// one serves a larger user whose index search falls back to exact (the over-fetch grew too large).
// Exact, so a small user never vanishes behind other users' vectors in a global top-k.
// Parameters: $user_id, $now, $as_of (null = now), $include_history,
//             $agent_id, $run_id (null = any), $metadata_groups (list of lists of "key\u001fjson")
MATCH ()-[f:FACT]->()
WHERE f.user_id = $user_id
  AND ($include_history
       OR ($as_of IS NULL AND f.status <> 'superseded' AND (f.valid_until IS NULL OR f.valid_until > $now))
       OR ($as_of IS NOT NULL AND (f.valid_from IS NULL OR f.valid_from <= $as_of)
           AND (f.valid_until IS NULL OR f.valid_until > $as_of)))
  AND ($agent_id IS NULL OR f.agent_id = $agent_id)
  AND ($run_id IS NULL OR f.run_id = $run_id)
  AND all(grp IN $metadata_groups WHERE any(pair IN grp WHERE pair IN f.metadata_pairs))
RETURN collect(f.id) AS ids
