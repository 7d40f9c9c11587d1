// name: reembed_entities_page
// One page of entities (all users) in id order, for re-embedding after a model change.
// Parameters: $after (last id of the previous page, '' to start), $limit
MATCH (e:Entity)
WHERE e.id > $after
RETURN e.id AS id, e.name AS text
ORDER BY e.id
LIMIT $limit
