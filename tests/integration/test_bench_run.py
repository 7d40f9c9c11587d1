"""``bench.run`` end to end on a tiny multi-user world: the code path of the 1M run (many users in one
database), which takes hours on a real machine, checked here in seconds against the test Neo4j.

Only the mechanics are asserted (every fact stored and audited, every query timed and scored, the
world's truth met); no latency figure is.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.run import main
from bench.world import read_facts, read_queries
from mem0g import Memory


def test_bench_run_on_a_multi_user_world(
    settings_kwargs: dict[str, object],
    session_memory: Memory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # run_one reads the credentials from the environment like any mem0g process.
    monkeypatch.setenv("NEO4J_USER", str(settings_kwargs["neo4j_user"]))
    if settings_kwargs["neo4j_password"] is not None:
        monkeypatch.setenv("NEO4J_PASSWORD", str(settings_kwargs["neo4j_password"]))
    result_file = tmp_path / "result.json"
    worlds = tmp_path / "worlds"
    main(
        [
            "--size", "240:3",
            "--queries", "24",
            "--warmup", "4",
            "--recall-facts", "60",
            "--recall-queries", "6",
            "--worlds", str(worlds),
            "--out", str(tmp_path / "out"),
            "--neo4j-uri", str(settings_kwargs["neo4j_uri"]),
            "--result-file", str(result_file),
            "--command", "pytest",
        ]
    )  # fmt: skip
    result = json.loads(result_file.read_text(encoding="utf-8"))
    world = worlds / f"{result['label']}-s7"
    facts = list(read_facts(world / "facts.jsonl"))
    queries = read_queries(world / "queries.jsonl")
    users = sorted({f["user_id"] for f in facts})
    try:
        assert result["users"] == 3 and len(users) == 3
        assert result["facts"] == len(facts) >= 240  # about the size asked: 4 people per user at least
        assert result["ingest"]["facts"] == len(facts)
        assert result["ingest"]["batches"] == 3  # one batch per user: batches never mix users

        audit = result["store_audit"]
        assert audit["timelines"] > 0
        assert audit["wrong_current"] == 0 and audit["wrong_superseded"] == 0
        assert audit["timelines_exact"] == audit["timelines"]
        assert result["duplicates"]["duplicates"] == 0

        # Every user's facts are stored under that user only.
        for user in users:
            own = {f["subject"].lower() for f in facts if f["user_id"] == user}
            stored = session_memory.get_all(user_id=user)
            assert stored and {s.subject.lower() for s in stored} <= own

        search = result["search"]
        assert {q["user_id"] for q in queries} == set(users)
        assert search["correctness"]["all"]["n"] == len(queries)
        for kind in ("current", "as_of", "history", "multi_hop"):
            assert search["latency"][kind]["n"] > 0
        assert search["correctness"]["all"]["wrong_current"] == 0
        assert search["correctness"]["current"]["hit_at_k"] > 0.5

        recall = result["recall_vs_exact"]
        assert recall["main_user"]["facts"]["recall_at_k"] > 0.5
        assert recall["small_user"]["facts_in_user"] >= 60  # about the size asked, as above
        assert session_memory.get_all(user_id="bench-recall-user") == []  # forgotten after the run
    finally:
        for user in users:
            session_memory.forget(user)
