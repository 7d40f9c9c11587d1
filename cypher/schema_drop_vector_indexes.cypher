// name: schema_drop_vector_indexes
// Drops one of mem0g's vector indexes by name (used by `mem0g init --reindex` before recreating it).
// Parameters: $name
DROP INDEX $name IF EXISTS
