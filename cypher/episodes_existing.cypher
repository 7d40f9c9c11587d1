// name: episodes_existing
// Which of the given episode ids one user already has: re-ingesting a chat skips those messages.
// Parameters: $user_id, $ids
UNWIND $ids AS episode_id
MATCH (ep:Episode {id: episode_id})
USING INDEX ep:Episode(id)
WHERE ep.user_id = $user_id
RETURN ep.id AS id
