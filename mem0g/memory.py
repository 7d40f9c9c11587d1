"""``Memory``: the public facade. Scoped by ``user_id`` (and optionally ``agent_id``/``run_id``)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from types import TracebackType
from typing import Any

import networkx as nx
from neo4j import Driver
from pydantic import ValidationError

from mem0g._ops import entity_history_steps, graph_rows_steps, write_steps
from mem0g._prepare import prepare_batch
from mem0g._time import parse_instant, utcnow
from mem0g.config import Settings, load_settings
from mem0g.connection import open_driver
from mem0g.embeddings import Embedder, embed_unique, make_embedder
from mem0g.errors import InvalidInputError, NotFoundError
from mem0g.models import MAX_ID_LENGTH, FactIn, FactRecord, IngestReport, MetadataValue, SearchResult
from mem0g.retrieval import Retriever, SearchOptions
from mem0g.store import FactFilter, GraphStore
from mem0g.vocab import name_key, normalize_name

__all__ = ["Memory", "check_user_id", "validation_message"]


def check_user_id(user_id: str | None, *, what: str = "user_id") -> str:
    if not isinstance(user_id, str) or not user_id.strip():
        raise InvalidInputError(f"{what} is required and must be a non-empty string", field=what)
    if len(user_id) > MAX_ID_LENGTH:
        raise InvalidInputError(
            f"{what} is {len(user_id)} characters long; at most {MAX_ID_LENGTH} are accepted", field=what
        )
    return user_id


def validation_message(exc: ValidationError) -> str:
    """pydantic's errors as one line: ``field: problem; field: problem``."""
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "fact"
        msg = err["msg"].removeprefix("Value error, ")
        parts.append(f"{loc}: {msg}")
    return "; ".join(parts)


def to_fact(item: FactIn | Mapping[str, Any], *, line: int | None = None) -> FactIn:
    if isinstance(item, FactIn):
        return item
    if not isinstance(item, Mapping):
        raise InvalidInputError(
            f"a fact must be a JSON object with subject, predicate and object, not {type(item).__name__}",
            line=line,
        )
    try:
        return FactIn.model_validate(dict(item))
    except ValidationError as exc:
        raise InvalidInputError(validation_message(exc), line=line) from exc
    except InvalidInputError as exc:  # raised by the date parser inside a validator
        raise InvalidInputError(str(exc), line=line) from exc


class Memory:
    """Long-term graph memory for agents, on Neo4j.

    >>> with Memory() as memory:  # doctest: +SKIP
    ...     memory.add_facts([{"subject": "Sarah", "predicate": "lives_in", "object": "Shibuya"}],
    ...                      user_id="alice")
    ...     memory.search("Where does Sarah live?", user_id="alice").results[0].object
    'Shibuya'

    Without ``NEO4J_URI`` the project-managed local Neo4j is started on first use.
    """

    def __init__(
        self,
        *,
        settings: Settings | None = None,
        driver: Driver | None = None,
        embedder: Embedder | None = None,
        **overrides: Any,
    ) -> None:
        self.settings = settings or load_settings(**overrides)
        self._owns_driver = driver is None
        self._driver = driver or open_driver(self.settings)
        self._store = GraphStore(self._driver, database=self.settings.neo4j_database)
        self._embedder = embedder or make_embedder(self.settings)
        self._retriever = Retriever(self._store, self._embedder)
        self._schema_ready = False

    # -- lifecycle --------------------------------------------------------------------------------

    def close(self) -> None:
        if self._owns_driver:
            self._driver.close()

    def __enter__(self) -> Memory:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @property
    def store(self) -> GraphStore:
        return self._store

    @property
    def embedder(self) -> Embedder:
        return self._embedder

    def init(self, *, reindex: bool = False) -> None:
        """Create constraints and indexes (idempotent).

        ``reindex`` re-embeds everything stored with the configured model and rebuilds the vector
        indexes: the way out after changing embedding models (every user: indexes span the database).
        """
        self._store.ensure_schema(
            dimensions=self._embedder.dimensions,
            reindex=reindex,
            embed=lambda texts: self._embedder.embed(texts),
        )
        self._schema_ready = True

    def _ready(self) -> None:
        if not self._schema_ready:
            self.init()

    # -- writes -----------------------------------------------------------------------------------

    def add_facts(
        self,
        facts: Iterable[FactIn | Mapping[str, Any]],
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        metadata: Mapping[str, MetadataValue] | None = None,
        now: datetime | str | None = None,
        on_batch: Callable[[int], None] | None = None,
    ) -> IngestReport:
        """Store structured facts. All are validated before anything is written.

        A fact's own ``user_id`` must match ``user_id`` when both are given; without ``user_id``
        every fact must carry one. Each batch (``settings.batch_size`` facts of one user) is one
        transaction; re-adding the same facts changes nothing but provenance.
        """
        if user_id is not None:
            check_user_id(user_id)
        recorded_at = parse_instant(now, field="now") or utcnow()
        validated = [to_fact(item) for item in facts]
        by_user: dict[str, list[FactIn]] = {}
        for index, fact in enumerate(validated):
            owner = fact.user_id or user_id
            if owner is None:
                raise InvalidInputError(f"fact {index}: no user_id; pass user_id=... or set it on the fact")
            if user_id is not None and fact.user_id is not None and fact.user_id != user_id:
                raise InvalidInputError(
                    f"fact {index}: user_id {fact.user_id!r} differs from user_id={user_id!r}; "
                    "a call writes for one user"
                )
            by_user.setdefault(owner, []).append(fact)
        self._ready()
        report = IngestReport()
        size = self.settings.batch_size
        for owner, owned in by_user.items():
            for start in range(0, len(owned), size):
                chunk = owned[start : start + size]
                batch = prepare_batch(
                    chunk,
                    user_id=owner,
                    now=recorded_at,
                    cardinality_overrides=self.settings.cardinality,
                    default_agent_id=agent_id,
                    default_run_id=run_id,
                    default_metadata=metadata,
                )
                vectors = embed_unique(self._embedder, batch.texts_to_embed())
                outcome = self._store.write(
                    functools.partial(
                        write_steps, user_id=owner, now=recorded_at, batch=batch, vectors=vectors
                    ),
                    what="writing facts",
                )
                report.merge(outcome.report)
                if on_batch is not None:
                    on_batch(len(chunk))
        return report

    def delete(self, fact_id: str, *, user_id: str) -> None:
        """Hard-delete one fact of one user."""
        check_user_id(user_id)
        if not self._store.delete_fact(user_id, fact_id):
            raise NotFoundError(f"no fact with id {fact_id!r} for user {user_id!r}")

    def forget(self, user_id: str) -> int:
        """Remove every node and fact of ``user_id`` (and nothing else). Returns the nodes removed."""
        check_user_id(user_id)
        return self._store.forget(user_id)

    # -- reads ------------------------------------------------------------------------------------

    def search(
        self,
        query: str,
        *,
        user_id: str,
        limit: int | None = None,
        as_of: datetime | str | None = None,
        include_history: bool = False,
        hops: int | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        filters: Mapping[str, Any] | None = None,
        token_budget: int | None = None,
    ) -> SearchResult:
        """Facts relevant to ``query``: current by default, as they held at ``as_of``, or all
        (``include_history``). No LLM is called. ``filters`` match metadata keys by equality
        (``{"category": "preference"}``) or membership (``{"priority": {"in": ["high", "low"]}}``);
        ``agent_id`` and ``run_id`` may also be given there.
        """
        from mem0g._prepare import metadata_filter_groups

        check_user_id(user_id)
        if not isinstance(query, str) or not query.strip():
            raise InvalidInputError("query must be a non-empty string", field="query")
        remaining = dict(filters or {})
        agent_id = agent_id or remaining.pop("agent_id", None)
        run_id = run_id or remaining.pop("run_id", None)
        remaining.pop("user_id", None)
        limit = self.settings.limit if limit is None else limit
        if limit < 1:
            raise InvalidInputError(f"limit must be at least 1, not {limit}", field="limit")
        hops = self.settings.hops if hops is None else hops
        if not 0 <= hops <= 5:
            raise InvalidInputError(f"hops must be between 0 and 5, not {hops}", field="hops")
        flt = FactFilter(
            now=utcnow(),
            as_of=parse_instant(as_of, field="as_of"),
            include_history=include_history,
            agent_id=agent_id,
            run_id=run_id,
            metadata_groups=tuple(tuple(g) for g in metadata_filter_groups(remaining)),
        )
        options = SearchOptions(
            limit=limit,
            hops=hops,
            token_budget=token_budget or self.settings.token_budget,
            exact_max_facts=self.settings.exact_search_max_facts,
        )
        self._ready()
        return self._retriever.search(query, user_id=user_id, flt=flt, options=options)

    def get_all(
        self,
        *,
        user_id: str,
        as_of: datetime | str | None = None,
        current_only: bool = False,
        agent_id: str | None = None,
        run_id: str | None = None,
        limit: int | None = None,
    ) -> list[FactRecord]:
        """Every fact of the user (any status) unless ``current_only`` or ``as_of`` narrow it."""
        check_user_id(user_id)
        return self._store.facts_all(
            user_id,
            now=utcnow(),
            as_of=parse_instant(as_of, field="as_of"),
            current_only=current_only,
            agent_id=agent_id,
            run_id=run_id,
            limit=limit or 1_000_000,
        )

    def history(self, entity: str, *, user_id: str) -> list[FactRecord]:
        """Every fact about ``entity`` (name or alias, any case), any status, in time order."""
        check_user_id(user_id)
        norm = normalize_name(entity)
        from mem0g._prepare import SELF_KEY
        from mem0g.vocab import SELF_NAMES

        key = SELF_KEY if norm in SELF_NAMES else name_key(norm)
        return self._store.read(lambda: entity_history_steps(user_id, key))

    def graph(self, user_id: str, *, as_of: datetime | str | None = None) -> nx.MultiDiGraph:
        """The user's graph: entity ids as nodes, facts as keyed edges (all statuses unless as_of)."""
        check_user_id(user_id)
        graph = nx.MultiDiGraph(user_id=user_id)
        when = parse_instant(as_of, field="as_of")
        rows = self._store.read(lambda: graph_rows_steps(user_id, when))
        for row in rows:
            entity = row["entity"]
            graph.add_node(
                entity["id"],
                name=entity["name"],
                type=entity.get("type"),
                labels=[label for label in entity.get("labels", []) if label != "Entity"],
                is_self=bool(entity.get("is_self")),
            )
        for row in rows:
            for fact in row["facts"]:
                attrs = {k: v for k, v in fact.items() if k not in {"object_id", "id"}}
                graph.add_edge(row["entity"]["id"], fact["object_id"], key=fact["id"], **attrs)
        return graph

    def users(self) -> list[dict[str, Any]]:
        return self._store.users()
