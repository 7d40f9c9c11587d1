// name: facts_link_supersedes
// Records on a fact that it replaced another (an invalidation judged by the extractor).
// Parameters: $user_id, $rows: [{id, old}]
UNWIND $rows AS row
MATCH ()-[f:FACT {id: row.id}]->()
USING INDEX f:FACT(id)
WHERE f.user_id = $user_id
SET f.supersedes = coalesce(f.supersedes, []) + [x IN [row.old] WHERE NOT x IN coalesce(f.supersedes, [])]
RETURN count(f) AS linked
