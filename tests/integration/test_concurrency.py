"""Concurrent writers, stressed: several writers per user, several users at once, several rounds.

How mem0g serialises writers (``mem0g._neo4j.executor`` / ``mem0g._engine.write.write_steps``): every write
transaction of a user starts with ``cypher/tenant_lock.cypher`` (``MERGE`` of the user's
``:Tenant`` node, unique on ``user_id``, then ``SET`` on it), so the transaction holds the tenant's
write lock from its first statement to its commit: entity lookup, entity ``MERGE`` (unique on
``(user_id, name_key)``), the resolver's read of the stored timelines and the plan's writes all
happen while no other writer of that user can interleave. Writers of different users lock
different nodes and run in parallel. Deadlocks and other transient errors are retried by the
driver's ``execute_write`` with a fresh copy of the steps.

The test makes that machinery earn its keep:

* every round uses fresh users, so the first transactions race to create the ``:Tenant`` node and
  every entity (the ``MERGE`` under a uniqueness constraint must not fail or duplicate);
* all writers pass a barrier before each batch, so their transactions arrive together;
* every batch of every writer names the same new friends, so entity creation races in every batch,
  not only the first: one in different spellings (only the uniqueness constraint's ``MERGE`` is
  needed there), one either by name with an alias or by that alias alone ("Robert" aka "Bob", or
  "Bob"): two writers that both looked the alias up before either committed would create two
  people, so only the tenant lock keeps that one a single node;
* ``lives_in`` (cardinality one) statements carry distinct ``valid_from`` instants scattered over a
  year and arrive in no particular order.

Checked against oracles computed from the statements alone (not from mem0g): the exact set of
entities (one per normalised name), the exact ``lives_in`` timeline (sort by ``valid_from``, merge
runs of the same city: the latest ``valid_from`` is the one current value), never two values at the
same instant, the exact set of many-valued facts, the tenant's counters; and the final state equals
a single writer's ingest of the same statements in a shuffled order and shuffled batch sizes.

Each writer owns its Memory (its own driver and connection pool); all share the session's real
embedding model through a memo that the single-writer ingest fills first: without it the writers
would queue on the model (one process, two cores) and their transactions would rarely overlap.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone
from itertools import pairwise
from typing import Any

import pytest

from mem0g import Memory
from mem0g._engine.args import to_fact
from mem0g._engine.prepare import prepare_batch
from mem0g.config import load_settings
from mem0g.embeddings import SentenceTransformerEmbedder
from mem0g.models import FactRecord
from mem0g.vocab import normalize_name

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]

SUBJECTS = ["Sarah", "sarah", " SARAH ", "SaRaH", "sarah  "]
CITIES = [
    ["Tokyo", "tokyo", " TOKYO "],
    ["Osaka", "osaka"],
    ["Kyoto", "KYOTO "],
    ["Nara", " nara"],
    ["Kobe", "kobe"],
]
FOODS = [["ramen", "Ramen"], ["sushi", " SUSHI"], ["udon", "Udon "]]
FRIEND_SPELLINGS = ["Kenji {tag}", "kenji {tag}", " KENJI {tag} "]

USERS_PER_ROUND = 2
WRITERS_PER_USER = 3
BATCHES = 5
MOVES_PER_BATCH = 2
ROUNDS = 3
YEAR = datetime(2024, 1, 1, tzinfo=timezone.utc)

Fact = dict[str, Any]


class Memo:
    """The real model behind a memo: each text is embedded once per test, by the real model."""

    def __init__(self, inner: SentenceTransformerEmbedder) -> None:
        self.inner = inner
        self.model_name = inner.model_name
        self.vectors: dict[str, list[float]] = {}
        self.misses = 0

    @property
    def dimensions(self) -> int:
        return self.inner.dimensions

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        missing = [t for t in dict.fromkeys(texts) if t not in self.vectors]
        if missing:
            self.misses += len(missing)
            self.vectors.update(zip(missing, self.inner.embed(missing), strict=True))
        return [self.vectors[t] for t in texts]


def writer_batches(rng: random.Random, round_no: int) -> list[list[list[Fact]]]:
    """For each writer of one user: ``BATCHES`` batches of moves, a like and a shared new friend."""
    minutes = rng.sample(range(365 * 24 * 60), WRITERS_PER_USER * BATCHES * MOVES_PER_BATCH)
    out: list[list[list[Fact]]] = []
    for w in range(WRITERS_PER_USER):
        batches = []
        for b in range(BATCHES):
            batch: list[Fact] = []
            for _ in range(MOVES_PER_BATCH):
                when = YEAR + timedelta(minutes=minutes.pop())
                batch.append(
                    {
                        "subject": rng.choice(SUBJECTS),
                        "predicate": "lives_in",
                        "object": rng.choice(rng.choice(CITIES)),
                        "valid_from": when.isoformat(),
                    }
                )
            batch.append(
                {
                    "subject": rng.choice(SUBJECTS),
                    "predicate": "likes",
                    "object": rng.choice(rng.choice(FOODS)),
                }
            )
            # Every writer of the user names these new friends in the same batch, each its own way:
            # Kenji in another spelling; Robert by name with his alias Bob, or plainly as Bob.
            tag = f"r{round_no}b{b}"
            friend = FRIEND_SPELLINGS[w % len(FRIEND_SPELLINGS)].format(tag=tag)
            batch.append({"subject": rng.choice(SUBJECTS), "predicate": "knows", "object": friend})
            robert: Fact = (
                {"object": f"Robert {tag}", "object_aliases": [f"Bob {tag}"]}
                if w % 2 == 0
                else {"object": rng.choice([f"Bob {tag}", f"bob {tag} "])}
            )
            batch.append({"subject": rng.choice(SUBJECTS), "predicate": "knows", **robert})
            rng.shuffle(batch)
            batches.append(batch)
        out.append(batches)
    return out


def expected_timeline(statements: list[Fact]) -> list[tuple[str, datetime, datetime | None, str]]:
    """The lives_in timeline a correct store must hold, from the statements alone: sorted by
    valid_from, runs of one city merged, each value ending where the next begins, the last current."""
    moves = sorted(
        (datetime.fromisoformat(s["valid_from"]), normalize_name(s["object"]))
        for s in statements
        if s["predicate"] == "lives_in"
    )
    runs: list[tuple[str, datetime]] = []
    for when, city in moves:
        if not runs or runs[-1][0] != city:
            runs.append((city, when))
    timeline: list[tuple[str, datetime, datetime | None, str]] = [
        (city, start, nxt, "superseded") for (city, start), (_, nxt) in pairwise(runs)
    ]
    timeline.append((runs[-1][0], runs[-1][1], None, "current"))
    return timeline


def canon(name: str) -> str:
    """One name per person: "Bob r0b1" is an alias of "Robert r0b1". Which of the two names the node
    shows depends on which statement arrived first, so the oracles compare people, not display names."""
    norm = normalize_name(name)
    return "robert" + norm[3:] if norm.startswith("bob ") else norm


def expected_entities(statements: list[Fact]) -> set[str]:
    return {canon(s[k]) for s in statements for k in ("subject", "object")}


def expected_many(statements: list[Fact]) -> set[tuple[str, str, str]]:
    return {
        (canon(s["subject"]), s["predicate"], canon(s["object"]))
        for s in statements
        if s["predicate"] != "lives_in"
    }


def lives_in(facts: list[FactRecord]) -> list[tuple[str, datetime, datetime | None, str]]:
    rows = [
        (normalize_name(f.object), f.valid_from, f.valid_until, f.status)
        for f in facts
        if f.predicate == "lives_in"
    ]
    assert all(start is not None for _, start, _, _ in rows)
    return sorted(rows, key=lambda r: r[1])  # type: ignore[arg-type, return-value]


def state(memory: Memory, user: str) -> dict[str, Any]:
    """Everything that must not depend on who wrote first (entity display names do: the first
    spelling to arrive names the node, so names are compared normalised, aliases resolved)."""
    facts = memory.get_all(user_id=user)
    graph = memory.graph(user)
    return {
        "entities": Counter(canon(name) for _, name in graph.nodes(data="name")),
        "lives_in": lives_in(facts),
        "many": Counter(
            (canon(f.subject), f.predicate, canon(f.object), f.status)
            for f in facts
            if f.predicate != "lives_in"
        ),
    }


def check_user(memory: Memory, user: str, statements: list[Fact]) -> dict[str, Any]:
    got = state(memory, user)
    # Zero duplicate entities, and exactly the entities the statements name.
    assert [name for name, n in got["entities"].items() if n > 1] == [], user
    assert set(got["entities"]) == expected_entities(statements)
    # The exact timeline: the latest valid_from is the one current value; history in between.
    timeline = got["lives_in"]
    assert timeline == expected_timeline(statements)
    assert sum(1 for row in timeline if row[3] == "current") == 1
    for (_, _, end, _), (_, start, _, _) in pairwise(timeline):
        assert end is not None and end <= start  # never two values valid at one instant
    # Many-valued facts: each (subject, predicate, object) once, current.
    assert got["many"] == Counter({(*key, "current"): 1 for key in expected_many(statements)})
    # The tenant's counters, kept under the lock, equal what is stored.
    stats = memory.stats(user)
    assert stats["user_facts"] == len(memory.get_all(user_id=user))
    assert stats["user_entities"] == sum(got["entities"].values())
    # And search, the public read path, answers the current value only.
    hits = memory.search("Where does Sarah live?", user_id=user, limit=10).results
    homes = {normalize_name(h.object) for h in hits if h.predicate == "lives_in"}
    assert homes == {timeline[-1][0]}
    return got


def run_round(
    writers: list[Memory], jobs: list[tuple[str, list[list[Fact]]]], now: str
) -> list[BaseException]:
    """One thread per job; all pass a barrier before every batch so transactions collide."""
    assert len(writers) == len(jobs)
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def work(memory: Memory, user: str, batches: list[list[Fact]]) -> None:
        try:
            for batch in batches:
                barrier.wait(timeout=120)
                memory.add_facts(batch, user_id=user, now=now)
        except BaseException as exc:  # reported by the test
            errors.append(exc)
            barrier.abort()

    threads = [
        threading.Thread(target=work, args=(memory, user, batches))
        for memory, (user, batches) in zip(writers, jobs, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert not any(thread.is_alive() for thread in threads), "a writer hung"
    return errors


def test_concurrent_writers_many_rounds(
    memory: Memory,
    settings_kwargs: dict[str, object],
    embedder: SentenceTransformerEmbedder,
    make_user: Callable[[str], str],
) -> None:
    memo = Memo(embedder)
    n_writers = USERS_PER_ROUND * WRITERS_PER_USER
    writers = [Memory(settings=load_settings(**settings_kwargs), embedder=memo) for _ in range(n_writers)]
    sequential = Memory(settings=load_settings(**settings_kwargs), embedder=memo)
    try:
        for writer in [*writers, sequential]:
            writer.init()
        for round_no in range(ROUNDS):
            rng = random.Random(1000 + round_no)
            users = [make_user(f"conc{round_no}") for _ in range(USERS_PER_ROUND)]
            plans = {user: writer_batches(rng, round_no) for user in users}
            statements = {
                user: [f for batches in plans[user] for batch in batches for f in batch] for user in users
            }

            # Oracle run first: one writer, the same statements shuffled, in batches of random sizes.
            solos = {}
            for user in users:
                solos[user] = solo = make_user(f"solo{round_no}")
                shuffled = statements[user][:]
                rng.shuffle(shuffled)
                while shuffled:
                    size = rng.randint(2, 10)
                    sequential.add_facts(shuffled[:size], user_id=solo, now="2025-01-01")
                    shuffled = shuffled[size:]

            # A write embeds only what it creates, and which spelling creates an entity depends on
            # the order: every text the writers' batches could embed is in the memo first.
            for user in users:
                for batches in plans[user]:
                    for batch in batches:
                        facts = [to_fact(f) for f in batch]
                        memo.embed(prepare_batch(facts, user_id=user, now=YEAR).texts_to_embed())
            misses = memo.misses
            jobs = [(user, batches) for user in users for batches in plans[user]]
            rng.shuffle(jobs)  # writers of different users interleave on the barrier
            errors = run_round(writers, jobs, now="2025-01-01")
            assert errors == [], errors
            # The writers waited on each other, hardly on the model (a batch may still name an entity
            # by a spelling the oracle's batches did not lead with).
            assert memo.misses - misses <= 10

            for user in users:
                concurrent = check_user(memory, user, statements[user])
                assert check_user(memory, solos[user], statements[user]) == concurrent
    finally:
        for writer in [*writers, sequential]:
            writer.close()
