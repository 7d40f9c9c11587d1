// name: bench_duplicate_entities
// Benchmark check (bench/run.py): per user, entity nodes that share a normalised name (should be none).
// Counts nodes beyond the first of each (user_id, name_norm) group; lists a few example names.
// Parameters: $user_ids (list of user ids to check)
MATCH (e:Entity)
WHERE e.user_id IN $user_ids
WITH e.user_id AS user_id, toLower(trim(coalesce(e.name_norm, e.name))) AS name, count(*) AS copies
WITH user_id, count(*) AS names, sum(copies) AS nodes,
     sum(CASE WHEN copies > 1 THEN copies - 1 ELSE 0 END) AS duplicates,
     collect(CASE WHEN copies > 1 THEN name END)[0..10] AS examples
RETURN user_id, names, nodes, duplicates, examples
ORDER BY user_id
