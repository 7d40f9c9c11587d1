"""``Memory``: the sync door. Scoped by ``user_id`` (and optionally ``agent_id``/``run_id``).

Every operation is written once in :mod:`mem0g._engine.operations`; this module only carries out
the programs they return, with the sync Neo4j driver, the embedder and the sync LLM client.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

from neo4j import Driver

from mem0g import tracing
from mem0g._background import BackgroundQueue, TaskHandle
from mem0g._door import Door, sync_op
from mem0g._engine.effects import (
    Autocommit,
    Complete,
    Drain,
    Effect,
    Embed,
    ModelInfo,
    Program,
    Read,
    Spawn,
    Write,
    drive,
)
from mem0g._engine.operations import Operations
from mem0g._neo4j.driver import open_driver
from mem0g._neo4j.executor import GraphStore
from mem0g.config import Settings, load_settings
from mem0g.embeddings import Embedder, embed_checked, make_embedder
from mem0g.llm import LLMClient, LLMConfig
from mem0g.models import AddResult
from mem0g.tracing import Observer

__all__ = ["Memory"]

T = TypeVar("T")


class Memory(Door[TaskHandle[Any], LLMClient]):
    """Long-term graph memory for agents, on Neo4j.

    >>> with Memory() as memory:  # doctest: +SKIP
    ...     memory.add("Sarah moved to Shinjuku last week", user_id="alice", timestamp="2025-05-01")
    ...     memory.search("Where does Sarah live?", user_id="alice").results[0].object
    'Shinjuku'

    Without ``NEO4J_URI`` the project-managed local Neo4j is started on first use. ``llm`` and
    ``summary_llm`` may be injected; otherwise they are built from the settings on first ``add``.
    ``observer`` is called with an :class:`~mem0g.tracing.OperationTrace` after each operation.
    """

    _background: BackgroundQueue | None

    def __init__(
        self,
        *,
        settings: Settings | None = None,
        driver: Driver | None = None,
        embedder: Embedder | None = None,
        llm: LLMClient | None = None,
        summary_llm: LLMClient | None = None,
        observer: Observer | None = None,
        **overrides: Any,
    ) -> None:
        settings = settings or load_settings(**overrides)
        self._owns_driver = driver is None
        self._driver = driver or open_driver(settings)
        self._store = GraphStore(self._driver, database=settings.neo4j_database)
        embedder = embedder or make_embedder(settings)
        super().__init__(settings, embedder, llm=llm, summary_llm=summary_llm, observer=observer)
        # The server too, off the caller's path (see Operations.warm_up); close() waits for it.
        self._warming_server: threading.Thread | None = None
        if settings.warm_up:
            self._warming_server = threading.Thread(target=self._warm_server, name="mem0g-warm-server")
            self._warming_server.start()

    def _warm_server(self) -> None:
        # Traced into a trace of its own that nobody sees: the observer reports the caller's
        # operations only, and this runs beside them.
        tracing.current.set(tracing.OperationTrace("warm_up"))
        with contextlib.suppress(Exception):  # a real operation reports what is wrong
            self._run(self._ops.warm_up(), "warm_up")

    def close(self) -> None:
        """Finish background work (adds and summary refreshes), then close clients."""
        try:
            if self._warming_server is not None:
                self._warming_server.join()
            self._warmed()
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
        """The Neo4j adapter (its ``driver`` and ``database``), for tools that query it directly."""
        return self._store

    # -- the interpreter --------------------------------------------------------------------------

    def _run(self, program: Program[T], operation: str, *, job: bool = False) -> T:
        with self._traced(operation, job=job):
            return drive(program, self._answer)

    def _answer(self, effect: Effect) -> Any:
        with self._timed(effect):
            match effect:
                case Read(steps=steps, what=what):
                    return self._store.read(steps, what=what)
                case Write(steps=steps, what=what):
                    return self._store.write(steps, what=what)
                case Autocommit(steps=steps, what=what):
                    return self._store.autocommit(steps, embed=self._embed, what=what)
                case Embed(texts=texts):
                    return self._embed(texts)
                case ModelInfo():
                    return self._embedder.model_name, self._embedder.dimensions
                case Complete():
                    client = self._client(effect.purpose)
                    return client.structured(
                        effect.messages, schema=effect.schema, name=effect.name, model=effect.model
                    )
                case Spawn(key=key, program=job, kind=kind):
                    return self._queue().submit(key, lambda: self._run(job(), kind, job=True), kind=kind)
                case Drain(timeout=timeout):
                    return self._queue().flush(timeout)
        raise TypeError(f"not an effect: {effect!r}")

    def _embed(self, texts: tuple[str, ...]) -> list[list[float]]:
        return embed_checked(self._embedder, texts)

    def _queue(self) -> BackgroundQueue:
        with self._env.state.lock:
            if self._background is None:
                self._background = BackgroundQueue(concurrency=self.settings.background_concurrency)
            return self._background

    def _make_llm(self, config: LLMConfig) -> LLMClient:
        return LLMClient(config)

    def _method(self, operation: Callable[..., Program[Any]]) -> Callable[..., Any]:
        @functools.wraps(operation)
        def method(*args: Any, **kwargs: Any) -> Any:
            return self._run(operation(self._ops, *args, **kwargs), operation.__name__)

        return method

    add = sync_op(Operations[TaskHandle[AddResult]].add)
