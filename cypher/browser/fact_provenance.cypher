// name: fact_provenance
// Where one fact of a user comes from: its sources (message or document ids), the instants it was
// asserted (asserted_at), when it was observed and recorded, the facts it superseded (supersedes) and
// the one that superseded it (superseded_by), plus the whole timeline of its subject and predicate,
// which is the supersession chain of a one-value predicate. Fact ids come from `mem0g search --json`,
// `mem0g list --json` or the fact_id column of the other saved queries.
// (agent_id and run_id are read through properties(f): the Browser warns about a property key that
// no fact in the database has yet.)
// Parameters: $user_id, $fact_id
// :param user_id => "demo-alice"
// :param fact_id => "<a fact id>"
MATCH (s:Entity)-[f:FACT {id: $fact_id}]->(o:Entity)
WHERE f.user_id = $user_id
CALL (f) {
  OPTIONAL MATCH (ps:Entity)-[p:FACT]->(po:Entity)
  WHERE p.user_id = $user_id AND p.id IN coalesce(f.supersedes, [])
  RETURN collect(p {.id, .fact, .status, .valid_from, .valid_until, .superseded_at,
                    subject: ps.name, object: po.name}) AS supersedes
}
CALL (f) {
  OPTIONAL MATCH (ns:Entity)-[n:FACT {id: f.superseded_by}]->(no:Entity)
  WHERE n.user_id = $user_id
  RETURN CASE WHEN n IS NULL THEN null
              ELSE n {.id, .fact, .status, .valid_from, .valid_until, subject: ns.name, object: no.name}
         END AS superseded_by
}
CALL (f, s) {
  MATCH (s)-[g:FACT]->(go:Entity)
  WHERE g.user_id = $user_id AND g.predicate_key = f.predicate_key
  WITH g, go ORDER BY coalesce(g.valid_from, g.observed_at, g.recorded_at), g.recorded_at
  RETURN collect(g {.id, .status, .valid_from, .valid_until, .superseded_by, object: go.name}) AS timeline
}
RETURN f.id AS fact_id, s.name AS subject, f.predicate AS predicate, o.name AS object, f.fact AS fact,
       f.status AS status, f.source AS sources, f.asserted_at AS asserted_at,
       f.observed_at AS observed_at, f.recorded_at AS recorded_at, f.valid_from AS valid_from,
       f.valid_until AS valid_until, f.superseded_at AS superseded_at, f.cardinality AS cardinality,
       properties(f).agent_id AS agent_id, properties(f).run_id AS run_id, f.metadata AS metadata,
       supersedes, superseded_by, timeline
