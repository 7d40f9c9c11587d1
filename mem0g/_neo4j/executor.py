"""Neo4j I/O for mem0g: run the engine's transaction steps on a driver.

Every query comes from ``cypher/*.cypher`` and gets its values as parameters. :class:`GraphStore`
runs steps on the sync driver, :class:`AsyncGraphStore` on the async one; the logic is the same
code (:mod:`mem0g._engine.effects`). Reads run in one read transaction, writes in one write
transaction (retried by the driver on transient errors, which is why they take a *factory* of
steps), commands each query in its own auto-commit transaction. Every driver error leaves here as a
:class:`~mem0g.errors.Mem0gError` (:mod:`mem0g._neo4j.errors`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, LiteralString, TypeVar, cast

import neo4j
from neo4j import AsyncDriver, AsyncManagedTransaction, Driver, ManagedTransaction
from neo4j.exceptions import ClientError, TransientError

from mem0g._engine.effects import Embed, Query, Rows, StepsFactory, adrive, drive
from mem0g._neo4j.errors import DRIVER_ERRORS, map_error
from mem0g._neo4j.queries import statements
from mem0g.errors import SchemaError
from mem0g.tracing import record_query

__all__ = ["AsyncGraphStore", "GraphStore"]

T = TypeVar("T")
EmbedFn = Callable[[tuple[str, ...]], list[list[float]]]
AsyncEmbedFn = Callable[[tuple[str, ...]], Awaitable[list[list[float]]]]


def _texts(q: Query) -> list[LiteralString]:
    # The text comes from a file shipped with mem0g, never from data: safe to treat as a literal.
    # Only the schema file holds several statements; they run one by one (in auto-commit).
    return statements(q.name)


def _single(q: Query) -> LiteralString:
    [text] = _texts(q)
    return text


#: Waits before re-running a command that failed for a passing reason (a deadlock with a writer of
#: the same user, say). Commands are idempotent (schema, forget, re-embedding), so a retry is safe;
#: transactions are retried by the driver itself.
_COMMAND_RETRIES = (0.05, 0.1, 0.2, 0.4, 0.8, 1.6)


def _schema_error(q: Query, index: int, exc: ClientError) -> SchemaError:
    return SchemaError(f"could not apply schema statement {q.name}[{index}]: {exc.message}")


#: What two processes creating the same index at once get from the second one, despite IF NOT
#: EXISTS (seen with three doors initialising a new database together): the index is there.
_ALREADY_THERE = "Neo.ClientError.Schema.EquivalentSchemaRuleAlreadyExists"


def _already_there(q: Query, exc: ClientError) -> bool:
    return q.name.startswith("schema") and exc.code == _ALREADY_THERE


def rows_of(result: neo4j.Result) -> Rows:
    """A result's records as plain dicts, as ``Result.data()`` gives them, but without walking
    every number of a vector: ``data()`` checks each list item against the graph types and the
    collection ABCs, which took 0.5 ms per 384-float embedding (a cold search reads hundreds)."""
    keys = result.keys()
    return [{key: _plain(value) for key, value in zip(keys, record, strict=True)} for record in result]


async def async_rows_of(result: neo4j.AsyncResult) -> Rows:
    """:func:`rows_of` for an async result."""
    keys = result.keys()
    return [{key: _plain(value) for key, value in zip(keys, record, strict=True)} async for record in result]


_NUMBERS = (float, int)
_SCALARS = frozenset((str, int, float, bool, type(None)))


def _plain(value: Any) -> Any:
    kind = type(value)
    if kind is list:
        # A list that starts with a number is a vector (Cypher lists here are homogeneous): as is.
        if not value or type(value[0]) in _NUMBERS:
            return value
        # So is a list of strings and other scalars (ids, a fact's fields): one type check each.
        if all(type(v) in _SCALARS for v in value):
            return value
        return [_plain(v) for v in value]
    if kind is dict:
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (neo4j.graph.Node, neo4j.graph.Relationship, neo4j.graph.Path)):
        # What data() makes of graph values (mem0g's queries return maps; the Browser's may not).
        return cast(Any, neo4j.Record)([("value", value)]).data()["value"]
    return value


class GraphStore:
    """Runs mem0g's steps on a sync :class:`neo4j.Driver`."""

    def __init__(self, driver: Driver, *, database: str = "neo4j") -> None:
        self.driver = driver
        self.database = database

    def _answer(self, run: Callable[[Query], Rows], embed: EmbedFn | None) -> Callable[[Any], Any]:
        def answer(request: Query | Embed) -> Any:
            if isinstance(request, Embed):
                if embed is None:  # only auto-commit steps (re-indexing) embed
                    raise TypeError("steps in a read or write transaction cannot embed")
                return embed(request.texts)
            started = time.perf_counter()
            rows = run(request)
            record_query(request.name, started, rows)
            return rows

        return answer

    def _in(self, tx: ManagedTransaction, steps: StepsFactory[T]) -> T:
        return drive(steps(), self._answer(lambda q: rows_of(tx.run(_single(q), dict(q.params))), None))

    def read(self, steps: StepsFactory[T], *, what: str = "a read") -> T:
        """Run steps in one read transaction (retried on transient errors)."""
        try:
            with self.driver.session(database=self.database, default_access_mode=neo4j.READ_ACCESS) as s:
                return s.execute_read(self._in, steps)
        except DRIVER_ERRORS as exc:
            raise map_error(exc, what) from exc

    def write(self, steps: StepsFactory[T], *, what: str = "a write") -> T:
        """Run steps in one write transaction (retried on transient errors)."""
        try:
            with self.driver.session(database=self.database) as s:
                return s.execute_write(self._in, steps)
        except DRIVER_ERRORS as exc:
            raise map_error(exc, what) from exc

    def autocommit(self, steps: StepsFactory[T], *, embed: EmbedFn, what: str = "a command") -> T:
        """Run each query of the steps in its own auto-commit transaction."""

        def run(q: Query) -> Rows:
            for wait in _COMMAND_RETRIES:
                try:
                    return run_once(q)
                except TransientError:
                    time.sleep(wait)
            return run_once(q)

        def run_once(q: Query) -> Rows:
            rows: Rows = []
            with self.driver.session(database=self.database) as s:
                for index, text in enumerate(_texts(q)):
                    try:
                        rows = rows_of(s.run(text, dict(q.params)))
                    except ClientError as exc:
                        if _already_there(q, exc):
                            continue
                        if q.name == "schema":
                            raise _schema_error(q, index, exc) from exc
                        raise
            return rows

        try:
            return drive(steps(), self._answer(run, embed))
        except DRIVER_ERRORS as exc:
            raise map_error(exc, what) from exc


class AsyncGraphStore:
    """Runs mem0g's steps on an :class:`neo4j.AsyncDriver` (same steps as :class:`GraphStore`)."""

    def __init__(self, driver: AsyncDriver, *, database: str = "neo4j") -> None:
        self.driver = driver
        self.database = database

    def _answer(
        self, run: Callable[[Query], Awaitable[Rows]], embed: AsyncEmbedFn | None
    ) -> Callable[[Any], Awaitable[Any]]:
        async def answer(request: Query | Embed) -> Any:
            if isinstance(request, Embed):
                if embed is None:
                    raise TypeError("steps in a read or write transaction cannot embed")
                return await embed(request.texts)
            started = time.perf_counter()
            rows = await run(request)
            record_query(request.name, started, rows)
            return rows

        return answer

    async def _in(self, tx: AsyncManagedTransaction, steps: StepsFactory[T]) -> T:
        async def run(q: Query) -> Rows:
            return await async_rows_of(await tx.run(_single(q), dict(q.params)))

        return await adrive(steps(), self._answer(run, None))

    async def read(self, steps: StepsFactory[T], *, what: str = "a read") -> T:
        try:
            async with self.driver.session(
                database=self.database, default_access_mode=neo4j.READ_ACCESS
            ) as s:
                return await s.execute_read(self._in, steps)
        except DRIVER_ERRORS as exc:
            raise map_error(exc, what) from exc

    async def write(self, steps: StepsFactory[T], *, what: str = "a write") -> T:
        try:
            async with self.driver.session(database=self.database) as s:
                return await s.execute_write(self._in, steps)
        except DRIVER_ERRORS as exc:
            raise map_error(exc, what) from exc

    async def autocommit(self, steps: StepsFactory[T], *, embed: AsyncEmbedFn, what: str = "a command") -> T:
        async def run(q: Query) -> Rows:
            for wait in _COMMAND_RETRIES:
                try:
                    return await run_once(q)
                except TransientError:
                    await asyncio.sleep(wait)
            return await run_once(q)

        async def run_once(q: Query) -> Rows:
            rows: Rows = []
            async with self.driver.session(database=self.database) as s:
                for index, text in enumerate(_texts(q)):
                    try:
                        rows = await async_rows_of(await s.run(text, dict(q.params)))
                    except ClientError as exc:
                        if _already_there(q, exc):
                            continue
                        if q.name == "schema":
                            raise _schema_error(q, index, exc) from exc
                        raise
            return rows

        try:
            return await adrive(steps(), self._answer(run, embed))
        except DRIVER_ERRORS as exc:
            raise map_error(exc, what) from exc
