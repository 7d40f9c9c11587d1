"""The write transaction of one batch for one user, as steps (see :mod:`mem0g._engine.effects`):
lock the tenant, store episodes, resolve entities, load the touched groups, run the resolver and
the extractor's invalidations, write the plan, count."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from mem0g._engine.effects import Query, Steps
from mem0g._engine.prepare import EpisodeSpec, PreparedBatch, metadata_pairs, tenant_token
from mem0g._engine.resolve import Incoming, Invalidation, InvalidationPlan, Plan, invalidate, resolve
from mem0g._engine.rows import stored_fact
from mem0g.models import IngestReport

__all__ = ["VectorsNeeded", "WriteOutcome", "needed_texts_steps", "write_steps"]


class VectorsNeeded(Exception):  # noqa: N818 (a signal to the program, not an error for callers)
    """Raised inside a write transaction (rolling it back) when it would create an entity or a fact
    whose text was not embedded: the program embeds ``texts`` and runs the transaction again.

    A batch embeds only the texts of what it creates (``needed_texts_steps`` finds them first),
    and a concurrent writer can change that in between: this is how the write notices."""

    def __init__(self, texts: Sequence[str]) -> None:
        super().__init__(f"{len(texts)} text(s) to embed")
        self.texts = list(texts)


@dataclass
class WriteOutcome:
    """What one write transaction did."""

    report: IngestReport
    fact_ids: list[str] = field(default_factory=list)  # the fact each statement landed in, in order
    invalidations: InvalidationPlan = field(default_factory=InvalidationPlan)
    episodes_written: list[str] = field(default_factory=list)
    episodes_existing: list[str] = field(default_factory=list)
    pending_messages: int = 0  # messages of the thread not yet covered by its summary


def write_steps(
    *,
    user_id: str,
    now: datetime,
    batch: PreparedBatch | None,
    vectors: Mapping[str, list[float]],
    episodes: Sequence[EpisodeSpec] = (),
    invalidations: Sequence[Invalidation] = (),
    extra_props: Mapping[str, Any] | None = None,
    conversation: tuple[str, str | None, str | None] | None = None,
) -> Steps[WriteOutcome]:
    """One write transaction for one user: episodes, entities, facts, the resolver's plan and the
    extractor's invalidations. Starts by locking the user's ``:Tenant`` node, so writers of one user
    are serialised (no duplicate entities, no two current facts) while other users write in parallel.
    """
    tenant = tenant_token(user_id)
    yield Query("tenant_lock", {"user_id": user_id, "tenant": tenant, "now": now})

    outcome = WriteOutcome(report=IngestReport())
    if episodes:
        existing = yield Query("episodes_existing", {"user_id": user_id, "ids": [e.id for e in episodes]})
        known = {r["id"] for r in existing}
        fresh = [e for e in episodes if e.id not in known]
        outcome.episodes_existing = [e.id for e in episodes if e.id in known]
        if fresh:
            yield Query(
                "episodes_create",
                {
                    "user_id": user_id,
                    "tenant": tenant,
                    "now": now,
                    "rows": [_episode_row(e, vectors) for e in fresh],
                },
            )
        outcome.episodes_written = [e.id for e in fresh]
        if fresh:
            yield Query("tenant_episode_count", {"user_id": user_id, "episodes": len(fresh)})
        if conversation is not None and fresh:
            thread, agent_id, run_id = conversation
            touched = yield Query(
                "conversation_touch",
                {
                    "user_id": user_id,
                    "thread": thread,
                    "agent_id": agent_id,
                    "run_id": run_id,
                    "messages": len(fresh),
                    "now": now,
                },
            )
            outcome.pending_messages = int(touched[0]["pending"]) if touched else 0

    if batch is None or not batch.statements:
        return outcome

    stored_keys = yield from _stored_entities(user_id, batch)
    missing = [
        spec.name
        for spec in batch.entities.values()
        if spec.key not in stored_keys and spec.name not in vectors
    ]
    if missing:
        raise VectorsNeeded(missing)
    canonical: dict[str, str] = {}
    rows = []
    for spec in batch.entities.values():
        stored = stored_keys.get(spec.key)
        canonical[spec.key] = stored or spec.key
        rows.append(
            {
                "id": uuid.uuid4().hex,
                "name": spec.name,
                "name_norm": spec.name_norm,
                "name_key": stored or spec.key,
                "type": spec.type,
                "labels": [spec.label] if spec.label else [],
                "aliases": spec.aliases,
                "alias_keys": spec.alias_keys,
                # Only a new entity stores its vector (ON CREATE); don't ship the others' over Bolt.
                "embedding": None if stored else vectors[spec.name],
                "is_self": spec.is_self,
            }
        )
    merged = yield Query("entities_merge", {"user_id": user_id, "tenant": tenant, "now": now, "rows": rows})
    created = sum(1 for r in merged if r["created"])

    incoming = _incoming(batch, canonical)
    plan = yield from _plan(user_id, incoming, now=now)
    missing = [t for t in _created_texts(plan, batch) if t not in vectors]
    if missing:
        raise VectorsNeeded(missing)

    inv_plan = InvalidationPlan()
    if invalidations:
        target_rows = yield Query(
            "facts_state_by_ids", {"user_id": user_id, "ids": sorted({d.target for d in invalidations})}
        )
        inv_plan = invalidate(
            [stored_fact(r) for r in target_rows], invalidations, plan=plan, incoming=incoming, now=now
        )
        # An invalidated fact may also be in the plan's updates (its group was touched): the
        # invalidation, judged on the planned state, wins.
        retired = {f.id for f in inv_plan.updates}
        plan.updates = [f for f in plan.updates if f.id not in retired] + inv_plan.updates

    yield from _apply_plan(
        plan, batch, user_id=user_id, vectors=vectors, now=now, extra_props=extra_props or {}
    )
    if inv_plan.links:
        yield Query(
            "facts_link_supersedes",
            {"user_id": user_id, "rows": [{"id": new, "old": old} for new, old in inv_plan.links]},
        )
    if episodes:
        mentions = _mentions(batch, incoming, episodes, canonical)
        if mentions:
            yield Query("episodes_mention", {"user_id": user_id, "rows": mentions})
    yield Query("tenant_counts", {"user_id": user_id, "facts": len(plan.creates), "entities": created})

    outcome.report = _report(plan, facts_in=len(batch.statements), entities_created=created)
    for fact_id, action in inv_plan.applied:
        target = outcome.report.ended if action == "ended" else outcome.report.superseded
        if fact_id not in target:
            target.append(fact_id)
    outcome.fact_ids = [fact_id for _, fact_id in plan.outcomes]
    outcome.invalidations = inv_plan
    return outcome


def needed_texts_steps(user_id: str, batch: PreparedBatch, *, now: datetime) -> Steps[list[str]]:
    """The texts a write of ``batch`` would embed as things stand (read-only queries): the names of
    entities not stored yet and the sentences of the facts the resolver would create. A restated
    fact or a known entity keeps the vector it has; embedding those was most of an ingest's time
    (at 100k facts, 164k entity names embedded for 14k entities)."""
    stored_keys = yield from _stored_entities(user_id, batch)
    names = [spec.name for spec in batch.entities.values() if spec.key not in stored_keys]
    canonical = {spec.key: stored_keys.get(spec.key) or spec.key for spec in batch.entities.values()}
    plan = yield from _plan(user_id, _incoming(batch, canonical), now=now)
    return list(dict.fromkeys([*_created_texts(plan, batch), *names]))


def _stored_entities(user_id: str, batch: PreparedBatch) -> Steps[dict[str, str]]:
    """Each entity key of the batch whose entity is stored (by its key or one of its alias keys),
    mapped to the stored entity's key."""
    lookup_keys = sorted({k for spec in batch.entities.values() for k in [spec.key, *spec.alias_keys]})
    found_rows = yield Query("entities_lookup", {"user_id": user_id, "keys": lookup_keys})
    found = {r["key"]: r["name_key"] for r in found_rows}
    unmatched = [k for k in lookup_keys if k not in found]
    if unmatched:
        alias_rows = yield Query("entities_lookup_alias", {"user_id": user_id, "keys": unmatched})
        found.update({r["key"]: r["name_key"] for r in alias_rows})
    stored: dict[str, str] = {}
    for spec in batch.entities.values():
        key = found.get(spec.key) or next((found[a] for a in spec.alias_keys if a in found), None)
        if key is not None:
            stored[spec.key] = key
    return stored


def _incoming(batch: PreparedBatch, canonical: Mapping[str, str]) -> list[Incoming]:
    return [
        Incoming(
            subject_key=canonical[s.subject_key],
            predicate_key=s.predicate_key,
            object_key=canonical[s.object_key],
            observed_at=s.observed_at,
            cardinality=s.cardinality,
            valid_from=s.valid_from,
            valid_until=s.valid_until,
            sources=s.sources,
        )
        for s in batch.statements
    ]


def _plan(user_id: str, incoming: Sequence[Incoming], *, now: datetime) -> Steps[Plan]:
    """The resolver's plan for the statements against every stored fact of their groups."""
    groups = sorted({(i.subject_key, i.predicate_key) for i in incoming})
    stored_rows = yield Query(
        "facts_for_groups",
        {"user_id": user_id, "groups": [{"subject_key": s, "predicate_key": p} for s, p in groups]},
    )
    return resolve([stored_fact(r) for r in stored_rows], incoming, now=now)


def _created_texts(plan: Plan, batch: PreparedBatch) -> list[str]:
    """The embedding texts of the facts a plan creates (a clone copies its original's vector)."""
    return [batch.statements[f.origin].embedding_text for f in plan.creates if f.clone_of is None]


def _episode_row(episode: EpisodeSpec, vectors: Mapping[str, list[float]]) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": episode.id,
        "role": episode.role,
        "name": episode.name,
        "content": episode.content,
        "observed_at": episode.observed_at,
        "seq": episode.seq,
        "thread": episode.thread,
        "agent_id": episode.agent_id,
        "run_id": episode.run_id,
        "source_id": episode.source_id,
        "metadata": json.dumps(dict(episode.metadata), ensure_ascii=False, sort_keys=True),
        "prompt_version": episode.prompt_version,
        "embedding": vectors.get(episode.embedding_text),
    }
    return row


def _mentions(
    batch: PreparedBatch,
    incoming: Sequence[Incoming],
    episodes: Sequence[EpisodeSpec],
    canonical: Mapping[str, str],
) -> list[dict[str, Any]]:
    """Episode -> entity links: an episode mentions the entities of the facts it is a source of."""
    by_source = {e.id: e.id for e in episodes} | {e.source_id: e.id for e in episodes if e.source_id}
    pairs: dict[tuple[str, str], None] = {}
    for statement, inc in zip(batch.statements, incoming, strict=True):
        for source in statement.sources:
            if source in by_source:
                pairs[(by_source[source], inc.subject_key)] = None
                pairs[(by_source[source], inc.object_key)] = None
    return [{"episode_id": e, "name_key": k} for e, k in pairs]


def _apply_plan(
    plan: Plan,
    batch: PreparedBatch,
    *,
    user_id: str,
    vectors: Mapping[str, list[float]],
    now: datetime,
    extra_props: Mapping[str, Any],
) -> Steps[None]:
    create_rows = []
    clone_rows = []
    for fact in plan.creates:
        temporal: dict[str, Any] = {
            "id": fact.id,
            "valid_from": fact.valid_from,
            "valid_until": fact.valid_until,
            "recorded_at": now,
            "superseded_at": fact.superseded_at,
            "superseded_by": fact.superseded_by,
            "supersedes": list(fact.supersedes),
            "status": fact.status,
            "source": list(fact.sources),
            "asserted_at": list(fact.points),
        }
        if fact.clone_of is not None:
            clone_rows.append({"clone_of": fact.clone_of, **temporal})
            continue
        statement = batch.statements[fact.origin]
        props: dict[str, Any] = {
            **temporal,
            "user_id": user_id,
            "tenant": tenant_token(user_id),
            "predicate": statement.predicate,
            "predicate_key": statement.predicate_key,
            "fact": statement.sentence,
            "embedding": vectors[statement.embedding_text],
            # Kept only when the sentence omits it: re-embedding rebuilds the same text from it.
            "triple_text": None if statement.embedding_text == statement.sentence else statement.triple_text,
            "observed_at": statement.observed_at,
            "cardinality": fact.cardinality,
            "agent_id": statement.agent_id,
            "run_id": statement.run_id,
            "metadata": json.dumps(dict(statement.metadata), ensure_ascii=False, sort_keys=True),
            "metadata_pairs": metadata_pairs(statement.metadata),
            **extra_props,
        }
        create_rows.append(
            {
                "subject_key": fact.subject_key,
                "object_key": fact.object_key,
                "props": {k: v for k, v in props.items() if v is not None},
            }
        )
    if create_rows:
        yield Query("facts_create", {"user_id": user_id, "rows": create_rows})
    if clone_rows:
        yield Query("facts_clone", {"user_id": user_id, "rows": clone_rows})
    if plan.updates:
        update_rows = [
            {
                "id": f.id,
                "valid_from": f.valid_from,
                "valid_until": f.valid_until,
                "status": f.status,
                "superseded_at": f.superseded_at,
                "superseded_by": f.superseded_by,
                "supersedes": list(f.supersedes),
                "source": list(f.sources),
                "asserted_at": list(f.points),
            }
            for f in plan.updates
        ]
        yield Query("facts_update", {"user_id": user_id, "rows": update_rows})


def _report(plan: Plan, *, facts_in: int, entities_created: int) -> IngestReport:
    report = IngestReport(facts_in=facts_in, entities_created=entities_created)
    for outcome, fact_id in plan.outcomes:
        if outcome == "added":
            report.added.append(fact_id)
        elif outcome == "restated":
            report.restated.append(fact_id)
        elif outcome == "history":
            report.history.append(fact_id)
        elif outcome == "ended":
            report.ended.append(fact_id)
    report.superseded = list(plan.superseded)
    report.ended = list(dict.fromkeys(report.ended + plan.ended))
    return report
