// name: bench_user_fact_vectors
// Benchmark reference (bench/run.py): every fact of one user with its embedding and validity, for an
// exact cosine search in numpy to measure the recall of mem0g's index-backed search against.
// Parameters: $user_id
MATCH ()-[f:FACT]->()
WHERE f.user_id = $user_id
RETURN f.id AS id, f.embedding AS embedding, f.status AS status,
       f.valid_from AS valid_from, f.valid_until AS valid_until
