"""Per-user exactness of entry-point vector search, through the public ``Memory.search`` API.

Neo4j 5.26 vector indexes cannot pre-filter by ``user_id``: a global top-k may hold none of a small
user's facts. ``mem0g._engine.search.vector_entries`` therefore searches a user by exact cosine over the
user's own facts while they are few (``exact_search_max_facts``), and otherwise asks the index for
``fetch = 4k / share`` neighbours, keeps the user's, and quadruples ``fetch`` until ``k`` survive,
falling back to exact search once ``fetch`` would reach 10,000 (or the whole index).

tests/unit/test_program_search.py checks those entry points by driving the search steps. This module
checks what a caller gets: ``Memory.search(..., hops=0)`` against an exact cosine top-k computed in
numpy over the user's stored embeddings, in a database of ~22k facts, with a spy on the query files
mem0g runs so that each case proves which path answered it:

* a 30-fact user written with the real model (0.14% of the facts): the exact path; the hits are
  exactly numpy's top-k, in order. With ``exact_search_max_facts=0`` the same user still gets
  exact results, because the over-fetch such a small share needs would cover the index (so its
  "index path recall" is really exact search, which is the point of the fallback);
* with ``exact_search_max_facts=0``, a user with a large share (~9%) and one with a small share
  (~0.7%, still above the 0.4% below which the fallback takes over): the index path, whose
  recall@10 against exact search is printed and bounded.

The ~22k facts of the crowd and the two share users are embedded by a deterministic stand-in (the
real model embeds roughly 500-1500 short texts/s on two cores; these are ~45k texts): each text is
a noisy copy of one of 48 topic directions picked by its hash, so that, as with a real model, a
query has strong matches (cosine ~0.4) among its topic's facts and weak ones elsewhere. Unlike
uniformly random vectors, this also exercises the strong-entry path of the ranking. Time is never
measured here.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import string
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pytest

import mem0g._neo4j.executor as store_module
from mem0g import Memory
from mem0g.config import load_settings
from mem0g.embeddings import SentenceTransformerEmbedder

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]

DIMS = 384
TOPICS = 48
NOISE = 1.2  # norm of the noise added to a unit topic direction
K = 10

CROWD_USERS, CROWD_FACTS = 20, 1000
LARGE, SMALL, TINY = "exs-share-large", "exs-share-small", "exs-tiny"
SIZES = {LARGE: 2000, SMALL: 150}

TINY_FACTS = [
    ("Lena", "lives_in", "Lisbon"),
    ("Lena", "works_at", "Padaria Central"),
    ("Lena", "plays", "cello"),
    ("Lena", "owns", "a grey cat named Miso"),
    ("Lena", "allergic_to", "peanuts"),
    ("Lena", "likes", "green tea"),
    ("Lena", "likes", "sushi"),
    ("Lena", "dislikes", "coriander"),
    ("Lena", "speaks", "Portuguese"),
    ("Lena", "speaks", "German"),
    ("Lena", "studied_at", "University of Porto"),
    ("Lena", "married_to", "Tomas"),
    ("Tomas", "works_at", "Lisbon Zoo"),
    ("Lena", "has_sister", "Ana"),
    ("Ana", "lives_in", "Berlin"),
    ("Lena", "runs", "marathons"),
    ("Lena", "collects", "vinyl records"),
    ("Lena", "reads", "science fiction novels"),
    ("Lena", "rides", "an electric scooter"),
    ("Lena", "visited", "Kyoto"),
    ("Lena", "plans_trip_to", "Iceland"),
    ("Lena", "birthday", "14 March"),
    ("Lena", "volunteers_at", "an animal shelter"),
    ("Lena", "grows", "tomatoes on the balcony"),
    ("Lena", "uses", "a Linux laptop"),
    ("Lena", "favorite_color", "teal"),
    ("Miso", "eats", "salmon kibble"),
    ("Lena", "learns", "Japanese"),
    ("Lena", "watches", "documentaries about oceans"),
    ("Lena", "bakes", "sourdough bread"),
]
# No word of these occurs in the facts, so the fulltext entry points add nothing and the hits at
# hops=0 are the vector entry points alone (checked below, not assumed).
TINY_QUERIES = [
    "Where is her home?",
    "What instrument does she perform?",
    "Any pets in the apartment?",
    "Food she must avoid",
    "Which languages can she talk?",
    "Who is her husband?",
    "How does she exercise?",
    "Her hobbies and pastimes",
    "Upcoming holidays abroad",
    "Her profession",
]


class ClusterEmbedder:
    """Deterministic stand-in for the model (see the module docstring): topic direction + noise."""

    model_name = "cluster-stand-in"
    dimensions = DIMS

    def __init__(self) -> None:
        centers = np.random.default_rng(2024).standard_normal((TOPICS, DIMS))
        self.centers = centers / np.linalg.norm(centers, axis=1, keepdims=True)

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        out = []
        for text in texts:
            seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
            noise = np.random.default_rng(seed).standard_normal(DIMS) * (NOISE / np.sqrt(DIMS))
            v = self.centers[seed % TOPICS] + noise
            out.append((v / np.linalg.norm(v)).tolist())
        return out


def bulk(user: str, n: int) -> list[dict[str, str]]:
    # Few entities (97 people, 100 things), one distinct sentence per fact: cheap to write, and
    # every fact its own vector.
    return [
        {
            "subject": f"{user} person {i % 97}",
            "predicate": "likes",
            "object": f"{user} thing {i % 100}",
            "fact": f"{user} note {i}",
        }
        for i in range(n)
    ]


def probes(n: int) -> list[str]:
    """Query texts of letters only, sharing no word with the bulk facts (no keyword entry points)."""
    letters = string.ascii_lowercase
    return [f"probe {letters[i % 26]}{letters[(i // 26) % 26]}q zulu" for i in range(n)]


@pytest.fixture(scope="module")
def crowd(
    settings_kwargs: dict[str, object], embedder: SentenceTransformerEmbedder
) -> Iterator[dict[str, Any]]:
    users = {f"exs-crowd-{i}": CROWD_FACTS for i in range(CROWD_USERS)} | SIZES
    stand_in = Memory(settings=load_settings(**settings_kwargs, batch_size=5000), embedder=ClusterEmbedder())
    real = Memory(settings=load_settings(**settings_kwargs), embedder=embedder)
    try:
        for user in [*users, TINY]:
            stand_in.forget(user)
        for user, n in users.items():
            stand_in.add_facts(bulk(user, n), user_id=user, now="2025-01-01")
        real.add_facts(
            [{"subject": s, "predicate": p, "object": o} for s, p, o in TINY_FACTS],
            user_id=TINY,
            now="2025-01-01",
        )
        yield {"stand_in": stand_in, "real": real, "users": users, "settings": settings_kwargs}
    finally:
        for user in [*users, TINY]:
            stand_in.forget(user)
        stand_in.close()
        real.close()


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


def stored(memory: Memory, user: str) -> tuple[list[str], np.ndarray]:
    """The user's facts and their stored embeddings (a test-only read; the value is a parameter)."""
    records, _, _ = memory.store.driver.execute_query(
        "MATCH ()-[f:FACT]->() WHERE f.user_id = $user RETURN f.id AS id, f.embedding AS e ORDER BY id",
        user=user,
    )
    return [r["id"] for r in records], np.array([r["e"] for r in records], dtype=np.float64)


def exact(ids: list[str], matrix: np.ndarray, vector: Sequence[float], k: int) -> list[tuple[str, float]]:
    """numpy's exact cosine top-k (the hits at hops=0 keep positive similarities only)."""
    q = np.asarray(vector, dtype=np.float64)
    sims = matrix @ q / (np.linalg.norm(matrix, axis=1) * np.linalg.norm(q))
    order = np.argsort(-sims)[:k]
    return [(ids[i], float(sims[i])) for i in order if sims[i] > 0]


def assert_same_ranking(got: list[str], truth: list[tuple[str, float]], all_sims: dict[str, float]) -> None:
    """Equal lists, allowing only swaps of near-ties (Neo4j computes cosine in float32)."""
    assert len(got) == len(truth)
    if got == [fid for fid, _ in truth]:
        return
    sims = [all_sims[fid] for fid in got]
    assert all(a >= b - 1e-5 for a, b in itertools.pairwise(sims)), "hits out of order"
    assert sims[-1] >= truth[-1][1] - 1e-5, "a hit below the exact k-th similarity"


# Lucene's English stop words: the fulltext index drops them.
STOP = {
    *("a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it"),
    *("no", "not", "of", "on", "or", "such", "that", "the", "their", "then", "there", "these", "they"),
    *("this", "to", "was", "will", "with"),
}


def words(text: str) -> set[str]:
    """Word stems, roughly (first four letters): what a keyword match could hinge on."""
    return {w[:4] for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOP}


def test_tiny_user_gets_exactly_the_numpy_top_k(crowd: dict[str, Any], ran: list[str]) -> None:
    real: Memory = crowd["real"]
    stats = real.stats(TINY)
    assert stats["user_facts"] == 30 and stats["total_facts"] >= 22_000  # a 0.14% share
    facts = real.get_all(user_id=TINY)
    fact_words = set().union(*(words(f"{f.fact} {f.subject} {f.predicate} {f.object}") for f in facts))
    ids, matrix = stored(real, TINY)
    forced = Memory(
        settings=load_settings(**crowd["settings"], exact_search_max_facts=0), embedder=real.embedder
    )
    try:
        for query in TINY_QUERIES:
            assert not words(query) & fact_words, query  # no keyword entry points
            vector = real.embedder.embed([query])[0]
            truth = exact(ids, matrix, vector, K)
            all_sims = dict(exact(ids, matrix, vector, len(ids)))
            for memory in (real, forced):
                ran.clear()
                hits = memory.search(query, user_id=TINY, limit=K, hops=0).results
                # Exact search answered, even when the index path was asked for (forced): the
                # over-fetch a 0.14% share needs would cover the whole index.
                assert "search_facts_vector" not in ran
                assert "search_facts_candidates" in ran if memory is forced else "search_start" in ran
                assert_same_ranking([h.id for h in hits], truth, all_sims)
                assert all(h.user_id == TINY and h.hops == 0 for h in hits)
    finally:
        forced.close()


@pytest.mark.parametrize(("user", "bound"), [(LARGE, 0.85), (SMALL, 0.85)])
def test_index_path_recall_against_exact(
    crowd: dict[str, Any], ran: list[str], user: str, bound: float
) -> None:
    """Forced onto the index (exact_search_max_facts=0): recall@10 of the hits against exact search."""
    stand_in: Memory = crowd["stand_in"]
    memory = Memory(
        settings=load_settings(**crowd["settings"], exact_search_max_facts=0), embedder=stand_in.embedder
    )
    try:
        stats = memory.stats(user)
        share = stats["user_facts"] / stats["total_facts"]
        ids, matrix = stored(memory, user)
        assert len(ids) == SIZES[user]
        found = total = by_index = 0
        for query in probes(20):
            vector = memory.embedder.embed([query])[0]
            truth = exact(ids, matrix, vector, K)
            ran.clear()
            hits = memory.search(query, user_id=user, limit=K, hops=0).results
            # The index path was taken: over-fetch on 5.26, filtered inside the index on >= 2026.02.
            assert {"search_facts_vector", "search_facts_vector_in_index"} & set(ran)
            by_index += "search_facts_candidates" not in ran  # ... and answered without the fallback
            assert len(hits) == len(truth) and all(h.user_id == user for h in hits)
            found += len({h.id for h in hits} & {fid for fid, _ in truth})
            total += len(truth)
        recall = found / total
        print(
            f"\nrecall@{K} of the index path, user with a {share:.2%} share of {stats['total_facts']} facts: "
            f"{recall:.3f} ({by_index}/20 queries answered by the index without the exact fallback)"
        )
        assert by_index >= 15
        assert recall >= bound
    finally:
        memory.close()
