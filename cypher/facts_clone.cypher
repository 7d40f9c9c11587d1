// name: facts_clone
// Creates the continuation of a stored fact: same entities, text and embedding, a new interval.
// Needed when an older-dated change cuts a value that later statements still asserted.
// Parameters: $user_id, $rows: [{clone_of, props}] (props: id, interval, status, provenance; nulls clear)
UNWIND $rows AS row
MATCH (s:Entity)-[src:FACT {id: row.clone_of}]->(o:Entity)
WHERE src.user_id = $user_id
CREATE (s)-[f:FACT]->(o)
SET f = properties(src)
SET f += row.props
RETURN count(f) AS created
