"""The simple reads and deletes as programs: history, get_all, graph, summary, users, stats, delete,
forget. Each is one query; the tests check its parameters and how its rows are decoded."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from scripted import Runner, fact_row, key, micros, stats_row, utc

from mem0g._engine.args import entity_key
from mem0g._engine.messages import thread_key
from mem0g._engine.operations import Operations
from mem0g._engine.prepare import SELF_KEY
from mem0g._engine.rows import instant, py
from mem0g.errors import InvalidInputError, NotFoundError
from mem0g.models import FactRecord

USER = "alice"


class DriverDateTime:
    """Stands in for a neo4j temporal value: the engine recognises those by ``to_native``."""

    def __init__(self, native: datetime) -> None:
        self.native = native

    def to_native(self) -> datetime:
        return self.native


# -- history -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("word", ["I", "me", "Me", " my ", "myself", "user", "The User"])
def test_history_of_a_first_person_word_is_the_users_own(ops: Operations[Any], word: str) -> None:
    runner = Runner({"entity_history": []})
    assert runner.run(ops.history(word, user_id=USER)) == []
    assert runner.one("entity_history") == {"user_id": USER, "key": SELF_KEY}


@pytest.mark.parametrize("name", ["Sarah", "sarah", "  SARAH ", "ｓａｒａｈ"])
def test_history_looks_an_entity_up_by_its_normalised_name(ops: Operations[Any], name: str) -> None:
    runner = Runner({"entity_history": []})
    runner.run(ops.history(name, user_id=USER))
    assert runner.one("entity_history")["key"] == key("Sarah") == entity_key(name)


def test_history_decodes_every_record_in_the_order_given(ops: Operations[Any]) -> None:
    rows = [
        fact_row(
            "F1",
            obj="Shibuya",
            status="superseded",
            valid_from=utc(2025, 1, 1),
            valid_until=utc(2025, 4, 1),
            superseded_at=utc(2025, 4, 2),
            superseded_by="F2",
            metadata='{"k": 1}',
        ),
        fact_row("F2", obj="Shinjuku", valid_from=utc(2025, 4, 1), source=["chat-2"], agent_id="bot"),
    ]
    runner = Runner({"entity_history": rows})
    records = runner.run(ops.history("Sarah", user_id=USER))
    assert [r.id for r in records] == ["F1", "F2"] and all(type(r) is FactRecord for r in records)
    old, new = records
    assert (old.status, old.valid_from, old.valid_until, old.superseded_at) == (
        "superseded",
        utc(2025, 1, 1),
        utc(2025, 4, 1),
        utc(2025, 4, 2),
    )
    assert old.metadata == {"k": 1} and new.metadata == {}
    assert new.source == ["chat-2"] and new.agent_id == "bot" and new.valid_until is None
    assert new.object == "Shinjuku" and new.user_id == USER and new.recorded_at == utc(2025, 1, 1)


@pytest.mark.parametrize("entity", ["", "   "])
def test_history_of_nothing_is_refused(ops: Operations[Any], entity: str) -> None:
    runner = Runner({"entity_history": []})
    with pytest.raises(InvalidInputError):
        runner.run(ops.history(entity, user_id=USER))
    assert runner.log == []


# -- delete and forget ---------------------------------------------------------------------------------


def test_delete_runs_one_write(ops: Operations[Any]) -> None:
    runner = Runner({"fact_delete": [{"deleted": 1}]})
    assert runner.run(ops.delete("F1", user_id=USER)) is None
    assert runner.one("fact_delete") == {"user_id": USER, "id": "F1"}
    assert [(t.tx, t.what) for t in runner.transactions] == [("write", "a delete")]


@pytest.mark.parametrize("rows", [[{"deleted": 0}], []])
def test_delete_of_an_unknown_fact_is_not_found(ops: Operations[Any], rows: list[dict[str, Any]]) -> None:
    runner = Runner({"fact_delete": rows})
    with pytest.raises(NotFoundError) as info:
        runner.run(ops.delete("F404", user_id=USER))
    assert "'F404'" in str(info.value) and "'alice'" in str(info.value)


def test_delete_needs_a_user_and_a_fact_id(ops: Operations[Any]) -> None:
    for fact_id, user in (("F1", ""), ("", USER)):
        runner = Runner({"fact_delete": [{"deleted": 1}]})
        with pytest.raises(InvalidInputError):
            runner.run(ops.delete(fact_id, user_id=user))
        assert runner.log == []


@pytest.mark.parametrize(("rows", "expected"), [([{"deleted": 7}], 7), ([{"deleted": 0}], 0), ([], 0)])
def test_forget_returns_the_nodes_removed(
    ops: Operations[Any], rows: list[dict[str, Any]], expected: int
) -> None:
    runner = Runner({"forget_user": rows})
    assert runner.run(ops.forget(USER)) == expected
    assert runner.one("forget_user") == {"user_id": USER}
    assert [(t.tx, t.what) for t in runner.transactions] == [("autocommit", "forget")]


def test_forget_of_no_user_is_refused(ops: Operations[Any]) -> None:
    runner = Runner({"forget_user": []})
    with pytest.raises(InvalidInputError):
        runner.run(ops.forget(" "))
    assert runner.log == []


# -- get_all -------------------------------------------------------------------------------------------


def test_get_all_defaults_ask_for_everything(ops: Operations[Any]) -> None:
    runner = Runner(
        {"facts_all": [fact_row("F1"), fact_row("F2", status="ended", valid_until=utc(2025, 2, 1))]}
    )
    before = datetime.now(timezone.utc)
    records = runner.run(ops.get_all(user_id=USER))
    params = runner.one("facts_all")
    assert {
        k: params[k] for k in ("user_id", "as_of", "current_only", "agent_id", "run_id", "skip", "limit")
    } == {
        "user_id": USER,
        "as_of": None,
        "current_only": False,
        "agent_id": None,
        "run_id": None,
        "skip": 0,
        "limit": 1_000_000,
    }
    assert before <= params["now"] <= datetime.now(timezone.utc)
    assert [(r.id, r.status) for r in records] == [("F1", "current"), ("F2", "ended")]


def test_get_all_narrowing_reaches_the_query(ops: Operations[Any]) -> None:
    runner = Runner({"facts_all": []})
    runner.run(
        ops.get_all(
            user_id=USER,
            as_of="2025-03-01T12:00:00+02:00",
            current_only=True,
            agent_id="bot",
            run_id="r1",
            limit=5,
        )
    )
    params = runner.one("facts_all")
    assert params["as_of"] == utc(2025, 3, 1, 10) and params["current_only"] is True
    assert (params["agent_id"], params["run_id"], params["limit"]) == ("bot", "r1", 5)


@pytest.mark.parametrize(
    "kwargs",
    [{"limit": 0}, {"limit": -3}, {"as_of": "tomorrow-ish"}, {"agent_id": ""}, {"user_id": ""}],
)
def test_get_all_refuses_bad_arguments_before_reading(ops: Operations[Any], kwargs: dict[str, Any]) -> None:
    runner = Runner({"facts_all": []})
    with pytest.raises(InvalidInputError):
        runner.run(ops.get_all(**{"user_id": USER, **kwargs}))
    assert runner.log == []


# -- graph ---------------------------------------------------------------------------------------------


def graph_rows() -> list[dict[str, Any]]:
    return [
        {
            "entity": {
                "id": "E1",
                "name": "Sarah",
                "type": "person",
                "aliases": ["Sally"],
                "is_self": False,
                "labels": ["Entity", "Person"],
            },
            "facts": [
                {
                    "id": "F1",
                    "object_id": "E2",
                    "fact": "Sarah lives in Shibuya",
                    "predicate": "lives_in",
                    "status": "superseded",
                    "valid_from": DriverDateTime(utc(2025, 1, 1)),
                    "embedding": None,
                },
                {
                    "id": "F2",
                    "object_id": "E2",
                    "fact": "Sarah visits Shibuya",
                    "predicate": "visits",
                    "status": "current",
                    "agent_id": None,
                },
            ],
        },
        {
            "entity": {
                "id": "E2",
                "name": "Shibuya",
                "type": None,
                "aliases": [],
                "is_self": None,
                "labels": ["Entity"],
            },
            "facts": [],
        },
        {
            "entity": {
                "id": "E3",
                "name": USER,
                "type": "Person",
                "aliases": ["I", "me"],
                "is_self": True,
                "labels": ["Entity", "Person"],
            },
            "facts": [None],
        },
    ]


def test_graph_has_entities_as_nodes_and_facts_as_keyed_edges(ops: Operations[Any]) -> None:
    runner = Runner({"graph_user": graph_rows()})
    graph = runner.run(ops.graph(USER))
    assert runner.one("graph_user") == {"user_id": USER, "as_of": None}
    assert graph.graph["user_id"] == USER
    assert sorted(graph.nodes) == ["E1", "E2", "E3"]
    assert graph.nodes["E1"] == {"name": "Sarah", "type": "person", "labels": ["Person"], "is_self": False}
    assert graph.nodes["E2"]["labels"] == [] and graph.nodes["E2"]["is_self"] is False
    assert graph.nodes["E3"]["is_self"] is True
    assert sorted(graph.edges(keys=True)) == [("E1", "E2", "F1"), ("E1", "E2", "F2")]
    first = graph.edges["E1", "E2", "F1"]
    assert first == {
        "fact": "Sarah lives in Shibuya",
        "predicate": "lives_in",
        "status": "superseded",
        "valid_from": utc(2025, 1, 1),
    }
    assert "agent_id" not in graph.edges["E1", "E2", "F2"]  # null properties are left out


def test_graph_as_of_reaches_the_query(ops: Operations[Any]) -> None:
    runner = Runner({"graph_user": []})
    graph = runner.run(ops.graph(USER, as_of="2025-02-01"))
    assert runner.one("graph_user")["as_of"] == utc(2025, 2, 1)
    assert graph.number_of_nodes() == 0


# -- summary, users, stats -----------------------------------------------------------------------------


def test_summary_reads_the_threads_summary(ops: Operations[Any]) -> None:
    runner = Runner(
        {
            "conversation_context": [
                {"summary": "Alice likes tea.", "summarized_until": None, "pending": 0, "recent": []}
            ]
        }
    )
    assert runner.run(ops.summary(USER, agent_id="bot", run_id="r1")) == "Alice likes tea."
    assert runner.one("conversation_context") == {
        "user_id": USER,
        "thread": thread_key("bot", "r1"),
        "recent": 0,
    }


@pytest.mark.parametrize(
    "rows", [[], [{"summary": None, "summarized_until": None, "pending": 3, "recent": []}]]
)
def test_a_thread_without_a_summary_has_none(ops: Operations[Any], rows: list[dict[str, Any]]) -> None:
    runner = Runner({"conversation_context": rows})
    assert runner.run(ops.summary(USER)) is None
    assert runner.one("conversation_context")["thread"] == "[null, null]"


def test_users_decode_driver_instants(ops: Operations[Any]) -> None:
    when = datetime(2025, 5, 1, 12, tzinfo=timezone(timedelta(hours=2)))
    runner = Runner(
        {"users_list": [{"user_id": "alice", "facts": 3, "entities": 2, "updated_at": DriverDateTime(when)}]}
    )
    [user] = runner.run(ops.users())
    assert user == {"user_id": "alice", "facts": 3, "entities": 2, "updated_at": utc(2025, 5, 1, 10)}
    assert user["updated_at"].tzinfo is timezone.utc
    assert runner.one("users_list") == {}


def test_stats_are_the_counts_of_the_user_and_the_database(ops: Operations[Any]) -> None:
    row = stats_row(3, total_facts=10, user_entities=2, total_entities=8, user_episodes=4, total_episodes=9)
    runner = Runner({"tenant_stats": [row]})
    assert runner.run(ops.stats(USER)) == row
    assert runner.one("tenant_stats") == {"user_id": USER}


# -- row decoding ------------------------------------------------------------------------------------


def test_instants_come_back_from_microseconds_or_driver_values() -> None:
    when = utc(2025, 5, 1, 10, 30, 15, 123456)
    assert instant(micros(when)) == when
    assert instant(None) is None and instant(when) is when
    assert instant(DriverDateTime(when)) == when
    with pytest.raises(TypeError):
        instant("2025-05-01")


def test_py_converts_driver_values_inside_lists_and_leaves_the_rest() -> None:
    when = datetime(2025, 1, 1, 9, tzinfo=timezone(timedelta(hours=9)))
    assert py([DriverDateTime(when), "x", 3]) == [utc(2025, 1, 1), "x", 3]
    assert py({"a": 1}) == {"a": 1}


def test_metadata_is_decoded_from_its_json_text(ops: Operations[Any]) -> None:
    runner = Runner({"facts_all": [fact_row("F1", metadata=json.dumps({"tags": ["a"], "n": 2}))]})
    [record] = runner.run(ops.get_all(user_id=USER))
    assert record.metadata == {"tags": ["a"], "n": 2}
