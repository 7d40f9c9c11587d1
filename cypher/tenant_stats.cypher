// name: tenant_stats
// A user's fact and entity counts next to the database totals (the counts are O(1) in Neo4j).
// Parameters: $user_id
OPTIONAL MATCH (t:Tenant {user_id: $user_id})
CALL () { MATCH ()-[f:FACT]->() RETURN count(f) AS total_facts }
CALL () { MATCH (e:Entity) RETURN count(e) AS total_entities }
CALL () { MATCH (ep:Episode) RETURN count(ep) AS total_episodes }
RETURN coalesce(t.fact_count, 0) AS user_facts, coalesce(t.entity_count, 0) AS user_entities,
       coalesce(t.episode_count, 0) AS user_episodes, total_episodes,
       total_facts, total_entities
