// name: fact_delete
// Hard-deletes one fact of one user (an explicit user delete), unlinking facts that pointed at it.
// Parameters: $user_id, $id
MATCH ()-[f:FACT {id: $id}]->()
USING INDEX f:FACT(id)
WHERE f.user_id = $user_id
OPTIONAL MATCH ()-[other:FACT]->()
WHERE other.user_id = $user_id AND (other.superseded_by = $id OR $id IN coalesce(other.supersedes, []))
SET other.supersedes = [x IN coalesce(other.supersedes, []) WHERE x <> $id],
    other.superseded_by = CASE other.superseded_by WHEN $id THEN null ELSE other.superseded_by END
WITH DISTINCT f
MATCH (t:Tenant {user_id: $user_id})
SET t.fact_count = t.fact_count - 1, t.version = randomUUID()
DELETE f
RETURN count(*) AS deleted
