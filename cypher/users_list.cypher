// name: users_list
// The users with data in this database and how much each holds.
MATCH (t:Tenant)
RETURN t.user_id AS user_id, t.fact_count AS facts, t.entity_count AS entities, t.updated_at AS updated_at
ORDER BY t.user_id
