// name: conversation_touch
// Counts messages added to a thread since its summary was last refreshed.
// Parameters: $user_id, $thread, $agent_id, $run_id, $messages, $now
MERGE (c:Conversation {user_id: $user_id, thread: $thread})
  ON CREATE SET c.agent_id = $agent_id, c.run_id = $run_id, c.created_at = $now, c.pending = 0
SET c.pending = coalesce(c.pending, 0) + $messages, c.updated_at = $now
RETURN c.pending AS pending
