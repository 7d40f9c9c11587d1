"""Server profiles (issue 15): which vector query a search runs on 5.26 and on 2026.

The files themselves run against a real 2026 server in tests/integration/test_server_profile.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from scripted import SCHEMA_SCRIPT, Runner, make_env, search_start_row, stats_row

from mem0g._engine.operations import Operations
from mem0g._engine.profile import filters_in_index, release, vector_index_queries, vector_query
from mem0g._engine.search import vector_entries
from mem0g._engine.vectors import VectorCache
from mem0g._neo4j.queries import query

USER = "alice"
FILTERS: dict[str, Any] = {
    "user_id": USER,
    "vector": [0.0],
    "now": None,
    "as_of": None,
    "include_history": False,
    "agent_id": None,
    "run_id": None,
    "metadata_groups": [],
}


@pytest.mark.parametrize(
    ("version", "parsed", "filters"),
    [
        ("5.26.30", (5, 26), False),
        ("2025.12.0", (2025, 12), False),
        ("2026.01.0", (2026, 1), False),  # preview only
        ("2026.02.0", (2026, 2), True),
        ("2026.09.0", (2026, 9), True),
        ("2027.01.3", (2027, 1), True),
        ("", (0, 0), False),
        ("dev", (0, 0), False),
    ],
)
def test_the_release_decides_whether_the_index_filters(
    version: str, parsed: tuple[int, int], filters: bool
) -> None:
    assert release(version) == parsed
    assert filters_in_index(version) is filters


def test_each_kind_has_two_variants_and_the_in_index_ones_are_cypher_25_search() -> None:
    for kind in ("facts", "entities", "episodes"):
        over_fetch, filtered = vector_query(kind, in_index=False), vector_query(kind, in_index=True)
        assert "db.index.vector.query" in query(over_fetch) and "SEARCH" not in query(over_fetch)
        assert query(filtered).startswith("CYPHER 25\n") and "SEARCH" in query(filtered)
        assert "WHERE" in query(filtered).split("SEARCH", 1)[1].split("LIMIT", 1)[0]
    assert vector_index_queries(in_index=False) == ()
    assert all("WITH [" in query(n) and "user_id]" in query(n) for n in vector_index_queries(in_index=True))


def run_entries(runner: Runner, *, in_index: bool, **kwargs: Any) -> list[tuple[str, float]]:
    found: list[tuple[str, float]] = runner.run_steps(
        vector_entries("facts", FILTERS, in_index=in_index, cache=VectorCache().lease(), **kwargs)
    )
    return found


def test_in_index_the_share_is_one_so_the_first_fetch_is_4k() -> None:
    hits = [{"id": f"F{i}", "score": 0.8} for i in range(10)]
    runner = Runner({"search_facts_vector_in_index": hits})
    found = run_entries(runner, in_index=True, k=10, user_count=1500, total_count=100_000, exact_max=1000)
    assert runner.names() == ["search_facts_vector_in_index"]
    assert runner.one("search_facts_vector_in_index")["fetch"] == 40  # over-fetch would ask 2666
    assert len(found) == 10


def no_rows(name: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    # Whatever the exact path runs (its queries are the search engine's business): nothing found.
    return []


def test_in_index_widens_while_the_filters_leave_too_few_then_goes_exact_at_the_users_size() -> None:
    runner = Runner(no_rows)
    run_entries(runner, in_index=True, k=10, user_count=1500, total_count=100_000, exact_max=1000)
    assert [p["fetch"] for p in runner.params("search_facts_vector_in_index")] == [40, 160, 640]
    exact = runner.names()[3:]  # 2560 >= the user's 1500 facts: exact
    assert exact and not {"search_facts_vector_in_index", "search_facts_vector"} & set(exact)


def test_a_small_user_stays_exact_on_either_profile() -> None:
    for in_index in (False, True):
        runner = Runner(no_rows)
        run_entries(runner, in_index=in_index, k=10, user_count=900, total_count=100_000, exact_max=1000)
        assert runner.names() and not any("vector" in n for n in runner.names())


def search_script(stats: dict[str, int]) -> dict[str, Any]:
    hits = [{"id": f"F{i}", "score": 0.9} for i in range(10)]
    return {
        **SCHEMA_SCRIPT,
        "server_info": [{"name": "Neo4j Kernel", "version": "2026.09.0", "edition": "community"}],
        **{n: [] for n in vector_index_queries(in_index=True)},
        "search_start": lambda p: [search_start_row(stats, p)],
        "search_facts_vector_in_index": hits,
        "search_entities_vector_in_index": [{"id": f"E{i}", "score": 0.9} for i in range(10)],
        "facts_embeddings": [],
        "facts_rank_fields": [{"facts": []}],
        "facts_by_ids": [],
    }


def test_a_door_on_a_2026_server_searches_large_users_inside_the_index() -> None:
    env = make_env(schema_ready=False)
    stats = stats_row(5000, total_facts=100_000, user_entities=2000, total_entities=50_000)
    runner = Runner(search_script(stats))
    runner.run(Operations(env).search("tea", user_id=USER, hops=0))
    assert env.state.vector_in_index
    names = runner.names()
    assert "search_facts_vector_in_index" in names and "search_entities_vector_in_index" in names
    assert "search_facts_vector" not in names and "search_entities_vector" not in names
