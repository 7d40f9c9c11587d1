"""The conflict resolver: pure functions from (stored facts, incoming facts) to a write plan.

No I/O happens here. The store loads every stored fact of the (subject, predicate) groups a batch
touches, calls :func:`resolve` inside the write transaction, and writes the plan it returns.

Rules (docs/architecture.md, "Temporal semantics"):

* A statement that falls inside an existing fact with the same object restates it: provenance is
  added, no copy is made. Re-ingesting a file therefore changes nothing.
* Cardinality ``one``: at most one fact of a (subject, predicate) holds at any instant. A newer value
  cuts the fact that held at its start (``valid_until`` = new ``valid_from``, status ``superseded``).
* A late statement older than what is stored becomes history: it ends where the next known value
  starts and never becomes current.
* An explicit ``valid_until`` ends a fact (status ``ended``).
* Only facts in the statement's own (subject, predicate) group are ever touched.

Instants: ``valid_from=None`` means "since an unknown time" (minus infinity), ``valid_until=None``
means "still holds" (plus infinity). Intervals are half-open ``[valid_from, valid_until)``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Literal

from mem0g.models import FactStatus
from mem0g.vocab import Cardinality

__all__ = [
    "Incoming",
    "Invalidation",
    "InvalidationAction",
    "InvalidationPlan",
    "Outcome",
    "Plan",
    "PlannedFact",
    "StoredFact",
    "invalidate",
    "resolve",
]

_MIN = datetime.min.replace(tzinfo=timezone.utc)
_MAX = datetime.max.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class StoredFact:
    """The temporal state of one fact already in the store."""

    id: str
    subject_key: str
    predicate_key: str
    object_key: str
    valid_from: datetime | None
    valid_until: datetime | None
    status: FactStatus
    cardinality: Cardinality
    sources: tuple[str, ...] = ()
    superseded_at: datetime | None = None
    superseded_by: str | None = None
    supersedes: tuple[str, ...] = ()
    points: tuple[datetime, ...] = ()  # instants at which statements asserted this value


@dataclass(frozen=True)
class Incoming:
    """One statement of a batch, with entities already resolved to keys."""

    subject_key: str
    predicate_key: str
    object_key: str
    observed_at: datetime
    cardinality: Cardinality
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlannedFact(StoredFact):
    """A fact to create; ``origin`` is the index of the incoming statement that produced it.

    ``clone_of`` names a stored fact whose text this one repeats: the continuation of a value that
    a later statement still asserted after an older-dated change cut it.
    """

    origin: int = -1
    clone_of: str | None = None


Outcome = tuple[str, str]  # (what happened: added|restated|history|ended, fact id)


@dataclass
class Plan:
    creates: list[PlannedFact] = field(default_factory=list)
    updates: list[StoredFact] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    superseded: list[str] = field(default_factory=list)
    ended: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.creates and not self.updates


@dataclass
class _Fact:
    """Working copy of a fact while a batch is resolved."""

    id: str
    object_key: str
    start: datetime
    end: datetime
    status: FactStatus
    cardinality: Cardinality
    sources: list[str]
    superseded_at: datetime | None
    superseded_by: str | None
    supersedes: list[str]
    origin: int | None  # None for stored facts
    points: list[datetime]  # instants at which statements asserted this value
    clone_of: str | None = None  # a continuation copies the text of this stored fact

    def contains(self, instant: datetime) -> bool:
        return self.start <= instant < self.end or (self.start == instant == _MIN and self.end > _MIN)

    @property
    def empty(self) -> bool:
        return self.end <= self.start


def _from_stored(fact: StoredFact) -> _Fact:
    return _Fact(
        id=fact.id,
        object_key=fact.object_key,
        start=fact.valid_from or _MIN,
        end=fact.valid_until or _MAX,
        status=fact.status,
        cardinality=fact.cardinality,
        sources=list(fact.sources),
        superseded_at=fact.superseded_at,
        superseded_by=fact.superseded_by,
        supersedes=list(fact.supersedes),
        origin=None,
        points=list(fact.points),
    )


def _to_stored(fact: _Fact, template: StoredFact) -> StoredFact:
    return replace(
        template,
        valid_from=None if fact.start == _MIN else fact.start,
        valid_until=None if fact.end == _MAX else fact.end,
        status=fact.status,
        sources=tuple(fact.sources),
        superseded_at=fact.superseded_at,
        superseded_by=fact.superseded_by,
        supersedes=tuple(fact.supersedes),
        points=tuple(sorted(fact.points)),
    )


def _add_point(fact: _Fact, instant: datetime) -> None:
    if instant != _MIN and instant not in fact.points:
        fact.points.append(instant)


def _add_sources(fact: _Fact, sources: Iterable[str]) -> None:
    for source in sources:
        if source not in fact.sources:
            fact.sources.append(source)


class _Group:
    """All facts of one (subject, predicate) pair, mutated statement by statement."""

    def __init__(self, facts: Iterable[StoredFact], *, now: datetime, new_id: Callable[[], str]) -> None:
        self.facts = [_from_stored(f) for f in facts]
        self.now = now
        self.new_id = new_id
        self.superseded: list[str] = []
        self.ended: list[str] = []

    def _live(self, object_key: str | None) -> list[_Fact]:
        """Non-empty facts, optionally only those with one object (cardinality many)."""
        return [f for f in self.facts if not f.empty and (object_key is None or f.object_key == object_key)]

    def _end(self, fact: _Fact, at: datetime) -> None:
        fact.end = at
        fact.status = "ended"
        if fact.id not in self.ended:
            self.ended.append(fact.id)

    def apply(self, inc: Incoming, origin: int) -> Outcome:
        # A timeline is one per group for cardinality one, one per object for cardinality many.
        scope = None if inc.cardinality == "one" else inc.object_key
        timeline = sorted(self._live(scope), key=lambda f: (f.start, f.end))
        explicit_end = inc.valid_until or _MAX
        if inc.valid_from is not None:
            start = inc.valid_from
        elif inc.valid_until is not None and inc.observed_at >= inc.valid_until:
            start = _MIN  # "X ended on d", said after d: we do not know when X began
        else:
            start = inc.observed_at

        if inc.valid_until is not None and inc.valid_from is None:
            # An end statement closes the same-object fact that held just before the end.
            for fact in timeline:
                if fact.object_key == inc.object_key and fact.start < explicit_end <= fact.end:
                    _add_sources(fact, inc.sources)
                    if fact.end == _MAX:
                        self._end(fact, explicit_end)
                        return ("ended", fact.id)
                    return ("restated", fact.id)

        holder = next((f for f in timeline if f.contains(start)), None)
        if holder is not None and holder.object_key == inc.object_key:
            _add_sources(holder, inc.sources)
            _add_point(holder, start)
            if inc.valid_until is not None and holder.end == _MAX and explicit_end > holder.start:
                self._end(holder, explicit_end)
                return ("ended", holder.id)
            return ("restated", holder.id)

        if holder is not None:
            # Cardinality one, another value held at `start`: it stops there. Statements of that
            # value made after `start` still stand, so they keep a continuation of it alive.
            self._cut(holder, start, origin)

        following = next((f for f in self._sorted(scope) if f.start > start), None)
        if (
            following is not None
            and following.object_key == inc.object_key
            and explicit_end >= following.start
        ):
            # The same value, known from earlier than we thought: move its start back.
            following.start = start
            _add_sources(following, inc.sources)
            _add_point(following, start)
            if holder is not None:
                self._link(holder, by=following)
            return ("restated", following.id)

        created = self._new(
            object_key=inc.object_key,
            start=start,
            end=explicit_end,
            cardinality=inc.cardinality,
            sources=list(inc.sources),
            points=[] if start == _MIN else [start],
            origin=origin,
        )
        if holder is not None:
            self._link(holder, by=created)
        if following is not None and scope is None and following.start <= created.end:
            # Late arrival: it held only until the next known value began.
            created.end = following.start
            created.status = "superseded"
            created.superseded_at = self.now
            self._link(created, by=following)
            return ("history", created.id)
        if created.end != _MAX:
            created.status = "ended"
            return ("ended", created.id)
        return ("added", created.id)

    def _sorted(self, scope: str | None) -> list[_Fact]:
        return sorted(self._live(scope), key=lambda f: (f.start, f.end))

    def _new(
        self,
        *,
        object_key: str,
        start: datetime,
        end: datetime,
        cardinality: Cardinality,
        sources: list[str],
        points: list[datetime],
        origin: int,
        clone_of: str | None = None,
    ) -> _Fact:
        fact = _Fact(
            id=self.new_id(),
            object_key=object_key,
            start=start,
            end=end,
            status="current",
            cardinality=cardinality,
            sources=sources,
            superseded_at=None,
            superseded_by=None,
            supersedes=[],
            origin=origin,
            points=points,
            clone_of=clone_of,
        )
        self.facts.append(fact)
        return fact

    def _cut(self, holder: _Fact, at: datetime, origin: int) -> None:
        old_end, old_status, old_by = holder.end, holder.status, holder.superseded_by
        later = sorted(p for p in holder.points if p > at)
        holder.points = [p for p in holder.points if p < at]
        holder.end = at
        holder.status = "superseded"
        holder.superseded_at = self.now
        if holder.id not in self.superseded:
            self.superseded.append(holder.id)
        if later:
            continuation = self._new(
                object_key=holder.object_key,
                start=later[0],
                end=old_end,
                cardinality=holder.cardinality,
                sources=list(holder.sources),
                points=later,
                origin=origin,
                clone_of=holder.clone_of or holder.id,
            )
            continuation.status = old_status
            continuation.superseded_by = old_by
            if old_status == "superseded":
                continuation.superseded_at = holder.superseded_at

    def _link(self, old: _Fact, *, by: _Fact) -> None:
        old.superseded_by = by.id
        if old.id not in by.supersedes:
            by.supersedes.append(old.id)


def _default_id() -> str:
    return uuid.uuid4().hex


def resolve(
    stored: Sequence[StoredFact],
    incoming: Sequence[Incoming],
    *,
    now: datetime,
    new_id: Callable[[], str] = _default_id,
) -> Plan:
    """Apply ``incoming`` statements, in order, to the ``stored`` facts of their groups.

    ``stored`` must hold every stored fact of each (subject_key, predicate_key) group that appears
    in ``incoming``; facts of other groups are ignored and never changed.
    """
    by_group: dict[tuple[str, str], list[StoredFact]] = {}
    for fact in stored:
        by_group.setdefault((fact.subject_key, fact.predicate_key), []).append(fact)
    groups: dict[tuple[str, str], _Group] = {}
    plan = Plan()
    for index, inc in enumerate(incoming):
        key = (inc.subject_key, inc.predicate_key)
        if key not in groups:
            groups[key] = _Group(by_group.get(key, []), now=now, new_id=new_id)
        plan.outcomes.append(groups[key].apply(inc, index))

    originals = {f.id: f for f in stored}
    for (subject_key, predicate_key), group in groups.items():
        plan.superseded += group.superseded
        plan.ended += group.ended
        for work in group.facts:
            if work.origin is not None:
                template = PlannedFact(
                    id=work.id,
                    subject_key=subject_key,
                    predicate_key=predicate_key,
                    object_key=work.object_key,
                    valid_from=None,
                    valid_until=None,
                    status=work.status,
                    cardinality=work.cardinality,
                    origin=work.origin,
                    clone_of=work.clone_of,
                )
                planned = _to_stored(work, template)
                assert isinstance(planned, PlannedFact)
                plan.creates.append(planned)
            else:
                before = originals[work.id]
                after = _to_stored(work, before)
                if after != before:
                    plan.updates.append(after)
    return plan


# -- invalidations flagged by the extraction call --------------------------------------------------

InvalidationAction = Literal["contradicted", "updated", "ended"]


@dataclass(frozen=True)
class Invalidation:
    """The extractor's judgement that a stored fact no longer holds.

    ``target`` is the id of a candidate fact the extractor was shown (never an id it could invent);
    ``at`` is when the fact stopped holding (the message time unless the text says otherwise);
    ``successor`` is the index of the incoming statement that replaces it, if any.
    """

    target: str
    action: InvalidationAction
    at: datetime
    successor: int | None = None


@dataclass
class InvalidationPlan:
    updates: list[StoredFact] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # (successor id, superseded id)
    applied: list[tuple[str, InvalidationAction]] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (target id, reason)


def invalidate(
    targets: Sequence[StoredFact],
    decisions: Sequence[Invalidation],
    *,
    plan: Plan,
    incoming: Sequence[Incoming],
    now: datetime,
) -> InvalidationPlan:
    """Apply the extractor's invalidations to their targets, after :func:`resolve` made ``plan``.

    Guard rails (docs/architecture.md, "Temporal semantics": broad invalidation retires true facts):

    * only ``targets`` (the candidate facts shown to the extractor, loaded for this user) change;
    * a target must still hold: already superseded or ended facts are left alone;
    * a fact restated or created by this same batch is never retired by it;
    * a replacement must share an entity (subject or object) with the fact it replaces;
    * no interval is lengthened, and none may end before it began.

    A target in a group the batch also touched is judged on its state after ``plan``.
    """
    result = InvalidationPlan()
    planned = {f.id: f for f in plan.updates}
    current = {t.id: planned.get(t.id, t) for t in targets}
    touched = {fact_id for outcome, fact_id in plan.outcomes if outcome in {"added", "restated", "history"}}
    created_ids = {c.origin: c.id for c in plan.creates if c.clone_of is None}
    outcome_ids = [fact_id for _, fact_id in plan.outcomes]
    changed: dict[str, StoredFact] = {}
    for decision in decisions:
        fact = changed.get(decision.target) or current.get(decision.target)
        if fact is None:
            result.rejected.append((decision.target, "not one of this user's candidate facts"))
            continue
        if fact.status != "current" or (fact.valid_until is not None and fact.valid_until <= decision.at):
            result.rejected.append((fact.id, "no longer holds"))
            continue
        if fact.id in touched:
            result.rejected.append((fact.id, "restated by the same messages"))
            continue
        successor_id: str | None = None
        end = decision.at
        if decision.successor is not None and decision.action != "ended":
            if not 0 <= decision.successor < len(incoming):
                result.rejected.append((fact.id, "replacement is not one of the new statements"))
                continue
            replacement = incoming[decision.successor]
            shared = {replacement.subject_key, replacement.object_key} & {fact.subject_key, fact.object_key}
            if not shared:
                result.rejected.append((fact.id, "replacement shares no entity with it"))
                continue
            successor_id = created_ids.get(decision.successor) or outcome_ids[decision.successor]
            if successor_id == fact.id:
                result.rejected.append((fact.id, "replaced by itself"))
                continue
            if replacement.valid_from is not None:
                end = replacement.valid_from
        if fact.valid_from is not None and end <= fact.valid_from:
            result.rejected.append((fact.id, "would end before it began"))
            continue
        status: FactStatus = "ended" if decision.action == "ended" else "superseded"
        updated = replace(
            fact,
            valid_until=end,
            status=status,
            superseded_at=now if status == "superseded" else fact.superseded_at,
            superseded_by=successor_id if successor_id is not None else fact.superseded_by,
        )
        changed[fact.id] = updated
        result.applied.append((fact.id, decision.action))
        if successor_id is not None:
            result.links.append((successor_id, fact.id))
    result.updates = list(changed.values())
    return result
