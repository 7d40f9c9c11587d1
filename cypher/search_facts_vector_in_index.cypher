// name: search_facts_vector_in_index
// Entry facts from the fact vector index filtered by user inside the index (Cypher 25 SEARCH, Neo4j
// >= 2026.02; the index holds f.user_id, see schema_fact_embedding_in_index): the user's $fetch
// nearest facts, of which those that hold at the asked time and match the scope and metadata are
// kept. Those filters stay outside the index: the in-index rules allow only equalities and ranges
// joined by AND, and "still holds" is a missing valid_until. mem0g widens $fetch when too few remain.
// Parameters: as search_facts_candidates, plus $vector and $fetch
CYPHER 25
MATCH ()-[f:FACT]->()
  SEARCH f IN (VECTOR INDEX fact_embedding FOR $vector WHERE f.user_id = $user_id LIMIT $fetch) SCORE AS score
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
