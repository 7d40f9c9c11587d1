"""The effect loop (``drive``), the effect helpers, and the scripted runner the unit tests rely on."""

from __future__ import annotations

import asyncio
from collections.abc import Generator
from typing import Any

import pytest
from scripted import FakeEmbedder, Runner, UnscriptedError, make_env, sequence

from mem0g._engine.effects import (
    Complete,
    Embed,
    Query,
    Read,
    adrive,
    drive,
    embed,
    embed_unique,
    single,
)
from mem0g._engine.operations import Operations
from mem0g.extraction import Extraction, SummaryOutput

# -- drive ---------------------------------------------------------------------------------------------


def test_drive_sends_each_answer_back_and_returns_the_value() -> None:
    def program() -> Generator[Any, Any, str]:
        a = yield "first"
        b = yield "second"
        return f"{a}+{b}"

    asked: list[str] = []
    result = drive(program(), lambda request: asked.append(request) or request.upper())
    assert result == "FIRST+SECOND" and asked == ["first", "second"]


def test_drive_throws_an_answers_error_in_at_the_yield() -> None:
    cleaned: list[str] = []

    def program() -> Generator[Any, Any, str]:
        try:
            yield "boom"
        except KeyError as exc:
            handled = f"handled {exc.args[0]}"
        finally:
            cleaned.append("finally")
        value = yield "again"
        return f"{handled}, then {value}"

    def answer(request: str) -> str:
        if request == "boom":
            raise KeyError("k")
        return "ok"

    assert drive(program(), answer) == "handled k, then ok" and cleaned == ["finally"]


def test_drive_lets_an_unhandled_error_out_after_the_finally_blocks() -> None:
    cleaned: list[str] = []

    def program() -> Generator[Any, Any, None]:
        try:
            yield "x"
        finally:
            cleaned.append("done")

    def answer(_: str) -> None:
        raise ValueError("no")

    with pytest.raises(ValueError, match="no"):
        drive(program(), answer)
    assert cleaned == ["done"]


def test_adrive_runs_the_same_program_with_an_async_answer() -> None:
    """The async door's loop: the same program, the same queries, the same result."""
    script = {"fact_delete": [{"deleted": 0}], "forget_user": [{"deleted": 4}]}
    sync_runner, async_runner = Runner(script), Runner(script)
    ops: Operations[Any] = Operations(make_env())

    async def answer(effect: Any) -> Any:
        return async_runner.answer(effect)

    assert asyncio.run(adrive(ops.forget("u"), answer)) == sync_runner.run(ops.forget("u")) == 4
    with pytest.raises(LookupError):  # NotFoundError, thrown back through the async loop
        asyncio.run(adrive(ops.delete("F1", user_id="u"), answer))
    assert async_runner.names() == ["forget_user", "fact_delete"]


def test_a_program_that_asks_nothing_returns_at_once() -> None:
    def program() -> Generator[Any, Any, int]:
        return 42
        yield  # pragma: no cover

    assert drive(program(), lambda _: pytest.fail("nothing to answer")) == 42


def test_embed_of_nothing_asks_nothing() -> None:
    assert drive(embed([]), lambda _: pytest.fail("no Embed expected")) == []


def test_embed_unique_embeds_each_text_once_in_first_order() -> None:
    asked: list[Any] = []

    def answer(request: Embed) -> list[list[float]]:
        asked.append(request)
        return [[float(len(t))] for t in request.texts]

    vectors = drive(embed_unique(["bb", "a", "bb", "ccc", "a"]), answer)
    assert asked == [Embed(("bb", "a", "ccc"))]
    assert vectors == {"bb": [2.0], "a": [1.0], "ccc": [3.0]}


def test_single_is_one_query_with_its_params() -> None:
    rows = drive(single("tenant_stats", user_id="u"), lambda q: [{"q": q}])
    assert rows == [{"q": Query("tenant_stats", {"user_id": "u"})}]


# -- the runner ----------------------------------------------------------------------------------------


def test_the_fake_embedder_is_deterministic_unit_length_and_text_sensitive() -> None:
    a, b = FakeEmbedder(), FakeEmbedder()
    assert a.vector("tea") == b.vector("tea") != a.vector("Tea")
    assert sum(x * x for x in a.vector("tea")) == pytest.approx(1.0)
    assert len(FakeEmbedder(dims=5).vector("x")) == 5


def test_an_unscripted_query_fails_loudly() -> None:
    runner = Runner({})
    with pytest.raises(UnscriptedError, match="unscripted query 'tenant_stats'"):
        runner.run(Operations(make_env()).stats("alice"))


def test_a_query_name_without_a_cypher_file_fails_loudly() -> None:
    runner = Runner({"no_such_query": []})
    with pytest.raises(UnscriptedError, match="does not exist"):
        runner.run_steps(single("no_such_query"))


def test_a_query_missing_a_parameter_its_file_uses_fails_loudly() -> None:
    runner = Runner({"fact_delete": [{"deleted": 1}]})
    with pytest.raises(UnscriptedError, match=r"missing parameters \['id'\]"):
        runner.run_steps(single("fact_delete", user_id="u"))


def test_a_callable_script_answers_by_name_and_none_means_unscripted() -> None:
    seen: list[str] = []

    def answer(name: str, params: dict[str, Any]) -> list[dict[str, Any]] | None:
        seen.append(name)
        return [{"deleted": 3}] if name == "forget_user" else None

    runner = Runner(answer)
    ops: Operations[Any] = Operations(make_env())
    assert runner.run(ops.forget("u")) == 3
    with pytest.raises(UnscriptedError):
        runner.run(ops.stats("u"))
    assert seen == ["forget_user", "tenant_stats"]


def test_rows_are_copies_so_a_program_cannot_change_the_script() -> None:
    rows = [
        {
            "entity": {"id": "E1", "name": "n", "labels": []},
            "facts": [{"id": "F1", "object_id": "E1", "x": None}],
        }
    ]
    runner = Runner({"graph_user": rows})
    runner.run(Operations(make_env()).graph("u"))
    assert rows[0]["facts"] == [{"id": "F1", "object_id": "E1", "x": None}]


def test_sequence_answers_in_order_and_refuses_one_call_too_many() -> None:
    answer = sequence([{"n": 1}], [{"n": 2}])
    assert answer({}) == [{"n": 1}] and answer({}) == [{"n": 2}]
    with pytest.raises(UnscriptedError):
        answer({})


def test_an_unscripted_llm_call_fails_loudly_and_a_wrong_schema_too() -> None:
    request = Complete([{"role": "user", "content": "x"}], Extraction, "mem0g_extraction")
    with pytest.raises(UnscriptedError):
        Runner().answer(request)
    with pytest.raises(AssertionError, match="SummaryOutput"):
        Runner(complete=SummaryOutput(summary="s")).answer(request)
    runner = Runner(complete=[Extraction()])
    assert runner.answer(request).value == Extraction()
    with pytest.raises(UnscriptedError, match="used up"):
        runner.answer(request)


def test_reads_and_writes_record_their_queries_per_transaction() -> None:
    runner = Runner({"tenant_stats": [{"user_facts": 1}], "users_list": []})

    def program() -> Generator[Any, Any, None]:
        yield Read(lambda: single("tenant_stats", user_id="u"), "first")
        yield Read(lambda: single("users_list"), "second")

    runner.run(program())
    assert [(t.tx, t.what, t.queries) for t in runner.transactions] == [
        ("read", "first", ["tenant_stats"]),
        ("read", "second", ["users_list"]),
    ]
    assert runner.log == [
        ("read", "first"),
        ("query", "tenant_stats"),
        ("read", "second"),
        ("query", "users_list"),
    ]
