// name: facts_rank_fields
// What ranking needs of the facts a search reached, before it knows which it returns: status,
// validity, when recorded and the fact that superseded it (instants as integer microseconds since
// the epoch). The full records are read for the returned hits only (facts_by_ids).
// One row, a list per fact ([id, status, valid_from, valid_until, recorded_at, superseded_by]):
// a row per fact cost more in the Python driver than the values.
// Parameters: $user_id, $ids
UNWIND $ids AS fact_id
MATCH ()-[f:FACT {id: fact_id}]->()
USING INDEX f:FACT(id)
WHERE f.user_id = $user_id
RETURN collect([f.id, f.status,
                f.valid_from.epochSeconds * 1000000 + f.valid_from.microsecond,
                f.valid_until.epochSeconds * 1000000 + f.valid_until.microsecond,
                f.recorded_at.epochSeconds * 1000000 + f.recorded_at.microsecond,
                f.superseded_by]) AS facts
