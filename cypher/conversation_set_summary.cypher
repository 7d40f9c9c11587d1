// name: conversation_set_summary
// Stores a refreshed rolling summary; messages recorded up to $until are now covered by it.
// Parameters: $user_id, $thread, $summary, $until, $covered, $now, $prompt_version
MATCH (c:Conversation {user_id: $user_id, thread: $thread})
SET c.summary = $summary, c.summarized_until = $until, c.summary_updated_at = $now,
    c.pending = CASE WHEN c.pending > $covered THEN c.pending - $covered ELSE 0 END,
    c.summary_prompt_version = $prompt_version
RETURN c.pending AS pending
