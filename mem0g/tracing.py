"""Instrumentation: what one operation did, and how long each part took.

Pass ``observer=`` to :class:`mem0g.Memory` or :class:`mem0g.AsyncMemory` and it is called once per
public operation (and per background job) with an :class:`OperationTrace`::

    traces = []
    with Memory(observer=traces.append) as memory:
        memory.search("Where does Sarah live?", user_id="alice")
    [q.name for q in traces[0].queries]     # the Cypher files run, in order
    traces[0].time_in("embed")              # seconds spent embedding

The rows of each query are kept as the driver returned them (``QueryTrace.rows``), so a benchmark
can check an intermediate step (say, the entry points of a search) without reaching into mem0g.
Without an observer nothing is recorded.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["EffectKind", "EffectTrace", "Observer", "OperationTrace", "QueryTrace"]

EffectKind = Literal["read", "write", "autocommit", "embed", "model_info", "llm", "spawn", "drain"]


@dataclass(frozen=True)
class QueryTrace:
    """One Cypher query: its file name, its time on the wire and in Neo4j, and its rows."""

    name: str
    seconds: float
    rows: list[dict[str, Any]]


@dataclass(frozen=True)
class EffectTrace:
    """One thing the operation asked of its door: a transaction, an embedding, an LLM call, ..."""

    kind: EffectKind
    seconds: float
    detail: str = ""


@dataclass
class OperationTrace:
    """One public operation (``search``, ``add_facts``, ...) or one background job (``add``, ``summary``)."""

    operation: str
    seconds: float = 0.0
    effects: list[EffectTrace] = field(default_factory=list)
    queries: list[QueryTrace] = field(default_factory=list)
    error: str | None = None

    def time_in(self, kind: EffectKind) -> float:
        """Seconds spent in effects of one kind."""
        return sum(e.seconds for e in self.effects if e.kind == kind)

    def count(self, kind: EffectKind) -> int:
        return sum(1 for e in self.effects if e.kind == kind)


Observer = Callable[[OperationTrace], None]

# The trace of the operation running in this thread or task (None when nobody observes).
current: contextvars.ContextVar[OperationTrace | None] = contextvars.ContextVar("mem0g_trace", default=None)


def record_query(name: str, started: float, rows: list[dict[str, Any]]) -> None:
    """Called by the Neo4j adapter after each query."""
    trace = current.get()
    if trace is not None:
        trace.queries.append(QueryTrace(name, time.perf_counter() - started, rows))
