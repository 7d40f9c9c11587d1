// name: facts_create
// Creates facts between a user's entities. Each row's props map has fixed keys set by mem0g.
// Parameters: $user_id, $rows: [{subject_key, object_key, props}]
UNWIND $rows AS row
MATCH (s:Entity {user_id: $user_id, name_key: row.subject_key})
USING INDEX s:Entity(user_id, name_key)
MATCH (o:Entity {user_id: $user_id, name_key: row.object_key})
USING INDEX o:Entity(user_id, name_key)
CREATE (s)-[f:FACT]->(o)
SET f = row.props
RETURN count(f) AS created
