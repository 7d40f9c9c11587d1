// name: reembed_facts_page
// One page of facts (all users) in id order, for re-embedding after a model change.
// Parameters: $after (last id of the previous page, '' to start), $limit
MATCH ()-[f:FACT]->()
WHERE f.id > $after
RETURN f.id AS id, f.fact AS text
ORDER BY f.id
LIMIT $limit
