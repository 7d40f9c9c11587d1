"""The warm-up a new door runs in the background (and ``Memory.warm_up()`` on demand): the search
path's queries once each, for a user nobody has, in a read transaction. It must leave the database
as it found it and stay out of the caller's traces."""

from __future__ import annotations

import pytest

from mem0g import AsyncMemory, Memory
from mem0g.config import load_settings
from mem0g.embeddings import SentenceTransformerEmbedder
from mem0g.tracing import OperationTrace

pytestmark = [pytest.mark.neo4j]

COUNTS = "MATCH (n) WITH count(n) AS nodes MATCH ()-[r]->() RETURN nodes, count(r) AS rels"


def _counts(memory: Memory) -> tuple[int, int]:
    records, _, _ = memory.store.driver.execute_query(COUNTS, database_=memory.store.database)
    return records[0]["nodes"], records[0]["rels"]


def test_warm_up_reads_nothing_and_writes_nothing(memory: Memory, user: str) -> None:
    memory.add_facts([{"subject": "Sarah", "predicate": "lives_in", "object": "Shibuya"}], user_id=user)
    before = _counts(memory)
    memory.warm_up()
    assert _counts(memory) == before
    assert not any(str(u).count("mem0g-warm-up") for u in memory.users())


def test_the_background_warm_up_stays_out_of_the_observers_traces(
    settings_kwargs: dict[str, object], embedder: SentenceTransformerEmbedder, user: str
) -> None:
    traces: list[OperationTrace] = []
    door = Memory(
        settings=load_settings(**settings_kwargs, warm_up=True), embedder=embedder, observer=traces.append
    )
    door.search("Where does Sarah live?", user_id=user)
    door.close()  # waits for the warm-up
    assert [t.operation for t in traces] == ["search"]
    explicit: list[OperationTrace] = []
    with Memory(
        settings=load_settings(**settings_kwargs, warm_up=False), embedder=embedder, observer=explicit.append
    ) as quiet:
        quiet.warm_up()
    assert [t.operation for t in explicit] == ["warm_up"] and explicit[0].error is None
    assert {q.name for q in explicit[0].queries} >= {"search_start", "search_expand", "facts_by_ids"}


@pytest.mark.asyncio
async def test_an_async_door_warms_up_in_a_task_that_aclose_waits_for(
    settings_kwargs: dict[str, object], embedder: SentenceTransformerEmbedder
) -> None:
    door = await AsyncMemory.create(
        settings=load_settings(**settings_kwargs, warm_up=True), embedder=embedder
    )
    task = door._warming_server
    assert task is not None
    await door.aclose()
    assert task.done() and task.exception() is None
