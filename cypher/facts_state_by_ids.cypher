// name: facts_state_by_ids
// The temporal state of given facts of one user: the targets of the extractor's invalidations.
// Parameters: $user_id, $ids
UNWIND $ids AS fact_id
MATCH (s:Entity)-[f:FACT {id: fact_id}]->(o:Entity)
USING INDEX f:FACT(id)
WHERE f.user_id = $user_id
RETURN f.id AS id, s.name_key AS subject_key, f.predicate_key AS predicate_key,
       o.name_key AS object_key, f.valid_from AS valid_from, f.valid_until AS valid_until,
       f.status AS status, f.cardinality AS cardinality, f.source AS sources,
       f.superseded_at AS superseded_at, f.superseded_by AS superseded_by, f.supersedes AS supersedes,
       f.asserted_at AS points
