"""``warm_up``: the schema, then every query of a search run once for a user nobody has, in both time
modes, with the parameters the search itself sends (the scripted runner refuses a missing one)."""

from __future__ import annotations

import pytest
from scripted import SCHEMA_SCRIPT, Runner, make_env

from mem0g._engine.operations import Operations

SEARCH_PATH = {
    "search_start",
    "search_facts_vector",
    "search_expand",
    "search_entities_vector",
    "facts_embeddings",
    "entities_embeddings",
    "facts_rank_fields",
    "facts_by_ids",
}


@pytest.mark.parametrize("in_index", [False, True])
def test_warm_up_runs_each_search_query_in_one_read_for_a_user_with_nothing(in_index: bool) -> None:
    env = make_env()
    env.state.vector_in_index = in_index
    runner = Runner({name: [] for name in SEARCH_PATH | {n + "_in_index" for n in SEARCH_PATH}})
    runner.run(Operations(env).warm_up())
    # The graph queries in one read; each vector index search in its own (one may fail): three per
    # user id size class.
    assert runner.kinds() == ["model_info", "read"] + ["read"] * 6
    assert {tx.what for tx in runner.transactions} == {"warming up"}
    names = set(runner.names())
    suffix = "_in_index" if in_index else ""
    assert names == (SEARCH_PATH - {"search_facts_vector", "search_entities_vector"}) | {
        "search_facts_vector" + suffix,
        "search_entities_vector" + suffix,
    }
    # Neo4j plans a query anew for each size class (power of ten) of a list or string parameter:
    # user ids of both common classes, and the lengths a search sends.
    users = {call.params["user_id"] for call in runner.calls}
    assert sorted(len(u) for u in users) == [10, 46]
    starts = runner.params("search_start")
    assert all(100 < len(p["lucene_facts"]) <= 1000 for p in starts)
    assert {len(p["ids"]) for p in runner.params("facts_by_ids")} == {10}
    assert {len(p["ids"]) for p in runner.params("facts_rank_fields")} == {50}
    assert {len(p["frontier"]) for p in runner.params("search_expand")} == {5}
    # Current and as of a date: a null and a DateTime $as_of are planned apart.
    assert [p["as_of"] is None for p in starts] == [True, False, True, False]


def test_warm_up_sets_the_schema_up_first_on_a_new_door() -> None:
    env = make_env(schema_ready=False)
    runner: Runner = Runner({**{name: [] for name in SEARCH_PATH}, **SCHEMA_SCRIPT})
    runner.run(Operations(env).warm_up())
    assert runner.kinds()[:2] == ["model_info", "autocommit"] and env.state.schema_ready
    assert runner.kinds()[-1] == "read"


def test_a_vector_search_the_server_fails_on_does_not_fail_the_warm_up() -> None:
    """Neo4j 2026.09 once failed internally on an in-index vector search for a user without data."""
    from mem0g.errors import Neo4jDatabaseError

    env = make_env()
    env.state.vector_in_index = True

    def broken(params: dict[str, object]) -> list[dict[str, object]]:
        raise Neo4jDatabaseError("Neo4j failed internally during warming up: Index 33554431 out of bounds")

    runner = Runner(
        {
            **{name: [] for name in SEARCH_PATH},
            "search_facts_vector_in_index": broken,
            "search_entities_vector_in_index": [],
        }
    )
    runner.run(Operations(env).warm_up())
    assert runner.names().count("search_facts_vector_in_index") == 4
    assert "search_entities_vector_in_index" in runner.names() and "facts_by_ids" in runner.names()
