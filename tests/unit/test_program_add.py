"""``add`` as a program: episodes, the one LLM call, the write with its invalidations, the events."""

from __future__ import annotations

from typing import Any

import pytest
from scripted import (
    USAGE,
    FakeEmbedder,
    Job,
    Runner,
    exact_entries,
    fact_row,
    rank_fields,
    stats_row,
    stored_row,
    utc,
    write_script,
)

from mem0g._engine.env import Env
from mem0g._engine.messages import episode_id, thread_key
from mem0g._engine.operations import NO_LLM_MESSAGE, Operations
from mem0g.errors import ConfigError, InvalidInputError
from mem0g.extraction import Extraction
from mem0g.models import AddResult

USER = "alice"
SAID = "2025-05-01T10:00:00Z"
THREAD = thread_key(None, None)
VEC = FakeEmbedder()

#: A stored fact the context search finds, and the extractor retires.
ACME = fact_row("F9", "Sarah", "works_at", "Acme", valid_from=utc(2024, 1, 1), fact="Sarah works at Acme")
ACME_STATE = stored_row("F9", "Sarah", "works_at", "Acme", valid_from=utc(2024, 1, 1))

ANSWER = Extraction.model_validate(
    {
        "entities": [{"name": "Sarah", "type": "person"}, {"name": "Globex", "type": "company"}],
        "relations": [
            {
                "subject": "Sarah",
                "predicate": "works_for",
                "object": "Globex",
                "fact": "Sarah works for Globex",
                "evidence": [1],
            }
        ],
        "invalidated": [{"fact": 1, "action": "updated", "replaced_by": 1}],
    }
)


def facts_by_ids(params: dict[str, Any]) -> list[dict[str, Any]]:
    """ACME as stored; any other id as the new Globex fact."""
    return [
        ACME if i == "F9" else fact_row(i, "Sarah", "works_for", "Globex", fact="Sarah works for Globex")
        for i in params["ids"]
    ]


def add_script(*, user_facts: int = 1, pending: int = 1, **write: Any) -> dict[str, Any]:
    return {
        **write_script(states=[ACME_STATE], pending=pending, **write),
        "conversation_context": [
            {
                "summary": "Alice often talks about her friend Sarah.",
                "summarized_until": None,
                "pending": 0,
                "recent": [  # newest first, as the query orders them
                    {
                        "id": "r2",
                        "role": "assistant",
                        "name": None,
                        "content": "Nice!",
                        "observed_at": utc(2025, 4, 2),
                    },
                    {
                        "id": "r1",
                        "role": "user",
                        "name": None,
                        "content": "Sarah got a job",
                        "observed_at": utc(2025, 4, 1),
                    },
                ],
            }
        ],
        **exact_entries(
            VEC.vector("Sarah now works for Globex"),
            facts=[("F9", 0.9)],
            ends={"F9": ("E1", "E2")},
            stats=stats_row(user_facts),
        ),
        "search_expand": [],
        "facts_rank_fields": lambda p: rank_fields(facts_by_ids(p)),
        "facts_by_ids": facts_by_ids,
    }


def run_add(
    ops: Operations[Any], runner: Runner, messages: Any = "Sarah now works for Globex", **kwargs: Any
) -> AddResult:
    kwargs.setdefault("user_id", USER)
    kwargs.setdefault("timestamp", SAID)
    result: AddResult = runner.run(ops.add(messages, **kwargs))
    return result


# -- infer=True --------------------------------------------------------------------------------------


def test_infer_makes_one_llm_call_between_the_context_read_and_the_write(ops: Operations[Any]) -> None:
    runner = Runner(add_script(), complete=ANSWER)
    run_add(ops, runner)
    assert runner.kinds() == ["read", "embed", "read", "complete", "embed", "write", "read"]
    assert [t.what for t in runner.transactions] == [
        "a read",
        "reading the conversation context",
        "writing the extracted facts",
        "a read",
    ]
    [call] = runner.completions
    assert (call.schema, call.name, call.purpose, call.model) == (
        Extraction,
        "mem0g_extraction",
        "extract",
        None,
    )


def test_the_prompt_shows_summary_recent_messages_candidates_and_the_new_message(
    ops: Operations[Any],
) -> None:
    runner = Runner(add_script(), complete=ANSWER)
    run_add(ops, runner, [{"role": "user", "content": "Sarah now works for Globex", "name": "Alice"}])
    [call] = runner.completions
    system, user = call.messages[0]["content"], call.messages[1]["content"]
    text = system + user
    assert "Alice often talks about her friend Sarah." in text
    assert text.index("Sarah got a job") < text.index("Nice!")  # oldest recent message first
    assert "[1] Sarah works at Acme" in user and "F9" not in text
    assert "(1) 2025-05-01 10:00 user (Alice): Sarah now works for Globex" in user
    assert '"Alice"' in system


def test_the_context_is_read_with_the_settings(ops: Operations[Any]) -> None:
    runner = Runner(add_script(), complete=ANSWER)
    run_add(ops, runner)
    assert runner.one("conversation_context") == {"user_id": USER, "thread": THREAD, "recent": 10}
    start = runner.params("search_start")[0]
    assert (start["user_id"], start["as_of"], start["k"]) == (USER, None, 10)
    expand = runner.one("search_expand")  # candidates are expanded one hop
    assert {f["entity"] for f in expand["frontier"]} == {"E1", "E2"}


def test_the_write_carries_the_invalidation_and_the_events_are_read_after(ops: Operations[Any]) -> None:
    runner = Runner(add_script(), complete=ANSWER)
    result = run_add(ops, runner)
    write_names = runner.transactions[2].queries
    assert write_names == [
        "tenant_lock",
        "episodes_existing",
        "episodes_create",
        "tenant_episode_count",
        "conversation_touch",
        "entities_lookup",
        "entities_lookup_alias",
        "entities_merge",
        "facts_for_groups",
        "facts_state_by_ids",
        "facts_create",
        "facts_update",
        "facts_link_supersedes",
        "episodes_mention",
        "tenant_counts",
    ]
    [created] = runner.one("facts_create")["rows"]
    new_id = created["props"]["id"]
    assert created["props"]["prompt_version"] == result.prompt_version == ops.env.extract_template.tag
    [update] = runner.one("facts_update")["rows"]
    assert (
        update["id"] == "F9"
        and update["status"] == "superseded"
        and update["valid_until"] == utc(2025, 5, 1, 10)
    )
    assert runner.one("facts_link_supersedes")["rows"] == [{"id": new_id, "old": "F9"}]
    assert runner.transactions[3].queries == ["facts_by_ids"]
    assert runner.params("facts_by_ids")[-1]["ids"] == [new_id, "F9"]
    assert [(e.id, e.event, e.object) for e in result.results] == [
        (new_id, "added", "Globex"),
        ("F9", "superseded", "Acme"),
    ]
    assert result.added == [new_id] and result.superseded == ["F9"]


def test_the_result_reports_episodes_usage_and_prompt_version(ops: Operations[Any]) -> None:
    runner = Runner(add_script(), complete=ANSWER)
    result = run_add(ops, runner, [{"role": "user", "content": "Sarah now works for Globex", "id": "m1"}])
    expected = episode_id(USER, THREAD, "m1")
    assert result.episodes == [expected] and result.episodes_skipped == [] and not result.skipped
    assert result.usage == USAGE and ops.env.state.usage == USAGE
    [row] = runner.one("episodes_create")["rows"]
    assert row["id"] == expected and row["prompt_version"] == ops.env.extract_template.tag
    assert row["source_id"] == "m1" and row["observed_at"] == utc(2025, 5, 1, 10)


def test_only_texts_not_yet_embedded_are_embedded_after_the_call(ops: Operations[Any]) -> None:
    runner = Runner(add_script(), complete=ANSWER)
    run_add(ops, runner)
    first, second = runner.embedded
    assert first == ("Sarah now works for Globex",)  # the episode; the query text is the same string
    assert second == ("Sarah works for Globex", "Sarah", "Globex")


def test_several_messages_are_one_query_text(ops: Operations[Any]) -> None:
    runner = Runner(add_script(), complete=ANSWER)
    run_add(ops, runner, ["Sarah has news", "Tell me!"])
    assert runner.embedded[0] == ("Sarah has news", "Tell me!", "Sarah has news\nTell me!")
    roles = [r["role"] for r in runner.one("episodes_create")["rows"]]
    assert roles == ["user", "assistant"]


def test_a_rejected_invalidation_and_a_dropped_relation_are_reported(ops: Operations[Any]) -> None:
    answer = Extraction.model_validate(
        {
            "relations": [
                {
                    "subject": "Sarah",
                    "predicate": "works_for",
                    "object": "Globex",
                    "fact": "Sarah works for Globex",
                },
                {"subject": " ", "predicate": "x", "object": "y", "fact": "blank"},
            ],
            "invalidated": [{"fact": 1, "action": "ended"}, {"fact": 4, "action": "ended"}],
        }
    )
    gone = {**ACME_STATE, "status": "superseded"}
    runner = Runner({**add_script(), **write_script(states=[gone])}, complete=answer)
    result = run_add(ops, runner)
    assert [(r.fact_id, r.reason) for r in result.rejected_invalidations] == [("F9", "no longer holds")]
    assert any("relation 2 dropped" in w for w in result.warnings)
    assert any("number 4 was not shown" in w for w in result.warnings)


def test_an_answer_without_facts_stores_only_the_episodes(ops: Operations[Any]) -> None:
    runner = Runner(add_script(), complete=Extraction())
    result = run_add(ops, runner)
    assert runner.kinds() == ["read", "embed", "read", "complete", "write", "read"]
    assert runner.transactions[2].queries[-1] == "conversation_touch"
    assert runner.transactions[3].queries == []  # nothing to report: no query
    assert result.results == [] and result.added == [] and len(result.episodes) == 1


def test_without_candidates_the_context_is_the_conversation_only() -> None:
    from scripted import make_env

    ops: Operations[Any] = Operations(make_env(candidate_facts=0))
    runner = Runner(add_script(), complete=Extraction())
    run_add(ops, runner)
    assert runner.transactions[1].queries == ["conversation_context"]
    assert "[1]" not in runner.completions[0].messages[1]["content"]


def test_a_failed_llm_call_writes_nothing(ops: Operations[Any]) -> None:
    def fail(_: Any) -> Any:
        raise TimeoutError("model did not answer")

    runner = Runner(add_script(), complete=fail)
    with pytest.raises(TimeoutError):
        run_add(ops, runner)
    assert "write" not in runner.kinds() and ops.env.state.usage.calls == 0


# -- infer=False, skipping, waiting --------------------------------------------------------------------


def test_infer_false_stores_episodes_only_without_an_llm() -> None:
    from scripted import make_env

    ops: Operations[Any] = Operations(make_env(llm_configured=False))
    runner = Runner(write_script())
    result = run_add(ops, runner, ["hi", "hello"], infer=False)
    assert runner.kinds() == ["read", "embed", "write"] and runner.completions == []
    assert runner.transactions[1].queries == [
        "tenant_lock",
        "episodes_existing",
        "episodes_create",
        "tenant_episode_count",
        "conversation_touch",
    ]
    rows = runner.one("episodes_create")["rows"]
    assert [r["prompt_version"] for r in rows] == [None, None]
    assert [r["embedding"] for r in rows] == [VEC.vector("hi"), VEC.vector("hello")]
    assert result.episodes == [r["id"] for r in rows] and result.added == [] and result.usage.calls == 0


def test_an_add_whose_messages_are_all_stored_is_skipped() -> None:
    from scripted import make_env

    ops: Operations[Any] = Operations(make_env())
    ids = [episode_id(USER, THREAD, m) for m in ("m1", "m2")]
    runner = Runner({"episodes_existing": [{"id": i} for i in ids]}, complete=ANSWER)
    messages = [
        {"role": "user", "content": "a", "id": "m1"},
        {"role": "assistant", "content": "b", "id": "m2"},
    ]
    result = run_add(ops, runner, messages)
    assert result.skipped and result.episodes_skipped == ids and result.episodes == []
    assert runner.kinds() == ["read"] and runner.completions == [] and runner.embedded == []
    assert runner.one("episodes_existing") == {"user_id": USER, "ids": ids}


def test_messages_already_stored_are_left_out_of_the_prompt(ops: Operations[Any]) -> None:
    old = episode_id(USER, THREAD, "m1")
    runner = Runner(
        {**add_script(existing_episodes=[old]), "episodes_existing": [{"id": old}]}, complete=ANSWER
    )
    messages = [
        {"role": "user", "content": "old news", "id": "m1"},
        {"role": "user", "content": "Sarah now works for Globex", "id": "m2"},
    ]
    result = run_add(ops, runner, messages)
    assert result.episodes_skipped == [old] and result.episodes == [episode_id(USER, THREAD, "m2")]
    assert "old news" not in runner.completions[0].messages[1]["content"]


def test_wait_false_queues_the_add_under_the_user_and_returns_the_handle(ops: Operations[Any]) -> None:
    runner = Runner(add_script(), complete=ANSWER)
    handle = runner.run(ops.add("Sarah now works for Globex", user_id=USER, timestamp=SAID, wait=False))
    assert isinstance(handle, Job) and (handle.key, handle.kind) == (USER, "add")
    assert runner.log == [("spawn", USER, "add")]
    result = runner.run_job(handle)
    assert handle.error is None and isinstance(result, AddResult) and len(result.added) == 1


def test_no_llm_configured_is_a_config_error_at_the_call() -> None:
    from scripted import make_env

    ops: Operations[Any] = Operations(make_env(llm_configured=False))
    for wait in (True, False):
        with pytest.raises(ConfigError) as info:
            ops.add("hello", user_id=USER, wait=wait)
        assert str(info.value) == NO_LLM_MESSAGE


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"user_id": ""}, "user_id"),
        ({"agent_id": " "}, "agent_id"),
        ({"run_id": "x" * 300}, "run_id"),
        ({"messages": []}, "messages"),
        ({"messages": [42]}, "messages"),
        ({"messages": [{"role": "user"}]}, "messages"),
        ({"timestamp": "around noon"}, "timestamp"),
        ({"metadata": {"timestamp": "never"}}, "metadata.timestamp"),
    ],
)
def test_invalid_arguments_are_refused_at_the_call(
    ops: Operations[Any], kwargs: dict[str, Any], field: str
) -> None:
    args = {"messages": "hi", "user_id": USER, **kwargs}
    with pytest.raises(InvalidInputError) as info:
        ops.add(args.pop("messages"), **args)
    assert info.value.field == field


def test_the_timestamp_falls_back_to_metadata_then_to_the_messages(ops: Operations[Any]) -> None:
    runner = Runner(write_script())
    run_add(ops, runner, "a", infer=False, timestamp=None, metadata={"timestamp": "2024-02-03"})
    assert runner.one("episodes_create")["rows"][0]["observed_at"] == utc(2024, 2, 3)
    runner = Runner(write_script())
    messages = [
        {"content": "a", "timestamp": "2024-01-01"},
        {"content": "b", "timestamp": "2024-03-01T08:00:00Z"},
    ]
    run_add(ops, runner, messages, infer=False, timestamp=None)
    assert [r["observed_at"] for r in runner.one("episodes_create")["rows"]] == [
        utc(2024, 1, 1),
        utc(2024, 3, 1, 8),
    ]


def test_agent_and_run_make_the_thread(ops: Operations[Any]) -> None:
    runner = Runner(write_script())
    run_add(ops, runner, "a", infer=False, agent_id="bot", run_id="r7")
    touch = runner.one("conversation_touch")
    assert touch["thread"] == '["bot", "r7"]' and (touch["agent_id"], touch["run_id"]) == ("bot", "r7")
    [row] = runner.one("episodes_create")["rows"]
    assert (row["thread"], row["agent_id"], row["run_id"]) == ('["bot", "r7"]', "bot", "r7")


# -- the summary refresh an add queues -----------------------------------------------------------------


def summary_env(**settings: Any) -> Env:
    from scripted import make_env

    return make_env(summary_every=3, **settings)


def test_an_add_that_makes_a_thread_due_queues_one_summary_refresh() -> None:
    env = summary_env()
    runner = Runner(add_script(pending=3), complete=ANSWER)
    run_add(Operations(env), runner)
    assert runner.kinds()[-3:] == ["write", "spawn", "read"]  # queued before the events are read
    [job] = runner.jobs
    assert (job.key, job.kind, job.ran) == (USER, "summary", False)
    assert env.state.summarizing == {(USER, THREAD)} and env.state.threads == {(USER, THREAD): (None, None)}


def test_a_thread_already_being_summarised_is_not_queued_again() -> None:
    env = summary_env()
    runner = Runner(add_script(pending=5), complete=[ANSWER, ANSWER])
    ops: Operations[Any] = Operations(env)
    run_add(ops, runner)
    run_add(ops, runner)
    assert len(runner.jobs) == 1


def test_a_thread_not_yet_due_is_remembered_for_flush_only() -> None:
    env = summary_env()
    runner = Runner(add_script(pending=2), complete=ANSWER)
    run_add(Operations(env), runner, agent_id="bot")
    assert runner.jobs == [] and env.state.summarizing == set()
    assert env.state.threads == {(USER, thread_key("bot", None)): ("bot", None)}


def test_the_queued_refresh_runs_and_frees_the_thread() -> None:
    env = summary_env()
    unsummarized = [
        {
            "summary": None,
            "messages": [
                {
                    "id": "e1",
                    "role": "user",
                    "name": None,
                    "content": "hi",
                    "observed_at": utc(2025, 5, 1),
                    "recorded_at": utc(2025, 5, 1, 1),
                }
            ],
        }
    ]
    from mem0g.extraction import SummaryOutput

    runner = Runner(
        {
            **add_script(pending=3),
            "conversation_unsummarized": unsummarized,
            "conversation_set_summary": [{"pending": 0}],
        },
        complete=[ANSWER, SummaryOutput(summary="Alice said hi.")],
        run_spawned=True,
    )
    run_add(Operations(env), runner)
    [job] = runner.jobs
    assert job.ran and job.error is None and job.result == USAGE
    assert runner.one("conversation_set_summary")["summary"] == "Alice said hi."
    assert env.state.summarizing == set() and env.state.usage.calls == 2
