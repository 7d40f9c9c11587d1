// name: episodes_by_ids
// Full records of given episodes of one user, with their similarity to the query vector.
// Parameters: $user_id, $ids, $vector
UNWIND $ids AS episode_id
MATCH (ep:Episode {id: episode_id})
USING INDEX ep:Episode(id)
WHERE ep.user_id = $user_id
RETURN ep {.id, .content, .role, .name, .observed_at, .source_id, .agent_id, .run_id} AS ep,
       vector.similarity.cosine(ep.embedding, $vector) AS score
