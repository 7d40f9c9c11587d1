// name: forget_user
// Removes everything of exactly one user: entities (with their facts), episodes, conversations, the
// tenant node and the user's API keys, in batches so that a large user does not need one huge
// transaction. Run as an auto-commit query.
// Parameters: $user_id
CALL {
  MATCH (n:Entity {user_id: $user_id}) RETURN n
  UNION
  MATCH (n:Episode {user_id: $user_id}) RETURN n
  UNION
  MATCH (n:Conversation {user_id: $user_id}) RETURN n
  UNION
  MATCH (n:Tenant {user_id: $user_id}) RETURN n
  UNION
  MATCH (n:ApiKey {user_id: $user_id}) RETURN n
}
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 2000 ROWS
RETURN count(*) AS deleted
