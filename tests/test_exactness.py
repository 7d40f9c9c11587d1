"""Per-user exactness of vector search when the user is a tiny share of the database.

Neo4j 5.26 vector indexes cannot pre-filter by user: a global top-k may hold none of a small
user's facts. mem0g searches such users by exact cosine over their own facts, and larger ones
through the index with an over-fetch sized by their share. This checks both paths of the entry
point search (``retrieval._vector_entries``) against numpy's exact cosine over the user's stored
embeddings, with ~20k facts of other users in the database.

The bulk is written with a cheap deterministic embedder (random unit vectors seeded by the text):
the real model would take minutes on two cores for 40k texts, and exactness does not depend on
which vectors are stored, only on finding the right ones.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from datetime import datetime, timezone

import numpy as np
import pytest

from mem0g import Memory
from mem0g.config import load_settings
from mem0g.retrieval import _vector_entries
from mem0g.store import FactFilter

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]

DIMS = 384


class HashEmbedder:
    """Deterministic unit vectors from a text's hash (a stand-in for the model, see the docstring)."""

    model_name = "hash-test"
    dimensions = DIMS

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        out = []
        for text in texts:
            seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
            v = np.random.default_rng(seed).standard_normal(DIMS)
            out.append((v / np.linalg.norm(v)).tolist())
        return out


def facts(prefix: str, n: int) -> list[dict[str, str]]:
    return [
        {"subject": f"{prefix} person {i % 97}", "predicate": "likes", "object": f"{prefix} thing {i}"}
        for i in range(n)
    ]


@pytest.fixture(scope="module")
def crowd(settings_kwargs: dict[str, object]) -> Iterator[tuple[Memory, dict[str, int]]]:
    """A database with 20 other users of 1,000 facts, a medium user (2,000) and a small one (30)."""
    memory = Memory(settings=load_settings(**settings_kwargs, batch_size=2000), embedder=HashEmbedder())
    # Fixed names, so the vectors (and the figures) are the same on every run.
    users = {f"exact-crowd-{i}": 1000 for i in range(20)} | {"exact-medium": 2000, "exact-small": 30}
    for user, n in users.items():
        memory.forget(user)
        memory.add_facts(facts(user, n), user_id=user, now="2025-01-01")
    yield memory, users
    for user in users:
        memory.forget(user)
    memory.close()


def exact_top(memory: Memory, user: str, vector: np.ndarray, k: int) -> list[str]:
    records, _, _ = memory.store.driver.execute_query(
        "MATCH ()-[f:FACT]->() WHERE f.user_id = $user RETURN f.id AS id, f.embedding AS e", user=user
    )
    ids = [r["id"] for r in records]
    matrix = np.array([r["e"] for r in records])
    scores = matrix @ vector
    return [ids[i] for i in np.argsort(-scores)[:k]]


def entries(memory: Memory, user: str, vector: np.ndarray, k: int, exact_max: int) -> list[str]:
    stats = memory.store.tenant_stats(user)
    params = {
        "user_id": user,
        "vector": vector.tolist(),
        **FactFilter(now=datetime.now(timezone.utc)).params(),
    }
    found = memory.store.read(
        lambda: _vector_entries(
            "facts",
            params,
            k=k,
            user_count=stats["user_facts"],
            total_count=stats["total_facts"],
            exact_max=exact_max,
        )
    )
    return [fid for fid, _ in found]


def queries(n: int) -> list[np.ndarray]:
    rng = np.random.default_rng(7)
    return [v / np.linalg.norm(v) for v in rng.standard_normal((n, DIMS))]


def test_small_user_is_searched_exactly(crowd: tuple[Memory, dict[str, int]]) -> None:
    memory, _ = crowd
    small = "exact-small"
    stats = memory.store.tenant_stats(small)
    assert stats["user_facts"] == 30 and stats["total_facts"] >= 22_000  # a 0.14% share
    for vector in queries(20):
        assert entries(memory, small, vector, 10, exact_max=20_000) == exact_top(memory, small, vector, 10)


@pytest.mark.parametrize("who", ["medium", "small"])
def test_index_path_recall_against_exact(crowd: tuple[Memory, dict[str, int]], who: str) -> None:
    """Forced onto the index (exact_max=0): the over-fetch must still find the user's own best facts."""
    memory, _ = crowd
    user = f"exact-{who}"
    k, total, found = 10, 0, 0
    for vector in queries(20):
        got = entries(memory, user, vector, k, exact_max=0)
        truth = exact_top(memory, user, vector, k)
        assert len(got) == k
        total += k
        found += len(set(got) & set(truth))
    recall = found / total
    print(f"recall@{k} of the index path for the {who} user against exact search: {recall:.3f}")
    # Measured 0.935 (medium, 9% share) and 1.0 (small) here; the index is approximate (HNSW), so
    # the bound leaves room for index-build variation while still catching a broken over-fetch.
    assert recall >= 0.85
