// name: fact_episodes
// The raw messages (episodes) a fact was drawn from: episodes whose id or caller id (e.g. LoCoMo's
// "D1:3") is in the fact's source, in the order they were said, and the entities each mentions.
// Parameters: $user_id, $fact_id
// :param user_id => "demo-alice"
// :param fact_id => "<a fact id>"
MATCH ()-[f:FACT {id: $fact_id}]->()
WHERE f.user_id = $user_id
MATCH (ep:Episode {user_id: $user_id})
WHERE ep.id IN f.source OR ep.source_id IN f.source
OPTIONAL MATCH (ep)-[:MENTIONS]->(e:Entity)
WITH ep, collect(e.name) AS mentions
ORDER BY ep.observed_at, ep.seq
RETURN ep.observed_at AS said_at, ep.role AS role, ep.name AS name, ep.content AS content,
       ep.source_id AS message_id, mentions, ep.prompt_version AS prompt_version
