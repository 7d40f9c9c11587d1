"""Opening a Neo4j driver: ``NEO4J_URI`` when configured, else the project-managed local server."""

from __future__ import annotations

import logging

from neo4j import Driver, GraphDatabase
from neo4j.exceptions import AuthError, ServiceUnavailable

from mem0g.config import Settings
from mem0g.errors import ConfigError, Neo4jUnavailableError

__all__ = ["open_driver", "resolve_uri"]

log = logging.getLogger(__name__)


def resolve_uri(settings: Settings, *, start_local: bool = True) -> str:
    """The Bolt URI to use: the configured one, or the local server's (started if needed)."""
    if settings.neo4j_uri:
        return settings.neo4j_uri
    from mem0g.launcher import LocalNeo4j

    local = LocalNeo4j(home=settings.neo4j_home)
    status = local.status()
    if not status.running:
        if not start_local:
            raise Neo4jUnavailableError(
                "no NEO4J_URI is set and the local Neo4j is not running; run `mem0g neo4j start` "
                "or set NEO4J_URI"
            )
        log.info("starting the local Neo4j in %s (first start builds it with Maven)", status.home)
        status = local.start()
    assert status.bolt_uri is not None
    return status.bolt_uri


def open_driver(settings: Settings, *, start_local: bool = True) -> Driver:
    uri = resolve_uri(settings, start_local=start_local)
    auth = (settings.neo4j_user, settings.neo4j_password) if settings.neo4j_password else None
    try:
        driver = GraphDatabase.driver(uri, auth=auth, notifications_min_severity="OFF")
    except ValueError as exc:
        raise ConfigError(f"NEO4J_URI {uri!r} is not a valid Neo4j URI: {exc}") from exc
    try:
        driver.verify_connectivity()
    except AuthError as exc:
        driver.close()
        raise Neo4jUnavailableError(
            f"Neo4j at {uri} refused the credentials for user {settings.neo4j_user!r}; "
            "check NEO4J_USER / NEO4J_PASSWORD"
        ) from exc
    except (ServiceUnavailable, OSError) as exc:
        driver.close()
        raise Neo4jUnavailableError(
            f"cannot reach Neo4j at {uri} ({exc}); start it (`mem0g neo4j start` for the local one) "
            "or fix NEO4J_URI"
        ) from exc
    return driver
