// name: facts_update
// Applies the resolver's changes to stored facts: interval, status, system time, provenance, links.
// Parameters: $user_id, $rows: [{id, valid_from, valid_until, status, superseded_at, superseded_by,
//             supersedes, source, asserted_at}]
UNWIND $rows AS row
MATCH ()-[f:FACT {id: row.id}]->()
USING INDEX f:FACT(id)
WHERE f.user_id = $user_id
SET f.valid_from = row.valid_from, f.valid_until = row.valid_until, f.status = row.status,
    f.superseded_at = row.superseded_at, f.superseded_by = row.superseded_by,
    f.supersedes = row.supersedes, f.source = row.source, f.asserted_at = row.asserted_at
RETURN count(f) AS updated
