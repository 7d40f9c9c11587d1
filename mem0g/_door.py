"""What the two doors share: everything but I/O.

:class:`Door` holds the settings, the embedder, the engine's :class:`~mem0g._engine.env.Env` and the
operations, the LLM clients' lazy set-up, task status and tracing. :func:`sync_op` and
:func:`async_op` publish an operation of :class:`~mem0g._engine.operations.Operations` on a door with
its signature and docstring; the door's ``_run`` carries out the program the operation returns.
"""

from __future__ import annotations

import contextlib
import functools
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from typing import TYPE_CHECKING, Any, Concatenate, Generic, ParamSpec, Protocol, TypeVar, overload

from mem0g import tracing
from mem0g._engine.effects import Effect, Program
from mem0g._engine.env import Env, State
from mem0g._engine.operations import NO_LLM_MESSAGE, Operations
from mem0g.config import Settings
from mem0g.embeddings import Embedder
from mem0g.errors import ConfigError
from mem0g.extraction import EXTRACT_TEMPLATE, SUMMARY_TEMPLATE, load_template
from mem0g.llm import LLMConfig, LLMUsage, llm_config_from_settings
from mem0g.models import TaskStatus

if TYPE_CHECKING:
    from mem0g.amemory import AsyncMemory
    from mem0g.memory import Memory

__all__ = ["Door", "async_op", "op", "sync_op"]

P = ParamSpec("P")
T = TypeVar("T")
H = TypeVar("H")  # the door's task handle
C = TypeVar("C")  # the door's LLM client


class op(Generic[P, T]):  # noqa: N801 - used like a decorator
    """An operation of :class:`~mem0g._engine.operations.Operations` published on both doors.

    On a :class:`~mem0g.Memory` it is a method that runs the operation's program and returns the
    result; on an :class:`~mem0g.AsyncMemory`, a coroutine method. Signature and docstring are the
    operation's: written once, they cannot differ between the doors.
    """

    def __init__(self, operation: Callable[Concatenate[Any, P], Program[T]]) -> None:
        self.operation = operation
        self.__doc__ = operation.__doc__
        self.__wrapped__ = operation
        self.__name__ = operation.__name__

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self.__name__ = name

    @overload
    def __get__(self, door: None, owner: type[Any]) -> op[P, T]: ...
    @overload
    def __get__(self, door: Memory, owner: type[Any]) -> Callable[P, T]: ...
    @overload
    def __get__(self, door: AsyncMemory, owner: type[Any]) -> Callable[P, Coroutine[Any, Any, T]]: ...
    def __get__(self, door: Any, owner: type[Any]) -> Any:
        if door is None:
            return self
        method = door._method(self.operation)
        door.__dict__[self.__name__] = method  # bound once per door
        return method


class _Queue(Protocol):
    def status(self, task_id: str) -> TaskStatus | None: ...
    def failures(self) -> list[TaskStatus]: ...


class Door(Generic[H, C]):
    """Shared state and logic of :class:`mem0g.Memory` and :class:`mem0g.AsyncMemory`."""

    _background: _Queue | None

    def __init__(
        self,
        settings: Settings,
        embedder: Embedder,
        *,
        llm: C | None,
        summary_llm: C | None,
        observer: tracing.Observer | None,
    ) -> None:
        self.settings = settings
        self._embedder = embedder
        self._llm, self._summary_llm = llm, summary_llm
        self._owned_llms: list[C] = []
        self._background = None
        self._observer = observer
        configured = llm is not None or llm_config_from_settings(settings) is not None
        self._env = Env(
            settings=settings,
            extract_template=load_template(EXTRACT_TEMPLATE),
            summary_template=load_template(SUMMARY_TEMPLATE),
            llm_configured=configured,
            state=State(vector_cache_bytes=settings.vector_cache_mb * 1024 * 1024),
        )
        self._ops: Operations[H] = Operations(self._env)
        # Load the model off the caller's path, so the first search pays no load. Not a daemon: a
        # native runtime torn down mid-load at interpreter exit aborts the process (exit 134); close()
        # and interpreter exit wait for it instead (a load takes well under a second once exported).
        self._warming: threading.Thread | None = None
        warm_up = getattr(embedder, "warm_up", None)
        if callable(warm_up):
            self._warming = threading.Thread(target=_quietly, args=(warm_up,), name="mem0g-warm-up")
            self._warming.start()

    # -- the operations, published on both doors (``add`` is each door's: its handle type differs) -

    init = op(Operations.init)
    warm_up = op(Operations.warm_up)
    add_facts = op(Operations.add_facts)
    flush = op(Operations.flush)
    delete = op(Operations.delete)
    forget = op(Operations.forget)
    search = op(Operations.search)
    search_episodes = op(Operations.search_episodes)
    summary = op(Operations.summary)
    get_all = op(Operations.get_all)
    history = op(Operations.history)
    graph = op(Operations.graph)
    users = op(Operations.users)
    stats = op(Operations.stats)
    doctor = op(Operations.doctor)
    create_key = op(Operations.create_key)
    list_keys = op(Operations.list_keys)
    revoke_key = op(Operations.revoke_key)
    tenant_for_key = op(Operations.tenant_for_key)

    def _method(self, operation: Callable[..., Program[Any]]) -> Callable[..., Any]:
        raise NotImplementedError

    @property
    def embedder(self) -> Embedder:
        return self._embedder

    @property
    def usage(self) -> LLMUsage:
        """LLM calls and tokens spent by this instance so far (adds and summary refreshes)."""
        with self._env.state.lock:
            return self._env.state.usage.model_copy()

    def task_status(self, task_id: str) -> TaskStatus | None:
        """The state of a background add or summary refresh (``None`` for an unknown id)."""
        return None if self._background is None else self._background.status(task_id)

    def failures(self) -> list[TaskStatus]:
        """Background jobs that failed, with their errors (kept until this instance is closed)."""
        return [] if self._background is None else self._background.failures()

    def _warmed(self) -> None:
        """Wait for the embedder's warm-up (close() does, before releasing anything)."""
        if self._warming is not None:
            self._warming.join()

    def _make_llm(self, config: LLMConfig) -> C:
        raise NotImplementedError

    def _client(self, purpose: str) -> C:
        """The LLM client for ``purpose``, built from the settings on first use."""
        with self._env.state.lock:
            if purpose == "summary" and self._summary_llm is not None:
                return self._summary_llm
            if self._llm is None:
                config = llm_config_from_settings(self.settings)
                if config is None:
                    raise ConfigError(NO_LLM_MESSAGE)
                self._llm = self._make_llm(config)
                self._owned_llms.append(self._llm)
            return self._llm

    # -- tracing ----------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _traced(self, operation: str, *, job: bool = False) -> Iterator[None]:
        """Trace one operation for the observer (nested operations belong to the outer one). A
        background ``job`` is traced on its own: an asyncio task inherits its spawner's context."""
        if job:
            tracing.current.set(None)  # in the job's own context (its thread, or its task's copy)
        if self._observer is None or tracing.current.get() is not None:
            yield
            return
        trace = tracing.OperationTrace(operation)
        token = tracing.current.set(trace)
        started = time.perf_counter()
        try:
            yield
        except BaseException as exc:
            trace.error = f"{type(exc).__name__}: {exc}"
            raise
        finally:
            tracing.current.reset(token)
            trace.seconds = time.perf_counter() - started
            self._observer(trace)

    @staticmethod
    @contextlib.contextmanager
    def _timed(effect: Effect) -> Iterator[None]:
        trace = tracing.current.get()
        if trace is None:
            yield
            return
        started = time.perf_counter()
        try:
            yield
        finally:
            kind, detail = _describe(effect)
            trace.effects.append(tracing.EffectTrace(kind, time.perf_counter() - started, detail))


def _quietly(job: Callable[[], object]) -> None:
    # A failure here shows again, with its message, on the first real use of the embedder.
    with contextlib.suppress(Exception):
        job()


def _describe(effect: Effect) -> tuple[tracing.EffectKind, str]:
    name = type(effect).__name__
    kind: tracing.EffectKind = {
        "Read": "read",
        "Write": "write",
        "Autocommit": "autocommit",
        "Embed": "embed",
        "ModelInfo": "model_info",
        "Complete": "llm",
        "Spawn": "spawn",
        "Drain": "drain",
    }[name]  # type: ignore[assignment]
    detail = getattr(effect, "what", "") or getattr(effect, "name", "") or getattr(effect, "kind", "")
    if kind == "embed":
        detail = str(len(getattr(effect, "texts", ())))
    return kind, str(detail)


def sync_op(operation: Callable[Concatenate[Any, P], Program[T]]) -> Callable[Concatenate[Any, P], T]:
    """``operation`` as a method of the sync door (for ``add``, whose result type is the door's)."""

    @functools.wraps(operation)
    def method(self: Memory, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return self._run(operation(self._ops, *args, **kwargs), operation.__name__)

    return method


def async_op(
    operation: Callable[Concatenate[Any, P], Program[T]],
) -> Callable[Concatenate[Any, P], Coroutine[Any, Any, T]]:
    """``operation`` as a coroutine method of the async door."""

    @functools.wraps(operation)
    async def method(self: AsyncMemory, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return await self._run(operation(self._ops, *args, **kwargs), operation.__name__)

    return method
