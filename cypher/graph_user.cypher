// name: graph_user
// One user's graph for export: entities and the facts between them, optionally as of an instant
// (null: every fact, any status).
// Parameters: $user_id, $as_of
MATCH (e:Entity {user_id: $user_id})
OPTIONAL MATCH (e)-[f:FACT]->(o:Entity)
WHERE f.user_id = $user_id
  AND ($as_of IS NULL OR ((f.valid_from IS NULL OR f.valid_from <= $as_of)
                          AND (f.valid_until IS NULL OR f.valid_until > $as_of)))
RETURN e {.id, .name, .type, .aliases, .is_self, labels: labels(e)} AS entity,
       collect(CASE WHEN f IS NULL THEN null
               ELSE f {.*, embedding: null, metadata_pairs: null, tenant: null, object_id: o.id} END) AS facts
