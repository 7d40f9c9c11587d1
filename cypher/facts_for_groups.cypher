// name: facts_for_groups
// Every stored fact (any status) of the given (subject, predicate) groups of one user: what the
// resolver needs to decide restatements, supersessions and late arrivals.
// Parameters: $user_id, $groups: [{subject_key, predicate_key}]
UNWIND $groups AS g
MATCH (s:Entity {user_id: $user_id, name_key: g.subject_key})-[f:FACT]->(o:Entity)
USING INDEX s:Entity(user_id, name_key)
WHERE f.predicate_key = g.predicate_key
RETURN f.id AS id, s.name_key AS subject_key, f.predicate_key AS predicate_key,
       o.name_key AS object_key, f.valid_from AS valid_from, f.valid_until AS valid_until,
       f.status AS status, f.cardinality AS cardinality, f.source AS sources,
       f.superseded_at AS superseded_at, f.superseded_by AS superseded_by, f.supersedes AS supersedes,
       f.asserted_at AS points
