"""``AsyncMemory``: the asyncio twin of :class:`mem0g.Memory`, on the async Neo4j driver and
``AsyncOpenAI``. It runs the very same steps (:mod:`mem0g._steps`), so the two cannot drift apart.

Local embedding models are CPU-bound: their calls run in a worker thread (``asyncio.to_thread``),
which is what keeps the event loop responsive while torch computes (it releases the GIL). Neo4j and
LLM calls are native asyncio: no thread wraps a sync client.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Iterable, Mapping
from datetime import datetime
from types import TracebackType
from typing import Any, Literal, overload

import networkx as nx
from neo4j import AsyncDriver, AsyncGraphDatabase
from neo4j.exceptions import AuthError, ServiceUnavailable

from mem0g import _pipeline
from mem0g._args import check_user_id, entity_key, group_by_user, search_args
from mem0g._background import AsyncBackgroundQueue, AsyncTaskHandle
from mem0g._export import graph_from_rows
from mem0g._ops import (
    WriteOutcome,
    entity_history_steps,
    facts_all_steps,
    graph_rows_steps,
    users_steps,
    write_steps,
)
from mem0g._prepare import EpisodeSpec, prepare_batch
from mem0g._steps import single
from mem0g._time import parse_instant, utcnow
from mem0g.config import Settings, load_settings
from mem0g.connection import resolve_uri
from mem0g.embeddings import Embedder, embed_unique, make_embedder
from mem0g.errors import ConfigError, Neo4jUnavailableError, NotFoundError
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
from mem0g.llm import AsyncLLMClient, LLMUsage, llm_config_from_settings
from mem0g.memory import NO_LLM_MESSAGE
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
from mem0g.retrieval import episode_search_steps, search_steps
from mem0g.store import AsyncGraphStore

__all__ = ["AsyncMemory"]

_SUMMARY_BATCH = 200


async def _open_driver(settings: Settings) -> AsyncDriver:
    uri = await asyncio.to_thread(resolve_uri, settings)  # may build and start the local server
    auth = (settings.neo4j_user, settings.neo4j_password) if settings.neo4j_password else None
    try:
        driver = AsyncGraphDatabase.driver(uri, auth=auth, notifications_min_severity="OFF")
    except ValueError as exc:
        raise ConfigError(f"NEO4J_URI {uri!r} is not a valid Neo4j URI: {exc}") from exc
    try:
        await driver.verify_connectivity()
    except AuthError as exc:
        await driver.close()
        raise Neo4jUnavailableError(
            f"Neo4j at {uri} refused the credentials for user {settings.neo4j_user!r}; "
            "check NEO4J_USER / NEO4J_PASSWORD"
        ) from exc
    except (ServiceUnavailable, OSError) as exc:
        await driver.close()
        raise Neo4jUnavailableError(
            f"cannot reach Neo4j at {uri} ({exc}); start it or fix NEO4J_URI"
        ) from exc
    return driver


class AsyncMemory:
    """Long-term graph memory for asyncio agents. Create with ``await AsyncMemory.create(...)`` (or
    pass a ready ``driver``) and close with ``await memory.aclose()`` or ``async with``.

    Methods and arguments are those of :class:`mem0g.Memory`, as coroutines; ``add(..., wait=False)``
    returns an :class:`~mem0g.AsyncTaskHandle` whose ``await handle.wait()`` gives the result.
    """

    def __init__(
        self,
        *,
        driver: AsyncDriver,
        settings: Settings | None = None,
        embedder: Embedder | None = None,
        llm: AsyncLLMClient | None = None,
        summary_llm: AsyncLLMClient | None = None,
        owns_driver: bool = False,
        **overrides: Any,
    ) -> None:
        self.settings = settings or load_settings(**overrides)
        self._driver = driver
        self._owns_driver = owns_driver
        self._store = AsyncGraphStore(driver, database=self.settings.neo4j_database)
        self._embedder = embedder or make_embedder(self.settings)
        self._llm = llm
        self._summary_llm = summary_llm
        self._owned_llms: list[AsyncLLMClient] = []
        self._background: AsyncBackgroundQueue | None = None
        self._schema_ready = False
        self._usage = LLMUsage()
        self._threads: dict[tuple[str, str], tuple[str | None, str | None]] = {}
        self._summarizing: set[tuple[str, str]] = set()  # threads with a refresh queued or running

    @classmethod
    async def create(
        cls,
        *,
        settings: Settings | None = None,
        embedder: Embedder | None = None,
        llm: AsyncLLMClient | None = None,
        summary_llm: AsyncLLMClient | None = None,
        **overrides: Any,
    ) -> AsyncMemory:
        """Open a driver from the settings (``NEO4J_URI`` or the local server) and return a memory."""
        settings = settings or load_settings(**overrides)
        driver = await _open_driver(settings)
        return cls(
            driver=driver,
            settings=settings,
            embedder=embedder,
            llm=llm,
            summary_llm=summary_llm,
            owns_driver=True,
        )

    async def aclose(self) -> None:
        """Finish background work, then close the clients this instance opened."""
        try:
            if self._background is not None:
                await self._background.close()
        finally:
            for client in self._owned_llms:
                await client.aclose()
            if self._owns_driver:
                await self._driver.close()

    async def __aenter__(self) -> AsyncMemory:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    @property
    def store(self) -> AsyncGraphStore:
        return self._store

    @property
    def usage(self) -> LLMUsage:
        return self._usage.model_copy()

    async def _embed(self, texts: list[str]) -> dict[str, list[float]]:
        return await asyncio.to_thread(embed_unique, self._embedder, texts)

    async def _embed_list(self, texts: list[str]) -> list[list[float]]:
        return await asyncio.to_thread(self._embedder.embed, texts)

    async def init(self, *, reindex: bool = False) -> None:
        dims = await asyncio.to_thread(lambda: self._embedder.dimensions)
        await self._store.ensure_schema(dimensions=dims, reindex=reindex, embed=self._embed_list)
        self._schema_ready = True

    async def _ready(self) -> None:
        if not self._schema_ready:
            await self.init()

    def _queue(self) -> AsyncBackgroundQueue:
        if self._background is None:
            self._background = AsyncBackgroundQueue(concurrency=self.settings.background_concurrency)
        return self._background

    def _llm_client(self) -> AsyncLLMClient:
        if self._llm is None:
            config = llm_config_from_settings(self.settings)
            if config is None:
                raise ConfigError(NO_LLM_MESSAGE)
            self._llm = AsyncLLMClient(config)
            self._owned_llms.append(self._llm)
        return self._llm

    # -- writes -----------------------------------------------------------------------------------

    async def add_facts(
        self,
        facts: Iterable[FactIn | Mapping[str, Any]],
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        metadata: Mapping[str, MetadataValue] | None = None,
        now: datetime | str | None = None,
    ) -> IngestReport:
        """See :meth:`mem0g.Memory.add_facts`."""
        recorded_at = parse_instant(now, field="now") or utcnow()
        by_user = group_by_user(facts, user_id)
        await self._ready()
        report = IngestReport()
        size = self.settings.batch_size
        for owner, owned in by_user.items():
            for start in range(0, len(owned), size):
                batch = prepare_batch(
                    owned[start : start + size],
                    user_id=owner,
                    now=recorded_at,
                    cardinality_overrides=self.settings.cardinality,
                    default_agent_id=agent_id,
                    default_run_id=run_id,
                    default_metadata=metadata,
                )
                vectors = await self._embed(batch.texts_to_embed())
                outcome = await self._store.write(
                    functools.partial(
                        write_steps, user_id=owner, now=recorded_at, batch=batch, vectors=vectors
                    ),
                    what="writing facts",
                )
                report.merge(outcome.report)
        return report

    @overload
    async def add(
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
    async def add(
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
    ) -> AsyncTaskHandle[AddResult]: ...

    async def add(
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
    ) -> AddResult | AsyncTaskHandle[AddResult]:
        """See :meth:`mem0g.Memory.add`."""
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
            self._llm_client()
        if not wait:
            return self._queue().submit(user_id, lambda: self._add(request), kind="add")
        return await self._add(request)

    async def _add(self, request: _pipeline.AddRequest) -> AddResult:
        await self._ready()
        user_id = request.user_id
        template = load_template(EXTRACT_TEMPLATE)
        episodes = _pipeline.episode_specs(request, prompt_version=template.tag if request.infer else None)
        ids = [e.id for e in episodes]
        known_rows = await self._store.read(lambda: single("episodes_existing", user_id=user_id, ids=ids))
        known = {r["id"] for r in known_rows}
        fresh = [e for e in episodes if e.id not in known]
        result = AddResult(episodes_skipped=[e.id for e in episodes if e.id in known])
        if not fresh:
            result.skipped = True
            return result
        conversation = (request.thread, request.agent_id, request.run_id)

        if not request.infer:
            vectors = await self._embed([e.embedding_text for e in fresh])
            outcome = await self._store.write(
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
        vectors = await self._embed([e.embedding_text for e in fresh] + [query_text])
        context = await self._store.read(
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
        answer = await llm.structured(prompt, schema=Extraction, name="mem0g_extraction")
        self._usage += answer.usage
        result.usage, result.calls, result.prompt_version = answer.usage, answer.calls, template.tag
        outcome = await self._write_extraction(
            request, fresh, answer.value, context, result, vectors, conversation
        )
        result.results = await self._store.read(lambda: _pipeline.events_steps(user_id, outcome))
        return result

    async def _write_extraction(
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
            vectors.update(await self._embed([t for t in batch.texts_to_embed() if t not in vectors]))
        outcome = await self._store.write(
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
        if not request.infer:
            return  # stored messages only: nothing to summarise without an LLM
        key = (request.user_id, request.thread)
        self._threads[key] = (request.agent_id, request.run_id)
        due = outcome.pending_messages >= self.settings.summary_every
        if due and key not in self._summarizing:
            self._summarizing.add(key)
            self._queue().submit(
                request.user_id,
                lambda: self._refresh_summary(request.user_id, request.thread, request.user_name),
                kind="summary",
            )

    async def _refresh_summary(self, user_id: str, thread: str, user_name: str | None) -> LLMUsage:
        try:
            return await self._summarize(user_id, thread, user_name)
        finally:
            self._summarizing.discard((user_id, thread))

    async def _summarize(self, user_id: str, thread: str, user_name: str | None) -> LLMUsage:
        rows = await self._store.read(
            lambda: single("conversation_unsummarized", user_id=user_id, thread=thread, limit=_SUMMARY_BATCH)
        )
        if not rows or not rows[0]["messages"]:
            return LLMUsage()
        summary, messages = rows[0]["summary"], rows[0]["messages"]
        template = load_template(SUMMARY_TEMPLATE)
        prompt = summary_messages(
            template,
            summary=summary,
            messages=[{k: _pipeline.py_value(v) for k, v in m.items()} for m in messages],
            now=max(_pipeline.py_datetime(m["observed_at"]) for m in messages),
            user_name=user_name,
        )
        client = self._summary_llm or self._llm_client()
        answer = await client.structured(
            prompt, schema=SummaryOutput, name="mem0g_summary", model=self.settings.llm_summary_model
        )
        self._usage += answer.usage
        until = max(m["recorded_at"] for m in messages)
        await self._store.write(
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

    async def flush(self, *, summarize: bool = True) -> None:
        """See :meth:`mem0g.Memory.flush`."""
        queue = self._queue()
        await queue.flush()
        if not summarize:
            return
        for user_id, thread in list(self._threads):
            queue.submit(
                user_id, functools.partial(self._refresh_summary, user_id, thread, None), kind="summary"
            )
        await queue.flush()

    def task_status(self, task_id: str) -> TaskStatus | None:
        return None if self._background is None else self._background.status(task_id)

    def failures(self) -> list[TaskStatus]:
        return [] if self._background is None else self._background.failures()

    async def delete(self, fact_id: str, *, user_id: str) -> None:
        check_user_id(user_id)
        from mem0g._ops import delete_fact_steps

        if not await self._store.write(lambda: delete_fact_steps(user_id, fact_id), what="a delete"):
            raise NotFoundError(f"no fact with id {fact_id!r} for user {user_id!r}")

    async def forget(self, user_id: str) -> int:
        check_user_id(user_id)
        return await self._store.forget(user_id)

    # -- reads ------------------------------------------------------------------------------------

    async def search(
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
        """See :meth:`mem0g.Memory.search`."""
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
        await self._ready()
        vector = (await self._embed_list([args.query]))[0]
        return await self._store.read(
            lambda: search_steps(
                args.query, vector, user_id=args.user_id, flt=args.flt, options=args.options
            ),
            what="a search",
        )

    async def search_episodes(
        self,
        query: str,
        *,
        user_id: str,
        limit: int = 10,
        as_of: datetime | str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
    ) -> list[EpisodeHit]:
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
        await self._ready()
        vector = (await self._embed_list([query]))[0]
        return await self._store.read(
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

    async def summary(
        self, user_id: str, *, agent_id: str | None = None, run_id: str | None = None
    ) -> str | None:
        check_user_id(user_id)
        thread = _pipeline.thread_key(agent_id, run_id)
        rows = await self._store.read(
            lambda: single("conversation_context", user_id=user_id, thread=thread, recent=0)
        )
        return rows[0]["summary"] if rows else None

    async def get_all(
        self,
        *,
        user_id: str,
        as_of: datetime | str | None = None,
        current_only: bool = False,
        agent_id: str | None = None,
        run_id: str | None = None,
        limit: int | None = None,
    ) -> list[FactRecord]:
        check_user_id(user_id)
        when = parse_instant(as_of, field="as_of")
        return await self._store.read(
            lambda: facts_all_steps(
                user_id,
                now=utcnow(),
                as_of=when,
                current_only=current_only,
                agent_id=agent_id,
                run_id=run_id,
                limit=limit or 1_000_000,
            )
        )

    async def history(self, entity: str, *, user_id: str) -> list[FactRecord]:
        check_user_id(user_id)
        key = entity_key(entity)
        return await self._store.read(lambda: entity_history_steps(user_id, key))

    async def graph(self, user_id: str, *, as_of: datetime | str | None = None) -> nx.MultiDiGraph:
        check_user_id(user_id)
        when = parse_instant(as_of, field="as_of")
        return graph_from_rows(user_id, await self._store.read(lambda: graph_rows_steps(user_id, when)))

    async def users(self) -> list[dict[str, Any]]:
        return await self._store.read(users_steps)
