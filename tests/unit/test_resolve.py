"""Property and example tests of the pure conflict resolver (no Neo4j)."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from mem0g._engine.resolve import Incoming, PlannedFact, StoredFact, resolve

T0 = datetime(2025, 1, 1, tzinfo=timezone.utc)
NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


def day(n: int) -> datetime:
    return T0 + timedelta(days=n)


def stmt(
    obj: str,
    at: int,
    *,
    card: str = "one",
    until: int | None = None,
    frm: int | None = None,
    src: str = "s",
    subject: str = "sarah",
    predicate: str = "lives_in",
) -> Incoming:
    return Incoming(
        subject_key=subject,
        predicate_key=predicate,
        object_key=obj,
        observed_at=day(at),
        cardinality=card,  # type: ignore[arg-type]
        valid_from=day(frm) if frm is not None else None,
        valid_until=day(until) if until is not None else None,
        sources=(src,),
    )


class Db:
    """Applies plans the way the store does, so tests can run batch after batch."""

    def __init__(self) -> None:
        self.facts: dict[str, StoredFact] = {}
        self.ids = (f"f{i}" for i in itertools.count())

    def add(self, *incoming: Incoming, now: datetime = NOW):  # type: ignore[no-untyped-def]
        plan = resolve(list(self.facts.values()), list(incoming), now=now, new_id=lambda: next(self.ids))
        for created in plan.creates:
            self.facts[created.id] = StoredFact(
                **{k: getattr(created, k) for k in StoredFact.__dataclass_fields__}
            )
        for updated in plan.updates:
            assert updated.id in self.facts
            self.facts[updated.id] = updated
        return plan

    def live(self) -> list[StoredFact]:
        return sorted(
            (
                f
                for f in self.facts.values()
                if f.valid_until is None or f.valid_from is None or f.valid_until > f.valid_from
            ),
            key=lambda f: f.valid_from or datetime.min.replace(tzinfo=timezone.utc),
        )

    def value_at(self, t: datetime, *, subject: str = "sarah", predicate: str = "lives_in") -> list[str]:
        return sorted(
            f.object_key
            for f in self.facts.values()
            if f.subject_key == subject
            and f.predicate_key == predicate
            and (f.valid_from is None or f.valid_from <= t)
            and (f.valid_until is None or f.valid_until > t)
        )

    def current(self) -> list[StoredFact]:
        return [f for f in self.facts.values() if f.status == "current"]


def test_newer_value_supersedes_with_dates() -> None:
    db = Db()
    db.add(stmt("shibuya", 0))
    plan = db.add(stmt("shinjuku", 30))
    old = next(f for f in db.facts.values() if f.object_key == "shibuya")
    new = next(f for f in db.facts.values() if f.object_key == "shinjuku")
    assert old.status == "superseded" and old.valid_until == day(30) and old.superseded_at == NOW
    assert old.superseded_by == new.id and new.supersedes == (old.id,)
    assert new.status == "current" and new.valid_from == day(30) and new.valid_until is None
    assert plan.superseded == [old.id]


def test_restating_adds_provenance_not_a_copy() -> None:
    db = Db()
    db.add(stmt("shibuya", 0, src="a"))
    plan = db.add(stmt("shibuya", 5, src="b"))
    assert len(db.facts) == 1
    assert plan.outcomes[0][0] == "restated"
    assert next(iter(db.facts.values())).sources == ("a", "b")
    again = db.add(stmt("shibuya", 5, src="b"))
    assert again.is_empty


def test_late_older_fact_becomes_history() -> None:
    db = Db()
    db.add(stmt("shinjuku", 30))
    plan = db.add(stmt("shibuya", 0))
    assert plan.outcomes[0][0] == "history"
    late = next(f for f in db.facts.values() if f.object_key == "shibuya")
    assert late.status == "superseded" and late.valid_until == day(30)
    assert [f.object_key for f in db.current()] == ["shinjuku"]


def test_explicit_end_closes_current_fact() -> None:
    db = Db()
    db.add(stmt("rex", 0, predicate="has_pet", card="many"))
    plan = db.add(stmt("rex", 100, predicate="has_pet", card="many", until=90))
    (fact,) = db.facts.values()
    assert plan.outcomes[0] == ("ended", fact.id)
    assert fact.status == "ended" and fact.valid_until == day(90) and fact.valid_from == day(0)


def test_end_without_known_start_is_stored_ended() -> None:
    db = Db()
    db.add(stmt("rex", 100, predicate="has_pet", card="many", until=90))
    (fact,) = db.facts.values()
    assert fact.status == "ended" and fact.valid_from is None and fact.valid_until == day(90)


def test_other_groups_are_never_touched() -> None:
    db = Db()
    db.add(stmt("shibuya", 0), stmt("acme", 0, predicate="works_at"), stmt("shibuya", 0, subject="tom"))
    db.add(stmt("shinjuku", 30))
    untouched = [f for f in db.facts.values() if f.subject_key == "tom" or f.predicate_key == "works_at"]
    assert all(f.status == "current" and f.valid_until is None for f in untouched)


def test_many_cardinality_keeps_values_side_by_side() -> None:
    db = Db()
    db.add(stmt("ramen", 0, predicate="loves", card="many"), stmt("sushi", 3, predicate="loves", card="many"))
    assert sorted(f.object_key for f in db.current()) == ["ramen", "sushi"]


def test_same_instant_conflict_later_statement_wins() -> None:
    db = Db()
    db.add(stmt("shibuya", 0), stmt("shinjuku", 0))
    assert db.value_at(day(1)) == ["shinjuku"]
    assert [f.object_key for f in db.current()] == ["shinjuku"]


points = st.lists(
    st.tuples(st.integers(min_value=0, max_value=400), st.sampled_from(["a", "b", "c"])),
    min_size=1,
    max_size=8,
    unique_by=lambda p: p[0],
)


@settings(max_examples=300, deadline=None)
@given(points=points, data=st.data())
def test_cardinality_one_matches_oracle_in_any_order(
    points: list[tuple[int, str]], data: st.DataObject
) -> None:
    """Whatever the arrival order and batching, the timeline is the oracle's: at each instant the value
    of the latest statement at or before it; one current fact; re-adding everything changes nothing."""
    order = data.draw(st.permutations(points))
    cut = data.draw(st.integers(min_value=0, max_value=len(order)))
    db = Db()
    db.add(*[stmt(o, t) for t, o in order[:cut]])
    for t, o in order[cut:]:
        db.add(stmt(o, t))
    ordered = sorted(points)
    for probe in range(-1, 402, 7):
        expected = [o for t, o in ordered if t <= probe][-1:]
        assert db.value_at(day(probe)) == expected, (probe, ordered, order)
    # Boundaries exactly at each statement.
    for t, o in ordered:
        assert db.value_at(day(t)) == [o]
    current = db.current()
    assert [f.object_key for f in current] == [ordered[-1][1]]
    # Consecutive equal values are one fact, never copies.
    runs = [k for k, _ in itertools.groupby(o for _, o in ordered)]
    assert len(db.live()) == len(runs)
    assert db.add(*[stmt(o, t) for t, o in order]).is_empty


@settings(max_examples=200, deadline=None)
@given(
    items=st.lists(
        st.tuples(
            st.integers(0, 300), st.sampled_from(["x", "y"]), st.sampled_from(["ramen", "sushi", "tea"])
        ),
        min_size=1,
        max_size=10,
    )
)
def test_restatement_is_idempotent_for_any_cardinality(items: list[tuple[int, str, str]]) -> None:
    db = Db()
    incoming = [stmt(o, t, card="many", subject=s, predicate="likes") for t, s, o in items]
    db.add(*incoming)
    before = dict(db.facts)
    assert db.add(*incoming).is_empty
    assert db.facts == before
    # At most one fact per (subject, object) holds at any instant.
    for probe in range(0, 301, 10):
        for s in ("x", "y"):
            held = db.value_at(day(probe), subject=s, predicate="likes")
            assert len(held) == len(set(held))


def test_planned_fact_keeps_origin() -> None:
    plan = resolve([], [stmt("a", 0), stmt("b", 1, predicate="works_at")], now=NOW)
    assert sorted(p.origin for p in plan.creates) == [0, 1]
    assert all(isinstance(p, PlannedFact) for p in plan.creates)
    assert replace(plan.creates[0]) == plan.creates[0]
