// name: search_entities_candidates
// The ids of one user's entities: the pool that the exact entry search ranks by the cosine of
// their name embeddings (in mem0g), when the index search falls back to exact (see
// search_facts_candidates; a small user's pool comes with search_start).
// Parameters: $user_id
MATCH (e:Entity {user_id: $user_id})
RETURN collect(e.id) AS ids
