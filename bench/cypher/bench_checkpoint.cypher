// name: bench_checkpoint
// Benchmark helper (bench/run.py): flush the page cache to the store files before measuring their size.
CALL db.checkpoint() YIELD success, message
RETURN success, message
