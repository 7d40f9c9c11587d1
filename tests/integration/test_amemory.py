"""``AsyncMemory`` on the async Neo4j driver and AsyncOpenAI: the same behaviour as ``Memory``
(it runs the same steps), checked end to end, plus background adds and concurrency across users."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import pytest_asyncio

from mem0g import AsyncMemory, Memory
from mem0g.config import load_settings
from mem0g.embeddings import SentenceTransformerEmbedder
from mem0g.errors import LLMUnavailableError, NotFoundError
from mem0g.testing import OpenAIStub, Reply, purpose

pytestmark = [pytest.mark.neo4j, pytest.mark.asyncio]


@pytest_asyncio.fixture
async def amemory(
    settings_kwargs: dict[str, object], embedder: SentenceTransformerEmbedder, openai_stub: OpenAIStub
) -> AsyncIterator[AsyncMemory]:
    settings = load_settings(
        **settings_kwargs,
        llm_base_url=openai_stub.url,
        llm_model="stub-model",
        llm_max_retries=0,
        llm_timeout=10,
        background_concurrency=3,
    )
    memory = await AsyncMemory.create(settings=settings, embedder=embedder)
    yield memory
    await memory.aclose()


def lives_in(body: dict[str, Any]) -> Any:
    text = str(body["messages"][-1]["content"]).split("NEW MESSAGES")[1]
    if "fail" in text:
        return Reply(status=500, body={"error": {"message": "scripted failure"}})
    city = re.search(r"I live in (\w+)", text)
    assert city
    fact = {
        "subject": "I",
        "predicate": "lives_in",
        "object": city.group(1),
        "fact": f"I live in {city.group(1)}",
    }
    return {"entities": [], "relations": [fact], "invalidated": []}


async def test_add_search_history_graph_and_forget(
    amemory: AsyncMemory, openai_stub: OpenAIStub, user: str
) -> None:
    openai_stub.route(lambda b: purpose(b) == "extraction", lives_in)
    first = await amemory.add("I live in Rome", user_id=user, timestamp="2025-01-01")
    second = await amemory.add("I live in Paris", user_id=user, timestamp="2025-03-01")
    assert first.usage.calls == second.usage.calls == 1 and len(second.superseded) == 1
    hits = (await amemory.search("Where do I live?", user_id=user, limit=1)).results
    assert hits[0].object == "Paris" and [s.object for s in hits[0].supersedes] == ["Rome"]
    then = (await amemory.search("Where do I live?", user_id=user, limit=1, as_of="2025-02-01")).results
    assert then[0].object == "Rome"
    history = await amemory.history("I", user_id=user)
    assert [(f.object, f.status) for f in history] == [("Rome", "superseded"), ("Paris", "current")]
    graph = await amemory.graph(user)
    assert graph.number_of_edges() == 2
    assert len(await amemory.search_episodes("Paris", user_id=user)) >= 1
    with pytest.raises(NotFoundError):
        await amemory.delete("no-such-fact", user_id=user)
    assert await amemory.forget(user) > 0
    assert await amemory.get_all(user_id=user) == []


async def test_same_results_as_the_sync_memory(
    amemory: AsyncMemory,
    settings_kwargs: dict[str, object],
    embedder: SentenceTransformerEmbedder,
    make_user: Callable[[str], str],
) -> None:
    facts = [
        {"subject": "Sarah", "predicate": "lives_in", "object": "Shibuya", "valid_from": "2025-01-01"},
        {"subject": "Sarah", "predicate": "lives_in", "object": "Shinjuku", "valid_from": "2025-04-24"},
        {"subject": "Shinjuku", "predicate": "district_of", "object": "Tokyo"},
    ]
    a, s = make_user("async"), make_user("sync")
    await amemory.add_facts(facts, user_id=a, now="2025-05-01")
    with Memory(settings=load_settings(**settings_kwargs), embedder=embedder) as memory:
        memory.add_facts(facts, user_id=s, now="2025-05-01")

        def stored(records: list[Any]) -> list[tuple[Any, ...]]:
            return sorted((r.fact, r.status, r.valid_from, r.valid_until) for r in records)

        # The writes: the same facts, statuses and intervals.
        assert stored(await amemory.get_all(user_id=a)) == stored(memory.get_all(user_id=s))
        # The reads, on the same user's data. Across two users with the same facts, CI once saw
        # the top hit 0.05 apart (the keyword bonus between ranks 1 and 2); the cause is not
        # established (Lucene tie order or index refresh under load?); both classes run the same steps.
        for user in (a, s):
            for kwargs in ({}, {"include_history": True}, {"as_of": "2025-02-01"}):
                sync_hits = memory.search("Where does Sarah live?", user_id=user, **kwargs).results  # type: ignore[arg-type]
                async_hits = (await amemory.search("Where does Sarah live?", user_id=user, **kwargs)).results  # type: ignore[arg-type]
                assert sync_hits
                assert [(h.fact, h.status, h.hops, round(h.score, 4)) for h in async_hits] == [
                    (h.fact, h.status, h.hops, round(h.score, 4)) for h in sync_hits
                ]


async def test_background_adds_keep_each_users_order_and_report_failures(
    amemory: AsyncMemory, openai_stub: OpenAIStub, make_user: Callable[[str], str]
) -> None:
    openai_stub.route(lambda b: purpose(b) == "extraction", lives_in)
    users = [make_user("par") for _ in range(3)]
    cities = ["Rome", "Paris", "Berlin"]
    handles = [
        amemory.add(f"I live in {city}", user_id=u, timestamp=f"2025-0{i + 1}-01", wait=False)
        for i, city in enumerate(cities)
        for u in users
    ]
    handles = [await h for h in handles]  # add() itself is a coroutine returning the handle
    failing = await amemory.add("please fail", user_id=users[0], wait=False)
    await amemory.flush(summarize=False)
    results = [await h.wait() for h in handles]
    assert all(r.usage.calls == 1 for r in results)
    with pytest.raises(LLMUnavailableError):
        await failing.wait()
    assert failing.status.state == "failed" and [f.id for f in amemory.failures()] == [failing.id]
    for u in users:
        current = [f.object for f in await amemory.get_all(user_id=u, current_only=True)]
        assert current == ["Berlin"]


async def test_adds_of_one_user_from_many_tasks_never_duplicate(
    amemory: AsyncMemory, openai_stub: OpenAIStub, user: str
) -> None:
    openai_stub.route(lambda b: purpose(b) == "extraction", lives_in)
    await asyncio.gather(*(amemory.add("I live in Oslo", user_id=user) for _ in range(5)))
    facts = await amemory.get_all(user_id=user)
    assert len(facts) == 1 and facts[0].object == "Oslo" and len(facts[0].source) == 5
    names = [n for _, n in (await amemory.graph(user)).nodes(data="name")]
    assert len(names) == len(set(names))
