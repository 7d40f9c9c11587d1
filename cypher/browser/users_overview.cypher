// name: users_overview
// Every user (:Tenant) in the database with mem0g's stored counters (fact_count, entity_count) and
// live counts of the user's facts by status, largest first. Scans each user's facts through the
// fact_user index: fine for an overview, slow on a database with millions of facts.
// Parameters: none
MATCH (t:Tenant)
CALL (t) {
  OPTIONAL MATCH ()-[f:FACT]->()
  WHERE f.user_id = t.user_id
  RETURN count(f) AS facts, count(CASE WHEN f.status = 'current' THEN 1 END) AS current,
         count(CASE WHEN f.status = 'superseded' THEN 1 END) AS superseded,
         count(CASE WHEN f.status = 'ended' THEN 1 END) AS ended
}
RETURN t.user_id AS user_id, t.fact_count AS fact_count, t.entity_count AS entity_count,
       facts, current, superseded, ended, t.created_at AS created_at, t.updated_at AS updated_at
ORDER BY t.fact_count DESC, t.user_id
