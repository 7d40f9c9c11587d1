"""Tenant isolation: users who share entity names, predicates and sentences never see each other.

Every read (search in each time mode, history, graph, get_all) of one user must return only that
user's facts, whatever other users wrote before, after or in between; ``forget`` removes exactly one
user. The oracle for each user is computed from that user's own statements only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mem0g import Memory
from mem0g.models import FactRecord
from mem0g.vocab import SELF_NAMES, normalize_name, predicate_key

pytestmark = pytest.mark.neo4j

T0 = datetime(2025, 1, 1, tzinfo=timezone.utc)
RECORDED = "2025-12-01"  # every write is recorded at this instant, so runs are reproducible
AS_OF = T0 + timedelta(days=150)

# Deliberately shared across users: names (in several spellings), predicates and sentences.
SUBJECTS = ["Sarah", "sarah", " SARAH ", "Tom", "I", "Acme"]
OBJECTS = ["Tokyo", "tokyo", "Osaka", "ramen", "Tom", "Acme"]
PREDICATES = ["lives_in", "likes", "knows"]
SENTENCES = [None, None, "Sarah lives in Tokyo", "a sentence every user shares"]
QUERIES = ["Where does Sarah live?", "Sarah lives in Tokyo", "a sentence every user shares", "ramen"]
MODES: list[dict[str, Any]] = [{}, {"include_history": True}, {"as_of": AS_OF}]

MakeUser = Callable[[str], str]

statement = st.fixed_dictionaries(
    {
        "subject": st.sampled_from(SUBJECTS),
        "predicate": st.sampled_from(PREDICATES),
        "object": st.sampled_from(OBJECTS),
        "fact": st.sampled_from(SENTENCES),
        "day": st.integers(min_value=0, max_value=300),
    }
)
interleavings = st.integers(min_value=2, max_value=3).flatmap(
    lambda n: st.tuples(
        st.just(n),
        st.lists(
            st.tuples(st.integers(0, n - 1), st.lists(statement, min_size=1, max_size=4)),
            min_size=2,
            max_size=6,
        ),
    )
)


def entity_norm(name: str, user: str) -> str:
    norm = normalize_name(name)
    return normalize_name(user) if norm in SELF_NAMES else norm


def to_facts(
    raw: Sequence[Mapping[str, Any]], user: str, used_days: set[tuple[str, int]]
) -> list[dict[str, Any]]:
    """Drawn statements as facts. lives_in (cardinality one) gets a valid_from that is unique per
    (user, subject), so the oracle's current value is unambiguous; other predicates get none."""
    facts = []
    for item in raw:
        fact: dict[str, Any] = {
            "subject": item["subject"],
            "predicate": item["predicate"],
            "object": item["object"],
        }
        if item["fact"]:
            fact["fact"] = item["fact"]
        if item["predicate"] == "lives_in":
            subject, day = entity_norm(item["subject"], user), item["day"]
            while (subject, day) in used_days:
                day += 1
            used_days.add((subject, day))
            fact["valid_from"] = T0 + timedelta(days=day)
        facts.append(fact)
    return facts


class Oracle:
    """What one user's own statements imply, whatever any other user did."""

    def __init__(self, user: str) -> None:
        self.user = user
        self.triples: set[tuple[str, str, str]] = set()
        self.lives: dict[str, list[tuple[datetime, str]]] = {}
        self.wrote = False

    def add(self, facts: Sequence[Mapping[str, Any]]) -> None:
        self.wrote = True
        for f in facts:
            s, o = entity_norm(f["subject"], self.user), entity_norm(f["object"], self.user)
            self.triples.add((s, predicate_key(f["predicate"]), o))
            if f["predicate"] == "lives_in":
                self.lives.setdefault(s, []).append((f["valid_from"], o))

    @property
    def entities(self) -> set[str]:
        return {s for s, _, _ in self.triples} | {o for _, _, o in self.triples}


def triple(f: FactRecord, user: str) -> tuple[str, str, str]:
    return entity_norm(f.subject, user), predicate_key(f.predicate), entity_norm(f.object, user)


def holds_at(f: FactRecord, t: datetime) -> bool:
    return (f.valid_from is None or f.valid_from <= t) and (f.valid_until is None or f.valid_until > t)


def snapshot(memory: Memory, user: str) -> dict[str, Any]:
    g = memory.graph(user)
    return {
        "facts": sorted((f.model_dump() for f in memory.get_all(user_id=user)), key=lambda d: d["id"]),
        "nodes": sorted(g.nodes),
        "edges": sorted(k for _, _, k in g.edges(keys=True)),
        "stats": memory.stats(user)["user_facts"],
    }


def assert_only_own(memory: Memory, user: str, oracle: Oracle, query: str) -> set[str]:
    """Every read of ``user`` returns exactly what ``user``'s own statements imply; returns the ids."""
    records = memory.get_all(user_id=user)
    ids = {f.id for f in records}
    by_id = {f.id: f for f in records}
    assert len(ids) == len(records)
    assert {f.user_id for f in records} <= {user}
    assert {triple(f, user) for f in records} == oracle.triples

    # Cardinality one, per user: exactly one current lives_in per subject, the latest stated value.
    for subject, stated in oracle.lives.items():
        lives = [f for f in records if triple(f, user)[:2] == (subject, "lives_in")]
        current = [entity_norm(f.object, user) for f in lives if f.status == "current"]
        assert current == [max(stated)[1]], (subject, stated, [(f.object, f.status) for f in lives])
    assert all(f.status == "current" for f in records if f.predicate != "lives_in")

    g = memory.graph(user)
    assert {k for _, _, k in g.edges(keys=True)} == ids
    assert sorted(normalize_name(d["name"]) for _, d in g.nodes(data=True)) == sorted(oracle.entities)

    for name in ("Sarah", "Tokyo", "Tom", "I"):
        expected = {f.id for f in records if entity_norm(name, user) in triple(f, user)[::2]}
        assert {f.id for f in memory.history(name, user_id=user)} == expected

    for mode in MODES:
        for extra in ({}, {"filters": {"user_id": "someone-else"}}):
            hits = memory.search(query, user_id=user, limit=20, **mode, **extra).results
            assert {h.id for h in hits} <= ids, mode
            assert {h.user_id for h in hits} <= {user}
            assert {step.id for h in hits for step in h.path} <= ids
            assert {s.id for h in hits for s in h.supersedes} <= ids
            if "as_of" in mode:
                assert all(holds_at(by_id[h.id], AS_OF) for h in hits)
            elif not mode:
                assert all(by_id[h.id].status != "superseded" for h in hits)

    # Not vacuous: the user's own current fact is found by its exact sentence, even when another
    # user stores the very same sentence.
    current = sorted((f for f in records if f.status == "current"), key=lambda f: f.id)
    if current:
        hits = memory.search(current[0].fact, user_id=user, limit=20).results
        assert current[0].id in {h.id for h in hits}
    return ids


def assert_forgotten(memory: Memory, user: str) -> None:
    assert memory.get_all(user_id=user) == []
    g = memory.graph(user)
    assert g.number_of_nodes() == 0 and g.number_of_edges() == 0
    for query in QUERIES:
        for mode in MODES:
            assert memory.search(query, user_id=user, **mode).results == []
    for name in ("Sarah", "Tokyo", "I"):
        assert memory.history(name, user_id=user) == []
    assert memory.stats(user)["user_facts"] == 0
    assert user not in {u["user_id"] for u in memory.users()}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drawn=interleavings, query=st.sampled_from(QUERIES))
def test_interleaved_users_see_only_their_own(
    memory: Memory, make_user: MakeUser, drawn: tuple[int, list[tuple[int, list[dict[str, Any]]]]], query: str
) -> None:
    n, ops = drawn
    users = [make_user("tn") for _ in range(n)]
    oracles = [Oracle(u) for u in users]
    used_days: list[set[tuple[str, int]]] = [set() for _ in users]
    try:
        for who, raw in ops:
            facts = to_facts(raw, users[who], used_days[who])
            memory.add_facts(facts, user_id=users[who], now=RECORDED)
            oracles[who].add(facts)

        ids = [assert_only_own(memory, u, o, query) for u, o in zip(users, oracles, strict=True)]
        nodes = [set(memory.graph(u).nodes) for u in users]
        for i in range(n):
            for j in range(i + 1, n):
                assert not ids[i] & ids[j]
                assert not nodes[i] & nodes[j]

        victim, others = users[0], users[1:]
        before = {u: snapshot(memory, u) for u in others}
        expected_removed = len(nodes[0]) + (1 if oracles[0].wrote else 0)  # entities + the :Tenant node
        assert memory.forget(victim) == expected_removed
        assert_forgotten(memory, victim)
        assert {u: snapshot(memory, u) for u in others} == before
        for u, o in zip(others, oracles[1:], strict=True):
            assert_only_own(memory, u, o, query)
    finally:
        for u in users:
            memory.forget(u)


def shared_history(user: str) -> list[dict[str, Any]]:
    facts = [
        {"subject": "Sarah", "predicate": "lives_in", "object": "Shibuya", "valid_from": "2025-01-01"},
        {"subject": "I", "predicate": "knows", "object": "Sarah", "fact": "a sentence every user shares"},
        {"subject": "Sarah", "predicate": "lives_in", "object": "Shinjuku", "valid_from": "2025-04-24"},
        {"subject": "sarah", "predicate": "lives_in", "object": "Osaka", "valid_from": "2024-06-01"},
        {"subject": "Sarah", "predicate": "likes", "object": "ramen", "source": "chat-1"},
        {"subject": "SARAH", "predicate": "likes", "object": "Ramen", "source": "chat-2"},
        {"subject": "Sarah", "predicate": "has_pet", "object": "Rex", "valid_until": "2025-06-01"},
    ]
    return [dict(f, source=f.get("source", f"{user[:2]}-{i}")) for i, f in enumerate(facts)]


def projection(memory: Memory, user: str) -> list[tuple[Any, ...]]:
    def name(n: str) -> str:
        return "<self>" if n == user else n

    return sorted(
        (
            name(f.subject),
            f.predicate,
            name(f.object),
            f.fact,
            f.valid_from,
            f.valid_until,
            f.status,
            f.superseded_at,
            len(f.source),
        )
        for f in memory.get_all(user_id=user)
    )


def test_interleaved_histories_equal_a_solo_history(memory: Memory, make_user: MakeUser) -> None:
    """Two users writing the same timeline statement by statement, interleaved, each end up exactly
    where a user who wrote it alone ends up."""
    a, b, solo = make_user("ta"), make_user("tb"), make_user("ts")
    for fa, fb in zip(shared_history(a), shared_history(b), strict=True):
        memory.add_facts([fa], user_id=a, now=RECORDED)
        memory.add_facts([fb], user_id=b, now=RECORDED)
    for f in shared_history(solo):
        memory.add_facts([f], user_id=solo, now=RECORDED)
    assert projection(memory, a) == projection(memory, b) == projection(memory, solo)
    statuses = {(f.object, f.status) for f in memory.get_all(user_id=a)}
    assert {("Shinjuku", "current"), ("Shibuya", "superseded"), ("Osaka", "superseded")} <= statuses
    assert ("Rex", "ended") in statuses


def test_forget_of_an_unknown_user_removes_nothing(memory: Memory, make_user: MakeUser) -> None:
    a, b = make_user("tf"), make_user("tf")
    for u in (a, b):
        memory.add_facts(shared_history(u), user_id=u, now=RECORDED)
    before = {u: snapshot(memory, u) for u in (a, b)}
    assert all(s["facts"] for s in before.values())
    lookalikes = [
        f"nobody-{a}",
        a.upper(),
        a[:-1],
        a + " ",
        " " + a,
        a + "%",
        a[:3] + "*",
        ".*",
        "*",
        "' OR 1=1 //",
        '"}) MATCH (n) DETACH DELETE n //',
    ]
    for ghost in lookalikes:
        assert memory.forget(ghost) == 0, ghost
    assert {u: snapshot(memory, u) for u in (a, b)} == before


SCOPED = [
    # (subject, predicate, object, metadata, agent_id, run_id)
    ("Sarah", "likes", "ramen", {"category": "food", "tags": ["x"]}, "a1", "r1"),
    ("Sarah", "likes", "jazz", {"category": "music", "tags": ["x", "y"]}, "a1", "r2"),
    ("Sarah", "lives_in", "Tokyo", {"category": "place"}, "a2", "r1"),
    ("Sarah", "works_at", "Acme", {"category": "work", "priority": 1}, "a2", "r2"),
    ("Sarah", "knows", "Tom", {"category": "people", "priority": 2}, None, None),
]


@pytest.mark.parametrize(
    ("search_kwargs", "expected"),
    [
        ({"filters": {"category": "food"}}, {"ramen"}),
        ({"filters": {"category": {"in": ["food", "music"]}}}, {"ramen", "jazz"}),
        ({"filters": {"category": {"eq": "place"}}}, {"Tokyo"}),
        ({"filters": {"category": {"in": ["people", "nothing"]}}}, {"Tom"}),
        ({"filters": {"category": "nothing"}}, set()),
        ({"filters": {"tags": "y"}}, {"jazz"}),
        ({"filters": {"tags": {"in": ["x"]}}}, {"ramen", "jazz"}),
        ({"filters": {"priority": 1}}, {"Acme"}),
        ({"filters": {"priority": {"in": [1, 2]}, "category": "people"}}, {"Tom"}),
        ({"agent_id": "a1"}, {"ramen", "jazz"}),
        ({"filters": {"agent_id": "a2"}}, {"Tokyo", "Acme"}),
        ({"run_id": "r1"}, {"ramen", "Tokyo"}),
        ({"filters": {"run_id": "r2"}}, {"jazz", "Acme"}),
        ({"agent_id": "a1", "run_id": "r2"}, {"jazz"}),
        ({"agent_id": "a1", "filters": {"category": "place"}}, set()),
        ({"agent_id": "nobody"}, set()),
        ({}, {"ramen", "jazz", "Tokyo", "Acme", "Tom"}),
    ],
)
def test_filters_scope_within_one_user(
    memory: Memory, make_user: MakeUser, search_kwargs: dict[str, Any], expected: set[str]
) -> None:
    a, b = make_user("tm"), make_user("tm")
    # a's facts carry agent/run per fact; b gets the same ones through add_facts' defaults.
    memory.add_facts(
        [
            {"subject": s, "predicate": p, "object": o, "metadata": md, "agent_id": ag, "run_id": run}
            for s, p, o, md, ag, run in SCOPED
        ],
        user_id=a,
    )
    for s, p, o, md, ag, run in SCOPED:
        memory.add_facts(
            [{"subject": s, "predicate": p, "object": o}], user_id=b, agent_id=ag, run_id=run, metadata=md
        )
    for user in (a, b):
        own = {f.id for f in memory.get_all(user_id=user)}
        hits = memory.search("Sarah", user_id=user, limit=20, **search_kwargs).results
        assert {h.id for h in hits} <= own
        assert {h.object for h in hits} == expected, user
        for h in hits:
            if "agent_id" in search_kwargs:
                assert h.agent_id == search_kwargs["agent_id"]
            if "run_id" in search_kwargs:
                assert h.run_id == search_kwargs["run_id"]


def test_get_all_agent_and_run_scoping(memory: Memory, make_user: MakeUser) -> None:
    a, b = make_user("tg"), make_user("tg")
    for user in (a, b):
        memory.add_facts(
            [
                {"subject": s, "predicate": p, "object": o, "metadata": md, "agent_id": ag, "run_id": run}
                for s, p, o, md, ag, run in SCOPED
            ],
            user_id=user,
        )
    for user in (a, b):
        assert {f.object for f in memory.get_all(user_id=user, agent_id="a1")} == {"ramen", "jazz"}
        assert {f.object for f in memory.get_all(user_id=user, run_id="r2")} == {"jazz", "Acme"}
        assert {f.object for f in memory.get_all(user_id=user, agent_id="a2", run_id="r1")} == {"Tokyo"}
        assert {f.user_id for f in memory.get_all(user_id=user)} == {user}
        assert {f.metadata.get("category") for f in memory.get_all(user_id=user)} == {
            "food",
            "music",
            "place",
            "work",
            "people",
        }
