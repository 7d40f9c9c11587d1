"""Sans-I/O steps: database work written once, run by a sync or an async driver.

A *steps* function is a generator that yields :class:`Query` objects (a Cypher file name and its
parameters) and receives each query's rows back, then returns its result. It contains all of the
logic (what to ask next, how to combine answers, the resolver) and none of the I/O, so the same code
runs inside a sync transaction (:func:`drive`) and an async one (:func:`adrive`). This is how
``Memory`` and ``AsyncMemory`` share one implementation without wrapping one client in threads.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

__all__ = ["Effect", "Embed", "Query", "Rows", "Steps", "adrive", "drive", "single"]

T = TypeVar("T")
Rows = list[dict[str, Any]]


@dataclass(frozen=True)
class Query:
    """One query to run: ``name`` is a file of ``cypher/``; values travel only in ``params``.

    ``part`` selects one statement of a multi-statement file (the schema).
    """

    name: str
    params: Mapping[str, Any] = field(default_factory=dict)
    part: int | None = None


@dataclass(frozen=True)
class Embed:
    """A request to embed texts (used by re-indexing, which embeds between queries).

    Answered with one row per text: ``{"embedding": [...]}``.
    """

    texts: tuple[str, ...]


Effect = Query | Embed
Steps = Generator[Effect, Rows, T]


def drive(
    steps: Steps[T],
    run: Callable[[Query], Rows],
    embed: Callable[[list[str]], list[list[float]]] | None = None,
) -> T:
    """Run ``steps`` to completion, answering each query with ``run`` (and embeddings with ``embed``)."""
    try:
        effect = next(steps)
        while True:
            if isinstance(effect, Embed):
                if embed is None:
                    raise RuntimeError("these steps need an embedding function")
                rows: Rows = [{"embedding": v} for v in embed(list(effect.texts))]
            else:
                rows = run(effect)
            effect = steps.send(rows)
    except StopIteration as stop:
        result: T = stop.value
        return result


async def adrive(
    steps: Steps[T],
    run: Callable[[Query], Awaitable[Rows]],
    embed: Callable[[list[str]], Awaitable[list[list[float]]]] | None = None,
) -> T:
    """:func:`drive` for an async ``run`` (and ``embed``)."""
    try:
        effect = next(steps)
        while True:
            if isinstance(effect, Embed):
                if embed is None:
                    raise RuntimeError("these steps need an embedding function")
                rows: Rows = [{"embedding": v} for v in await embed(list(effect.texts))]
            else:
                rows = await run(effect)
            effect = steps.send(rows)
    except StopIteration as stop:
        result: T = stop.value
        return result


def single(name: str, /, **params: Any) -> Steps[Rows]:
    """Steps of one query that return its rows as they are."""
    rows = yield Query(name, params)
    return rows
