"""``AsyncMemory``: the asyncio door, on the async Neo4j driver and ``AsyncOpenAI``.

It runs the very programs :class:`mem0g.Memory` runs (:mod:`mem0g._engine.operations`), so the two
cannot drift apart. Local embedding models are CPU-bound: their calls run in a worker thread
(``asyncio.to_thread``), which keeps the event loop responsive while torch computes (it releases the
GIL). Neo4j and LLM calls are native asyncio: no thread wraps a sync client.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

from neo4j import AsyncDriver

from mem0g import tracing
from mem0g._background import AsyncBackgroundQueue, AsyncTaskHandle
from mem0g._door import Door, async_op
from mem0g._engine import effects as fx
from mem0g._engine.operations import Operations
from mem0g._neo4j.driver import open_async_driver
from mem0g._neo4j.executor import AsyncGraphStore
from mem0g.config import Settings, load_settings
from mem0g.embeddings import Embedder, embed_checked, make_embedder
from mem0g.llm import AsyncLLMClient, LLMConfig
from mem0g.models import AddResult
from mem0g.tracing import Observer

__all__ = ["AsyncMemory"]

T = TypeVar("T")


class AsyncMemory(Door[AsyncTaskHandle[Any], AsyncLLMClient]):
    """Long-term graph memory for asyncio agents. Create with ``await AsyncMemory.create(...)`` (or
    pass a ready ``driver``) and close with ``await memory.aclose()`` or ``async with``.

    Methods and arguments are those of :class:`mem0g.Memory`, as coroutines; ``add(..., wait=False)``
    returns an :class:`~mem0g.AsyncTaskHandle` whose ``await handle.wait()`` gives the result.
    """

    _background: AsyncBackgroundQueue | None

    def __init__(
        self,
        *,
        driver: AsyncDriver,
        settings: Settings | None = None,
        embedder: Embedder | None = None,
        llm: AsyncLLMClient | None = None,
        summary_llm: AsyncLLMClient | None = None,
        observer: Observer | None = None,
        owns_driver: bool = False,
        **overrides: Any,
    ) -> None:
        settings = settings or load_settings(**overrides)
        self._driver, self._owns_driver = driver, owns_driver
        self._store = AsyncGraphStore(driver, database=settings.neo4j_database)
        embedder = embedder or make_embedder(settings)
        super().__init__(settings, embedder, llm=llm, summary_llm=summary_llm, observer=observer)
        self._warming_server: asyncio.Task[None] | None = None

    @classmethod
    async def create(cls, *, settings: Settings | None = None, **kwargs: Any) -> AsyncMemory:
        """Open a driver from the settings (``NEO4J_URI`` or the local server) and return a memory;
        ``kwargs`` are the constructor's (``embedder``, ``llm``, ``summary_llm``, ``observer``) and
        setting overrides."""
        parts = ("embedder", "llm", "summary_llm", "observer")
        settings = settings or load_settings(**{k: v for k, v in kwargs.items() if k not in parts})
        driver = await open_async_driver(settings)
        given = {k: v for k, v in kwargs.items() if k in parts}
        memory = cls(driver=driver, settings=settings, owns_driver=True, **given)
        if settings.warm_up:  # the server too, off the caller's path (see Operations.warm_up)
            memory._warming_server = asyncio.create_task(memory._warm_server())
        return memory

    async def _warm_server(self) -> None:
        # In a trace of its own that nobody sees (the task runs in a copy of the caller's context).
        tracing.current.set(tracing.OperationTrace("warm_up"))
        with contextlib.suppress(Exception):  # a real operation reports what is wrong
            await self._run(self._ops.warm_up(), "warm_up")

    async def aclose(self) -> None:
        """Finish background work, then close the clients this instance opened."""
        try:
            if self._warming_server is not None:
                await self._warming_server
            await asyncio.to_thread(self._warmed)
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
        """The Neo4j adapter (its ``driver`` and ``database``), for tools that query it directly."""
        return self._store

    # -- the interpreter: each effect with asyncio I/O --------------------------------------------

    async def _run(self, program: fx.Program[T], operation: str, *, job: bool = False) -> T:
        with self._traced(operation, job=job):
            return await fx.adrive(program, self._answer)

    async def _answer(self, effect: fx.Effect) -> Any:
        with self._timed(effect):
            if isinstance(effect, fx.Read):
                return await self._store.read(effect.steps, what=effect.what)
            if isinstance(effect, fx.Write):
                return await self._store.write(effect.steps, what=effect.what)
            if isinstance(effect, fx.Autocommit):
                return await self._store.autocommit(effect.steps, embed=self._embed, what=effect.what)
            if isinstance(effect, fx.Embed):
                return await self._embed(effect.texts)
            if isinstance(effect, fx.ModelInfo):  # the model may load on first use: not on the loop
                return await asyncio.to_thread(lambda: (self._embedder.model_name, self._embedder.dimensions))
            if isinstance(effect, fx.Complete):
                client = self._client(effect.purpose)
                return await client.structured(
                    effect.messages, schema=effect.schema, name=effect.name, model=effect.model
                )
            if isinstance(effect, fx.Spawn):
                job, kind = effect.program, effect.kind
                return self._queue().submit(effect.key, lambda: self._run(job(), kind, job=True), kind=kind)
            if isinstance(effect, fx.Drain):
                return await asyncio.wait_for(self._queue().flush(), effect.timeout)
        raise TypeError(f"not an effect: {effect!r}")

    async def _embed(self, texts: tuple[str, ...]) -> list[list[float]]:
        return await asyncio.to_thread(embed_checked, self._embedder, texts)

    def _queue(self) -> AsyncBackgroundQueue:
        if self._background is None:
            self._background = AsyncBackgroundQueue(concurrency=self.settings.background_concurrency)
        return self._background

    def _make_llm(self, config: LLMConfig) -> AsyncLLMClient:
        return AsyncLLMClient(config)

    def _method(self, operation: Callable[..., fx.Program[Any]]) -> Callable[..., Any]:
        async def method(*args: Any, **kwargs: Any) -> Any:
            return await self._run(operation(self._ops, *args, **kwargs), operation.__name__)

        return functools.update_wrapper(method, operation)

    add = async_op(Operations[AsyncTaskHandle[AddResult]].add)
