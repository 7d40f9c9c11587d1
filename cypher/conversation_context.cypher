// name: conversation_context
// What the extraction call sees of a conversation: its rolling summary and its last messages.
// A thread is one (user, agent_id, run_id) conversation.
// Parameters: $user_id, $thread, $recent
OPTIONAL MATCH (c:Conversation {user_id: $user_id, thread: $thread})
CALL () {
  MATCH (ep:Episode)
  WHERE ep.user_id = $user_id AND ep.thread = $thread
  WITH ep ORDER BY ep.observed_at DESC, ep.seq DESC LIMIT $recent
  RETURN collect(ep {.id, .role, .name, .content, .observed_at}) AS recent
}
RETURN c.summary AS summary, c.summarized_until AS summarized_until,
       coalesce(c.pending, 0) AS pending, recent
