"""What engine code asks for, and the loop that answers it (no I/O here).

Engine code is written as generators that *yield* requests and receive their answers, so the same
code runs under the sync door (:class:`mem0g.Memory`) and the async one (:class:`mem0g.AsyncMemory`),
and under a scripted runner in the unit tests. It comes at two levels:

* **Steps**, inside one database transaction: they yield :class:`Query` (answered with the query's
  rows) and :class:`Embed` (answered with one vector per text; only re-indexing embeds between
  queries). The Neo4j adapter (:mod:`mem0g._neo4j.executor`) runs them in a read, write or
  auto-commit transaction; the driver retries a transaction whole, which is why transactions take a
  *factory* of steps.
* **Programs**, one per public operation: they yield :class:`Read`, :class:`Write` and
  :class:`Autocommit` (each a transaction of steps), :class:`Embed`, :class:`ModelInfo`,
  :class:`Complete` (one LLM call), :class:`Spawn` (background work) and :class:`Drain` (wait for
  it). A door answers each with its own I/O and sends the answer back (see :func:`drive`).

An error raised while answering is thrown into the generator at its ``yield``, so ``try``/``finally``
in engine code works as it reads.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel

__all__ = [
    "Autocommit",
    "Complete",
    "Drain",
    "Effect",
    "Embed",
    "ModelInfo",
    "Program",
    "Query",
    "Read",
    "Rows",
    "Spawn",
    "Steps",
    "TaskKind",
    "Write",
    "adrive",
    "autocommit",
    "complete",
    "drain",
    "drive",
    "embed",
    "embed_unique",
    "model_info",
    "read",
    "single",
    "spawn",
    "write",
]

T = TypeVar("T")
Rows = list[dict[str, Any]]
Vector = list[float]
TaskKind = Literal["add", "summary"]


@dataclass(frozen=True)
class Query:
    """One query to run: ``name`` is a file of ``cypher/``; values travel only in ``params``."""

    name: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Embed:
    """Embed texts; answered with one vector per text, in order (dimensions checked)."""

    texts: tuple[str, ...]


Steps = Generator[Query | Embed, Any, T]
StepsFactory = Callable[[], Steps[T]]


@dataclass(frozen=True)
class Read(Generic[T]):
    """Run the steps in one read transaction; answered with what they return."""

    steps: StepsFactory[T]
    what: str = "a read"


@dataclass(frozen=True)
class Write(Generic[T]):
    """Run the steps in one write transaction; answered with what they return."""

    steps: StepsFactory[T]
    what: str = "a write"


@dataclass(frozen=True)
class Autocommit(Generic[T]):
    """Run each query of the steps in its own auto-commit transaction (schema changes, ``CALL ... IN
    TRANSACTIONS``); the steps may also :class:`Embed`."""

    steps: StepsFactory[T]
    what: str = "a command"


@dataclass(frozen=True)
class ModelInfo:
    """The embedding model's name and dimensions; answered with ``(name, dimensions)``."""


@dataclass(frozen=True)
class Complete:
    """One structured LLM call; answered with a :class:`mem0g.llm.StructuredResult`.

    ``purpose`` picks the client: the extraction model, or the summary model when one is set.
    """

    messages: list[dict[str, str]]
    schema: type[BaseModel]
    name: str
    model: str | None = None
    purpose: Literal["extract", "summary"] = "extract"


@dataclass(frozen=True)
class Spawn:
    """Queue ``program`` as background work under ``key`` (one user's jobs run in order); answered
    with the door's task handle."""

    key: str
    program: Callable[[], Program[Any]]
    kind: TaskKind = "add"


@dataclass(frozen=True)
class Drain:
    """Wait until every queued background job has finished (``TimeoutError`` after ``timeout`` s)."""

    timeout: float | None = None


Effect = Read[Any] | Write[Any] | Autocommit[Any] | Embed | ModelInfo | Complete | Spawn | Drain
Program = Generator[Effect, Any, T]


def drive(gen: Generator[Any, Any, T], answer: Callable[[Any], Any]) -> T:
    """Run ``gen`` to its end, answering each request with ``answer`` (errors go back in)."""
    try:
        request = next(gen)
        while True:
            try:
                value = answer(request)
            except BaseException as exc:  # thrown in at the yield: engine try/finally blocks run
                request = gen.throw(exc)
            else:
                request = gen.send(value)
    except StopIteration as stop:
        result: T = stop.value
        return result


async def adrive(gen: Generator[Any, Any, T], answer: Callable[[Any], Awaitable[Any]]) -> T:
    """:func:`drive` with an async ``answer``."""
    try:
        request = next(gen)
        while True:
            try:
                value = await answer(request)
            except BaseException as exc:
                request = gen.throw(exc)
            else:
                request = gen.send(value)
    except StopIteration as stop:
        result: T = stop.value
        return result


# Typed shorthands: ``rows = yield from read(...)`` types ``rows`` from the steps' return type.


def single(name: str, /, **params: Any) -> Steps[Rows]:
    """Steps of one query that return its rows as they are."""
    rows: Rows = yield Query(name, params)
    return rows


def read(steps: StepsFactory[T], what: str = "a read") -> Program[T]:
    value: T = yield Read(steps, what)
    return value


def write(steps: StepsFactory[T], what: str = "a write") -> Program[T]:
    value: T = yield Write(steps, what)
    return value


def autocommit(steps: StepsFactory[T], what: str = "a command") -> Program[T]:
    value: T = yield Autocommit(steps, what)
    return value


def embed(texts: list[str]) -> Program[list[Vector]]:
    if not texts:
        return []
    vectors: list[Vector] = yield Embed(tuple(texts))
    return vectors


def model_info() -> Program[tuple[str, int]]:
    info: tuple[str, int] = yield ModelInfo()
    return info


def complete(
    messages: list[dict[str, str]],
    schema: type[BaseModel],
    *,
    name: str,
    model: str | None = None,
    purpose: Literal["extract", "summary"] = "extract",
) -> Program[Any]:
    answer = yield Complete(messages, schema, name, model, purpose)
    return answer


def spawn(key: str, program: Callable[[], Program[Any]], kind: TaskKind = "add") -> Program[Any]:
    handle = yield Spawn(key, program, kind)
    return handle


def drain(timeout: float | None = None) -> Program[None]:
    yield Drain(timeout)


def embed_unique(texts: list[str]) -> Program[dict[str, Vector]]:
    """Embed each distinct text once (a batch often repeats names and sentences)."""
    unique = list(dict.fromkeys(texts))
    vectors = yield from embed(unique)
    return dict(zip(unique, vectors, strict=True))
