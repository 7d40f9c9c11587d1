"""``write_steps``, the one write transaction of a batch: episodes, entities, facts, invalidations."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pytest
from scripted import FakeEmbedder, Runner, key, stored_row, utc, write_script

from mem0g._engine.prepare import EpisodeSpec, PreparedBatch, prepare_batch, tenant_token
from mem0g._engine.resolve import Invalidation
from mem0g._engine.write import WriteOutcome, write_steps
from mem0g.models import FactIn

USER = "alice"
NOW = utc(2025, 5, 1, 12)
SAID = utc(2025, 5, 1, 10)
THREAD = "[null, null]"
VEC = FakeEmbedder()


def batch_of(*facts: dict[str, Any]) -> PreparedBatch:
    return prepare_batch([FactIn(**f) for f in facts], user_id=USER, now=NOW)


def episode(n: int, content: str, **extra: Any) -> EpisodeSpec:
    return EpisodeSpec(
        id=f"e{n}", role="user", content=content, observed_at=SAID, seq=n, thread=THREAD, **extra
    )


def vectors_for(batch: PreparedBatch | None, episodes: Sequence[EpisodeSpec] = ()) -> dict[str, list[float]]:
    texts = (batch.texts_to_embed() if batch else []) + [e.embedding_text for e in episodes]
    return {t: VEC.vector(t) for t in texts}


def write(
    runner: Runner,
    batch: PreparedBatch | None,
    *,
    episodes: Sequence[EpisodeSpec] = (),
    now: datetime = NOW,
    **kwargs: Any,
) -> WriteOutcome:
    steps = write_steps(
        user_id=USER, now=now, batch=batch, vectors=vectors_for(batch, episodes), episodes=episodes, **kwargs
    )
    outcome: WriteOutcome = runner.run_steps(steps, tx="write")
    return outcome


# -- episodes ------------------------------------------------------------------------------------------


def test_episodes_are_stored_counted_and_touch_their_thread() -> None:
    runner = Runner(write_script(pending=7))
    eps = [episode(0, "hello", metadata={"k": "v"}, source_id="D1:1", prompt_version="extract/1")]
    outcome = write(runner, None, episodes=eps, conversation=(THREAD, "agent-1", None))
    assert runner.names() == [
        "tenant_lock",
        "episodes_existing",
        "episodes_create",
        "tenant_episode_count",
        "conversation_touch",
    ]
    [row] = runner.one("episodes_create")["rows"]
    assert row == {
        "id": "e0",
        "role": "user",
        "name": None,
        "content": "hello",
        "observed_at": SAID,
        "seq": 0,
        "thread": THREAD,
        "agent_id": None,
        "run_id": None,
        "source_id": "D1:1",
        "metadata": json.dumps({"k": "v"}),
        "prompt_version": "extract/1",
        "embedding": VEC.vector("hello"),
    }
    assert runner.one("episodes_create")["tenant"] == tenant_token(USER)
    assert runner.one("tenant_episode_count") == {"user_id": USER, "episodes": 1}
    assert runner.one("conversation_touch") == {
        "user_id": USER,
        "thread": THREAD,
        "agent_id": "agent-1",
        "run_id": None,
        "messages": 1,
        "now": NOW,
    }
    assert outcome.episodes_written == ["e0"] and outcome.pending_messages == 7


def test_a_named_speaker_is_embedded_with_the_name() -> None:
    runner = Runner(write_script())
    write(runner, None, episodes=[episode(0, "hi there", name="Bob")])
    [row] = runner.one("episodes_create")["rows"]
    assert row["name"] == "Bob" and row["embedding"] == VEC.vector("Bob: hi there")


def test_stored_episodes_are_skipped() -> None:
    runner = Runner(write_script(existing_episodes=["e0"]))
    outcome = write(
        runner, None, episodes=[episode(0, "a"), episode(1, "b")], conversation=(THREAD, None, None)
    )
    assert [r["id"] for r in runner.one("episodes_create")["rows"]] == ["e1"]
    assert runner.one("tenant_episode_count")["episodes"] == 1
    assert runner.one("conversation_touch")["messages"] == 1
    assert outcome.episodes_written == ["e1"] and outcome.episodes_existing == ["e0"]


def test_when_every_episode_is_stored_nothing_is_created_or_counted() -> None:
    runner = Runner(write_script(existing_episodes=["e0"]))
    outcome = write(runner, None, episodes=[episode(0, "a")], conversation=(THREAD, None, None))
    assert runner.names() == ["tenant_lock", "episodes_existing"]
    assert outcome.episodes_written == [] and outcome.pending_messages == 0


def test_no_batch_and_no_episodes_only_takes_the_tenant_lock() -> None:
    runner = Runner(write_script())
    outcome = write(runner, None)
    assert runner.names() == ["tenant_lock"]
    assert outcome.report.facts_in == 0 and outcome.fact_ids == []


def test_episodes_mention_the_entities_of_the_facts_drawn_from_them() -> None:
    runner = Runner(write_script())
    eps = [episode(0, "Sarah moved to Shinjuku", source_id="D1:1"), episode(1, "I like tea")]
    batch = batch_of(
        {"subject": "Sarah", "predicate": "lives_in", "object": "Shinjuku", "source": ["D1:1"]},
        {"subject": "Tom", "predicate": "likes", "object": "tea", "source": ["elsewhere"]},
    )
    outcome = write(runner, batch, episodes=eps)
    assert runner.one("episodes_mention")["rows"] == [
        {"episode_id": "e0", "name_key": key("Sarah")},
        {"episode_id": "e0", "name_key": key("Shinjuku")},
    ]
    assert runner.names()[-2:] == ["episodes_mention", "tenant_counts"]
    assert len(outcome.fact_ids) == 2


def test_facts_with_no_episode_source_make_no_mentions() -> None:
    runner = Runner(write_script())
    write(
        runner,
        batch_of({"subject": "S", "predicate": "p", "object": "o", "source": "x"}),
        episodes=[episode(0, "a")],
    )
    assert "episodes_mention" not in runner.names()


# -- facts ---------------------------------------------------------------------------------------------


def test_an_older_dated_change_keeps_a_continuation_of_the_value_it_cuts() -> None:
    """Shibuya was asserted on Jan 1 and again on Mar 1; a move to Shinjuku dated Feb 1 arrives late.
    Shibuya ends on Feb 1, Shinjuku holds Feb 1 - Mar 1 (history), and Shibuya continues from Mar 1
    as a clone of the stored fact."""
    stored = stored_row(
        "F1",
        "Sarah",
        "lives_in",
        "Shibuya",
        valid_from=utc(2025, 1, 1),
        sources=["c1", "c2"],
        points=[utc(2025, 1, 1), utc(2025, 3, 1)],
    )
    runner = Runner(
        write_script(stored=[stored], found={key("Sarah"): key("Sarah"), key("Shibuya"): key("Shibuya")})
    )
    outcome = write(
        runner,
        batch_of(
            {"subject": "Sarah", "predicate": "lives_in", "object": "Shinjuku", "valid_from": "2025-02-01"}
        ),
    )
    [created] = runner.one("facts_create")["rows"]
    [clone] = runner.one("facts_clone")["rows"]
    [update] = runner.one("facts_update")["rows"]
    new = created["props"]
    assert (new["valid_from"], new["valid_until"], new["status"]) == (
        utc(2025, 2, 1),
        utc(2025, 3, 1),
        "superseded",
    )
    assert new["supersedes"] == ["F1"] and new["superseded_by"] == clone["id"]
    assert clone == {
        "clone_of": "F1",
        "id": clone["id"],
        "valid_from": utc(2025, 3, 1),
        "valid_until": None,
        "recorded_at": NOW,
        "superseded_at": None,
        "superseded_by": None,
        "supersedes": [new["id"]],
        "status": "current",
        "source": ["c1", "c2"],
        "asserted_at": [utc(2025, 3, 1)],
    }
    assert update["id"] == "F1" and update["valid_until"] == utc(2025, 2, 1)
    assert update["status"] == "superseded" and update["superseded_by"] == new["id"]
    assert update["asserted_at"] == [utc(2025, 1, 1)]
    assert outcome.report.history == [new["id"]] and outcome.report.superseded == ["F1"]
    assert runner.one("tenant_counts")["facts"] == 2  # the new fact and the continuation
    assert (
        runner.names().index("facts_create")
        < runner.names().index("facts_clone")
        < runner.names().index("facts_update")
    )


def test_entities_created_are_counted_from_the_merge() -> None:
    runner = Runner(write_script(found={key("Sarah"): key("Sarah")}))
    outcome = write(
        runner,
        batch_of(
            {"subject": "Sarah", "predicate": "likes", "object": "tea"},
            {"subject": "Tom", "predicate": "likes", "object": "tea"},
        ),
    )
    assert outcome.report.entities_created == 2  # Tom and tea; Sarah was stored
    assert runner.one("tenant_counts") == {"user_id": USER, "facts": 2, "entities": 2}


def test_extra_props_are_stored_on_new_facts() -> None:
    runner = Runner(write_script())
    write(
        runner,
        batch_of({"subject": "S", "predicate": "p", "object": "o"}),
        extra_props={"prompt_version": "extract/9"},
    )
    [row] = runner.one("facts_create")["rows"]
    assert row["props"]["prompt_version"] == "extract/9"


def test_outcome_fact_ids_follow_the_statements() -> None:
    stored = stored_row("F1", "Sarah", "likes", "tea", valid_from=utc(2025, 1, 1), cardinality="many")
    runner = Runner(write_script(stored=[stored], found={key("Sarah"): key("Sarah"), key("tea"): key("tea")}))
    outcome = write(
        runner,
        batch_of(
            {"subject": "Sarah", "predicate": "likes", "object": "coffee"},
            {"subject": "Sarah", "predicate": "likes", "object": "tea", "observed_at": "2025-02-01"},
        ),
    )
    [created] = runner.one("facts_create")["rows"]
    assert outcome.fact_ids == [created["props"]["id"], "F1"]
    assert outcome.report.added == [created["props"]["id"]] and outcome.report.restated == ["F1"]


# -- the extractor's invalidations ---------------------------------------------------------------------

TARGET = stored_row("F9", "Sarah", "works_at", "Acme", valid_from=utc(2024, 1, 1), cardinality="one")
GLOBEX = {"subject": "Sarah", "predicate": "works_for", "object": "Globex"}


def test_an_invalidation_with_a_successor_supersedes_and_links() -> None:
    runner = Runner(write_script(states=[TARGET]))
    decision = Invalidation(target="F9", action="updated", at=SAID, successor=0)
    outcome = write(runner, batch_of(GLOBEX), invalidations=[decision])
    assert runner.one("facts_state_by_ids") == {"user_id": USER, "ids": ["F9"]}
    [created] = runner.one("facts_create")["rows"]
    new_id = created["props"]["id"]
    [update] = runner.one("facts_update")["rows"]
    assert update["id"] == "F9" and update["valid_until"] == SAID and update["status"] == "superseded"
    assert update["superseded_at"] == NOW and update["superseded_by"] == new_id
    assert runner.one("facts_link_supersedes")["rows"] == [{"id": new_id, "old": "F9"}]
    assert outcome.report.superseded == ["F9"] and outcome.invalidations.applied == [("F9", "updated")]
    names = runner.names()
    assert names.index("facts_for_groups") < names.index("facts_state_by_ids") < names.index("facts_create")
    assert names.index("facts_update") < names.index("facts_link_supersedes") < names.index("tenant_counts")


def test_an_ended_invalidation_ends_without_a_link() -> None:
    runner = Runner(write_script(states=[TARGET]))
    outcome = write(runner, batch_of(GLOBEX), invalidations=[Invalidation("F9", "ended", at=SAID)])
    [update] = runner.one("facts_update")["rows"]
    assert (update["status"], update["valid_until"], update["superseded_by"]) == ("ended", SAID, None)
    assert "facts_link_supersedes" not in runner.names()
    assert outcome.report.ended == ["F9"] and outcome.report.superseded == []


@pytest.mark.parametrize(
    ("state", "decision", "reason"),
    [
        (None, Invalidation("ghost", "ended", at=SAID), "not one of this user's candidate facts"),
        ({"status": "superseded"}, Invalidation("F9", "ended", at=SAID), "no longer holds"),
        ({"valid_until": utc(2025, 1, 1)}, Invalidation("F9", "ended", at=SAID), "no longer holds"),
        (
            {},
            Invalidation("F9", "updated", at=SAID, successor=5),
            "replacement is not one of the new statements",
        ),
        ({}, Invalidation("F9", "ended", at=utc(2023, 1, 1)), "would end before it began"),
    ],
)
def test_refused_invalidations_change_nothing(
    state: dict[str, Any] | None, decision: Invalidation, reason: str
) -> None:
    states = [] if state is None else [{**TARGET, **state}]
    runner = Runner(write_script(states=states))
    outcome = write(runner, batch_of(GLOBEX), invalidations=[decision])
    assert outcome.invalidations.rejected == [(decision.target, reason)]
    assert "facts_update" not in runner.names() and "facts_link_supersedes" not in runner.names()
    assert outcome.report.superseded == [] and outcome.report.ended == []


def test_a_replacement_sharing_no_entity_is_refused() -> None:
    runner = Runner(write_script(states=[TARGET]))
    outcome = write(
        runner,
        batch_of({"subject": "Tom", "predicate": "works_for", "object": "Globex"}),
        invalidations=[Invalidation("F9", "updated", at=SAID, successor=0)],
    )
    assert outcome.invalidations.rejected == [("F9", "replacement shares no entity with it")]


def test_a_fact_the_batch_restates_is_never_retired_by_it() -> None:
    stored = stored_row("F9", "Sarah", "works_at", "Acme", valid_from=utc(2024, 1, 1))
    runner = Runner(
        write_script(
            stored=[stored], states=[stored], found={key("Sarah"): key("Sarah"), key("Acme"): key("Acme")}
        )
    )
    outcome = write(
        runner,
        batch_of({"subject": "Sarah", "predicate": "works_at", "object": "Acme"}),
        invalidations=[Invalidation("F9", "contradicted", at=SAID)],
    )
    assert outcome.invalidations.rejected == [("F9", "restated by the same messages")]
    assert outcome.report.restated == ["F9"]


def test_without_invalidations_no_target_is_read() -> None:
    runner = Runner(write_script())
    write(runner, batch_of(GLOBEX))
    assert "facts_state_by_ids" not in runner.names()
