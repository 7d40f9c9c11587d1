"""Property and example tests of the extractor-driven invalidation guard rails (pure, no Neo4j).

docs/architecture.md, "Temporal semantics" (the guard rails): invalidation candidates taken too
broadly retired true facts. ``invalidate`` may only touch the targets it is given, only facts that
still hold, never lengthens an interval, never ends a fact before it began, and never retires what
the same batch restated.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from mem0g._engine.resolve import Incoming, Invalidation, StoredFact, invalidate, resolve

T0 = datetime(2025, 1, 1, tzinfo=timezone.utc)
NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


def day(n: int) -> datetime:
    return T0 + timedelta(days=n)


def stored(
    fid: str,
    subject: str,
    predicate: str,
    obj: str,
    *,
    start: int | None = 0,
    end: int | None = None,
    status: str = "current",
) -> StoredFact:
    return StoredFact(
        id=fid,
        subject_key=subject,
        predicate_key=predicate,
        object_key=obj,
        valid_from=day(start) if start is not None else None,
        valid_until=day(end) if end is not None else None,
        status=status,  # type: ignore[arg-type]
        cardinality="many",
    )


def incoming(subject: str, predicate: str, obj: str, at: int, *, frm: int | None = None) -> Incoming:
    return Incoming(
        subject_key=subject,
        predicate_key=predicate,
        object_key=obj,
        observed_at=day(at),
        cardinality="many",
        valid_from=day(frm) if frm is not None else None,
    )


def run(facts: list[StoredFact], new: list[Incoming], decisions: list[Invalidation]):  # type: ignore[no-untyped-def]
    plan = resolve(facts, new, now=NOW, new_id=iter(f"n{i}" for i in range(100)).__next__)
    return plan, invalidate(facts, decisions, plan=plan, incoming=new, now=NOW)


def test_contradiction_across_predicates_supersedes_with_dates() -> None:
    spicy = stored("f1", "me", "loves", "spicy food", start=9)
    avoid = incoming("me", "avoids", "spicy food", 122, frm=122)
    plan, result = run([spicy], [avoid], [Invalidation("f1", "contradicted", day(122), successor=0)])
    (updated,) = result.updates
    assert updated.id == "f1" and updated.status == "superseded"
    assert updated.valid_from == day(9) and updated.valid_until == day(122)
    assert updated.superseded_at == NOW and updated.superseded_by == plan.outcomes[0][1]
    assert result.links == [(plan.outcomes[0][1], "f1")] and result.applied == [("f1", "contradicted")]


def test_ended_without_successor() -> None:
    dog = stored("f1", "me", "has_pet", "rex", start=0)
    _, result = run([dog], [], [Invalidation("f1", "ended", day(50))])
    (updated,) = result.updates
    assert updated.status == "ended" and updated.valid_until == day(50) and updated.superseded_by is None


def test_unknown_targets_are_rejected() -> None:
    _, result = run([], [], [Invalidation("ghost", "ended", day(5))])
    assert result.updates == [] and result.rejected == [("ghost", "not one of this user's candidate facts")]


def test_facts_no_longer_holding_are_left_alone() -> None:
    old = stored("f1", "me", "likes", "jazz", start=0, end=10, status="ended")
    _, result = run([old], [], [Invalidation("f1", "contradicted", day(20))])
    assert result.updates == [] and result.rejected[0][1] == "no longer holds"


def test_a_fact_restated_by_the_batch_is_not_retired() -> None:
    jazz = stored("f1", "me", "likes", "jazz", start=0)
    again = incoming("me", "likes", "jazz", 30)
    _, result = run([jazz], [again], [Invalidation("f1", "contradicted", day(30))])
    assert result.updates == [] and result.rejected == [("f1", "restated by the same messages")]


def test_an_unrelated_replacement_is_refused() -> None:
    sarah = stored("f1", "sarah", "lives_in", "shibuya", start=0)
    unrelated = incoming("me", "loves", "ramen", 30)
    _, result = run([sarah], [unrelated], [Invalidation("f1", "updated", day(30), successor=0)])
    assert result.updates == [] and result.rejected == [("f1", "replacement shares no entity with it")]


def test_cannot_end_before_it_began() -> None:
    future = stored("f1", "me", "visiting", "tokyo", start=150)
    _, result = run([future], [], [Invalidation("f1", "ended", day(100))])
    assert result.updates == [] and result.rejected == [("f1", "would end before it began")]


subjects = st.sampled_from(["me", "sarah", "tom"])
predicates = st.sampled_from(["likes", "lives_in", "avoids"])
objects = st.sampled_from(["jazz", "tokyo", "ramen", "spicy food"])


@st.composite
def worlds(draw: st.DrawFn) -> tuple[list[StoredFact], list[Incoming], list[Invalidation]]:
    n = draw(st.integers(1, 6))
    facts = []
    for i in range(n):
        start = draw(st.integers(0, 100))
        ended = draw(st.booleans())
        facts.append(
            stored(
                f"f{i}",
                draw(subjects),
                draw(predicates),
                draw(objects),
                start=start,
                end=start + draw(st.integers(1, 50)) if ended else None,
                status="ended" if ended else "current",
            )
        )
    new = [
        incoming(draw(subjects), draw(predicates), draw(objects), draw(st.integers(100, 200)))
        for _ in range(draw(st.integers(0, 3)))
    ]
    decisions = [
        Invalidation(
            target=draw(st.sampled_from([f.id for f in facts] + ["ghost"])),
            action=draw(st.sampled_from(["contradicted", "updated", "ended"])),
            at=day(draw(st.integers(0, 250))),
            successor=draw(st.none() | st.integers(0, max(0, len(new) - 1))) if new else None,
        )
        for _ in range(draw(st.integers(0, 4)))
    ]
    return facts, new, decisions


@given(worlds())
def test_guard_rails_hold_for_any_decisions(
    world: tuple[list[StoredFact], list[Incoming], list[Invalidation]],
) -> None:
    facts, new, decisions = world
    plan, result = run(facts, new, decisions)
    by_id = {f.id: f for f in facts}
    targeted = {d.target for d in decisions}
    assert len(result.applied) + len(result.rejected) == len(decisions)
    for updated in result.updates:
        before = by_id[updated.id]
        assert updated.id in targeted  # only targets change
        assert before.status == "current" and before.valid_until is None  # only facts that held
        assert updated.valid_until is not None  # every change ends the fact...
        assert before.valid_from is None or updated.valid_until > before.valid_from  # ...after it began
        assert updated.valid_from == before.valid_from  # and never moves its start
        assert updated.status in {"superseded", "ended"}
        assert (updated.subject_key, updated.predicate_key, updated.object_key) == (
            before.subject_key,
            before.predicate_key,
            before.object_key,
        )
    restated = {fid for kind, fid in plan.outcomes if kind == "restated"}
    assert not restated & {u.id for u in result.updates}


@given(worlds())
def test_applying_the_same_decisions_twice_changes_nothing_more(
    world: tuple[list[StoredFact], list[Incoming], list[Invalidation]],
) -> None:
    facts, _, decisions = world
    first = invalidate(facts, decisions, plan=resolve(facts, [], now=NOW), incoming=[], now=NOW)
    after = {f.id: f for f in facts} | {u.id: u for u in first.updates}
    second = invalidate(list(after.values()), decisions, plan=resolve([], [], now=NOW), incoming=[], now=NOW)
    assert second.updates == []
