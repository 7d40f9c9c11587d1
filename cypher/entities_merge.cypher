// name: entities_merge
// Creates the entities of a batch that do not exist yet, and adds aliases and a first type to those
// that do. Labels come only from mem0g's validated vocabulary (row.labels); data never becomes Cypher.
// Parameters: $user_id, $tenant, $now, $rows: [{id, name, name_norm, name_key, type, labels,
//             aliases, alias_keys, embedding, is_self}]
UNWIND $rows AS row
MERGE (e:Entity {user_id: $user_id, name_key: row.name_key})
  ON CREATE SET e.id = row.id, e.name = row.name, e.name_norm = row.name_norm, e.type = row.type,
                e.aliases = row.aliases, e.alias_keys = row.alias_keys, e.embedding = row.embedding,
                e.is_self = row.is_self, e.created_at = $now, e.tenant = $tenant, e._created = true
WITH e, row, coalesce(e._created, false) AS created
REMOVE e._created
SET e.type = coalesce(e.type, row.type),
    e.aliases = e.aliases + [a IN row.aliases WHERE NOT a IN e.aliases],
    e.alias_keys = e.alias_keys + [k IN row.alias_keys WHERE NOT k IN e.alias_keys]
SET e.aliases_text = reduce(s = '', a IN e.aliases | s + ' ' + a)
SET e:$(row.labels)
RETURN row.name_key AS name_key, e.id AS id, created
