"""Neo4j I/O for mem0g. Every query comes from ``cypher/*.cypher`` and gets its values as parameters.

All reads and writes are scoped by ``user_id``; one batch of facts is one write transaction that
starts by locking the user's ``:Tenant`` node (see ``cypher/tenant_lock.cypher``).
"""

from __future__ import annotations

import contextlib
import json
import logging
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, LiteralString

import neo4j
from neo4j import Driver, ManagedTransaction
from neo4j.exceptions import ClientError, Neo4jError, ServiceUnavailable
from neo4j.time import DateTime as Neo4jDateTime

from mem0g._prepare import PreparedBatch, metadata_pairs, tenant_token
from mem0g.errors import EmbeddingDimensionMismatchError, Neo4jUnavailableError, SchemaError
from mem0g.models import FactRecord, Hit, IngestReport, SupersededFact
from mem0g.queries import query, statements
from mem0g.resolve import Incoming, Plan, StoredFact, resolve

__all__ = ["FactFilter", "GraphStore", "cosine_from_neo4j", "record_to_fact"]

log = logging.getLogger(__name__)


def _q(name: str) -> LiteralString:
    # The text comes from a file shipped with mem0g, never from data: safe to treat as a literal.
    return query(name)


def cosine_from_neo4j(score: float) -> float:
    """Neo4j reports cosine similarity rescaled to [0, 1] as (1 + cos) / 2; mem0g ranks on cos itself."""
    return 2.0 * float(score) - 1.0


def _py(value: Any) -> Any:
    """neo4j temporal values (also inside lists) -> aware Python datetimes."""
    if isinstance(value, Neo4jDateTime):
        return value.to_native()
    if isinstance(value, list):
        return [_py(v) for v in value]
    return value


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
    f = {k: _py(v) for k, v in dict(row["f"]).items()}
    supersedes = [
        SupersededFact(**{k: _py(v) for k, v in dict(s).items()}) for s in (row.get("supersedes") or [])
    ]
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
        data["supersedes"] = supersedes
    data.update(extra)
    return cls(**data)


class GraphStore:
    """A thin, typed layer over the driver: one method per job, one Cypher file per query."""

    def __init__(self, driver: Driver, *, database: str = "neo4j") -> None:
        self._driver = driver
        self._database = database
        self._tx: neo4j.Transaction | None = None

    @contextlib.contextmanager
    def reading(self) -> Iterator[GraphStore]:
        """A view of this store whose reads share one read transaction (one round trip per query
        instead of a session and transaction each: what keeps a search's several queries fast)."""
        try:
            with (
                self._driver.session(
                    database=self._database, default_access_mode=neo4j.READ_ACCESS
                ) as session,
                session.begin_transaction() as tx,
            ):
                view = GraphStore(self._driver, database=self._database)
                view._tx = tx
                yield view
        except ServiceUnavailable as exc:
            raise Neo4jUnavailableError(f"Neo4j became unreachable during a search: {exc}") from exc

    @property
    def driver(self) -> Driver:
        return self._driver

    def _read(self, query_name: str, /, **params: Any) -> list[dict[str, Any]]:
        if self._tx is not None:
            return [r.data() for r in self._tx.run(_q(query_name), params)]
        try:
            records, _, _ = self._driver.execute_query(
                _q(query_name), params, database_=self._database, routing_=neo4j.RoutingControl.READ
            )
        except ServiceUnavailable as exc:
            raise Neo4jUnavailableError(f"Neo4j became unreachable during {query_name}: {exc}") from exc
        return [r.data() for r in records]

    def _write(self, query_name: str, /, **params: Any) -> list[dict[str, Any]]:
        try:
            records, _, _ = self._driver.execute_query(_q(query_name), params, database_=self._database)
        except ServiceUnavailable as exc:
            raise Neo4jUnavailableError(f"Neo4j became unreachable during {query_name}: {exc}") from exc
        return [r.data() for r in records]

    # -- schema -----------------------------------------------------------------------------------

    def vector_index_dimensions(self) -> dict[str, int | None]:
        return {r["name"]: r["dimensions"] for r in self._read("schema_vector_indexes")}

    def ensure_schema(
        self,
        *,
        dimensions: int,
        reindex: bool = False,
        embed: Callable[[list[str]], list[list[float]]] | None = None,
    ) -> None:
        """Create constraints and indexes (idempotent); refuse a vector index of another dimension.

        ``reindex`` drops the vector indexes, re-embeds every stored entity name and fact sentence
        with ``embed`` (all users: an index spans the database) and builds the indexes again.
        """
        existing = self.vector_index_dimensions()
        wrong = {name: dims for name, dims in existing.items() if dims is not None and dims != dimensions}
        if reindex:
            if embed is None:
                raise SchemaError("reindex needs the embedding function to re-embed stored data")
            for name in existing:
                self._write("schema_drop_vector_indexes", name=name)
            for kind in ("entities", "facts"):
                self._reembed(kind, embed)
            wrong = {}
        if wrong:
            detail = ", ".join(f"{name} has {dims}" for name, dims in wrong.items())
            raise EmbeddingDimensionMismatchError(
                f"the embedding model makes {dimensions}-dimensional vectors but the vector indexes "
                f"in Neo4j were built for another dimension ({detail}); run `mem0g init --reindex` to "
                "rebuild them and re-embed stored data, or configure the model that built them"
            )
        for statement in statements("schema"):
            try:
                self._driver.execute_query(statement, {"dimensions": dimensions}, database_=self._database)
            except ClientError as exc:
                raise SchemaError(f"could not apply schema statement: {exc.message}") from exc
        self._write("schema_await")

    def _reembed(self, kind: str, embed: Callable[[list[str]], list[list[float]]], page: int = 1000) -> None:
        after = ""
        while True:
            rows = self._read(f"reembed_{kind}_page", after=after, limit=page)
            if not rows:
                return
            vectors = embed([r["text"] for r in rows])
            self._write(
                f"reembed_{kind}_set",
                rows=[{"id": r["id"], "embedding": v} for r, v in zip(rows, vectors, strict=True)],
            )
            after = rows[-1]["id"]

    # -- writes -----------------------------------------------------------------------------------

    def write_batch(
        self,
        batch: PreparedBatch,
        *,
        vectors: Mapping[str, list[float]],
        now: datetime,
        extra_props: Mapping[str, Any] | None = None,
    ) -> IngestReport:
        """Resolve and write one batch for one user in one transaction (retried on transient errors)."""

        def work(tx: ManagedTransaction) -> IngestReport:
            return self._write_batch_tx(tx, batch, vectors=vectors, now=now, extra_props=extra_props or {})

        try:
            with self._driver.session(database=self._database) as session:
                return session.execute_write(work)
        except ServiceUnavailable as exc:
            raise Neo4jUnavailableError(f"Neo4j became unreachable while writing facts: {exc}") from exc

    def _write_batch_tx(
        self,
        tx: ManagedTransaction,
        batch: PreparedBatch,
        *,
        vectors: Mapping[str, list[float]],
        now: datetime,
        extra_props: Mapping[str, Any],
    ) -> IngestReport:
        user_id = batch.user_id
        tenant = tenant_token(user_id)
        tx.run(_q("tenant_lock"), user_id=user_id, tenant=tenant, now=now).consume()

        # Map each batch key (and alias key) to the key of the entity already stored, if any.
        lookup_keys = sorted({k for spec in batch.entities.values() for k in [spec.key, *spec.alias_keys]})
        found = {
            r["key"]: r["name_key"] for r in tx.run(_q("entities_lookup"), user_id=user_id, keys=lookup_keys)
        }
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
                    "embedding": vectors[spec.name],
                    "is_self": spec.is_self,
                }
            )
        created = sum(
            1
            for r in tx.run(_q("entities_merge"), user_id=user_id, tenant=tenant, now=now, rows=rows)
            if r["created"]
        )

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
        stored = [
            StoredFact(
                id=r["id"],
                subject_key=r["subject_key"],
                predicate_key=r["predicate_key"],
                object_key=r["object_key"],
                valid_from=_py(r["valid_from"]),
                valid_until=_py(r["valid_until"]),
                status=r["status"],
                cardinality=r["cardinality"],
                sources=tuple(r["sources"] or ()),
                superseded_at=_py(r["superseded_at"]),
                superseded_by=r["superseded_by"],
                supersedes=tuple(r["supersedes"] or ()),
                points=tuple(_py(p) for p in r["points"] or ()),
            )
            for r in tx.run(
                _q("facts_for_groups"),
                user_id=user_id,
                groups=[{"subject_key": s, "predicate_key": p} for s, p in groups],
            )
        ]
        plan = resolve(stored, incoming, now=now)
        self._apply_plan(tx, plan, batch, canonical, vectors=vectors, now=now, extra_props=extra_props)
        tx.run(_q("tenant_counts"), user_id=user_id, facts=len(plan.creates), entities=created).consume()
        return _report(plan, facts_in=len(batch.statements), entities_created=created)

    def _apply_plan(
        self,
        tx: ManagedTransaction,
        plan: Plan,
        batch: PreparedBatch,
        canonical: Mapping[str, str],
        *,
        vectors: Mapping[str, list[float]],
        now: datetime,
        extra_props: Mapping[str, Any],
    ) -> None:
        user_id = batch.user_id
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
                "triple_text": None
                if statement.embedding_text == statement.sentence
                else statement.triple_text,
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
            tx.run(_q("facts_create"), user_id=user_id, rows=create_rows).consume()
        if clone_rows:
            tx.run(_q("facts_clone"), user_id=user_id, rows=clone_rows).consume()
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
            tx.run(_q("facts_update"), user_id=user_id, rows=update_rows).consume()

    def delete_fact(self, user_id: str, fact_id: str) -> bool:
        rows = self._write("fact_delete", user_id=user_id, id=fact_id)
        return bool(rows and rows[0]["deleted"])

    def forget(self, user_id: str) -> int:
        try:
            with self._driver.session(database=self._database) as session:
                result = session.run(_q("forget_user"), user_id=user_id)
                return int(result.single(strict=True)["deleted"])
        except ServiceUnavailable as exc:
            raise Neo4jUnavailableError(f"Neo4j became unreachable while forgetting a user: {exc}") from exc

    # -- reads ------------------------------------------------------------------------------------

    def tenant_stats(self, user_id: str) -> dict[str, int]:
        return self._read("tenant_stats", user_id=user_id)[0]

    def fact_ids_exact(
        self, user_id: str, vector: list[float], k: int, flt: FactFilter
    ) -> list[tuple[str, float]]:
        rows = self._read("search_facts_exact", user_id=user_id, vector=vector, k=k, **flt.params())
        return [(r["id"], cosine_from_neo4j(r["score"])) for r in rows]

    def fact_ids_vector(
        self, user_id: str, vector: list[float], k: int, fetch: int, flt: FactFilter
    ) -> list[tuple[str, float]]:
        rows = self._read(
            "search_facts_vector", user_id=user_id, vector=vector, k=k, fetch=fetch, **flt.params()
        )
        return [(r["id"], cosine_from_neo4j(r["score"])) for r in rows]

    def fact_ids_fulltext(
        self, user_id: str, lucene: str, k: int, flt: FactFilter
    ) -> list[tuple[str, float]]:
        rows = self._read("search_facts_fulltext", user_id=user_id, lucene=lucene, k=k, **flt.params())
        return [(r["id"], float(r["score"])) for r in rows]

    def fact_similarity(
        self, user_id: str, vector: list[float], ids: Sequence[str]
    ) -> list[tuple[str, float]]:
        rows = self._read("facts_similarity", user_id=user_id, vector=vector, ids=list(ids))
        return [(r["id"], cosine_from_neo4j(r["score"])) for r in rows]

    def entity_ids_exact(self, user_id: str, vector: list[float], k: int) -> list[tuple[str, float]]:
        rows = self._read("search_entities_exact", user_id=user_id, vector=vector, k=k)
        return [(r["id"], cosine_from_neo4j(r["score"])) for r in rows]

    def entity_ids_vector(
        self, user_id: str, vector: list[float], k: int, fetch: int
    ) -> list[tuple[str, float]]:
        rows = self._read("search_entities_vector", user_id=user_id, vector=vector, k=k, fetch=fetch)
        return [(r["id"], cosine_from_neo4j(r["score"])) for r in rows]

    def entity_ids_fulltext(self, user_id: str, lucene: str, k: int) -> list[tuple[str, float]]:
        rows = self._read("search_entities_fulltext", user_id=user_id, lucene=lucene, k=k)
        return [(r["id"], float(r["score"])) for r in rows]

    def fact_endpoints(self, user_id: str, ids: Sequence[str]) -> list[dict[str, Any]]:
        return self._read("facts_endpoints", user_id=user_id, ids=list(ids))

    def expand(
        self,
        user_id: str,
        vector: list[float],
        frontier: Sequence[str],
        seen: Sequence[str],
        per_hop: int,
        flt: FactFilter,
    ) -> list[dict[str, Any]]:
        return self._read(
            "search_expand",
            user_id=user_id,
            vector=vector,
            frontier=list(frontier),
            seen=list(seen),
            per_hop=per_hop,
            **flt.params(),
        )

    def facts_by_ids(self, user_id: str, ids: Sequence[str]) -> list[dict[str, Any]]:
        return self._read("facts_by_ids", user_id=user_id, ids=list(ids))

    def facts_all(
        self,
        user_id: str,
        *,
        now: datetime,
        as_of: datetime | None = None,
        current_only: bool = False,
        agent_id: str | None = None,
        run_id: str | None = None,
        skip: int = 0,
        limit: int = 1_000_000,
    ) -> list[FactRecord]:
        rows = self._read(
            "facts_all",
            user_id=user_id,
            now=now,
            as_of=as_of,
            current_only=current_only,
            agent_id=agent_id,
            run_id=run_id,
            skip=skip,
            limit=limit,
        )
        return [record_to_fact(r) for r in rows]

    def entity_history(self, user_id: str, key: str) -> list[FactRecord]:
        return [record_to_fact(r) for r in self._read("entity_history", user_id=user_id, key=key)]

    def graph_rows(self, user_id: str, as_of: datetime | None) -> list[dict[str, Any]]:
        rows = self._read("graph_user", user_id=user_id, as_of=as_of)
        for row in rows:
            row["facts"] = [{k: _py(v) for k, v in f.items() if v is not None} for f in row["facts"] if f]
        return rows

    def users(self) -> list[dict[str, Any]]:
        return [{k: _py(v) for k, v in r.items()} for r in self._read("users_list")]

    def server_info(self) -> dict[str, Any]:
        return self._read("server_info")[0]


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


def is_neo4j_error(exc: BaseException) -> bool:
    return isinstance(exc, Neo4jError)
