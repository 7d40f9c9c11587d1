// name: search_expand
// One hop of graph expansion: the facts touching the frontier entities (either direction) that
// hold at the asked time, best first by similarity to the query, skipping facts already reached.
// Parameters: as search_facts_exact, plus $frontier (entity ids), $seen (fact ids), $per_hop
UNWIND $frontier AS entity_id
MATCH (e:Entity {id: entity_id})-[f:FACT]-(other:Entity)
WHERE f.user_id = $user_id AND e.user_id = $user_id AND NOT f.id IN $seen
  AND ($include_history
       OR ($as_of IS NULL AND f.status <> 'superseded' AND (f.valid_until IS NULL OR f.valid_until > $now))
       OR ($as_of IS NOT NULL AND (f.valid_from IS NULL OR f.valid_from <= $as_of)
           AND (f.valid_until IS NULL OR f.valid_until > $as_of)))
  AND ($agent_id IS NULL OR f.agent_id = $agent_id)
  AND ($run_id IS NULL OR f.run_id = $run_id)
  AND all(grp IN $metadata_groups WHERE any(pair IN grp WHERE pair IN f.metadata_pairs))
WITH f, e, other, vector.similarity.cosine(f.embedding, $vector) AS score
ORDER BY score DESC
LIMIT $per_hop
RETURN f.id AS id, e.id AS via, other.id AS reached, score,
       startNode(f).name AS subject, f.predicate AS predicate, endNode(f).name AS object
