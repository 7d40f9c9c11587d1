"""``add_facts`` as a program: what it asks Neo4j to write, from scripted stored facts.

The temporal rules themselves are property-tested in test_resolve.py; here they are checked end to
end through the program: the rows of ``facts_for_groups`` in, the ``facts_create`` /
``facts_update`` parameters out, one write transaction per batch of one user.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scripted import (
    SCHEMA_SCRIPT,
    FakeEmbedder,
    Runner,
    key,
    make_env,
    stored_row,
    utc,
    write_script,
)

from mem0g._engine.operations import Operations
from mem0g._engine.prepare import SELF_KEY, tenant_token
from mem0g.errors import InvalidInputError
from mem0g.models import IngestReport

USER = "alice"
NOW = utc(2025, 5, 1, 12)
VEC = FakeEmbedder()


def sarah(place: str, predicate: str = "lives_in", **extra: Any) -> dict[str, Any]:
    return {"subject": "Sarah", "predicate": predicate, "object": place, **extra}


def known(*names: str) -> dict[str, str]:
    """Entities already stored under their own name keys."""
    return {key(n): key(n) for n in names}


def add(ops: Operations[Any], runner: Runner, facts: list[dict[str, Any]], **kwargs: Any) -> IngestReport:
    kwargs.setdefault("user_id", USER)
    kwargs.setdefault("now", NOW)
    report: IngestReport = runner.run(ops.add_facts(facts, **kwargs))
    return report


# -- the temporal rules, through the write ---------------------------------------------------------


def test_a_newer_value_of_a_cardinality_one_predicate_supersedes_the_stored_one(ops: Operations[Any]) -> None:
    stored = stored_row("F1", "Sarah", "lives_in", "Shibuya", valid_from=utc(2025, 1, 1), sources=["chat-1"])
    runner = Runner(write_script(stored=[stored], found=known("Sarah")))
    report = add(ops, runner, [sarah("Shinjuku", valid_from="2025-04-24", source="chat-2")])

    assert runner.one("facts_for_groups", tx="write")["groups"] == [
        {"subject_key": key("Sarah"), "predicate_key": "lives_in"}
    ]
    [row] = runner.one("facts_create")["rows"]
    props = row["props"]
    new_id = props["id"]
    assert (row["subject_key"], row["object_key"]) == (key("Sarah"), key("Shinjuku"))
    assert props["valid_from"] == utc(2025, 4, 24) and "valid_until" not in props
    assert props["status"] == "current" and props["supersedes"] == ["F1"] and props["cardinality"] == "one"
    assert props["recorded_at"] == NOW and props["observed_at"] == NOW and props["source"] == ["chat-2"]
    assert props["fact"] == "Sarah lives in Shinjuku" and props["predicate"] == "lives_in"
    assert props["embedding"] == VEC.vector("Sarah lives in Shinjuku")
    assert props["user_id"] == USER and props["tenant"] == tenant_token(USER)
    assert runner.one("facts_update")["rows"] == [
        {
            "id": "F1",
            "valid_from": utc(2025, 1, 1),
            "valid_until": utc(2025, 4, 24),
            "status": "superseded",
            "superseded_at": NOW,
            "superseded_by": new_id,
            "supersedes": [],
            "source": ["chat-1"],
            "asserted_at": [utc(2025, 1, 1)],
        }
    ]
    assert report.added == [new_id] and report.superseded == ["F1"] and report.facts_in == 1
    assert runner.one("tenant_counts") == {"user_id": USER, "facts": 1, "entities": 1}


def test_restating_a_stored_fact_adds_provenance_only(ops: Operations[Any]) -> None:
    stored = stored_row("F1", "Sarah", "lives_in", "Shibuya", valid_from=utc(2025, 1, 1), sources=["chat-1"])
    runner = Runner(write_script(stored=[stored], found=known("Sarah", "Shibuya")))
    report = add(ops, runner, [sarah("Shibuya", observed_at="2025-03-01", source="chat-2")])

    assert "facts_create" not in runner.names() and "facts_clone" not in runner.names()
    assert runner.one("facts_update")["rows"] == [
        {
            "id": "F1",
            "valid_from": utc(2025, 1, 1),
            "valid_until": None,
            "status": "current",
            "superseded_at": None,
            "superseded_by": None,
            "supersedes": [],
            "source": ["chat-1", "chat-2"],
            "asserted_at": [utc(2025, 1, 1), utc(2025, 3, 1)],
        }
    ]
    assert report.restated == ["F1"] and report.added == [] and report.superseded == []
    assert runner.one("tenant_counts") == {"user_id": USER, "facts": 0, "entities": 0}


def test_restating_with_nothing_new_writes_no_fact_at_all(ops: Operations[Any]) -> None:
    stored = stored_row("F1", "Sarah", "lives_in", "Shibuya", valid_from=utc(2025, 1, 1), sources=["chat-1"])
    runner = Runner(write_script(stored=[stored], found=known("Sarah", "Shibuya")))
    report = add(ops, runner, [sarah("Shibuya", valid_from="2025-01-01", source="chat-1")])
    names = runner.names()
    assert "facts_create" not in names and "facts_update" not in names
    assert report.restated == ["F1"]


def test_a_late_older_statement_becomes_history(ops: Operations[Any]) -> None:
    stored = stored_row("F1", "Sarah", "lives_in", "Shinjuku", valid_from=utc(2025, 4, 24))
    runner = Runner(write_script(stored=[stored], found=known("Sarah", "Shinjuku")))
    report = add(ops, runner, [sarah("Shibuya", valid_from="2025-01-01")])

    [row] = runner.one("facts_create")["rows"]
    props = row["props"]
    assert props["valid_from"] == utc(2025, 1, 1) and props["valid_until"] == utc(2025, 4, 24)
    assert props["status"] == "superseded" and props["superseded_by"] == "F1"
    assert props["superseded_at"] == NOW and props["supersedes"] == []
    [update] = runner.one("facts_update")["rows"]
    assert update["id"] == "F1" and update["supersedes"] == [props["id"]]
    assert update["status"] == "current" and update["valid_until"] is None
    assert report.history == [props["id"]] and report.added == [] and report.superseded == []


def test_an_explicit_valid_until_ends_the_stored_fact(ops: Operations[Any]) -> None:
    stored = stored_row("F1", "Sarah", "works_at", "Acme", valid_from=utc(2024, 1, 1))
    runner = Runner(write_script(stored=[stored], found=known("Sarah", "Acme")))
    report = add(ops, runner, [sarah("Acme", "works_at", valid_until="2025-03-31", source="hr")])

    assert "facts_create" not in runner.names()
    [update] = runner.one("facts_update")["rows"]
    assert update["id"] == "F1" and update["status"] == "ended"
    assert update["valid_from"] == utc(2024, 1, 1) and update["valid_until"] == utc(2025, 3, 31)
    assert update["source"] == ["hr"] and update["superseded_by"] is None
    assert report.ended == ["F1"] and report.added == [] and report.restated == []


def test_a_new_fact_with_both_bounds_is_stored_ended(ops: Operations[Any]) -> None:
    runner = Runner(write_script())
    report = add(ops, runner, [sarah("Osaka", valid_from="2020-01-01", valid_until="2021-06-30")])
    [row] = runner.one("facts_create")["rows"]
    props = row["props"]
    assert props["status"] == "ended"
    assert (props["valid_from"], props["valid_until"]) == (utc(2020, 1, 1), utc(2021, 6, 30))
    assert report.ended == [props["id"]] and report.added == []
    assert "facts_update" not in runner.names()


def test_a_cardinality_many_predicate_keeps_values_side_by_side(ops: Operations[Any]) -> None:
    stored = stored_row("F1", "Sarah", "likes", "ramen", valid_from=utc(2025, 1, 1), cardinality="many")
    runner = Runner(write_script(stored=[stored], found=known("Sarah", "ramen")))
    report = add(ops, runner, [sarah("sushi", "likes", valid_from="2025-02-01")])
    [row] = runner.one("facts_create")["rows"]
    assert row["props"]["cardinality"] == "many" and row["props"]["supersedes"] == []
    assert "facts_update" not in runner.names()
    assert report.superseded == [] and report.added == [row["props"]["id"]]


def test_the_settings_cardinality_makes_a_predicate_one() -> None:
    ops: Operations[Any] = Operations(make_env(cardinality={"Likes": "one"}))
    stored = stored_row("F1", "Sarah", "likes", "ramen", valid_from=utc(2025, 1, 1))
    runner = Runner(write_script(stored=[stored], found=known("Sarah", "ramen")))
    report = add(ops, runner, [sarah("sushi", "likes", valid_from="2025-02-01")])
    [update] = runner.one("facts_update")["rows"]
    assert update["status"] == "superseded" and update["valid_until"] == utc(2025, 2, 1)
    assert report.superseded == ["F1"]


def test_a_fact_can_declare_its_own_cardinality(ops: Operations[Any]) -> None:
    stored = stored_row("F1", "Sarah", "lives_in", "Shibuya", valid_from=utc(2025, 1, 1))
    runner = Runner(write_script(stored=[stored], found=known("Sarah", "Shibuya")))
    add(ops, runner, [sarah("Osaka", valid_from="2025-02-01", cardinality="many")])
    [row] = runner.one("facts_create")["rows"]
    assert row["props"]["cardinality"] == "many" and row["props"]["supersedes"] == []
    assert "facts_update" not in runner.names()


def test_two_moves_in_one_batch_chain_in_order(ops: Operations[Any]) -> None:
    runner = Runner(write_script())
    report = add(
        ops,
        runner,
        [sarah("Shibuya", valid_from="2025-01-01"), sarah("Shinjuku", valid_from="2025-04-24")],
    )
    first, second = (r["props"] for r in runner.one("facts_create")["rows"])
    assert runner.names("write").count("facts_for_groups") == 1
    assert (first["status"], first["valid_until"], first["superseded_by"]) == (
        "superseded",
        utc(2025, 4, 24),
        second["id"],
    )
    assert second["status"] == "current" and second["supersedes"] == [first["id"]]
    assert report.superseded == [first["id"]] and set(report.added) == {first["id"], second["id"]}


def test_only_the_groups_of_the_batch_are_loaded(ops: Operations[Any]) -> None:
    runner = Runner(write_script())
    add(
        ops,
        runner,
        [
            sarah("Shibuya"),
            sarah("ramen", "likes"),
            {"subject": "Tom", "predicate": "likes", "object": "tea"},
        ],
    )
    groups = runner.one("facts_for_groups", tx="write")["groups"]
    assert groups == sorted(
        [
            {"subject_key": key("Sarah"), "predicate_key": "lives_in"},
            {"subject_key": key("Sarah"), "predicate_key": "likes"},
            {"subject_key": key("Tom"), "predicate_key": "likes"},
        ],
        key=lambda g: (g["subject_key"], g["predicate_key"]),
    )


# -- entities ----------------------------------------------------------------------------------------


def test_the_write_transaction_runs_its_queries_in_order(ops: Operations[Any]) -> None:
    runner = Runner(write_script())
    add(ops, runner, [sarah("Shibuya")])
    # First a read of what the batch would create (to embed only that), then the write.
    assert runner.names() == [
        "entities_lookup",
        "entities_lookup_alias",
        "facts_for_groups",
        "tenant_lock",
        "entities_lookup",
        "entities_lookup_alias",
        "entities_merge",
        "facts_for_groups",
        "facts_create",
        "tenant_counts",
    ]
    first, tx = runner.transactions
    assert (first.tx, first.what) == ("read", "reading what to embed")
    assert (tx.tx, tx.what) == ("write", "writing facts")
    assert runner.one("tenant_lock") == {"user_id": USER, "tenant": tenant_token(USER), "now": NOW}


def test_known_entities_keep_their_vector_and_new_ones_ship_theirs(ops: Operations[Any]) -> None:
    runner = Runner(write_script(found=known("Sarah")))
    add(ops, runner, [sarah("Shinjuku", subject_type="person", object_type="district")])
    assert runner.one("entities_lookup", tx="write")["keys"] == sorted([key("Sarah"), key("Shinjuku")])
    # only the unmatched
    assert runner.one("entities_lookup_alias", tx="write")["keys"] == [key("Shinjuku")]
    rows = {r["name"]: r for r in runner.one("entities_merge")["rows"]}
    assert rows["Sarah"]["embedding"] is None and rows["Sarah"]["labels"] == ["Person"]
    assert rows["Shinjuku"]["embedding"] == VEC.vector("Shinjuku") and rows["Shinjuku"]["labels"] == [
        "Location"
    ]
    assert rows["Shinjuku"]["type"] == "district" and rows["Shinjuku"]["name_norm"] == "shinjuku"


def test_every_entity_found_by_name_skips_the_alias_lookup(ops: Operations[Any]) -> None:
    runner = Runner(write_script(found=known("Sarah", "Shibuya")))
    add(ops, runner, [sarah("Shibuya")])
    assert "entities_lookup_alias" not in runner.names()


def test_a_name_found_as_an_alias_resolves_to_the_stored_entity(ops: Operations[Any]) -> None:
    runner = Runner(write_script(found=known("Shibuya"), aliases={key("Sally"): key("Sarah")}))
    add(ops, runner, [{"subject": "Sally", "predicate": "lives_in", "object": "Shibuya"}])
    [entity] = [r for r in runner.one("entities_merge")["rows"] if r["name"] == "Sally"]
    assert entity["name_key"] == key("Sarah") and entity["embedding"] is None
    assert runner.one("facts_for_groups", tx="write")["groups"] == [
        {"subject_key": key("Sarah"), "predicate_key": "lives_in"}
    ]
    [row] = runner.one("facts_create")["rows"]
    assert row["subject_key"] == key("Sarah")


def test_first_person_names_are_the_user_entity(ops: Operations[Any]) -> None:
    runner = Runner(write_script())
    add(
        ops,
        runner,
        [
            {"subject": "I", "predicate": "likes", "object": "ramen"},
            {"subject": "me", "predicate": "likes", "object": "tea"},
        ],
    )
    selves = [r for r in runner.one("entities_merge")["rows"] if r["is_self"]]
    assert len(selves) == 1
    [me] = selves
    assert me["name_key"] == SELF_KEY and me["name"] == USER and me["labels"] == ["Person"]
    assert {r["subject_key"] for r in runner.one("facts_create")["rows"]} == {SELF_KEY}


def test_each_distinct_text_is_embedded_once_per_batch(ops: Operations[Any]) -> None:
    runner = Runner(write_script())
    add(ops, runner, [sarah("Shibuya"), sarah("ramen", "likes"), sarah("Shibuya")])
    assert runner.embedded == [
        ("Sarah lives in Shibuya", "Sarah likes ramen", "Sarah", "Shibuya", "ramen"),
    ]
    assert runner.kinds() == ["read", "embed", "write"]


def test_only_what_the_write_creates_is_embedded(ops: Operations[Any]) -> None:
    """A known entity keeps its vector and a restated fact creates nothing: neither is embedded."""
    stored = stored_row("F1", "Sarah", "lives_in", "Shibuya", valid_from=utc(2025, 1, 1))
    runner = Runner(write_script(stored=[stored], found=known("Sarah", "Shibuya")))
    add(ops, runner, [sarah("Shibuya", valid_from="2025-01-01"), sarah("ramen", "likes")])
    assert runner.embedded == [("Sarah likes ramen", "ramen")]
    [row] = runner.one("facts_create")["rows"]
    assert row["props"]["embedding"] == VEC.vector("Sarah likes ramen")


def test_a_write_that_finds_more_to_create_than_its_read_embeds_it_and_runs_again(
    ops: Operations[Any],
) -> None:
    """Between the read of what to embed and the write, another writer removed Shibuya (a forget):
    the write stops before committing, the name is embedded, and the write runs again."""
    seen = {"lookups": 0}

    def lookup(params: dict[str, Any]) -> list[dict[str, Any]]:
        seen["lookups"] += 1
        keys = {key("Sarah")} if seen["lookups"] > 1 else {key("Sarah"), key("Shibuya")}
        return [{"key": k, "name_key": k, "id": f"id-{k}", "type": None} for k in params["keys"] if k in keys]

    runner = Runner(write_script(found=known("Sarah"))).script("entities_lookup", lookup)
    report = add(ops, runner, [sarah("Shibuya")])
    assert runner.kinds() == ["read", "embed", "write", "embed", "write"]
    assert runner.embedded == [("Sarah lives in Shibuya",), ("Shibuya",)]
    merged = runner.params("entities_merge")
    assert len(merged) == 1  # the first write stopped before merging anything
    shibuya = next(r for r in merged[0]["rows"] if r["name"] == "Shibuya")
    assert shibuya["embedding"] == VEC.vector("Shibuya")
    assert len(report.added) == 1


def test_a_sentence_that_omits_the_triple_embeds_both_and_keeps_the_triple(ops: Operations[Any]) -> None:
    runner = Runner(write_script())
    add(ops, runner, [sarah("Shinjuku", fact="Sarah moved house last week")])
    [row] = runner.one("facts_create")["rows"]
    text = "Sarah moved house last week (Sarah lives in Shinjuku)"
    assert row["props"]["fact"] == "Sarah moved house last week"
    assert row["props"]["triple_text"] == "Sarah lives in Shinjuku"
    assert row["props"]["embedding"] == VEC.vector(text) and text in runner.embedded[0]


def test_scope_and_metadata_defaults_reach_the_fact_and_the_fact_wins(ops: Operations[Any]) -> None:
    runner = Runner(write_script())
    add(
        ops,
        runner,
        [sarah("Shibuya", metadata={"category": "home"}, run_id="r-own"), sarah("ramen", "likes")],
        agent_id="agent-1",
        run_id="run-1",
        metadata={"category": "default", "tags": ["a", "b"]},
    )
    first, second = (r["props"] for r in runner.one("facts_create")["rows"])
    assert (first["agent_id"], first["run_id"]) == ("agent-1", "r-own")
    assert (second["agent_id"], second["run_id"]) == ("agent-1", "run-1")
    assert json.loads(first["metadata"]) == {"category": "home", "tags": ["a", "b"]}
    assert first["metadata_pairs"] == ['category\x1f"home"', 'tags\x1f"a"', 'tags\x1f"b"']
    assert json.loads(second["metadata"])["category"] == "default"


# -- batches and users -------------------------------------------------------------------------------


def test_one_write_per_batch_of_batch_size_facts_and_on_batch_after_each() -> None:
    ops: Operations[Any] = Operations(make_env(batch_size=2))
    runner = Runner(write_script())
    seen: list[tuple[int, int]] = []
    facts = [sarah(f"place-{i}", "visited") for i in range(5)]
    report = add(ops, runner, facts, on_batch=lambda n: seen.append((n, len(runner.transactions))))
    assert [t.what for t in runner.transactions] == ["reading what to embed", "writing facts"] * 3
    assert seen == [(2, 2), (2, 4), (1, 6)]  # called once each batch is written
    assert report.facts_in == 5 and len(report.added) == 5
    assert [len(p["rows"]) for p in runner.params("facts_create")] == [2, 2, 1]


def test_facts_of_several_users_are_written_apart_in_order_of_first_appearance(ops: Operations[Any]) -> None:
    runner = Runner(write_script())
    facts = [sarah("a", user_id="bob"), sarah("b", user_id="carol"), sarah("c", user_id="bob")]
    report = add(ops, runner, facts, user_id=None)
    assert [p["user_id"] for p in runner.params("tenant_lock")] == ["bob", "carol"]
    assert [len(p["rows"]) for p in runner.params("facts_create")] == [2, 1]
    assert {p["rows"][0]["props"]["user_id"] for p in runner.params("facts_create")} == {"bob", "carol"}
    assert report.facts_in == 3


@settings(max_examples=30, deadline=None)
@given(
    owners=st.lists(st.sampled_from(["u1", "u2", "u3"]), min_size=0, max_size=12),
    size=st.integers(min_value=1, max_value=5),
)
def test_batches_are_per_user_and_at_most_batch_size(owners: list[str], size: int) -> None:
    ops: Operations[Any] = Operations(make_env(batch_size=size))
    runner = Runner(write_script())
    batches: list[int] = []
    facts = [
        {"subject": "S", "predicate": "p", "object": f"o{i}", "user_id": u} for i, u in enumerate(owners)
    ]
    report = runner.run(ops.add_facts(facts, on_batch=batches.append, now=NOW))
    per_user = {u: owners.count(u) for u in dict.fromkeys(owners)}
    writes = [tx for tx in runner.transactions if tx.tx == "write"]
    assert len(writes) == sum(math.ceil(n / size) for n in per_user.values())
    assert all(1 <= n <= size for n in batches) and sum(batches) == len(owners) == report.facts_in
    locks = [p["user_id"] for p in runner.params("tenant_lock")]
    assert list(dict.fromkeys(locks)) == list(per_user)  # one user's batches, then the next user's


def test_no_facts_writes_nothing(ops: Operations[Any]) -> None:
    runner = Runner(write_script())
    report = add(ops, runner, [])
    assert report == IngestReport() and runner.log == []


# -- validation before anything runs -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "kwargs", "message"),
    [
        ([sarah("Shibuya"), {"subject": "Sarah", "predicate": "lives_in"}], {}, "object"),
        (
            [sarah("Shibuya"), {"subject": "Sarah", "predicate": "p", "object": "o", "valid_form": "2025"}],
            {},
            "valid_form",
        ),
        ([sarah("Shibuya", valid_from="2025-05-01", valid_until="2025-01-01")], {}, "before valid_from"),
        ([sarah("Shibuya", valid_from="soon")], {}, "ISO 8601"),
        (["Sarah lives in Shibuya"], {}, "must be a JSON object"),
        ([sarah("Shibuya", user_id="bob")], {}, "differs from user_id='alice'"),
        ([sarah("Shibuya")], {"user_id": None}, "no user_id"),
        ([sarah("Shibuya")], {"user_id": "  "}, "user_id is required"),
        ([sarah("Shibuya")], {"now": "yesterday"}, "now"),
        ([sarah("Shibuya")], {"metadata": {"nested": {"a": 1}}}, "metadata.nested"),
        ([sarah("Shibuya")], {"metadata": {"n": float("nan")}}, "not a finite number"),
        ([sarah("Shibuya")], {"agent_id": ""}, "agent_id is required"),
        ([sarah("Shibuya", metadata={"tags": [["x"]]})], {}, "nested list"),
        ([sarah("Shi\ud800buya")], {}, "valid Unicode"),
    ],
)
def test_invalid_input_is_refused_before_any_effect(
    facts: list[Any], kwargs: dict[str, Any], message: str
) -> None:
    env = make_env(schema_ready=False)
    runner = Runner({**write_script(), **SCHEMA_SCRIPT})
    with pytest.raises(InvalidInputError) as info:
        add(Operations(env), runner, facts, **kwargs)
    assert message in str(info.value)
    assert runner.log == [] and not env.state.schema_ready


def test_a_bad_fact_late_in_the_list_stops_the_whole_call(ops: Operations[Any]) -> None:
    runner = Runner(write_script())
    facts = [sarah(f"p{i}") for i in range(10)] + [{"subject": "x"}]
    with pytest.raises(InvalidInputError):
        add(ops, runner, facts)
    assert runner.calls == [] and runner.embedded == []


def test_the_first_call_of_a_door_creates_the_schema_first() -> None:
    env = make_env(schema_ready=False)
    runner = Runner({**write_script(), **SCHEMA_SCRIPT})
    add(Operations(env), runner, [sarah("Shibuya")])
    assert runner.kinds() == ["model_info", "autocommit", "read", "embed", "write"]
    assert runner.one("schema") == {"dimensions": VEC.dimensions}
    assert env.state.schema_ready
