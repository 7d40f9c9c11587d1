"""``bench.tenants`` end to end on a tiny three-user world against the test server (whichever
profile the run has: 5.26, or 2026 under ``make test-2026``). Mechanics only: both paths are
measured and printed, the index path is really taken; no figure is asserted beyond its range."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bench.tenants import main

pytestmark = [pytest.mark.neo4j]


def test_bench_tenants_prints_both_paths_of_the_servers_profile(
    settings_kwargs: dict[str, object], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    uri = str(settings_kwargs["neo4j_uri"])
    world = ["--facts", "240", "--users", "3", "--queries", "8", "--warmup", "2", "--worlds", str(tmp_path)]
    main([*world, "--neo4j-uri", uri, "--forget"])
    out = capsys.readouterr().out
    rows = [line.split() for line in out.splitlines() if re.match(r"^\S+\s+(exact|index)\s", line)]
    assert [r[1] for r in rows] == ["exact", "index"], out
    for _, path, user_facts, total_facts, p50, p95, recall, _, by_index in rows:
        assert 0 < int(user_facts) < int(total_facts)
        assert 0 < float(p50) <= float(p95)
        assert 0.0 <= float(recall) <= 1.0
        answered, queries = map(int, by_index.split("/"))
        assert queries == 8 and (answered == 0 if path == "exact" else answered >= 6)
