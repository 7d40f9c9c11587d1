// name: reembed_episodes_page
// One page of episodes (all users) in id order, for re-embedding after a model change. The text is
// built as mem0g embeds it on ingest: "name: content" when the speaker has a name.
// Parameters: $after (last id of the previous page, '' to start), $limit
MATCH (ep:Episode)
WHERE ep.id > $after
RETURN ep.id AS id, CASE WHEN ep.name IS NULL THEN ep.content ELSE ep.name + ': ' + ep.content END AS text
ORDER BY ep.id
LIMIT $limit
