"""Summary refreshes, ``flush``, and the add's two reads (``context_steps``, ``events_steps``)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest
from scripted import (
    USAGE,
    Runner,
    exact_entries,
    fact_row,
    make_env,
    rank_fields,
    search_start_row,
    stats_row,
    utc,
)

from mem0g._engine.add import SUMMARY_BATCH, context_steps, events_steps, refresh_summary_program
from mem0g._engine.env import Env
from mem0g._engine.operations import Operations
from mem0g._engine.resolve import InvalidationPlan
from mem0g._engine.vectors import VectorCache
from mem0g._engine.write import WriteOutcome
from mem0g.errors import LLMUnavailableError
from mem0g.extraction import SummaryOutput
from mem0g.models import IngestReport, LLMUsage

USER = "alice"
THREAD = '["bot", null]'

MESSAGES = [
    {
        "id": "e1",
        "role": "user",
        "name": "Alice",
        "content": "I adopted a cat",
        "observed_at": utc(2025, 5, 1, 9),
        "recorded_at": utc(2025, 5, 1, 9, 1),
    },
    {
        "id": "e2",
        "role": "assistant",
        "name": None,
        "content": "What is its name?",
        "observed_at": utc(2025, 5, 1, 9, 5),
        "recorded_at": utc(2025, 5, 1, 9, 6),
    },
]


def summary_script(rows: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "conversation_unsummarized": [{"summary": "Alice lives in Tokyo.", "messages": MESSAGES}]
        if rows is None
        else rows,
        "conversation_set_summary": [{"pending": 0}],
    }


def refreshing(env: Env) -> Env:
    env.state.summarizing.add((USER, THREAD))
    return env


# -- refresh_summary_program ---------------------------------------------------------------------------


def test_a_refresh_folds_the_new_messages_into_the_summary() -> None:
    env = refreshing(make_env(llm_summary_model="cheap-model"))
    runner = Runner(
        summary_script(), complete=SummaryOutput(summary="Alice lives in Tokyo and adopted a cat.")
    )
    before = datetime.now(timezone.utc)
    usage = runner.run(refresh_summary_program(env, USER, THREAD, "Alice"))
    assert runner.kinds() == ["read", "complete", "write"]
    assert runner.one("conversation_unsummarized") == {
        "user_id": USER,
        "thread": THREAD,
        "limit": SUMMARY_BATCH,
    }
    [call] = runner.completions
    assert (call.schema, call.name, call.model, call.purpose) == (
        SummaryOutput,
        "mem0g_summary",
        "cheap-model",
        "summary",
    )
    prompt = call.messages[0]["content"] + call.messages[1]["content"]
    assert "Alice lives in Tokyo." in prompt and "I adopted a cat" in prompt and "What is its name?" in prompt
    stored = runner.one("conversation_set_summary")
    assert stored["summary"] == "Alice lives in Tokyo and adopted a cat."
    assert stored["until"] == utc(2025, 5, 1, 9, 6) and stored["covered"] == 2
    assert stored["prompt_version"] == env.summary_template.tag and stored["thread"] == THREAD
    assert before <= stored["now"] <= datetime.now(timezone.utc)
    assert runner.transactions[-1].what == "storing a conversation summary"
    assert usage == USAGE and env.state.usage == USAGE
    assert env.state.summarizing == set()


def test_without_a_summary_model_the_extraction_model_is_used() -> None:
    runner = Runner(summary_script(), complete=SummaryOutput(summary="s"))
    runner.run(refresh_summary_program(make_env(), USER, THREAD, None))
    assert runner.completions[0].model is None and runner.completions[0].purpose == "summary"


@pytest.mark.parametrize("rows", [[], [{"summary": "old", "messages": []}]])
def test_nothing_new_means_no_llm_call(rows: list[dict[str, Any]]) -> None:
    env = refreshing(make_env())
    runner = Runner(summary_script(rows), complete=SummaryOutput(summary="never"))
    assert runner.run(refresh_summary_program(env, USER, THREAD, None)) == LLMUsage()
    assert runner.completions == [] and "conversation_set_summary" not in runner.names()
    assert env.state.summarizing == set()


@pytest.mark.parametrize("error", [LLMUnavailableError("the model is down"), RuntimeError("bug")])
def test_a_failed_refresh_still_frees_the_thread_and_writes_nothing(error: Exception) -> None:
    env = refreshing(make_env())
    other = ("bob", THREAD)
    env.state.summarizing.add(other)

    def fail(_: Any) -> Any:
        raise error

    runner = Runner(summary_script(), complete=fail)
    with pytest.raises(type(error), match=str(error)):
        runner.run(refresh_summary_program(env, USER, THREAD, None))
    assert env.state.summarizing == {other}  # only this thread is freed
    assert "conversation_set_summary" not in runner.names() and env.state.usage == LLMUsage()


def test_a_failed_read_also_frees_the_thread() -> None:
    env = refreshing(make_env())

    def broken(_: dict[str, Any]) -> list[dict[str, Any]]:
        raise ConnectionError("Neo4j went away")

    runner = Runner({"conversation_unsummarized": broken})
    with pytest.raises(ConnectionError):
        runner.run(refresh_summary_program(env, USER, THREAD, None))
    assert env.state.summarizing == set()


# -- flush -----------------------------------------------------------------------------------------------


def test_flush_without_summaries_only_waits() -> None:
    env = make_env()
    env.state.threads[(USER, THREAD)] = ("bot", None)
    runner = Runner()
    runner.run(Operations(env).flush(summarize=False, timeout=5.0))
    assert runner.log == [("drain", 5.0)]


def test_flush_refreshes_every_thread_written_to_between_two_waits() -> None:
    env = make_env()
    env.state.threads[(USER, THREAD)] = ("bot", None)
    env.state.threads[("bob", "[null, null]")] = (None, None)
    runner = Runner()
    runner.run(Operations(env).flush(timeout=None))
    assert runner.log == [
        ("drain", None),
        ("spawn", USER, "summary"),
        ("spawn", "bob", "summary"),
        ("drain", None),
    ]


def test_the_jobs_flush_queues_refresh_their_own_thread() -> None:
    env = make_env()
    env.state.threads[(USER, THREAD)] = ("bot", None)
    runner = Runner(summary_script(), complete=SummaryOutput(summary="new"), run_spawned=True)
    runner.run(Operations(env).flush())
    [job] = runner.jobs
    assert job.ran and job.error is None and job.result == USAGE
    assert runner.one("conversation_unsummarized")["thread"] == THREAD
    assert runner.one("conversation_set_summary")["summary"] == "new"


def test_flush_with_no_threads_waits_twice_and_queues_nothing() -> None:
    runner = Runner()
    runner.run(Operations(make_env()).flush())
    assert runner.log == [("drain", None), ("drain", None)] and runner.jobs == []


# -- context_steps -----------------------------------------------------------------------------------------


def context(**kwargs: Any) -> Any:
    args: dict[str, Any] = {
        "user_id": USER,
        "thread": THREAD,
        "recent": 2,
        "vector": [1.0, 0.0],
        "query": "cat name",
        "candidates": 3,
        "exact_max_facts": 1000,
        "cache": VectorCache(),
    }
    return context_steps(**{**args, **kwargs})


def test_context_gives_the_summary_and_recent_messages_oldest_first() -> None:
    recent = [
        {
            "id": "b",
            "role": "assistant",
            "name": None,
            "content": "second",
            "observed_at": utc(2025, 5, 1, 9, 5),
        },
        {"id": "a", "role": "user", "name": None, "content": "first", "observed_at": utc(2025, 5, 1, 9)},
    ]
    runner = Runner(
        {"conversation_context": [{"summary": "S", "summarized_until": None, "pending": 0, "recent": recent}]}
    )
    found = runner.run_steps(context(candidates=0), tx="read")
    assert found.summary == "S" and [m["content"] for m in found.recent] == ["first", "second"]
    assert found.candidates == [] and runner.names() == ["conversation_context"]
    assert runner.one("conversation_context") == {"user_id": USER, "thread": THREAD, "recent": 2}


def test_context_of_a_new_thread_is_empty() -> None:
    runner = Runner(
        {"conversation_context": [], "search_start": lambda p: [search_start_row(stats_row(0), p)]}
    )
    found = runner.run_steps(context(), tx="read")
    assert (found.summary, found.recent, found.candidates) == (None, [], [])


def test_context_candidates_are_a_one_hop_search_limited_to_the_setting() -> None:
    runner = Runner(
        {
            "conversation_context": [],
            **exact_entries([1.0, 0.0], facts=[("F1", 0.9)], ends={"F1": ("E1", "E2")}, stats=stats_row(4)),
            "search_expand": [],
            "facts_rank_fields": rank_fields([fact_row("F1", "Alice", "has_pet", "cat")]),
            "facts_by_ids": [fact_row("F1", "Alice", "has_pet", "cat")],
        }
    )
    found = runner.run_steps(context(), tx="read")
    assert [c.id for c in found.candidates] == ["F1"]
    start = runner.one("search_start")
    assert start["as_of"] is None and start["k"] == 3
    assert {f["entity"] for f in runner.one("search_expand")["frontier"]} == {"E1", "E2"}
    assert runner.names().count("search_expand") == 1  # one hop


# -- events_steps --------------------------------------------------------------------------------------


def outcome(**lists: list[str]) -> WriteOutcome:
    return WriteOutcome(report=IngestReport(**lists), invalidations=InvalidationPlan())


def test_events_name_what_happened_to_each_fact_first_kind_wins() -> None:
    rows = {
        "N1": fact_row("N1", obj="Shinjuku", valid_from=utc(2025, 4, 1)),
        "O1": fact_row("O1", status="superseded"),
    }
    runner = Runner({"facts_by_ids": lambda p: [rows[i] for i in p["ids"] if i in rows]})
    events = runner.run_steps(
        events_steps(USER, outcome(added=["N1"], superseded=["O1"], ended=["O1"], restated=["GONE"])),
        tx="read",
    )
    assert runner.one("facts_by_ids") == {"user_id": USER, "ids": ["N1", "GONE", "O1"]}
    assert [(e.id, e.event) for e in events] == [("N1", "added"), ("GONE", "restated"), ("O1", "ended")]
    added, gone, _ = events
    assert (added.object, added.valid_from, added.predicate) == ("Shinjuku", utc(2025, 4, 1), "lives_in")
    assert (gone.fact, gone.subject, gone.object) == (None, None, None)  # deleted meanwhile: no record


def test_no_changes_means_no_read() -> None:
    runner = Runner()
    assert runner.run_steps(events_steps(USER, outcome()), tx="read") == []
    assert runner.calls == []
