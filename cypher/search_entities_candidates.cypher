// name: search_entities_candidates
// The ids of one user's entities: the pool that the exact entry search ranks by the cosine of
// their name embeddings (computed in mem0g, as for search_facts_candidates).
// Parameters: $user_id
MATCH (e:Entity {user_id: $user_id})
RETURN collect(e.id) AS ids
