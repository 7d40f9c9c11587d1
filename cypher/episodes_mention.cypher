// name: episodes_mention
// Links episodes to the entities of the facts drawn from them: (:Episode)-[:MENTIONS]->(:Entity).
// Parameters: $user_id, $rows: [{episode_id, name_key}]
UNWIND $rows AS row
MATCH (ep:Episode {id: row.episode_id})
USING INDEX ep:Episode(id)
WHERE ep.user_id = $user_id
MATCH (e:Entity {user_id: $user_id, name_key: row.name_key})
USING INDEX e:Entity(user_id, name_key)
MERGE (ep)-[:MENTIONS]->(e)
RETURN count(*) AS linked
