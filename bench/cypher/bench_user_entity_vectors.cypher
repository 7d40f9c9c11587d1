// name: bench_user_entity_vectors
// Benchmark reference (bench/run.py): every entity of one user with its name embedding, for an exact
// cosine search in numpy to measure the recall of mem0g's index-backed entity search against.
// Parameters: $user_id
MATCH (e:Entity {user_id: $user_id})
RETURN e.id AS id, e.embedding AS embedding
