"""The vector search path a door picks for its real server, and what it finds (issue 15).

The suite runs on Neo4j 5.26 and, in CI, again on 2026.09.0 (``MEM0G_NEO4J_VERSION``). On 5.26
the vector indexes are plain and a search over-fetches from the whole index
(``search_*_vector``); on >= 2026.02 the schema builds them ``WITH [x.user_id]`` and a search asks
the index for the user's own nearest items (``search_*_vector_in_index``, Cypher 25 ``SEARCH``).
Each run checks the variant its server must get, so each file of both variants runs against a real
server of its kind, and that the answers match an exact numpy top-k in a database of other users.

Vectors come from a deterministic stand-in embedder (topic direction + noise, as in
test_exactness_search.py) so that thousands of facts are cheap to write.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pytest

import mem0g._neo4j.executor as store_module
from mem0g import Memory
from mem0g._engine.profile import filters_in_index, vector_query
from mem0g.config import load_settings

pytestmark = [pytest.mark.neo4j]

DIMS, TOPICS, NOISE, K = 384, 24, 1.2, 10
CROWD_USERS, CROWD_FACTS = 6, 1000
USER, USER_FACTS, USER_EPISODES = "prof-small", 300, 120


class TopicEmbedder:
    model_name = "topic-stand-in"
    dimensions = DIMS

    def __init__(self) -> None:
        centers = np.random.default_rng(15).standard_normal((TOPICS, DIMS))
        self.centers = centers / np.linalg.norm(centers, axis=1, keepdims=True)

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        out = []
        for text in texts:
            seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
            noise = np.random.default_rng(seed).standard_normal(DIMS) * (NOISE / np.sqrt(DIMS))
            v = self.centers[seed % TOPICS] + noise
            out.append((v / np.linalg.norm(v)).tolist())
        return out


def facts(user: str, n: int) -> list[dict[str, str]]:
    return [
        {
            "subject": f"{user} p{i % 37}",
            "predicate": "likes",
            "object": f"{user} t{i % 41}",
            "fact": f"{user} n{i}",
        }
        for i in range(n)
    ]


def server_version(memory: Memory) -> str:
    records, _, _ = memory.store.driver.execute_query(
        "CALL dbms.components() YIELD name, versions WHERE name = 'Neo4j Kernel' RETURN versions[0] AS v"
    )
    version: str = records[0]["v"]
    return version


@pytest.fixture(scope="module")
def world(settings_kwargs: dict[str, object]) -> Iterator[Memory]:
    # exact_search_max_facts=0: every search that can take the index path takes it.
    memory = Memory(
        settings=load_settings(**settings_kwargs, batch_size=5000, exact_search_max_facts=0),
        embedder=TopicEmbedder(),
    )
    users = [f"prof-crowd-{i}" for i in range(CROWD_USERS)]
    try:
        for user in [*users, USER]:
            memory.forget(user)
        for user in users:
            memory.add_facts(facts(user, CROWD_FACTS), user_id=user, now="2025-01-01")
        memory.add_facts(facts(USER, USER_FACTS), user_id=USER, now="2025-01-01")
        messages = [f"{USER} said thing number {i} about topic {i % 13}" for i in range(USER_EPISODES)]
        memory.add(messages, user_id=USER, infer=False)
        for user in users[:2]:  # other users' episodes in the same index
            memory.add([f"{user} says {i}" for i in range(300)], user_id=user, infer=False)
        yield memory
    finally:
        for user in [*users, USER]:
            memory.forget(user)
        memory.close()


@pytest.fixture
def ran(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the query files mem0g runs (a pass-through spy: every query still runs on Neo4j)."""
    names: list[str] = []
    original = store_module.record_query

    def spy(name: str, started: float, rows: Any) -> None:
        names.append(name)
        original(name, started, rows)

    monkeypatch.setattr(store_module, "record_query", spy)
    return names


def test_the_schema_and_the_door_follow_the_servers_version(world: Memory) -> None:
    version = server_version(world)
    world.init()
    in_index = filters_in_index(version)
    assert world._env.state.vector_in_index is in_index, version
    records, _, _ = world.store.driver.execute_query(
        "SHOW VECTOR INDEXES YIELD name, properties "
        "WHERE name IN ['entity_embedding', 'fact_embedding', 'episode_embedding'] RETURN name, properties"
    )
    properties = {r["name"]: r["properties"] for r in records}
    assert len(properties) == 3
    expected = ["embedding", "user_id"] if in_index else ["embedding"]
    assert all(p == expected for p in properties.values()), (version, properties)


def stored(memory: Memory, match: str, user: str) -> tuple[list[str], np.ndarray]:
    records, _, _ = memory.store.driver.execute_query(
        f"{match} WHERE x.user_id = $user RETURN x.id AS id, x.embedding AS e", user=user
    )
    return [r["id"] for r in records], np.array([r["e"] for r in records], dtype=np.float64)


def exact_top(ids: list[str], matrix: np.ndarray, vector: Sequence[float], k: int) -> set[str]:
    sims = matrix @ np.asarray(vector) / np.linalg.norm(matrix, axis=1)
    return {ids[i] for i in np.argsort(-sims)[:k]}


def test_fact_and_entity_entries_of_a_small_tenant_take_the_servers_index_path(
    world: Memory, ran: list[str]
) -> None:
    in_index = world._env.state.vector_in_index
    fact_query, entity_query = (
        vector_query("facts", in_index=in_index),
        vector_query("entities", in_index=in_index),
    )
    ids, matrix = stored(world, "MATCH ()-[x:FACT]->()", USER)
    assert len(ids) == USER_FACTS
    found = total = 0
    for i in range(20):
        text = f"probe {i} zulu"
        vector = world.embedder.embed([text])[0]
        ran.clear()
        hits = world.search(text, user_id=USER, limit=K, hops=0).results
        assert fact_query in ran and entity_query in ran, ran
        assert all(h.user_id == USER for h in hits)
        truth = exact_top(ids, matrix, vector, K)
        found += len({h.id for h in hits} & truth)
        total += len(truth)
    recall = found / total
    print(
        f"\nrecall@{K} of {fact_query} for a {USER_FACTS}-fact user among {CROWD_USERS * CROWD_FACTS}: {recall:.3f}"
    )
    assert recall >= 0.9


def test_episode_entries_take_the_servers_index_path(world: Memory, ran: list[str]) -> None:
    episode_query = vector_query("episodes", in_index=world._env.state.vector_in_index)
    ids, matrix = stored(world, "MATCH (x:Episode)", USER)
    assert len(ids) == USER_EPISODES
    found = total = 0
    for i in range(10):
        text = f"thing about topic {i}"
        vector = world.embedder.embed([text])[0]
        ran.clear()
        hits = world.search_episodes(text, user_id=USER, limit=5)
        assert episode_query in ran, ran
        assert hits and all(h.id in ids for h in hits)  # the user's own episodes only
        # The keyword bonus reorders, so compare the vector part: every exact top-3 is among the hits' top-15.
        wide = {h.id for h in world.search_episodes(text, user_id=USER, limit=15)}
        truth = exact_top(ids, matrix, vector, 3)
        found += len(wide & truth)
        total += len(truth)
    assert found / total >= 0.9
