"""Every neo4j exception that can reach a caller, mapped into the :class:`~mem0g.errors.Mem0gError`
tree at the adapter's boundary, each with a message that says what failed and what to do."""

from __future__ import annotations

from neo4j import exceptions as neo

from mem0g.errors import (
    Mem0gError,
    Neo4jAuthError,
    Neo4jClientError,
    Neo4jDatabaseError,
    Neo4jError,
    Neo4jTransientError,
    Neo4jUnavailableError,
)

__all__ = ["DRIVER_ERRORS", "map_error"]

#: What the adapter catches: the driver's and the server's errors (and a socket error on connect).
DRIVER_ERRORS: tuple[type[Exception], ...] = (neo.Neo4jError, neo.DriverError, OSError)


def _detail(exc: Exception) -> str:
    # A server error's own message; the driver's errors carry theirs in str() (their .message is a
    # generic "Unexpected error has occurred" placeholder in driver 6).
    server = isinstance(exc, neo.Neo4jError)
    message = (getattr(exc, "message", None) if server else None) or str(exc) or type(exc).__name__
    return " ".join(str(message).split())


def map_error(exc: Exception, what: str) -> Mem0gError:
    """The mem0g error for ``exc``, raised while doing ``what`` ("a search", "writing facts", ...)."""
    code = getattr(exc, "code", None)
    detail = _detail(exc)
    if isinstance(exc, neo.AuthError):
        return Neo4jAuthError(
            f"Neo4j refused the credentials during {what}: {detail}; check NEO4J_USER / NEO4J_PASSWORD",
            code=code,
        )
    if isinstance(exc, neo.ServiceUnavailable | neo.SessionExpired | OSError):
        return Neo4jUnavailableError(
            f"Neo4j became unreachable during {what}: {detail}; check that the server runs "
            "(`mem0g neo4j status` for the local one) and that NEO4J_URI points at it",
            code=code,
        )
    if isinstance(exc, neo.TransientError):
        return Neo4jTransientError(
            f"{what} failed after the driver's retries ({code}): {detail}; nothing was written, "
            "retry it (concurrent writers of one user wait on each other's locks)",
            code=code,
        )
    if isinstance(exc, neo.ClientError):
        hint = "report it as a mem0g bug if the input looks right"
        if code == "Neo.ClientError.Database.DatabaseNotFound":
            hint = "check NEO4J_DATABASE (Community edition has one user database, `neo4j`)"
        return Neo4jClientError(f"Neo4j refused {what} ({code}): {detail}; {hint}", code=code)
    if isinstance(exc, neo.DatabaseError):
        return Neo4jDatabaseError(
            f"Neo4j failed internally during {what} ({code}): {detail}; see the server's logs",
            code=code,
        )
    return Neo4jError(f"the Neo4j driver failed during {what}: {type(exc).__name__}: {detail}", code=code)
