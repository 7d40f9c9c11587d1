// name: bench_user_fact_vectors
// Benchmark reference (bench/run.py): every fact of one user with its embedding, for an exact cosine
// search in numpy to measure the recall of mem0g's entry points against (the facts a search may
// return at its asked time come from Memory.get_all).
// Parameters: $user_id
MATCH ()-[f:FACT]->()
WHERE f.user_id = $user_id
RETURN f.id AS id, f.embedding AS embedding
