// name: episodes_create
// Stores raw messages as episodes of one user (the provenance of the facts drawn from them).
// Parameters: $user_id, $tenant, $now, $rows: [{id, role, name, content, observed_at, seq, thread,
//             agent_id, run_id, source_id, metadata, prompt_version, embedding}]
UNWIND $rows AS row
CREATE (ep:Episode {id: row.id})
SET ep.user_id = $user_id, ep.tenant = $tenant, ep.recorded_at = $now,
    ep.role = row.role, ep.name = row.name, ep.content = row.content,
    ep.observed_at = row.observed_at, ep.seq = row.seq, ep.thread = row.thread,
    ep.agent_id = row.agent_id, ep.run_id = row.run_id, ep.source_id = row.source_id,
    ep.metadata = row.metadata, ep.prompt_version = row.prompt_version, ep.embedding = row.embedding
RETURN count(ep) AS created
