"""Concurrent writers on one user never produce duplicate entities or two current values of a
cardinality-one predicate, and end in the state a sequential ingest gives (writers of one user are
serialised by the user's :Tenant lock; the driver retries transient conflicts)."""

from __future__ import annotations

import itertools
import random
import threading
from collections import Counter
from collections.abc import Callable

import pytest

from mem0g import Memory
from mem0g.config import load_settings
from mem0g.embeddings import SentenceTransformerEmbedder
from mem0g.vocab import normalize_name

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]

SPELLINGS = ["Sarah", "sarah", " SARAH ", "Sarah ", "sArAh"]
CITIES = ["Tokyo", "tokyo", "Osaka", "Kyoto", "Nara", "Kobe"]


def statements(seed: int, parts: int, n: int) -> list[list[dict[str, object]]]:
    """``parts`` lists of ``n`` moves (plus a many-valued fact each), every move at its own instant:
    two values asserted at the same instant would be decided by arrival order, which is not the point."""
    rng = random.Random(seed)
    instants = rng.sample(range(24 * 360), parts * n)
    out: list[list[dict[str, object]]] = [[] for _ in range(parts)]
    for index, hours in enumerate(instants):
        day, hour = divmod(hours, 24)
        out[index % parts].append(
            {
                "subject": rng.choice(SPELLINGS),
                "predicate": "lives_in",
                "object": rng.choice(CITIES),
                "observed_at": f"2024-{1 + day // 30:02d}-{1 + day % 28:02d}T{hour:02d}:{day % 60:02d}:00Z",
            }
        )
        out[index % parts].append(
            {"subject": rng.choice(SPELLINGS), "predicate": "likes", "object": rng.choice(CITIES)}
        )
    return out


def run_writers(
    settings_kwargs: dict[str, object],
    embedder: SentenceTransformerEmbedder,
    jobs: list[tuple[str, list[dict[str, object]]]],
) -> list[BaseException]:
    errors: list[BaseException] = []
    start = threading.Barrier(len(jobs))

    def write(user: str, facts: list[dict[str, object]]) -> None:
        try:
            with Memory(settings=load_settings(**settings_kwargs, batch_size=3), embedder=embedder) as memory:
                start.wait()
                for i in range(0, len(facts), 3):
                    memory.add_facts(facts[i : i + 3], user_id=user, now="2025-01-01")
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return errors


def state(memory: Memory, user: str) -> tuple[Counter[str], list[tuple[str, str, str, object, object]]]:
    graph = memory.graph(user)
    names = Counter(normalize_name(str(name)) for _, name in graph.nodes(data="name"))
    facts = sorted(
        (f.predicate, normalize_name(f.object), f.status, f.valid_from, f.valid_until)
        for f in memory.get_all(user_id=user)
    )
    return names, facts


@pytest.mark.parametrize("seed", [1, 2])
def test_concurrent_writers_equal_a_sequential_ingest(
    memory: Memory,
    settings_kwargs: dict[str, object],
    embedder: SentenceTransformerEmbedder,
    make_user: Callable[[str], str],
    seed: int,
) -> None:
    shared, other, solo = make_user("shared"), make_user("other"), make_user("solo")
    parts = statements(seed, 4, 6)
    errors = run_writers(
        settings_kwargs,
        embedder,
        [(shared, part) for part in parts] + [(other, statements(seed + 100, 1, 6)[0])],
    )
    assert errors == []

    names, facts = state(memory, shared)
    assert all(count == 1 for count in names.values()), names  # no duplicate entity, any spelling
    current = [f for f in facts if f[0] == "lives_in" and f[2] == "current"]
    assert len(current) == 1  # one current value of a cardinality-one predicate
    intervals = sorted(
        (f.valid_from, f.valid_until) for f in memory.get_all(user_id=shared) if f.predicate == "lives_in"
    )
    for (_, end), (start, _) in itertools.pairwise(intervals):
        assert end is not None and start is not None and end <= start  # never two values at once

    # The same statements written by one writer, in any order, give the same state: timelines are
    # decided by the statements' own instants, not by which writer got the lock first.
    for part in parts:
        memory.add_facts(part, user_id=solo, now="2025-01-01")
    assert state(memory, solo) == (names, facts)
