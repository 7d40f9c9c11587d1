// name: search_expand
// One hop of graph expansion: the facts touching the frontier entities (either direction) that
// hold at the asked time and pass the filters. mem0g scores and
// cuts them (mem0g._engine.expansion: path similarity, a quota per bridge, $per_hop of the rest)
// with the stored embeddings it keeps by id, so no embedding is read here.
// A frontier entry is {entity, via, path_sim, share}: `via` is the id of the fact that led to the
// entity (null for an entity the query named). `sibling` marks a fact with the via fact's predicate
// and the entity in the same role (another employee of the same company): it restates the path
// for someone else rather than continuing it.
// Each entity gives at most $out_cap facts it is the subject of and $in_cap facts pointing at it:
// a hub (a city, a company, a food many people like) has thousands of incoming facts, and reading
// them all made a hop cost tens of milliseconds at 100k facts. The LIMITs stop the walk early, in
// the store's order, which in Neo4j's record format is newest relationship first.
// No predicate here can be answered by an index (no equality on f.user_id or f.id): with one, the
// planner chose, on some statistics (a small or emptied database), to scan the whole FACT user_id
// or id index and join it to the frontier instead of walking each entity's relationships. A fact
// joins two entities of one user, so the user's entity `e` already scopes its facts; facts
// reached at an earlier hop are dropped by mem0g (the LIMITs leave room for them).
// One row per frontier entity, with parallel lists: a row per fact cost more in the Python driver.
// Parameters: as search_facts_candidates, plus $frontier (list of maps),
//             $out_cap and $in_cap (facts per entity and direction)
UNWIND $frontier AS fr
MATCH (e:Entity {id: fr.entity})
USING INDEX e:Entity(id)
WHERE e.user_id = $user_id
OPTIONAL MATCH ()-[via:FACT {id: fr.via}]->()
USING INDEX via:FACT(id)
CALL (e) {
  MATCH (e)-[f:FACT]->(other:Entity)
  WHERE ($include_history
         OR ($as_of IS NULL AND f.status <> 'superseded' AND (f.valid_until IS NULL OR f.valid_until > $now))
         OR ($as_of IS NOT NULL AND (f.valid_from IS NULL OR f.valid_from <= $as_of)
             AND (f.valid_until IS NULL OR f.valid_until > $as_of)))
    AND ($agent_id IS NULL OR f.agent_id = $agent_id)
    AND ($run_id IS NULL OR f.run_id = $run_id)
    AND all(grp IN $metadata_groups WHERE any(pair IN grp WHERE pair IN f.metadata_pairs))
  RETURN f, other LIMIT $out_cap
  UNION ALL
  MATCH (e)<-[f:FACT]-(other:Entity)
  WHERE ($include_history
         OR ($as_of IS NULL AND f.status <> 'superseded' AND (f.valid_until IS NULL OR f.valid_until > $now))
         OR ($as_of IS NOT NULL AND (f.valid_from IS NULL OR f.valid_from <= $as_of)
             AND (f.valid_until IS NULL OR f.valid_until > $as_of)))
    AND ($agent_id IS NULL OR f.agent_id = $agent_id)
    AND ($run_id IS NULL OR f.run_id = $run_id)
    AND all(grp IN $metadata_groups WHERE any(pair IN grp WHERE pair IN f.metadata_pairs))
  RETURN f, other LIMIT $in_cap
}
WITH e, f, other,
     via IS NOT NULL AND f.predicate = via.predicate AND (startNode(f) = e) = (startNode(via) = e) AS sibling
RETURN e.id AS via, collect(f.id) AS ids, collect(other.id) AS reached, collect(sibling) AS siblings
