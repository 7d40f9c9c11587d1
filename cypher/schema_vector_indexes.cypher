// name: schema_vector_indexes
// The vector indexes mem0g relies on, with their configured dimension (used to detect a mismatch
// between the configured embedding model and an existing index).
SHOW VECTOR INDEXES YIELD name, entityType, labelsOrTypes, properties, options, state
WHERE name IN ['entity_embedding', 'fact_embedding', 'episode_embedding']
RETURN name, entityType, labelsOrTypes, properties, state,
       options.indexConfig['vector.dimensions'] AS dimensions
