"""mem0g's database operations as sans-I/O steps (see :mod:`mem0g._steps`).

Every operation that needs more than one query (a write batch: lock, resolve entities, load the
groups, run the resolver, write the plan) is written here once, as a generator, and run by the
sync :class:`~mem0g.store.GraphStore` or the async :class:`~mem0g.store.AsyncGraphStore`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from neo4j.time import DateTime as Neo4jDateTime

from mem0g._prepare import EpisodeSpec, PreparedBatch, metadata_pairs, tenant_token
from mem0g._steps import Embed, Query, Steps
from mem0g.errors import EmbeddingDimensionMismatchError
from mem0g.models import FactRecord, Hit, IngestReport, SupersededFact
from mem0g.queries import statements
from mem0g.resolve import (
    Incoming,
    Invalidation,
    InvalidationPlan,
    Plan,
    StoredFact,
    invalidate,
    resolve,
)

__all__ = [
    "FactFilter",
    "WriteOutcome",
    "cosine_from_neo4j",
    "instant",
    "py",
    "record_to_fact",
    "write_steps",
]


def cosine_from_neo4j(score: float) -> float:
    """Neo4j reports cosine similarity rescaled to [0, 1] as (1 + cos) / 2; mem0g ranks on cos itself."""
    return 2.0 * float(score) - 1.0


def py(value: Any) -> Any:
    """neo4j temporal values (also inside lists) -> aware Python datetimes."""
    if isinstance(value, Neo4jDateTime):
        return value.to_native()
    if isinstance(value, list):
        return [py(v) for v in value]
    return value


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_FACT_TIMES = ("valid_from", "valid_until", "recorded_at", "superseded_at")


def instant(value: Any) -> datetime | None:
    """A stored instant as an aware UTC datetime: the integer microseconds since the epoch that the
    fact read queries return (decoding neo4j temporal values in Python cost ~80 µs each, most of a
    search's time; every stored instant is UTC, so nothing is lost), or a neo4j DateTime from a
    query written for the Browser."""
    if value is None or isinstance(value, datetime):
        return value
    if isinstance(value, int):
        return _EPOCH + timedelta(microseconds=value)
    if isinstance(value, Neo4jDateTime):
        native: datetime = value.to_native()
        return native
    raise TypeError(f"not an instant: {value!r}")


def _times(row: Mapping[str, Any]) -> dict[str, Any]:
    return {k: instant(v) if k in _FACT_TIMES else py(v) for k, v in dict(row).items()}


@dataclass(frozen=True)
class FactFilter:
    """Which facts a search may return: time mode and scoping filters (all applied inside Cypher)."""

    now: datetime
    as_of: datetime | None = None
    include_history: bool = False
    agent_id: str | None = None
    run_id: str | None = None
    metadata_groups: tuple[tuple[str, ...], ...] = ()

    def params(self) -> dict[str, Any]:
        return {
            "now": self.now,
            "as_of": self.as_of,
            "include_history": self.include_history,
            "agent_id": self.agent_id,
            "run_id": self.run_id,
            "metadata_groups": [list(g) for g in self.metadata_groups],
        }


def record_to_fact(row: Mapping[str, Any], cls: type[FactRecord] = FactRecord, **extra: Any) -> Any:
    f = _times(row["f"])
    data: dict[str, Any] = {
        "id": f["id"],
        "fact": f["fact"],
        "subject": row["subject"],
        "predicate": f["predicate"],
        "object": row["object"],
        "subject_type": row.get("subject_type"),
        "object_type": row.get("object_type"),
        "valid_from": f.get("valid_from"),
        "valid_until": f.get("valid_until"),
        "recorded_at": f["recorded_at"],
        "superseded_at": f.get("superseded_at"),
        "status": f["status"],
        "cardinality": f["cardinality"],
        "source": list(f.get("source") or []),
        "user_id": f["user_id"],
        "agent_id": f.get("agent_id"),
        "run_id": f.get("run_id"),
        "metadata": json.loads(f.get("metadata") or "{}"),
    }
    if cls is Hit:
        data["supersedes"] = [SupersededFact(**_times(s)) for s in (row.get("supersedes") or [])]
    data.update(extra)
    return cls(**data)


def _stored(row: Mapping[str, Any]) -> StoredFact:
    return StoredFact(
        id=row["id"],
        subject_key=row["subject_key"],
        predicate_key=row["predicate_key"],
        object_key=row["object_key"],
        valid_from=py(row["valid_from"]),
        valid_until=py(row["valid_until"]),
        status=row["status"],
        cardinality=row["cardinality"],
        sources=tuple(row["sources"] or ()),
        superseded_at=py(row["superseded_at"]),
        superseded_by=row["superseded_by"],
        supersedes=tuple(row["supersedes"] or ()),
        points=tuple(py(p) for p in row["points"] or ()),
    )


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

    # Map each batch key (and alias key) to the key of the entity already stored, if any.
    lookup_keys = sorted({k for spec in batch.entities.values() for k in [spec.key, *spec.alias_keys]})
    found_rows = yield Query("entities_lookup", {"user_id": user_id, "keys": lookup_keys})
    found = {r["key"]: r["name_key"] for r in found_rows}
    unmatched = [k for k in lookup_keys if k not in found]
    if unmatched:
        alias_rows = yield Query("entities_lookup_alias", {"user_id": user_id, "keys": unmatched})
        found.update({r["key"]: r["name_key"] for r in alias_rows})
    canonical: dict[str, str] = {}
    rows = []
    for spec in batch.entities.values():
        stored = found.get(spec.key) or next((found[a] for a in spec.alias_keys if a in found), None)
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

    incoming = [
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
    groups = sorted({(i.subject_key, i.predicate_key) for i in incoming})
    stored_rows = yield Query(
        "facts_for_groups",
        {"user_id": user_id, "groups": [{"subject_key": s, "predicate_key": p} for s, p in groups]},
    )
    plan = resolve([_stored(r) for r in stored_rows], incoming, now=now)

    inv_plan = InvalidationPlan()
    if invalidations:
        target_rows = yield Query(
            "facts_state_by_ids", {"user_id": user_id, "ids": sorted({d.target for d in invalidations})}
        )
        inv_plan = invalidate(
            [_stored(r) for r in target_rows], invalidations, plan=plan, incoming=incoming, now=now
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


# -- schema ----------------------------------------------------------------------------------------

VECTOR_INDEXES = ("entity_embedding", "fact_embedding", "episode_embedding")
_REEMBED_KINDS = ("entities", "facts", "episodes")


def vector_index_dimensions_steps() -> Steps[dict[str, int | None]]:
    rows = yield Query("schema_vector_indexes")
    return {r["name"]: r["dimensions"] for r in rows}


def schema_steps(*, dimensions: int, reindex: bool = False, page: int = 1000) -> Steps[None]:
    """Create constraints and indexes (idempotent); refuse a vector index of another dimension.

    ``reindex`` drops the vector indexes, re-embeds every stored entity name, fact and episode (all
    users: an index spans the database) and builds the indexes again. Run in auto-commit mode: a
    schema change cannot share a transaction with data writes.
    """
    existing = yield from vector_index_dimensions_steps()
    wrong = {name: dims for name, dims in existing.items() if dims is not None and dims != dimensions}
    if reindex:
        for name in existing:
            yield Query("schema_drop_vector_indexes", {"name": name})
        for kind in _REEMBED_KINDS:
            after = ""
            while True:
                rows = yield Query(f"reembed_{kind}_page", {"after": after, "limit": page})
                if not rows:
                    break
                vectors = yield Embed(tuple(r["text"] for r in rows))
                yield Query(
                    f"reembed_{kind}_set",
                    {
                        "rows": [
                            {"id": r["id"], "embedding": v["embedding"]}
                            for r, v in zip(rows, vectors, strict=True)
                        ]
                    },
                )
                after = rows[-1]["id"]
        wrong = {}
    if wrong:
        detail = ", ".join(f"{name} has {dims}" for name, dims in sorted(wrong.items()))
        raise EmbeddingDimensionMismatchError(
            f"the embedding model makes {dimensions}-dimensional vectors but the vector indexes "
            f"in Neo4j were built for another dimension ({detail}); run `mem0g init --reindex` to "
            "rebuild them and re-embed stored data, or configure the model that built them"
        )
    for part in range(len(statements("schema"))):
        yield Query("schema", {"dimensions": dimensions}, part=part)
    yield Query("schema_await")


# -- simple reads and deletes ----------------------------------------------------------------------


def tenant_stats_steps(user_id: str) -> Steps[dict[str, int]]:
    rows = yield Query("tenant_stats", {"user_id": user_id})
    return dict(rows[0])


def facts_all_steps(
    user_id: str,
    *,
    now: datetime,
    as_of: datetime | None = None,
    current_only: bool = False,
    agent_id: str | None = None,
    run_id: str | None = None,
    skip: int = 0,
    limit: int = 1_000_000,
) -> Steps[list[FactRecord]]:
    rows = yield Query(
        "facts_all",
        {
            "user_id": user_id,
            "now": now,
            "as_of": as_of,
            "current_only": current_only,
            "agent_id": agent_id,
            "run_id": run_id,
            "skip": skip,
            "limit": limit,
        },
    )
    return [record_to_fact(r) for r in rows]


def entity_history_steps(user_id: str, key: str) -> Steps[list[FactRecord]]:
    rows = yield Query("entity_history", {"user_id": user_id, "key": key})
    return [record_to_fact(r) for r in rows]


def graph_rows_steps(user_id: str, as_of: datetime | None) -> Steps[list[dict[str, Any]]]:
    rows = yield Query("graph_user", {"user_id": user_id, "as_of": as_of})
    for row in rows:
        row["facts"] = [{k: py(v) for k, v in f.items() if v is not None} for f in row["facts"] if f]
    return rows


def users_steps() -> Steps[list[dict[str, Any]]]:
    rows = yield Query("users_list")
    return [{k: py(v) for k, v in r.items()} for r in rows]


def server_info_steps() -> Steps[dict[str, Any]]:
    rows = yield Query("server_info")
    return dict(rows[0])


def delete_fact_steps(user_id: str, fact_id: str) -> Steps[bool]:
    rows = yield Query("fact_delete", {"user_id": user_id, "id": fact_id})
    return bool(rows and rows[0]["deleted"])


def forget_steps(user_id: str) -> Steps[int]:
    rows = yield Query("forget_user", {"user_id": user_id})
    return int(rows[0]["deleted"]) if rows else 0
