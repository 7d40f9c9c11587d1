"""Neo4j I/O for mem0g: the executors that run :mod:`mem0g._ops` steps on a driver.

Every query comes from ``cypher/*.cypher`` and gets its values as parameters. :class:`GraphStore`
runs steps on the sync driver, :class:`AsyncGraphStore` on the async one; the logic is the same
code (:mod:`mem0g._steps`). Reads run in one read transaction, writes in one write transaction
(retried by the driver on transient errors, which is why they take a *factory* of steps).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, LiteralString, TypeVar

import neo4j
from neo4j import AsyncDriver, AsyncManagedTransaction, Driver, ManagedTransaction
from neo4j.exceptions import ClientError, ServiceUnavailable, SessionExpired

from mem0g import _ops
from mem0g._ops import FactFilter, cosine_from_neo4j, record_to_fact
from mem0g._steps import Query, Rows, Steps, adrive, drive
from mem0g.errors import Neo4jUnavailableError, SchemaError
from mem0g.models import FactRecord
from mem0g.queries import query, statements

__all__ = ["AsyncGraphStore", "FactFilter", "GraphStore", "cosine_from_neo4j", "record_to_fact"]

log = logging.getLogger(__name__)

T = TypeVar("T")
StepsFactory = Callable[[], Steps[T]]
EmbedFn = Callable[[list[str]], list[list[float]]]
AsyncEmbedFn = Callable[[list[str]], Awaitable[list[list[float]]]]


def _text(q: Query) -> LiteralString:
    # The text comes from a file shipped with mem0g, never from data: safe to treat as a literal.
    return statements(q.name)[q.part] if q.part is not None else query(q.name)


def _unavailable(what: str, exc: Exception) -> Neo4jUnavailableError:
    return Neo4jUnavailableError(f"Neo4j became unreachable during {what}: {exc}")


def _schema_error(q: Query, exc: ClientError) -> SchemaError:
    return SchemaError(f"could not apply schema statement {q.name}[{q.part}]: {exc.message}")


class GraphStore:
    """Runs mem0g's steps on a sync :class:`neo4j.Driver`."""

    def __init__(self, driver: Driver, *, database: str = "neo4j") -> None:
        self._driver = driver
        self._database = database

    @property
    def driver(self) -> Driver:
        return self._driver

    @property
    def database(self) -> str:
        return self._database

    # -- executors --------------------------------------------------------------------------------

    def _tx_runner(self, tx: ManagedTransaction) -> Callable[[Query], Rows]:
        def run(q: Query) -> Rows:
            return tx.run(_text(q), dict(q.params)).data()

        return run

    def read(self, steps: StepsFactory[T], *, what: str = "a read") -> T:
        """Run steps in one read transaction (retried on transient errors)."""
        try:
            with self._driver.session(database=self._database, default_access_mode=neo4j.READ_ACCESS) as s:
                return s.execute_read(lambda tx: drive(steps(), self._tx_runner(tx)))
        except (ServiceUnavailable, SessionExpired) as exc:
            raise _unavailable(what, exc) from exc

    def write(self, steps: StepsFactory[T], *, what: str = "a write") -> T:
        """Run steps in one write transaction (retried on transient errors)."""
        try:
            with self._driver.session(database=self._database) as s:
                return s.execute_write(lambda tx: drive(steps(), self._tx_runner(tx)))
        except (ServiceUnavailable, SessionExpired) as exc:
            raise _unavailable(what, exc) from exc

    def autocommit(self, steps: Steps[T], *, embed: EmbedFn | None = None, what: str = "a command") -> T:
        """Run each query of the steps in its own auto-commit transaction (schema changes,
        ``CALL ... IN TRANSACTIONS``)."""

        def run(q: Query) -> Rows:
            try:
                with self._driver.session(database=self._database) as s:
                    return s.run(_text(q), dict(q.params)).data()
            except ClientError as exc:
                if q.name == "schema":
                    raise _schema_error(q, exc) from exc
                raise

        try:
            return drive(steps, run, embed)
        except (ServiceUnavailable, SessionExpired) as exc:
            raise _unavailable(what, exc) from exc

    # -- conveniences -----------------------------------------------------------------------------

    def ensure_schema(self, *, dimensions: int, reindex: bool = False, embed: EmbedFn | None = None) -> None:
        if reindex and embed is None:
            raise SchemaError("reindex needs the embedding function to re-embed stored data")
        self.autocommit(_ops.schema_steps(dimensions=dimensions, reindex=reindex), embed=embed, what="init")

    def vector_index_dimensions(self) -> dict[str, int | None]:
        return self.read(_ops.vector_index_dimensions_steps)

    def tenant_stats(self, user_id: str) -> dict[str, int]:
        return self.read(lambda: _ops.tenant_stats_steps(user_id))

    def server_info(self) -> dict[str, Any]:
        return self.read(_ops.server_info_steps)

    def users(self) -> list[dict[str, Any]]:
        return self.read(_ops.users_steps)

    def facts_all(self, user_id: str, *, now: datetime, **kwargs: Any) -> list[FactRecord]:
        return self.read(lambda: _ops.facts_all_steps(user_id, now=now, **kwargs))

    def delete_fact(self, user_id: str, fact_id: str) -> bool:
        return self.write(lambda: _ops.delete_fact_steps(user_id, fact_id), what="a delete")

    def forget(self, user_id: str) -> int:
        return self.autocommit(_ops.forget_steps(user_id), what="forget")


class AsyncGraphStore:
    """Runs mem0g's steps on an :class:`neo4j.AsyncDriver` (same steps as :class:`GraphStore`)."""

    def __init__(self, driver: AsyncDriver, *, database: str = "neo4j") -> None:
        self._driver = driver
        self._database = database

    @property
    def driver(self) -> AsyncDriver:
        return self._driver

    def _tx_runner(self, tx: AsyncManagedTransaction) -> Callable[[Query], Awaitable[Rows]]:
        async def run(q: Query) -> Rows:
            result = await tx.run(_text(q), dict(q.params))
            return await result.data()

        return run

    async def read(self, steps: StepsFactory[T], *, what: str = "a read") -> T:
        try:
            async with self._driver.session(
                database=self._database, default_access_mode=neo4j.READ_ACCESS
            ) as s:
                return await s.execute_read(lambda tx: adrive(steps(), self._tx_runner(tx)))
        except (ServiceUnavailable, SessionExpired) as exc:
            raise _unavailable(what, exc) from exc

    async def write(self, steps: StepsFactory[T], *, what: str = "a write") -> T:
        try:
            async with self._driver.session(database=self._database) as s:
                return await s.execute_write(lambda tx: adrive(steps(), self._tx_runner(tx)))
        except (ServiceUnavailable, SessionExpired) as exc:
            raise _unavailable(what, exc) from exc

    async def autocommit(
        self, steps: Steps[T], *, embed: AsyncEmbedFn | None = None, what: str = "a command"
    ) -> T:
        async def run(q: Query) -> Rows:
            try:
                async with self._driver.session(database=self._database) as s:
                    result = await s.run(_text(q), dict(q.params))
                    return await result.data()
            except ClientError as exc:
                if q.name == "schema":
                    raise _schema_error(q, exc) from exc
                raise

        try:
            return await adrive(steps, run, embed)
        except (ServiceUnavailable, SessionExpired) as exc:
            raise _unavailable(what, exc) from exc

    async def ensure_schema(
        self, *, dimensions: int, reindex: bool = False, embed: AsyncEmbedFn | None = None
    ) -> None:
        if reindex and embed is None:
            raise SchemaError("reindex needs the embedding function to re-embed stored data")
        await self.autocommit(
            _ops.schema_steps(dimensions=dimensions, reindex=reindex), embed=embed, what="init"
        )

    async def forget(self, user_id: str) -> int:
        return await self.autocommit(_ops.forget_steps(user_id), what="forget")
