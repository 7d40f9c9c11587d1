// name: facts_clone
// Creates the continuation of a stored fact: same entities, text and embedding, a new interval.
// Needed when an older-dated change cuts a value that later statements still asserted.
// Parameters: $user_id, $rows: [{clone_of, id, valid_from, valid_until, recorded_at, superseded_at,
//             superseded_by, supersedes, status, source, asserted_at}]
UNWIND $rows AS row
MATCH (s:Entity)-[src:FACT {id: row.clone_of}]->(o:Entity)
USING INDEX src:FACT(id)
WHERE src.user_id = $user_id
CREATE (s)-[f:FACT]->(o)
SET f = src {.*, id: row.id, valid_from: row.valid_from, valid_until: row.valid_until,
             recorded_at: row.recorded_at, superseded_at: row.superseded_at,
             superseded_by: row.superseded_by, supersedes: row.supersedes, status: row.status,
             source: row.source, asserted_at: row.asserted_at}
RETURN count(f) AS created
