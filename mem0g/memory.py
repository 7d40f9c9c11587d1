"""``Memory``: the public facade. Scoped by ``user_id`` (and optionally ``agent_id``/``run_id``)."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from types import TracebackType
from typing import Any, Literal, overload

import networkx as nx
from neo4j import Driver

from mem0g import _pipeline
from mem0g._args import (
    check_user_id,
    entity_key,
    group_by_user,
    search_args,
    to_fact,
    validation_message,
)
from mem0g._background import BackgroundQueue, TaskHandle
from mem0g._export import graph_from_rows
from mem0g._ops import WriteOutcome, entity_history_steps, graph_rows_steps, write_steps
from mem0g._prepare import EpisodeSpec, prepare_batch
from mem0g._steps import single
from mem0g._time import parse_instant, utcnow
from mem0g.config import Settings, load_settings
from mem0g.connection import open_driver
from mem0g.embeddings import Embedder, embed_unique, make_embedder
from mem0g.errors import ConfigError, NotFoundError
from mem0g.extraction import (
    EXTRACT_TEMPLATE,
    SUMMARY_TEMPLATE,
    Extraction,
    SummaryOutput,
    extraction_messages,
    load_template,
    map_extraction,
    summary_messages,
)
from mem0g.llm import LLMClient, LLMUsage, llm_config_from_settings
from mem0g.models import (
    AddResult,
    EpisodeHit,
    FactIn,
    FactRecord,
    IngestReport,
    MetadataValue,
    SearchResult,
    TaskStatus,
)
from mem0g.retrieval import Retriever, episode_search_steps
from mem0g.store import GraphStore

__all__ = ["NO_LLM_MESSAGE", "Memory", "check_user_id", "to_fact", "validation_message"]

NO_LLM_MESSAGE = (
    "no LLM is configured for add(): set MEM0G_LLM_BASE_URL (any OpenAI-compatible server, e.g. "
    "http://localhost:11434/v1 for Ollama) and MEM0G_LLM_MODEL, or OPENAI_API_KEY for OpenAI; "
    "add_facts() and add(..., infer=False) need no LLM"
)

#: Unsummarised messages read by one summary refresh (older ones wait for the next refresh).
_SUMMARY_BATCH = 200


class Memory:
    """Long-term graph memory for agents, on Neo4j.

    >>> with Memory() as memory:  # doctest: +SKIP
    ...     memory.add("Sarah moved to Shinjuku last week", user_id="alice", timestamp="2025-05-01")
    ...     memory.search("Where does Sarah live?", user_id="alice").results[0].object
    'Shinjuku'

    Without ``NEO4J_URI`` the project-managed local Neo4j is started on first use. ``llm`` and
    ``summary_llm`` may be injected; otherwise they are built from the settings on first ``add``.
    """

    def __init__(
        self,
        *,
        settings: Settings | None = None,
        driver: Driver | None = None,
        embedder: Embedder | None = None,
        llm: LLMClient | None = None,
        summary_llm: LLMClient | None = None,
        **overrides: Any,
    ) -> None:
        self.settings = settings or load_settings(**overrides)
        self._owns_driver = driver is None
        self._driver = driver or open_driver(self.settings)
        self._store = GraphStore(self._driver, database=self.settings.neo4j_database)
        self._embedder = embedder or make_embedder(self.settings)
        self._retriever = Retriever(self._store, self._embedder)
        self._schema_ready = False
        self._llm = llm
        self._summary_llm = summary_llm
        self._owned_llms: list[LLMClient] = []
        self._background: BackgroundQueue | None = None
        self._lock = threading.Lock()
        self._usage = LLMUsage()
        self._threads: dict[tuple[str, str], tuple[str | None, str | None]] = {}
        self._summarizing: set[tuple[str, str]] = set()  # threads with a refresh queued or running

    # -- lifecycle --------------------------------------------------------------------------------

    def close(self) -> None:
        """Finish background work (adds and summary refreshes), then close clients."""
        try:
            if self._background is not None:
                self._background.close()
        finally:
            for client in self._owned_llms:
                client.close()
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

    @property
    def usage(self) -> LLMUsage:
        """LLM calls and tokens spent by this instance so far (adds and summary refreshes)."""
        with self._lock:
            return self._usage.model_copy()

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

    def _queue(self) -> BackgroundQueue:
        with self._lock:
            if self._background is None:
                self._background = BackgroundQueue(concurrency=self.settings.background_concurrency)
            return self._background

    def _llm_client(self) -> LLMClient:
        with self._lock:
            if self._llm is None:
                config = llm_config_from_settings(self.settings)
                if config is None:
                    raise ConfigError(NO_LLM_MESSAGE)
                self._llm = LLMClient(config)
                self._owned_llms.append(self._llm)
            return self._llm

    def _summary_client(self) -> LLMClient:
        if self._summary_llm is not None:
            return self._summary_llm
        return self._llm_client()

    def _spend(self, usage: LLMUsage) -> None:
        with self._lock:
            self._usage += usage

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
        """Store structured facts (no LLM). All are validated before anything is written.

        A fact's own ``user_id`` must match ``user_id`` when both are given; without ``user_id``
        every fact must carry one. Each batch (``settings.batch_size`` facts of one user) is one
        transaction; re-adding the same facts changes nothing but provenance.
        """
        recorded_at = parse_instant(now, field="now") or utcnow()
        by_user = group_by_user(facts, user_id)
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

    @overload
    def add(
        self,
        messages: Any,
        *,
        user_id: str,
        agent_id: str | None = ...,
        run_id: str | None = ...,
        metadata: Mapping[str, MetadataValue] | None = ...,
        timestamp: datetime | str | None = ...,
        infer: bool = ...,
        wait: Literal[True] = ...,
    ) -> AddResult: ...

    @overload
    def add(
        self,
        messages: Any,
        *,
        user_id: str,
        agent_id: str | None = ...,
        run_id: str | None = ...,
        metadata: Mapping[str, MetadataValue] | None = ...,
        timestamp: datetime | str | None = ...,
        infer: bool = ...,
        wait: Literal[False],
    ) -> TaskHandle[AddResult]: ...

    def add(
        self,
        messages: Any,
        *,
        user_id: str,
        agent_id: str | None = None,
        run_id: str | None = None,
        metadata: Mapping[str, MetadataValue] | None = None,
        timestamp: datetime | str | None = None,
        infer: bool = True,
        wait: bool = True,
    ) -> AddResult | TaskHandle[AddResult]:
        """Remember a conversation: one LLM call turns the messages into entities, facts and
        decisions about existing facts, applied in one transaction with the raw messages.

        ``messages``: a string, a list of strings (alternating user, assistant) or a list of
        ``{role, content[, name, id, timestamp]}``. ``timestamp`` is when they were said (default:
        ``metadata["timestamp"]``, else now); relative dates ("last week") are resolved against it.
        ``infer=False`` stores the messages as episodes only (no LLM). ``wait=False`` queues the add
        and returns a :class:`TaskHandle` at once: each user's adds run in order, users in parallel.
        Arguments are validated before anything is queued.
        """
        check_user_id(user_id)
        for what, value in (("agent_id", agent_id), ("run_id", run_id)):
            if value is not None:
                check_user_id(value, what=what)
        request = _pipeline.make_request(
            messages,
            user_id=user_id,
            agent_id=agent_id,
            run_id=run_id,
            metadata=metadata,
            timestamp=timestamp,
            infer=infer,
        )
        if infer:
            self._llm_client()  # a missing LLM configuration is reported now, not in the background
        if not wait:
            return self._queue().submit(user_id, lambda: self._add(request), kind="add")
        return self._add(request)

    def _add(self, request: _pipeline.AddRequest) -> AddResult:
        self._ready()
        user_id = request.user_id
        template = load_template(EXTRACT_TEMPLATE)
        episodes = _pipeline.episode_specs(request, prompt_version=template.tag if request.infer else None)
        known = {
            r["id"]
            for r in self._store.read(
                lambda: single("episodes_existing", user_id=user_id, ids=[e.id for e in episodes])
            )
        }
        fresh = [e for e in episodes if e.id not in known]
        result = AddResult(episodes_skipped=[e.id for e in episodes if e.id in known])
        if not fresh:
            result.skipped = True
            return result
        conversation = (request.thread, request.agent_id, request.run_id)

        if not request.infer:
            vectors = embed_unique(self._embedder, [e.embedding_text for e in fresh])
            outcome = self._store.write(
                functools.partial(
                    write_steps,
                    user_id=user_id,
                    now=utcnow(),
                    batch=None,
                    vectors=vectors,
                    episodes=fresh,
                    conversation=conversation,
                ),
                what="storing messages",
            )
            result.episodes = outcome.episodes_written
            self._after_write(request, outcome)
            return result

        llm = self._llm_client()
        query_text = "\n".join(e.content for e in fresh)
        vectors = embed_unique(self._embedder, [e.embedding_text for e in fresh] + [query_text])
        context = self._store.read(
            lambda: _pipeline.context_steps(
                user_id=user_id,
                thread=request.thread,
                recent=self.settings.recent_messages,
                vector=vectors[query_text],
                query=query_text,
                candidates=self.settings.candidate_facts,
                exact_max_facts=self.settings.exact_search_max_facts,
            ),
            what="reading the conversation context",
        )
        prompt = extraction_messages(
            template,
            new=fresh,
            summary=context.summary,
            recent=context.recent,
            candidates=context.candidates,
            now=request.timestamp,
            user_name=request.user_name,
            entity_types=self.settings.entity_types,
        )
        answer = llm.structured(prompt, schema=Extraction, name="mem0g_extraction")
        self._spend(answer.usage)
        result.usage, result.calls, result.prompt_version = answer.usage, answer.calls, template.tag
        outcome = self._write_extraction(request, fresh, answer.value, context, result, vectors, conversation)
        result.results = self._store.read(lambda: _pipeline.events_steps(user_id, outcome))
        return result

    def _write_extraction(
        self,
        request: _pipeline.AddRequest,
        fresh: list[EpisodeSpec],
        answer: Extraction,
        context: _pipeline.Context,
        result: AddResult,
        vectors: dict[str, list[float]],
        conversation: tuple[str, str | None, str | None],
    ) -> WriteOutcome:
        mapped = map_extraction(
            answer,
            episodes=fresh,
            candidate_ids=[hit.id for hit in context.candidates],
            now=request.timestamp,
            user_name=request.user_name,
            metadata=request.metadata,
            agent_id=request.agent_id,
            run_id=request.run_id,
        )
        recorded_at = utcnow()
        batch = None
        if mapped.facts:
            batch = prepare_batch(
                mapped.facts,
                user_id=request.user_id,
                now=recorded_at,
                cardinality_overrides=self.settings.cardinality,
            )
            missing = [t for t in batch.texts_to_embed() if t not in vectors]
            vectors.update(embed_unique(self._embedder, missing))
        outcome = self._store.write(
            functools.partial(
                write_steps,
                user_id=request.user_id,
                now=recorded_at,
                batch=batch,
                vectors=vectors,
                episodes=fresh,
                invalidations=mapped.invalidations,
                extra_props={"prompt_version": result.prompt_version},
                conversation=conversation,
            ),
            what="writing the extracted facts",
        )
        _pipeline.fill_result(result, outcome, warnings=mapped.warnings)
        self._after_write(request, outcome)
        return outcome

    def _after_write(self, request: _pipeline.AddRequest, outcome: WriteOutcome) -> None:
        """Remember the thread for flush(), and refresh its summary off the hot path when due."""
        if not request.infer:
            return  # stored messages only: nothing to summarise without an LLM
        key = (request.user_id, request.thread)
        with self._lock:
            self._threads[key] = (request.agent_id, request.run_id)
            due = outcome.pending_messages >= self.settings.summary_every
            if not due or key in self._summarizing:
                return  # a refresh already queued covers these messages too
            self._summarizing.add(key)
        self._queue().submit(
            request.user_id,
            lambda: self._refresh_summary(request.user_id, request.thread, request.user_name),
            kind="summary",
        )

    def _refresh_summary(self, user_id: str, thread: str, user_name: str | None) -> LLMUsage:
        try:
            return self._summarize(user_id, thread, user_name)
        finally:
            with self._lock:
                self._summarizing.discard((user_id, thread))

    def _summarize(self, user_id: str, thread: str, user_name: str | None) -> LLMUsage:
        rows = self._store.read(
            lambda: single("conversation_unsummarized", user_id=user_id, thread=thread, limit=_SUMMARY_BATCH)
        )
        if not rows or not rows[0]["messages"]:
            return LLMUsage()
        summary, messages = rows[0]["summary"], rows[0]["messages"]
        template = load_template(SUMMARY_TEMPLATE)
        latest = max(_pipeline.py_datetime(m["observed_at"]) for m in messages)
        prompt = summary_messages(
            template,
            summary=summary,
            messages=[{k: _pipeline.py_value(v) for k, v in m.items()} for m in messages],
            now=latest,
            user_name=user_name,
        )
        answer = self._summary_client().structured(
            prompt, schema=SummaryOutput, name="mem0g_summary", model=self.settings.llm_summary_model
        )
        self._spend(answer.usage)
        until = max(m["recorded_at"] for m in messages)
        self._store.write(
            lambda: single(
                "conversation_set_summary",
                user_id=user_id,
                thread=thread,
                summary=answer.value.summary,
                until=until,
                covered=len(messages),
                now=utcnow(),
                prompt_version=template.tag,
            ),
            what="storing a conversation summary",
        )
        return answer.usage

    def flush(self, *, summarize: bool = True, timeout: float | None = None) -> None:
        """Wait for queued adds; with ``summarize``, also refresh the summary of every thread this
        instance wrote to that has messages the summary does not cover yet."""
        queue = self._queue()
        queue.flush(timeout)
        if not summarize:
            return
        with self._lock:
            threads = list(self._threads)
        for user_id, thread in threads:
            queue.submit(
                user_id, functools.partial(self._refresh_summary, user_id, thread, None), kind="summary"
            )
        queue.flush(timeout)

    def task_status(self, task_id: str) -> TaskStatus | None:
        """The state of a background add or summary refresh (``None`` for an unknown id)."""
        return None if self._background is None else self._background.status(task_id)

    def failures(self) -> list[TaskStatus]:
        """Background jobs that failed, with their errors (kept until this instance is closed)."""
        return [] if self._background is None else self._background.failures()

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
        args = search_args(
            self.settings,
            query,
            user_id=user_id,
            limit=limit,
            as_of=as_of,
            include_history=include_history,
            hops=hops,
            agent_id=agent_id,
            run_id=run_id,
            filters=filters,
            token_budget=token_budget,
        )
        self._ready()
        return self._retriever.search(args.query, user_id=args.user_id, flt=args.flt, options=args.options)

    def search_episodes(
        self,
        query: str,
        *,
        user_id: str,
        limit: int = 10,
        as_of: datetime | str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
    ) -> list[EpisodeHit]:
        """Raw stored messages most related to ``query`` (what ``add`` kept, also with infer=False)."""
        args = search_args(
            self.settings,
            query,
            user_id=user_id,
            limit=limit,
            as_of=as_of,
            include_history=False,
            hops=0,
            agent_id=agent_id,
            run_id=run_id,
            filters=None,
            token_budget=None,
        )
        self._ready()
        vector = self._embedder.embed([query])[0]
        return self._store.read(
            lambda: episode_search_steps(
                query,
                vector,
                user_id=user_id,
                limit=args.options.limit,
                as_of=args.flt.as_of,
                agent_id=agent_id,
                run_id=run_id,
                exact_max=self.settings.exact_search_max_facts,
            ),
            what="an episode search",
        )

    def summary(self, user_id: str, *, agent_id: str | None = None, run_id: str | None = None) -> str | None:
        """The rolling summary of a conversation thread (``None`` until the first refresh)."""
        check_user_id(user_id)
        rows = self._store.read(
            lambda: single(
                "conversation_context",
                user_id=user_id,
                thread=_pipeline.thread_key(agent_id, run_id),
                recent=0,
            )
        )
        return rows[0]["summary"] if rows else None

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
        key = entity_key(entity)
        return self._store.read(lambda: entity_history_steps(user_id, key))

    def graph(self, user_id: str, *, as_of: datetime | str | None = None) -> nx.MultiDiGraph:
        """The user's graph: entity ids as nodes, facts as keyed edges (all statuses unless as_of)."""
        check_user_id(user_id)
        when = parse_instant(as_of, field="as_of")
        return graph_from_rows(user_id, self._store.read(lambda: graph_rows_steps(user_id, when)))

    def users(self) -> list[dict[str, Any]]:
        return self._store.users()
