// name: search_expand
// One hop of graph expansion: the facts touching the frontier entities (either direction) that
// hold at the asked time, skipping facts already reached, best first by path similarity.
// A frontier entry is {entity, via, path_sim, share}: `via` is the id of the fact that led to the entity
// and `path_sim` that path's similarity to the query; both are null for an entity the query named
// (its facts are about it and rank by their own similarity `sim`). Otherwise a fact continues a
// chain and ranks by the cosine between the query and the sum of the path's last two sentences:
//   (path_sim + sim) / sqrt(2 + 2 * link),  link = cosine(via fact, this fact)
// (mem0g._engine.ranking.path_similarity is the same formula; cosines here are raw, in -1..1).
// A sibling of the via fact (same predicate, the entity in the same role: another employee of the
// same company) restates the path for someone else rather than continuing it: own similarity.
// Direct matches ($entries) come back only where they continue a chain, which may re-rank them.
// Budget: a frontier entry with share 1 keeps its best fact (quota) whatever the others score, then the
// best $per_hop of the rest. Without it, the hubs of a crowded name (dozens of people called Larsen)
// fill the whole hop and the bridge that continues the asked chain gets no slot.
// Parameters: as search_facts_exact, plus $frontier (list of maps), $seen and $entries (fact ids),
//             $per_hop
UNWIND $frontier AS fr
MATCH (e:Entity {id: fr.entity})
WHERE e.user_id = $user_id
OPTIONAL MATCH (e)-[via:FACT {id: fr.via}]-()
MATCH (e)-[f:FACT]-(other:Entity)
WHERE f.user_id = $user_id AND NOT f.id IN $seen
  AND ($include_history
       OR ($as_of IS NULL AND f.status <> 'superseded' AND (f.valid_until IS NULL OR f.valid_until > $now))
       OR ($as_of IS NOT NULL AND (f.valid_from IS NULL OR f.valid_from <= $as_of)
           AND (f.valid_until IS NULL OR f.valid_until > $as_of)))
  AND ($agent_id IS NULL OR f.agent_id = $agent_id)
  AND ($run_id IS NULL OR f.run_id = $run_id)
  AND all(grp IN $metadata_groups WHERE any(pair IN grp WHERE pair IN f.metadata_pairs))
WITH f, e, other, fr, 2 * vector.similarity.cosine(f.embedding, $vector) - 1 AS sim,
     CASE WHEN via IS NULL OR (f.predicate = via.predicate AND (startNode(f) = e) = (startNode(via) = e))
          THEN null
          ELSE 2 * vector.similarity.cosine(f.embedding, via.embedding) - 1 END AS link
WITH f, e, other, fr, sim, link,
     CASE WHEN link IS NULL OR fr.path_sim IS NULL THEN sim
          WHEN link <= -0.999999 THEN 1.0
          ELSE (fr.path_sim + sim) / sqrt(2 + 2 * link) END AS rank
WHERE NOT f.id IN $entries OR (link IS NOT NULL AND fr.path_sim IS NOT NULL)
WITH e, fr.share AS quota, {id: f.id, via: e.id, reached: other.id, sim: sim, link: link, rank: rank, f: f} AS row
ORDER BY row.rank DESC, row.id
WITH e, quota, collect(row) AS rows
UNWIND range(0, size(rows) - 1) AS position
WITH rows[position] AS row, position < quota AS kept
ORDER BY kept DESC, row.rank DESC, row.id
WITH collect(row) AS ordered, sum(CASE WHEN kept THEN 1 ELSE 0 END) AS kept
UNWIND ordered[..kept + $per_hop] AS row
WITH row ORDER BY row.rank DESC, row.id
RETURN row.id AS id, row.via AS via, row.reached AS reached, row.sim AS sim, row.link AS link,
       startNode(row.f).name AS subject, row.f.predicate AS predicate, endNode(row.f).name AS object
