// name: user_current_graph
// A user's current graph: the user's entities and the FACT relationships between them that hold now
// (status is not 'superseded' and valid_until is null or in the future). Show it in the Graph view;
// with mem0g.grass loaded, entities are captioned by name and facts by predicate. Turn off
// "Connect result nodes" in the Browser settings, or it also draws superseded facts between these nodes.
// Parameters: $user_id
// :param user_id => "demo-alice"
MATCH (s:Entity {user_id: $user_id})-[f:FACT]->(o:Entity {user_id: $user_id})
WHERE f.user_id = $user_id
  AND f.status <> 'superseded'
  AND (f.valid_until IS NULL OR f.valid_until > datetime())
RETURN s, f, o
