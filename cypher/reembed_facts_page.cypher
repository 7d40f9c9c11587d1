// name: reembed_facts_page
// One page of facts (all users) in id order, for re-embedding after a model change. The text is
// built as mem0g embeds it on ingest: the sentence, plus the triple (stored only when the sentence
// omits it).
// Parameters: $after (last id of the previous page, '' to start), $limit
MATCH ()-[f:FACT]->()
WHERE f.id > $after
RETURN f.id AS id,
       CASE WHEN f.triple_text IS NULL THEN f.fact ELSE f.fact + ' (' + f.triple_text + ')' END AS text
ORDER BY f.id
LIMIT $limit
