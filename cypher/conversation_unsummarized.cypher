// name: conversation_unsummarized
// A thread's summary and the messages that arrived after it (input of a summary refresh).
// Parameters: $user_id, $thread, $limit
OPTIONAL MATCH (c:Conversation {user_id: $user_id, thread: $thread})
CALL (c) {
  MATCH (ep:Episode)
  WHERE ep.user_id = $user_id AND ep.thread = $thread
    AND (c.summarized_until IS NULL OR ep.recorded_at > c.summarized_until)
  WITH ep ORDER BY ep.observed_at, ep.seq LIMIT $limit
  RETURN collect(ep {.id, .role, .name, .content, .observed_at, .recorded_at}) AS messages
}
RETURN c.summary AS summary, messages
