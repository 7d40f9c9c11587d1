"""``mem0g._neo4j.errors.map_error``: every driver or server error leaves the adapter as a
:class:`~mem0g.errors.Mem0gError` that names what failed and what to do. The server's errors are
built as the driver builds them from a FAILURE message (``Neo4jError._hydrate_neo4j``), so each
gets the class the driver would raise for its code."""

from __future__ import annotations

import pytest
from neo4j import exceptions as neo

from mem0g._neo4j.errors import DRIVER_ERRORS, map_error
from mem0g.errors import (
    Mem0gError,
    Neo4jAuthError,
    Neo4jClientError,
    Neo4jDatabaseError,
    Neo4jError,
    Neo4jTransientError,
    Neo4jUnavailableError,
)

WHAT = "writing facts"


def server(code: str, message: str) -> neo.Neo4jError:
    """A server error as the driver hydrates it from the server's FAILURE metadata."""
    return neo.Neo4jError._hydrate_neo4j(code=code, message=message)


@pytest.mark.parametrize(
    ("error", "cls", "code", "says"),
    [
        (
            server("Neo.TransientError.Transaction.DeadlockDetected", "ForsetiClient can't acquire lock"),
            Neo4jTransientError,
            "Neo.TransientError.Transaction.DeadlockDetected",
            [
                "after the driver's retries",
                "nothing was written",
                "retry it",
                "ForsetiClient can't acquire lock",
            ],
        ),
        (
            server(
                "Neo.ClientError.Database.DatabaseNotFound", "Database does not exist. Database name: 'mem'."
            ),
            Neo4jClientError,
            "Neo.ClientError.Database.DatabaseNotFound",
            ["NEO4J_DATABASE", "Database name: 'mem'"],
        ),
        (
            server("Neo.ClientError.Statement.SyntaxError", "Invalid input 'MATC'"),
            Neo4jClientError,
            "Neo.ClientError.Statement.SyntaxError",
            ["refused", "mem0g bug", "Invalid input 'MATC'"],
        ),
        (
            server("Neo.DatabaseError.General.UnknownError", "disk full"),
            Neo4jDatabaseError,
            "Neo.DatabaseError.General.UnknownError",
            ["failed internally", "server's logs", "disk full"],
        ),
        (
            server(
                "Neo.ClientError.Security.Unauthorized",
                "The client is unauthorized due to authentication failure.",
            ),
            Neo4jAuthError,
            "Neo.ClientError.Security.Unauthorized",
            ["credentials", "NEO4J_USER / NEO4J_PASSWORD", "authentication failure"],
        ),
        (
            neo.ServiceUnavailable("Couldn't connect to 127.0.0.1:9"),
            Neo4jUnavailableError,
            None,
            ["unreachable", "NEO4J_URI", "mem0g neo4j status", "127.0.0.1:9"],
        ),
        (
            neo.SessionExpired("Failed to read from defunct connection"),
            Neo4jUnavailableError,
            None,
            ["unreachable", "defunct connection"],
        ),
        (
            ConnectionRefusedError(111, "Connection refused"),
            Neo4jUnavailableError,
            None,
            ["unreachable", "Connection refused"],
        ),
        (
            OSError("Network is unreachable"),
            Neo4jUnavailableError,
            None,
            ["unreachable", "Network is unreachable"],
        ),
    ],
)
def test_each_error_maps_to_its_class_code_and_message(
    error: Exception, cls: type[Neo4jError], code: str | None, says: list[str]
) -> None:
    mapped = map_error(error, WHAT)
    assert type(mapped) is cls and isinstance(mapped, Mem0gError)
    assert mapped.code == code
    message = str(mapped)
    assert WHAT in message
    for part in says:
        assert part in message, (part, message)
    assert isinstance(error, DRIVER_ERRORS)  # the adapter catches every one of these


def test_the_server_classes_are_the_drivers_own() -> None:
    assert type(server("Neo.TransientError.Transaction.DeadlockDetected", "x")) is neo.TransientError
    assert type(server("Neo.ClientError.Database.DatabaseNotFound", "x")) is neo.ClientError
    assert type(server("Neo.ClientError.Security.Unauthorized", "x")) is neo.AuthError
    assert type(server("Neo.DatabaseError.General.UnknownError", "x")) is neo.DatabaseError


def test_an_auth_error_is_also_an_unavailable_error() -> None:
    mapped = map_error(server("Neo.ClientError.Security.Unauthorized", "no"), "a search")
    assert isinstance(mapped, Neo4jUnavailableError)


def test_a_transient_subclass_stays_transient() -> None:
    error = server("Neo.TransientError.General.DatabaseUnavailable", "database is starting")
    assert isinstance(error, neo.TransientError)
    mapped = map_error(error, "a read")
    assert (
        type(mapped) is Neo4jTransientError
        and mapped.code == "Neo.TransientError.General.DatabaseUnavailable"
    )


def test_whitespace_in_the_servers_message_is_folded_to_one_line() -> None:
    mapped = map_error(
        server("Neo.DatabaseError.General.UnknownError", "line one\n   line two\t end"), "a read"
    )
    assert "line one line two end" in str(mapped) and "\n" not in str(mapped)


def test_any_other_driver_error_is_a_neo4j_error_naming_its_type() -> None:
    class DriverHiccup(neo.DriverError):
        pass

    mapped = map_error(DriverHiccup("the pool is closed"), WHAT)
    assert type(mapped) is Neo4jError
    assert WHAT in str(mapped) and "DriverHiccup" in str(mapped)
    assert mapped.code is None


@pytest.mark.parametrize(
    "error",
    [
        neo.ConfigurationError("encrypted must be a bool"),
        neo.ResultConsumedError(None, "the result is consumed"),
    ],
)
def test_a_plain_driver_errors_own_message_is_kept(error: Exception) -> None:
    assert str(error) in str(map_error(error, WHAT))
