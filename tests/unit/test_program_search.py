"""``search`` as a program: entry points (exact or index), expansion hops, ranking, budget, filters."""

from __future__ import annotations

import itertools
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scripted import (
    FakeEmbedder,
    Geometry,
    Runner,
    fact_row,
    make_env,
    rank_fields,
    search_start_row,
    sequence,
    stats_row,
    utc,
)

from mem0g._engine.args import SearchParams
from mem0g._engine.operations import Operations
from mem0g._engine.prepare import tenant_token
from mem0g._engine.ranking import approx_tokens, path_similarity
from mem0g._engine.search import episode_search_steps, lucene_query, search_steps, vector_entries
from mem0g._engine.vectors import VectorCache
from mem0g.errors import InvalidInputError
from mem0g.models import SearchResult

USER = "alice"
QUERY = "Where does Sarah live?"
VEC = FakeEmbedder()


def score(cos: float) -> float:
    """What Neo4j reports for a cosine: (1 + cos) / 2."""
    return (1.0 + cos) / 2.0


def endpoint(fact_id: str, subject_id: str, object_id: str) -> dict[str, Any]:
    return {
        "id": fact_id,
        "subject_id": subject_id,
        "object_id": object_id,
        "subject": "S",
        "predicate": "p",
        "object": "O",
    }


def search_script(
    *,
    stats: dict[str, int] | None = None,
    facts: list[tuple[str, float]] = (),  # type: ignore[assignment]
    entities: list[tuple[str, float]] = (),  # type: ignore[assignment]
    fact_keywords: list[str] = (),  # type: ignore[assignment]
    entity_keywords: list[str] = (),  # type: ignore[assignment]
    ends: dict[str, tuple[str, str]] | None = None,
    records: dict[str, dict[str, Any]] | None = None,
    expand: Any = (),
    similarity: dict[str, float] | None = None,
) -> dict[str, Any]:
    """Answers for the search queries: ``facts``/``entities`` as (id, cosine to the query), which
    the stored embeddings of the script (a :class:`Geometry`) give. ``expand`` answers are rows
    ``{id, via, reached, sim, link}`` (``via`` the frontier entity; ``link`` the cosine to the fact
    that led to it, None for a sibling or around a named hub), grouped as search_expand returns them."""
    records = records or {}
    ends = ends or {}
    fact_space, entity_space = Geometry(VEC.vector(QUERY)), Geometry(VEC.vector(QUERY))
    for fact_id, cos in [*facts, *(similarity or {}).items()]:
        fact_space.place(fact_id, cos)
    for entity_id, cos in entities:
        entity_space.place(entity_id, cos)
    counters = stats or stats_row(10)
    return {
        "search_start": lambda p: [
            search_start_row(
                counters,
                p,
                facts=[i for i, _ in facts],
                entities=[i for i, _ in entities],
                fact_keywords=fact_keywords,
                entity_keywords=entity_keywords,
            )
        ],
        "search_facts_candidates": [{"ids": [i for i, _ in facts]}],
        "search_entities_candidates": [{"ids": [i for i, _ in entities]}],
        "facts_embeddings": lambda p: fact_space.fact_rows(p, ends),
        "entities_embeddings": entity_space.rows,
        "search_expand": expansion(expand, fact_space),
        "facts_rank_fields": lambda p: rank_fields(
            records.get(i) or fact_row(i, fact=f"fact {i}") for i in p["ids"]
        ),
        "facts_by_ids": lambda p: [records.get(i) or fact_row(i, fact=f"fact {i}") for i in p["ids"]],
    }


def expansion(expand: Any, space: Geometry) -> Any:
    """search_expand's answer from rows with the similarities they should score (see search_script)."""

    def answer(params: dict[str, Any]) -> list[dict[str, Any]]:
        rows = expand(params) if callable(expand) else list(expand)
        via_fact = {f["entity"]: f["via"] for f in params["frontier"]}
        grouped: dict[str, dict[str, list[Any]]] = {}
        for row in rows:
            led_by = via_fact[row["via"]]
            if row.get("link") is None or led_by is None:
                space.place(row["id"], row["sim"])
            else:
                space.place(row["id"], row["sim"], link_to=led_by, link=row["link"])
            group = grouped.setdefault(row["via"], {"ids": [], "reached": [], "siblings": []})
            group["ids"].append(row["id"])
            group["reached"].append(row["reached"])
            group["siblings"].append(led_by is not None and row.get("link") is None)
        return [{"via": via, **group} for via, group in grouped.items()]

    return answer


def run_search(ops: Operations[Any], runner: Runner, query: str = QUERY, **kwargs: Any) -> SearchResult:
    kwargs.setdefault("user_id", USER)
    result: SearchResult = runner.run(ops.search(query, **kwargs))
    return result


def ids(result: SearchResult) -> list[str]:
    return [h.id for h in result.results]


# -- the program ---------------------------------------------------------------------------------------


def test_a_user_without_facts_gets_nothing_from_one_query(ops: Operations[Any]) -> None:
    runner = Runner({"search_start": lambda p: [search_start_row(stats_row(0, total_facts=500), p)]})
    assert run_search(ops, runner) == SearchResult()
    assert runner.names() == ["search_start"] and runner.kinds() == ["embed", "read"]
    assert runner.embedded == [(QUERY,)] and runner.one("search_start")["user_id"] == USER


def test_search_embeds_the_query_and_runs_in_one_read(ops: Operations[Any]) -> None:
    runner = Runner(search_script(facts=[("F1", 0.9)]))
    run_search(ops, runner, hops=0)
    assert [t.tx for t in runner.transactions] == ["read"] and runner.transactions[0].what == "a search"
    # The pools come from Neo4j without the query vector; the cosines are computed in mem0g.
    start = runner.one("search_start")
    assert "vector" not in start and (start["exact_max"], start["k"]) == (1000, 10)
    assert runner.one("facts_embeddings") == {"user_id": USER, "ids": ["F1"]}


def test_stored_embeddings_are_read_once_per_door(ops: Operations[Any]) -> None:
    runner = Runner(search_script(facts=[("F1", 0.9), ("F2", 0.5)], entities=[("E1", 0.7)]))
    first = run_search(ops, runner, hops=0)
    again = run_search(ops, runner, hops=0)
    assert runner.names().count("facts_embeddings") == 1 and runner.names().count("entities_embeddings") == 1
    assert ids(first) == ids(again) == ["F1", "F2"]
    assert [h.score for h in first.results] == [h.score for h in again.results]


def test_facts_read_at_a_version_are_reused_until_the_version_changes(ops: Operations[Any]) -> None:
    """search_start returns the version of the user's data (a new random one per write): while it
    is the same, a search reuses the ranking fields and records earlier searches read."""
    script = search_script(facts=[("F1", 0.9), ("F2", 0.8)], fact_keywords=["F5"])
    version = {"now": "v1"}
    start = script["search_start"]
    script["search_start"] = lambda p: [{**start(p)[0], "version": version["now"]}]
    runner = Runner(script)
    first = run_search(ops, runner, hops=0, limit=2)
    again = run_search(ops, runner, hops=0, limit=2)
    assert runner.names().count("facts_rank_fields") == 1 and runner.names().count("facts_by_ids") == 1
    assert first == again and ids(first) == ["F1", "F2"]
    wider = run_search(ops, runner, hops=0, limit=3)  # one more hit: only its record is read
    assert runner.params("facts_by_ids")[-1]["ids"] == ["F5"] and len(wider.results) == 3
    version["now"] = "v2"  # a write happened
    run_search(ops, runner, hops=0)
    assert runner.names().count("facts_rank_fields") == 2 and runner.names().count("facts_by_ids") == 3
    assert runner.params("facts_rank_fields")[-1]["ids"] == ["F1", "F2", "F5"]


def test_without_a_version_nothing_is_reused(ops: Operations[Any]) -> None:
    runner = Runner(search_script(facts=[("F1", 0.9)]))  # data written before versions existed
    run_search(ops, runner, hops=0)
    run_search(ops, runner, hops=0)
    assert runner.names().count("facts_rank_fields") == 2 and runner.names().count("facts_by_ids") == 2


def test_the_first_search_of_a_door_creates_the_schema() -> None:
    from scripted import SCHEMA_SCRIPT

    env = make_env(schema_ready=False)
    runner = Runner({**search_script(facts=[("F1", 0.9)]), **SCHEMA_SCRIPT})
    ops: Operations[Any] = Operations(env)
    run_search(ops, runner, hops=0)
    run_search(ops, runner, hops=0)
    assert runner.kinds() == ["model_info", "autocommit", "embed", "read", "embed", "read"]


def test_direct_matches_rank_by_similarity(ops: Operations[Any]) -> None:
    runner = Runner(search_script(facts=[("F2", 0.5), ("F1", 0.9), ("F3", 0.7)]))
    result = run_search(ops, runner, hops=0)
    assert ids(result) == ["F1", "F3", "F2"]
    scores = [h.score for h in result.results]
    assert scores == sorted(scores, reverse=True) and len(set(scores)) == 3
    assert all(h.hops == 0 and not h.fallback for h in result.results)
    assert [p.id for p in result.results[0].path] == ["F1"]
    assert runner.one("facts_rank_fields")["ids"] == ["F1", "F3", "F2"]
    assert runner.one("facts_by_ids")["ids"] == ["F1", "F3", "F2"]  # the hits, best first


def test_ranking_reads_light_fields_of_all_and_full_records_of_the_hits_only(ops: Operations[Any]) -> None:
    runner = Runner(search_script(facts=[("F1", 0.9), ("F2", 0.8)], fact_keywords=["F5", "F6"]))
    result = run_search(ops, runner, hops=0, limit=2)
    assert runner.one("facts_rank_fields")["ids"] == ["F1", "F2", "F5", "F6"]
    assert runner.one("facts_by_ids")["ids"] == ids(result) == ["F1", "F2"]


def test_hops_zero_never_expands(ops: Operations[Any]) -> None:
    runner = Runner(search_script(facts=[("F1", 0.9)]))
    run_search(ops, runner, hops=0)
    assert "search_expand" not in runner.names()
    assert runner.names() == ["search_start", "facts_embeddings", "facts_rank_fields", "facts_by_ids"]


def test_expansion_starts_at_the_entry_facts_ends_and_walks_hop_by_hop(ops: Operations[Any]) -> None:
    first_hop = [
        {
            "id": "F3",
            "via": "O1",
            "reached": "X1",
            "sim": 0.6,
            "link": 0.2,
            "subject": "O",
            "predicate": "q",
            "object": "X",
        }
    ]
    runner = Runner(
        search_script(
            facts=[("F1", 0.9), ("F2", 0.5)],
            ends={"F1": ("S1", "O1"), "F2": ("S2", "O2")},
            # The second hop walks back over F3 from X1: a fact reached earlier is not reached again.
            expand=sequence(first_hop, [{**first_hop[0], "via": "X1", "reached": "O1", "link": None}]),
        )
    )
    result = run_search(ops, runner, hops=2)
    one, two = runner.params("search_expand")
    assert one["frontier"] == [
        {"entity": "S1", "via": "F1", "path_sim": pytest.approx(0.9), "share": 1},
        {"entity": "O1", "via": "F1", "path_sim": pytest.approx(0.9), "share": 1},
        {"entity": "S2", "via": "F2", "path_sim": pytest.approx(0.5), "share": 1},
        {"entity": "O2", "via": "F2", "path_sim": pytest.approx(0.5), "share": 1},
    ]
    assert "vector" not in one and (one["out_cap"], one["in_cap"]) == (200, 40)
    chain = path_similarity(0.9, 0.6, 0.2)
    assert two["frontier"] == [{"entity": "X1", "via": "F3", "path_sim": pytest.approx(chain), "share": 1}]
    # The continuation comes right after the fact it continues.
    assert ids(result) == ["F1", "F3", "F2"]
    reached = result.results[1]
    assert reached.hops == 1 and [p.id for p in reached.path] == ["F1", "F3"]


def test_expansion_stops_when_the_frontier_is_empty(ops: Operations[Any]) -> None:
    runner = Runner(search_script(facts=[("F1", 0.9)], expand=sequence([])))
    run_search(ops, runner, hops=5)
    assert runner.names().count("search_expand") == 1


def test_an_entity_the_query_names_is_a_hub_and_weak_entity_matches_are_not(ops: Operations[Any]) -> None:
    runner = Runner(search_script(facts=[], entities=[("E1", 0.6), ("E2", 0.3)], expand=sequence([])))
    result = run_search(ops, runner, hops=1)
    assert runner.one("search_expand")["frontier"] == [
        {"entity": "E1", "via": None, "path_sim": None, "share": 0}
    ]
    assert result == SearchResult()


def test_a_keyword_named_entity_is_a_hub_too(ops: Operations[Any]) -> None:
    runner = Runner(search_script(entity_keywords=["E7"], expand=sequence([])))
    run_search(ops, runner, hops=1)
    assert runner.one("search_expand")["frontier"] == [
        {"entity": "E7", "via": None, "path_sim": None, "share": 0}
    ]


def test_keywords_are_searched_with_a_lucene_query_tied_to_the_tenant(ops: Operations[Any]) -> None:
    runner = Runner(search_script(facts=[("F1", 0.9)]))
    run_search(ops, runner, hops=0, limit=4)
    tenant = tenant_token(USER)
    start = runner.one("search_start")
    assert (
        start["lucene_facts"]
        == f"+tenant:{tenant} +(fact:(where does sarah live) triple_text:(where does sarah live))"
    )
    assert start["k"] == 4 and start["include_history"] is False
    assert start["lucene_entities"] == lucene_query(QUERY, tenant=tenant, fields=("name", "aliases_text"))


def test_a_query_without_words_skips_the_keyword_search(ops: Operations[Any]) -> None:
    runner = Runner(search_script(facts=[("F1", 0.9)]))
    run_search(ops, runner, "?!", hops=0)
    start = runner.one("search_start")
    assert start["lucene_facts"] is None and start["lucene_entities"] is None


def test_a_keyword_only_match_gets_its_similarity_from_the_vector(ops: Operations[Any]) -> None:
    runner = Runner(search_script(facts=[("F1", 0.9)], fact_keywords=["F5", "F1"], similarity={"F5": 0.6}))
    result = run_search(ops, runner, hops=0)
    assert runner.params("facts_embeddings")[-1] == {"user_id": USER, "ids": ["F5"]}
    assert set(ids(result)) == {"F1", "F5"}


def test_weak_direct_matches_only_fill_the_list_and_come_last(ops: Operations[Any]) -> None:
    runner = Runner(search_script(facts=[("F1", 0.9), ("F6", 0.2), ("F7", -0.2)]))
    result = run_search(ops, runner, hops=0, limit=3)
    assert ids(result) == ["F1", "F6"]  # F7 is dissimilar: never returned
    assert [h.fallback for h in result.results] == [False, True]


def test_fallbacks_come_after_every_real_match_whatever_their_scores(ops: Operations[Any]) -> None:
    from mem0g._time import utcnow

    runner = Runner(
        search_script(
            facts=[("F1", 0.26), ("F6", 0.24)],
            records={
                "F6": fact_row("F6", recorded_at=utcnow()),  # recent: the full recency term
                "F1": fact_row("F1", valid_from=utc(1990, 1, 1), valid_until=utc(2020, 1, 1), status="ended"),
            },
        )
    )
    result = run_search(ops, runner, hops=0)
    assert result.results[1].score > result.results[0].score  # F6 scores higher, yet comes last
    assert ids(result) == ["F1", "F6"] and result.results[1].fallback


def test_fallbacks_do_not_exceed_the_limit(ops: Operations[Any]) -> None:
    runner = Runner(search_script(facts=[("F1", 0.9), ("F2", 0.1), ("F3", 0.1)]))
    result = run_search(ops, runner, hops=0, limit=2)
    assert ids(result) == ["F1", "F2"]


def test_a_superseded_fact_follows_the_fact_that_replaced_it(ops: Operations[Any]) -> None:
    records = {
        "OLD": fact_row("OLD", status="superseded", superseded_by="NEW", valid_until=utc(2025, 4, 1)),
        "NEW": fact_row("NEW", obj="Shinjuku", valid_from=utc(2025, 4, 1)),
    }
    runner = Runner(search_script(facts=[("OLD", 0.9), ("NEW", 0.5), ("F3", 0.7)], records=records))
    result = run_search(ops, runner, hops=0, include_history=True)
    assert ids(result) == ["F3", "NEW", "OLD"]


def test_the_token_budget_cuts_the_list_but_keeps_the_first_hit(ops: Operations[Any]) -> None:
    texts = {f"F{i}": f"fact number {i} " + "word " * 20 for i in range(1, 4)}
    records = {i: fact_row(i, fact=t) for i, t in texts.items()}
    facts = [("F1", 0.9), ("F2", 0.8), ("F3", 0.7)]
    cost = {i: approx_tokens(t) + 10 for i, t in texts.items()}
    for budget, expected in [
        (cost["F1"] + cost["F2"], ["F1", "F2"]),
        (cost["F1"] + cost["F2"] - 1, ["F1"]),
        (1, ["F1"]),
    ]:
        runner = Runner(search_script(facts=facts, records=records))
        assert ids(run_search(ops, runner, hops=0, token_budget=budget)) == expected


def test_the_limit_bounds_entry_points_and_results(ops: Operations[Any]) -> None:
    runner = Runner(search_script(facts=[("F1", 0.9), ("F2", 0.8), ("F3", 0.7)]))
    result = run_search(ops, runner, hops=0, limit=2)
    assert len(result.results) == 2


def test_history_ranks_below_what_holds_now(ops: Operations[Any]) -> None:
    records = {
        "ENDED": fact_row("ENDED", status="ended", valid_until=utc(2020, 1, 1)),
        "NOW": fact_row("NOW"),
    }
    runner = Runner(search_script(facts=[("ENDED", 0.6), ("NOW", 0.6)], records=records))
    assert ids(run_search(ops, runner, hops=0)) == ["NOW", "ENDED"]


def test_as_of_and_include_history_reach_every_filtered_query(ops: Operations[Any]) -> None:
    runner = Runner(search_script(facts=[("F1", 0.9)], expand=sequence([])))
    run_search(ops, runner, as_of="2025-03-01", include_history=True, hops=1)
    for name in ("search_start", "search_expand"):
        params = runner.one(name)
        assert params["as_of"] == utc(2025, 3, 1) and params["include_history"] is True, name


def test_as_of_judges_what_held_at_that_instant(ops: Operations[Any]) -> None:
    records = {
        "THEN": fact_row(
            "THEN", valid_from=utc(2025, 1, 1), valid_until=utc(2025, 4, 1), status="superseded"
        ),
        "LATER": fact_row("LATER", valid_from=utc(2025, 4, 1)),
    }
    runner = Runner(search_script(facts=[("LATER", 0.6), ("THEN", 0.6)], records=records))
    assert ids(run_search(ops, runner, hops=0, as_of="2025-02-01")) == ["THEN", "LATER"]
    runner = Runner(search_script(facts=[("LATER", 0.6), ("THEN", 0.6)], records=records))
    assert ids(run_search(ops, runner, hops=0)) == ["LATER", "THEN"]


def test_filters_become_metadata_groups_and_scope(ops: Operations[Any]) -> None:
    runner = Runner(search_script(facts=[("F1", 0.9)]))
    filters = {
        "category": "preference",
        "priority": {"in": ["high", "low"]},
        "stars": {"eq": 5.0},
        "agent_id": "bot",
        "run_id": "r1",
        "user_id": USER,
    }
    run_search(ops, runner, hops=0, filters=filters)
    params = runner.one("search_start")
    assert params["metadata_groups"] == [
        ['category\x1f"preference"'],
        ['priority\x1f"high"', 'priority\x1f"low"'],
        ["stars\x1f5"],
    ]
    assert (params["agent_id"], params["run_id"], params["user_id"]) == ("bot", "r1", USER)


def test_the_same_scope_as_argument_and_filter_is_one_value(ops: Operations[Any]) -> None:
    runner = Runner(search_script(facts=[("F1", 0.9)]))
    run_search(ops, runner, hops=0, agent_id="a1", filters={"agent_id": "a1", "run_id": "r2"})
    params = runner.one("search_start")
    assert (params["agent_id"], params["run_id"], params["metadata_groups"]) == ("a1", "r2", [])


def test_another_user_id_among_the_filters_is_ignored(ops: Operations[Any]) -> None:
    runner = Runner(search_script(facts=[("F1", 0.9)]))
    run_search(ops, runner, hops=0, filters={"user_id": "mallory", "topic": "x"})
    params = runner.one("search_start")
    assert params["user_id"] == USER and all(
        "mallory" not in pair for g in params["metadata_groups"] for pair in g
    )


@pytest.mark.parametrize(
    ("kwargs", "filters"),
    [
        ({"agent_id": "a1"}, {"agent_id": "a2"}),
        ({"run_id": "r1"}, {"run_id": "r2"}),
    ],
)
def test_a_scope_that_contradicts_the_filters_is_refused(
    ops: Operations[Any], kwargs: dict[str, Any], filters: dict[str, Any]
) -> None:
    runner = Runner(search_script(facts=[("F1", 0.9)]))
    with pytest.raises(InvalidInputError) as info:
        run_search(ops, runner, filters=filters, **kwargs)
    assert info.value.field == "filters" and "give one value" in str(info.value)
    assert runner.log == []


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 1001}, "limit"),
        ({"limit": 2.5}, "limit"),
        ({"token_budget": 0}, "token_budget"),
        ({"filters": ["category"]}, "filters"),
        ({"hops": 6}, "hops"),
        ({"hops": -1}, "hops"),
        ({"query": "   "}, "query"),
        ({"user_id": ""}, "user_id"),
        ({"filters": {"stars": {"gt": 3}}}, "filters"),
        ({"as_of": "last spring"}, "as_of"),
    ],
)
def test_invalid_search_arguments_are_refused_before_any_effect(kwargs: dict[str, Any], field: str) -> None:
    env = make_env(schema_ready=False)
    runner = Runner(search_script())
    args = {"query": QUERY, "user_id": USER, **kwargs}
    with pytest.raises(InvalidInputError) as info:
        runner.run(Operations(env).search(args.pop("query"), **args))
    assert info.value.field == field and runner.log == []


def test_defaults_come_from_the_settings() -> None:
    ops: Operations[Any] = Operations(make_env(limit=3, hops=0, token_budget=10_000))
    runner = Runner(search_script(facts=[("F1", 0.9)]))
    facts = [(f"F{i}", 0.9 - i / 10) for i in range(5)]
    runner = Runner(search_script(facts=facts))
    assert ids(run_search(ops, runner)) == ["F0", "F1", "F2"]
    assert "search_expand" not in runner.names()


# -- entry points: exact or index ------------------------------------------------------------------


def test_a_small_user_is_searched_exactly() -> None:
    runner = Runner(
        search_script(stats=stats_row(900, total_facts=100_000, user_entities=50, total_entities=9000))
    )
    ops: Operations[Any] = Operations(make_env())
    run_search(ops, runner, hops=0)
    assert "search_facts_vector" not in runner.names() and "search_entities_vector" not in runner.names()
    # The pools came with the first step: no second query for them.
    assert (
        "search_facts_candidates" not in runner.names() and "search_entities_candidates" not in runner.names()
    )
    assert runner.one("search_start")["exact_max"] == 1000


def test_a_large_user_with_a_large_share_goes_through_the_index() -> None:
    rows = [{"id": f"F{i}", "score": 0.9} for i in range(10)]
    runner = Runner(
        {
            **search_script(stats=stats_row(2000, total_facts=20_000, user_entities=10, total_entities=100)),
            "search_facts_vector": rows,
        }
    )
    run_search(Operations(make_env()), runner, hops=0)
    vector = runner.one("search_facts_vector")
    assert (vector["k"], vector["fetch"]) == (10, 400)  # 4k / share (10%)
    assert "search_facts_candidates" not in runner.names()
    assert "search_entities_vector" not in runner.names()  # 10 entities: exact


ENTRY_VECTOR = VEC.vector("entry")


def exact(*found: tuple[str, float]) -> dict[str, Any]:
    """The exact path's answers: the candidate pool and embeddings at the given cosines."""
    space = Geometry(ENTRY_VECTOR)
    for fact_id, cos in found:
        space.place(fact_id, cos)
    return {"search_facts_candidates": [{"ids": [i for i, _ in found]}], "facts_embeddings": space.rows}


def run_entries(runner: Runner, **kwargs: Any) -> list[tuple[str, float]]:
    found: list[tuple[str, float]] = runner.run_steps(
        vector_entries(
            "facts",
            {
                "user_id": USER,
                "vector": ENTRY_VECTOR,
                "now": None,
                "as_of": None,
                "include_history": False,
                "agent_id": None,
                "run_id": None,
                "metadata_groups": [],
            },
            cache=VectorCache().lease(),
            **kwargs,
        )
    )
    return found


def test_a_fetch_that_would_reach_ten_thousand_is_exact_search_instead() -> None:
    hits = [{"id": f"F{i}", "score": 1.0} for i in range(3)]
    runner = Runner({"search_facts_vector": hits, **exact(("F0", 1.0), ("F1", 0.5), ("F2", 0.25))})
    found = run_entries(runner, k=10, user_count=5000, total_count=1_000_000, exact_max=1000)
    assert [p["fetch"] for p in runner.params("search_facts_vector")] == [8000]  # 4k / 0.5% share
    # 32000 >= 10000: exact
    assert runner.names() == ["search_facts_vector", "search_facts_candidates", "facts_embeddings"]
    assert found == [("F0", pytest.approx(1.0)), ("F1", pytest.approx(0.5)), ("F2", pytest.approx(0.25))]


def test_the_index_falls_back_to_exact_once_the_fetch_would_cover_the_index() -> None:
    runner = Runner({"search_facts_vector": [], **exact(("F1", 0.8))})
    found = run_entries(runner, k=10, user_count=5000, total_count=100_000, exact_max=1000)
    assert [p["fetch"] for p in runner.params("search_facts_vector")] == [800, 3200]
    assert runner.names()[:3] == ["search_facts_vector", "search_facts_vector", "search_facts_candidates"]
    assert found == [("F1", pytest.approx(0.8))]


def test_exact_search_keeps_the_k_most_similar_candidates_best_first() -> None:
    pool = [(f"F{i}", c) for i, c in enumerate([0.1, 0.9, -0.3, 0.5, 0.7, 0.2])]
    found = run_entries(Runner(exact(*pool)), k=3, user_count=6, total_count=6, exact_max=1000)
    assert [i for i, _ in found] == ["F1", "F4", "F3"]
    assert [c for _, c in found] == [pytest.approx(0.9), pytest.approx(0.7), pytest.approx(0.5)]


def test_a_tiny_share_goes_straight_to_exact() -> None:
    runner = Runner(exact())
    run_entries(runner, k=10, user_count=2000, total_count=5_000_000, exact_max=1000)
    assert runner.names() == ["search_facts_candidates"]


def test_the_index_stops_as_soon_as_k_survive() -> None:
    hits = [{"id": f"F{i}", "score": 0.75} for i in range(10)]
    runner = Runner({"search_facts_vector": sequence(hits[:4], hits)})
    found = run_entries(runner, k=10, user_count=5000, total_count=100_000, exact_max=1000)
    assert [p["fetch"] for p in runner.params("search_facts_vector")] == [800, 3200]
    assert len(found) == 10 and found[0] == ("F0", pytest.approx(0.5))


@settings(max_examples=60, deadline=None)
@given(
    k=st.integers(min_value=1, max_value=50),
    user=st.integers(min_value=0, max_value=200_000),
    extra=st.integers(min_value=0, max_value=5_000_000),
    exact_max=st.integers(min_value=0, max_value=5000),
)
def test_with_an_empty_index_the_fetch_grows_fourfold_and_ends_exact(
    k: int, user: int, extra: int, exact_max: int
) -> None:
    runner = Runner({"search_facts_vector": [], **exact()})
    total = user + extra
    run_entries(runner, k=k, user_count=user, total_count=total, exact_max=exact_max)
    fetches = [p["fetch"] for p in runner.params("search_facts_vector")]
    assert runner.names()[-1] == "search_facts_candidates"
    assert runner.names().count("search_facts_candidates") == 1
    assert all(b == 4 * a for a, b in itertools.pairwise(fetches))
    assert all(k <= f < min(total, 10_000) for f in fetches)
    if user <= exact_max or total == 0:
        assert fetches == []
    assert len(fetches) <= math.ceil(math.log(10_000, 4)) + 1


# -- search_steps directly -------------------------------------------------------------------------


def test_search_steps_alone_read_stats_then_entries_then_records() -> None:
    from mem0g._time import utcnow

    params = SearchParams(query="tea", user_id=USER, now=utcnow(), limit=5, hops=0)
    runner = Runner(search_script(facts=[("F1", 0.9)]))
    result = runner.run_steps(search_steps(params, VEC.vector("tea"), VectorCache()), tx="read")
    assert runner.names() == ["search_start", "facts_embeddings", "facts_rank_fields", "facts_by_ids"]
    assert ids(result) == ["F1"] and result.results[0].user_id == USER


# -- episodes ------------------------------------------------------------------------------------


def episode(i: str) -> dict[str, Any]:
    return {
        "id": i,
        "content": f"message {i}",
        "role": "user",
        "name": None,
        "observed_at": utc(2025, 5, 1),
        "source_id": None,
        "agent_id": None,
        "run_id": None,
    }


def test_episode_search_of_a_user_without_episodes_is_empty(ops: Operations[Any]) -> None:
    runner = Runner({"tenant_stats": [stats_row(5, user_episodes=0)]})
    assert runner.run(ops.search_episodes("tea", user_id=USER)) == []
    assert runner.names() == ["tenant_stats"]


def test_episode_search_adds_a_keyword_bonus_and_keeps_the_best(ops: Operations[Any]) -> None:
    scores = {"A": 0.9, "B": 0.85, "C": 0.1}
    runner = Runner(
        {
            "tenant_stats": [stats_row(0, user_episodes=3)],
            "search_episodes_exact": [{"id": i, "score": score(c)} for i, c in scores.items()],
            "search_episodes_fulltext": [{"id": "B", "score": 2.0}, {"id": "D", "score": 1.0}],
            "episodes_by_ids": lambda p: [
                {"ep": episode(i), "score": score(scores.get(i, 0.0))} for i in p["ids"]
            ],
        }
    )
    hits = runner.run(ops.search_episodes("tea", user_id=USER, limit=2, as_of="2025-06-01", agent_id="bot"))
    exact = runner.one("search_episodes_exact")
    assert exact["k"] == 6 and exact["as_of"] == utc(2025, 6, 1) and exact["agent_id"] == "bot"
    assert runner.one("episodes_by_ids")["ids"] == ["A", "B", "C", "D"]
    assert [h.id for h in hits] == ["B", "A"]
    assert hits[0].score == pytest.approx(0.85 + 0.15) and hits[1].score == pytest.approx(0.9)


def test_episode_search_steps_with_nothing_found_skip_the_records() -> None:
    runner = Runner(
        {
            "tenant_stats": [stats_row(0, user_episodes=3)],
            "search_episodes_exact": [],
            "search_episodes_fulltext": [],
        }
    )
    hits = runner.run_steps(episode_search_steps("tea", [0.0], user_id=USER, limit=3), tx="read")
    assert hits == [] and "episodes_by_ids" not in runner.names()
