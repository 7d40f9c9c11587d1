"""What the benchmarks ask of Neo4j and of mem0g beyond its operations, through public doors only.

- The bench's own Cypher (``bench/cypher/<name>.cypher``: checks and reference data mem0g has no
  operation for) runs on the Memory's driver (``memory.store.driver`` / ``memory.store.database``).
  One query per file, its ``//`` header stripped, values as parameters, as mem0g's own files.
- :class:`Traces` is an observer for ``Memory(observer=...)`` (:mod:`mem0g.tracing`): it keeps the
  trace of the last operation (and, inside :meth:`Traces.collect`, every trace), so a benchmark can
  read what an operation did (its queries with their rows and times, its embedding time) without
  reaching into mem0g.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mem0g.tracing import OperationTrace

__all__ = ["CYPHER_DIR", "Traces", "cypher", "rows", "stream"]

CYPHER_DIR = Path(__file__).resolve().with_name("cypher")


@functools.cache
def cypher(name: str) -> str:
    """The text of ``bench/cypher/<name>.cypher`` without its comment lines."""
    path = CYPHER_DIR / f"{name}.cypher"
    if "/" in name or "\\" in name or not path.is_file():
        raise FileNotFoundError(f"no bench query {name!r} in {CYPHER_DIR}")
    text = "\n".join(
        line for line in path.read_text(encoding="utf-8").splitlines() if not line.lstrip().startswith("//")
    )
    # A file of the repository, never built from data: a literal as far as the driver is concerned.
    return text.strip()


def rows(memory: Any, name: str, **params: Any) -> list[dict[str, Any]]:
    """Run a bench query (in its own auto-commit transaction) and return its rows as dicts."""
    records, _, _ = memory.store.driver.execute_query(cypher(name), params, database_=memory.store.database)
    return [record.data() for record in records]


def stream(memory: Any, name: str, **params: Any) -> Iterator[Any]:
    """The records of a bench query one by one (a user's 100k vectors never sit in one list)."""
    with memory.store.driver.session(database=memory.store.database) as session:
        yield from session.run(cypher(name), params)


class Traces:
    """``Memory(observer=Traces())``: the trace of the last operation, or every trace while collecting."""

    def __init__(self) -> None:
        self.last: OperationTrace | None = None
        self._sinks: list[list[OperationTrace]] = []

    def __call__(self, trace: OperationTrace) -> None:
        self.last = trace
        for sink in self._sinks:
            sink.append(trace)

    def take(self, operation: str) -> OperationTrace:
        """The trace of the operation that just returned (which must be ``operation``)."""
        trace, self.last = self.last, None
        if trace is None or trace.operation != operation:
            got = None if trace is None else trace.operation
            raise RuntimeError(f"expected the trace of {operation!r}, got {got!r}: is the observer set?")
        return trace

    @contextlib.contextmanager
    def collect(self) -> Iterator[list[OperationTrace]]:
        """Every trace reported inside the block, in order."""
        sink: list[OperationTrace] = []
        self._sinks.append(sink)
        try:
            yield sink
        finally:
            self._sinks.remove(sink)
