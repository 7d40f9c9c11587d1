// name: search_start
// The first step of a search, in one round trip: the user's counters and the database totals
// (which decide between the exact path and the vector index), the version of the user's data
// (what the search may reuse of earlier reads, mem0g._engine.factcache), the pools of the exact
// path when the user is small enough for it (at most $exact_max facts; entities likewise), and
// the keyword entry points (Lucene over fact sentences and entity names, restricted to the user's tenant
// token inside Lucene so other users cannot crowd the user out, and again exactly by user_id).
// The exact path ranks the pools by cosine in mem0g, with the stored embeddings it keeps by id
// (reading each fact's 384 floats here cost about 20 us a fact and was most of a small user's search).
// A null $lucene_facts / $lucene_entities (a query without words) skips that keyword search.
// Parameters: $user_id, $now, $as_of (null = now), $include_history,
//             $agent_id, $run_id (null = any), $metadata_groups (list of lists of "key\u001fjson"),
//             $exact_max, $k, $lucene_facts, $lucene_entities (escaped by mem0g)
OPTIONAL MATCH (t:Tenant {user_id: $user_id})
CALL () { MATCH ()-[f:FACT]->() RETURN count(f) AS total_facts }
CALL () { MATCH (e:Entity) RETURN count(e) AS total_entities }
WITH coalesce(t.fact_count, 0) AS user_facts, coalesce(t.entity_count, 0) AS user_entities,
     t.version AS version, total_facts, total_entities
CALL (user_facts) {
  // An empty UNWIND runs no index seek at all (a WHERE on user_facts was checked per fact).
  UNWIND CASE WHEN 0 < user_facts <= $exact_max THEN [$user_id] ELSE [] END AS small_user
  MATCH ()-[f:FACT]->()
  USING INDEX f:FACT(user_id)
  WHERE f.user_id = small_user
    AND ($include_history
         OR ($as_of IS NULL AND f.status <> 'superseded' AND (f.valid_until IS NULL OR f.valid_until > $now))
         OR ($as_of IS NOT NULL AND (f.valid_from IS NULL OR f.valid_from <= $as_of)
             AND (f.valid_until IS NULL OR f.valid_until > $as_of)))
    AND ($agent_id IS NULL OR f.agent_id = $agent_id)
    AND ($run_id IS NULL OR f.run_id = $run_id)
    AND all(grp IN $metadata_groups WHERE any(pair IN grp WHERE pair IN f.metadata_pairs))
  RETURN collect(f.id) AS fact_pool
}
CALL (user_facts, user_entities) {
  UNWIND CASE WHEN user_facts > 0 AND user_entities <= $exact_max THEN [$user_id] ELSE [] END AS small_user
  MATCH (e:Entity {user_id: small_user})
  USING INDEX e:Entity(user_id)
  RETURN collect(e.id) AS entity_pool
}
CALL (user_facts) {
  WITH user_facts WHERE user_facts > 0 AND $lucene_facts IS NOT NULL
  CALL db.index.fulltext.queryRelationships('fact_text', $lucene_facts, {limit: $k * 4}) YIELD relationship AS f, score
  WITH f, score
  WHERE f.user_id = $user_id
    AND ($include_history
         OR ($as_of IS NULL AND f.status <> 'superseded' AND (f.valid_until IS NULL OR f.valid_until > $now))
         OR ($as_of IS NOT NULL AND (f.valid_from IS NULL OR f.valid_from <= $as_of)
             AND (f.valid_until IS NULL OR f.valid_until > $as_of)))
    AND ($agent_id IS NULL OR f.agent_id = $agent_id)
    AND ($run_id IS NULL OR f.run_id = $run_id)
    AND all(grp IN $metadata_groups WHERE any(pair IN grp WHERE pair IN f.metadata_pairs))
  WITH f, score ORDER BY score DESC, f.id LIMIT $k
  RETURN collect(f.id) AS fact_keywords
}
CALL (user_facts) {
  WITH user_facts WHERE user_facts > 0 AND $lucene_entities IS NOT NULL
  CALL db.index.fulltext.queryNodes('entity_text', $lucene_entities, {limit: $k * 4}) YIELD node AS e, score
  WITH e, score WHERE e.user_id = $user_id
  WITH e, score ORDER BY score DESC, e.id LIMIT $k
  RETURN collect(e.id) AS entity_keywords
}
RETURN user_facts, user_entities, total_facts, total_entities, version,
       CASE WHEN 0 < user_facts <= $exact_max THEN fact_pool END AS fact_pool,
       CASE WHEN user_facts > 0 AND user_entities <= $exact_max THEN entity_pool END AS entity_pool,
       fact_keywords, entity_keywords
