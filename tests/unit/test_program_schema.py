"""``init`` (schema, dimension check, re-indexing) and ``doctor`` as programs."""

from __future__ import annotations

from typing import Any

import pytest
from scripted import SCHEMA_SCRIPT, FakeEmbedder, Runner, make_env, search_start_row, sequence, stats_row

from mem0g._engine.operations import Operations
from mem0g._engine.schema import VECTOR_INDEXES, ensure_schema, schema_steps
from mem0g.errors import EmbeddingDimensionMismatchError, SchemaError

SERVER = {"name": "Neo4j Kernel", "version": "5.26.0", "edition": "community"}


def indexes(**dims: int | None) -> list[dict[str, Any]]:
    return [{"name": name, "dimensions": d} for name, d in dims.items()]


# -- init ------------------------------------------------------------------------------------------


def test_init_creates_the_schema_for_the_models_dimensions_and_marks_it_ready() -> None:
    env = make_env(schema_ready=False)
    runner = Runner(SCHEMA_SCRIPT, embedder=FakeEmbedder(dims=16))
    assert runner.run(Operations(env).init()) is None
    assert runner.kinds() == ["model_info", "autocommit"]
    assert runner.transactions[0].what == "init"
    assert runner.names() == ["server_info", "schema_vector_indexes", "schema", "schema_await"]
    assert runner.one("schema") == {"dimensions": 16}
    assert env.state.schema_ready and not env.state.vector_in_index  # 5.26: over-fetch


def test_after_init_no_later_program_touches_the_schema() -> None:
    env = make_env(schema_ready=False)
    ops: Operations[Any] = Operations(env)
    runner = Runner({**SCHEMA_SCRIPT, "search_start": lambda p: [search_start_row(stats_row(0), p)]})
    runner.run(ops.init())
    runner.run(ops.search("tea", user_id="alice"))
    runner.run(ops.search("coffee", user_id="alice"))
    assert runner.names().count("schema") == 1 and runner.kinds().count("model_info") == 1


def test_an_explicit_init_runs_again_even_when_ready() -> None:
    env = make_env(schema_ready=True)
    runner = Runner(SCHEMA_SCRIPT)
    runner.run(Operations(env).init())
    assert runner.names() == ["server_info", "schema_vector_indexes", "schema", "schema_await"]


def test_ensure_schema_is_nothing_once_ready() -> None:
    runner = Runner()
    runner.run(ensure_schema(make_env(schema_ready=True)))
    assert runner.log == []


def test_a_vector_index_of_another_dimension_is_refused_with_the_fix() -> None:
    env = make_env(schema_ready=False)
    runner = Runner(
        {**SCHEMA_SCRIPT, "schema_vector_indexes": indexes(fact_embedding=384, entity_embedding=8)}
    )
    with pytest.raises(EmbeddingDimensionMismatchError) as info:
        runner.run(Operations(env).init())
    message = str(info.value)
    assert (
        "8-dimensional" in message
        and "fact_embedding has 384" in message
        and "entity_embedding" not in message
    )
    assert "mem0g init --reindex" in message
    assert isinstance(info.value, SchemaError)
    assert "schema" not in runner.names() and not env.state.schema_ready


def test_a_program_on_a_mismatched_database_fails_before_its_own_work() -> None:
    env = make_env(schema_ready=False)
    runner = Runner({**SCHEMA_SCRIPT, "schema_vector_indexes": indexes(fact_embedding=384)})
    with pytest.raises(EmbeddingDimensionMismatchError):
        runner.run(Operations(env).search("tea", user_id="alice"))
    assert runner.embedded == [] and runner.kinds() == ["model_info", "autocommit"]


def test_an_index_without_a_dimension_yet_is_no_mismatch() -> None:
    runner = Runner(
        {**SCHEMA_SCRIPT, "schema_vector_indexes": indexes(fact_embedding=None, entity_embedding=8)}
    )
    runner.run_steps(schema_steps(dimensions=8), tx="autocommit")
    assert runner.names()[-2:] == ["schema", "schema_await"]


def test_reindex_drops_reembeds_every_kind_page_by_page_and_rebuilds() -> None:
    vec = FakeEmbedder()
    runner = Runner(
        {
            **SCHEMA_SCRIPT,
            "schema_vector_indexes": indexes(entity_embedding=384, fact_embedding=384),
            "schema_drop_vector_indexes": [],
            "reembed_entities_page": sequence(
                [{"id": "a", "text": "Sarah"}, {"id": "b", "text": "Tom"}], [{"id": "c", "text": "Acme"}], []
            ),
            "reembed_facts_page": sequence([]),
            "reembed_episodes_page": sequence([{"id": "e1", "text": "Bob: hi"}], []),
            "reembed_entities_set": [],
            "reembed_facts_set": [],
            "reembed_episodes_set": [],
        }
    )
    runner.run_steps(schema_steps(dimensions=8, reindex=True, page=2), tx="autocommit")
    assert runner.params("schema_drop_vector_indexes") == [
        {"name": "entity_embedding"},
        {"name": "fact_embedding"},
    ]
    assert [p["after"] for p in runner.params("reembed_entities_page")] == ["", "b", "c"]
    assert all(p["limit"] == 2 for p in runner.params("reembed_entities_page"))
    assert runner.params("reembed_entities_set") == [
        {
            "rows": [
                {"id": "a", "embedding": vec.vector("Sarah")},
                {"id": "b", "embedding": vec.vector("Tom")},
            ]
        },
        {"rows": [{"id": "c", "embedding": vec.vector("Acme")}]},
    ]
    assert runner.params("reembed_facts_set") == []
    assert runner.one("reembed_episodes_set") == {"rows": [{"id": "e1", "embedding": vec.vector("Bob: hi")}]}
    assert runner.embedded == [("Sarah", "Tom"), ("Acme",), ("Bob: hi",)]
    assert runner.names()[-2:] == ["schema", "schema_await"] and runner.one("schema") == {"dimensions": 8}


def test_init_reindex_runs_in_autocommit_and_marks_ready() -> None:
    env = make_env(schema_ready=False)
    runner = Runner(
        {
            **SCHEMA_SCRIPT,
            "schema_vector_indexes": indexes(fact_embedding=384),
            "schema_drop_vector_indexes": [],
            "reembed_entities_page": [],
            "reembed_facts_page": [],
            "reembed_episodes_page": [],
        }
    )
    runner.run(Operations(env).init(reindex=True))
    assert [t.tx for t in runner.transactions] == ["autocommit"]
    assert runner.one("schema_drop_vector_indexes") == {"name": "fact_embedding"}
    assert env.state.schema_ready


def test_embedding_inside_a_read_or_write_transaction_is_refused_as_the_adapter_does() -> None:
    runner = Runner(
        {**SCHEMA_SCRIPT, "schema_vector_indexes": [], "reembed_entities_page": [{"id": "a", "text": "x"}]}
    )
    with pytest.raises(TypeError, match="cannot embed"):
        runner.run_steps(schema_steps(dimensions=8, reindex=True), tx="write")


# -- server profiles (issue 15) -------------------------------------------------------------------

IN_INDEX_FILES = [
    "schema_entity_embedding_in_index",
    "schema_fact_embedding_in_index",
    "schema_episode_embedding_in_index",
]


def kernel(version: str) -> dict[str, Any]:
    # 2026 servers list a second component, the default Cypher version, after the kernel.
    return {"server_info": [{"name": "Neo4j Kernel", "version": version, "edition": "community"}]}


def test_a_2026_server_gets_vector_indexes_filterable_by_user_before_the_schema() -> None:
    env = make_env(schema_ready=False)
    runner = Runner({**SCHEMA_SCRIPT, **kernel("2026.09.0"), **{n: [] for n in IN_INDEX_FILES}})
    runner.run(Operations(env).init())
    assert runner.names() == [
        "server_info",
        "schema_vector_indexes",
        *IN_INDEX_FILES,
        "schema",
        "schema_await",
    ]
    assert all(runner.one(n) == {"dimensions": 8} for n in IN_INDEX_FILES)
    assert env.state.vector_in_index


@pytest.mark.parametrize("version", ["5.26.30", "2025.10.1", "2026.01.0", "weird"])
def test_servers_before_2026_02_keep_the_plain_indexes_and_the_over_fetch(version: str) -> None:
    env = make_env(schema_ready=False)
    runner = Runner({**SCHEMA_SCRIPT, **kernel(version)})
    runner.run(Operations(env).init())
    assert not set(IN_INDEX_FILES) & set(runner.names())
    assert not env.state.vector_in_index


def test_an_index_built_without_user_id_keeps_the_over_fetch_until_reindexed() -> None:
    plain = [
        {"name": n, "dimensions": 8, "properties": ["embedding"]}
        for n in ("entity_embedding", "fact_embedding", "episode_embedding")
    ]
    script = {**SCHEMA_SCRIPT, **kernel("2026.09.0"), **{n: [] for n in IN_INDEX_FILES}}
    env = make_env(schema_ready=False)
    Runner({**script, "schema_vector_indexes": plain}).run(Operations(env).init())
    assert not env.state.vector_in_index
    filterable = [{**row, "properties": ["embedding", "user_id"]} for row in plain]
    Runner({**script, "schema_vector_indexes": filterable}).run(Operations(env).init())
    assert env.state.vector_in_index
    rebuild = {
        **script,
        "schema_vector_indexes": plain,
        "schema_drop_vector_indexes": [],
        "reembed_entities_page": [],
        "reembed_facts_page": [],
        "reembed_episodes_page": [],
    }
    runner = Runner(rebuild)
    runner.run(Operations(env).init(reindex=True))
    assert runner.names().index("schema_drop_vector_indexes") < runner.names().index(IN_INDEX_FILES[0])
    assert env.state.vector_in_index


# -- doctor ----------------------------------------------------------------------------------------


def doctor(rows: list[dict[str, Any]], dims: int = 8) -> tuple[dict[str, Any], Runner]:
    runner = Runner(
        {"server_info": [SERVER], "schema_vector_indexes": rows}, embedder=FakeEmbedder(dims, "tiny-model")
    )
    report = runner.run(Operations(make_env(schema_ready=False)).doctor())
    return report, runner


def test_doctor_is_ok_when_every_index_matches_the_model() -> None:
    report, runner = doctor(indexes(entity_embedding=8, fact_embedding=8, episode_embedding=8))
    assert report == {
        "server": SERVER,
        "vector_indexes": {"entity_embedding": 8, "fact_embedding": 8, "episode_embedding": 8},
        "embedding_model": "tiny-model",
        "embedding_dimensions": 8,
        "ok": True,
    }
    assert runner.kinds() == ["read", "read", "model_info"]  # doctor never creates the schema
    assert runner.names() == ["server_info", "schema_vector_indexes"]


def test_doctor_on_a_fresh_database_says_to_run_init() -> None:
    report, _ = doctor([])
    assert report["ok"] is False
    assert report["hint"] == (
        "missing vector indexes (entity_embedding, episode_embedding, fact_embedding): run `mem0g init`"
    )


def test_doctor_on_a_dimension_mismatch_says_to_reindex() -> None:
    report, _ = doctor(indexes(entity_embedding=384, fact_embedding=8, episode_embedding=8))
    assert report["ok"] is False and "mem0g init --reindex" in report["hint"]


def test_doctor_counts_an_index_still_without_dimension_as_matching() -> None:
    report, _ = doctor(indexes(entity_embedding=None, fact_embedding=8, episode_embedding=8))
    assert report["ok"] is True and "hint" not in report


def test_doctor_with_some_indexes_missing_names_them() -> None:
    report, _ = doctor(indexes(fact_embedding=8))
    assert report["ok"] is False and len(VECTOR_INDEXES) == 3
    assert report["hint"] == "missing vector indexes (entity_embedding, episode_embedding): run `mem0g init`"


def test_doctor_says_to_init_before_it_says_to_reindex() -> None:
    report, _ = doctor(indexes(fact_embedding=384))
    assert (
        report["ok"] is False and "--reindex" not in report["hint"] and "entity_embedding" in report["hint"]
    )
