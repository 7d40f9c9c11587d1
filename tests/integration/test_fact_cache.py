"""Searches reuse what they read of a user's facts only while nobody wrote for that user: every
write transaction gives the user's :Tenant a new random version (mem0g._engine.factcache). Two
doors on one real Neo4j: what one writes, the other's next search sees."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mem0g import Memory
from mem0g.config import load_settings
from mem0g.embeddings import SentenceTransformerEmbedder
from mem0g.tracing import OperationTrace

pytestmark = [pytest.mark.neo4j]

Q = "Where does Sarah live?"


@pytest.fixture
def reader(
    settings_kwargs: dict[str, object], embedder: SentenceTransformerEmbedder
) -> Iterator[tuple[Memory, list[OperationTrace]]]:
    traces: list[OperationTrace] = []
    door = Memory(settings=load_settings(**settings_kwargs), embedder=embedder, observer=traces.append)
    yield door, traces
    door.close()


def _current(door: Memory, user: str) -> list[tuple[str, str]]:
    return [
        (h.object, h.status)
        for h in door.search(Q, user_id=user, limit=3).results
        if h.predicate == "lives_in"
    ]


def test_another_doors_write_is_seen_by_the_next_search(
    memory: Memory, user: str, reader: tuple[Memory, list[OperationTrace]]
) -> None:
    door, traces = reader
    memory.add_facts(
        [{"subject": "Sarah", "predicate": "lives_in", "object": "Shibuya", "valid_from": "2025-01-01"}],
        user_id=user,
    )
    assert _current(door, user) == [("Shibuya", "current")]
    _current(door, user)  # the same version: nothing re-read
    assert [q.name for q in traces[-1].queries if q.name in ("facts_rank_fields", "facts_by_ids")] == []

    memory.add_facts(
        [{"subject": "Sarah", "predicate": "lives_in", "object": "Shinjuku", "valid_from": "2025-04-24"}],
        user_id=user,
    )
    hits = door.search(Q, user_id=user, limit=5, include_history=True).results
    assert {(h.object, h.status) for h in hits if h.predicate == "lives_in"} == {
        ("Shinjuku", "current"),
        ("Shibuya", "superseded"),
    }
    assert _current(door, user)[0] == ("Shinjuku", "current")

    [shinjuku] = [h for h in hits if h.object == "Shinjuku"]
    memory.delete(shinjuku.id, user_id=user)
    assert all(
        h.id != shinjuku.id for h in door.search(Q, user_id=user, limit=5, include_history=True).results
    )

    memory.forget(user)
    assert door.search(Q, user_id=user).results == []
    memory.add_facts([{"subject": "Sarah", "predicate": "lives_in", "object": "Osaka"}], user_id=user)
    assert _current(door, user) == [("Osaka", "current")]
