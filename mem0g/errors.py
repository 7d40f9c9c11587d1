"""Exception hierarchy: every error mem0g raises on purpose derives from :class:`Mem0gError`.

Each subclass answers three questions in its message: what went wrong, where, and how to fix it.
The CLI maps the subclasses to distinct exit codes (see ``mem0g.tools.cli``).
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "EmbeddingDimensionMismatchError",
    "EmbeddingError",
    "InvalidInputError",
    "LLMError",
    "LLMOutputError",
    "LLMUnavailableError",
    "LocalNeo4jError",
    "Mem0gError",
    "Neo4jAuthError",
    "Neo4jClientError",
    "Neo4jDatabaseError",
    "Neo4jError",
    "Neo4jTransientError",
    "Neo4jUnavailableError",
    "NotFoundError",
    "SchemaError",
    "UnknownQueryError",
]


class Mem0gError(Exception):
    """Root of every error mem0g raises deliberately."""


class ConfigError(Mem0gError):
    """A setting is missing, malformed or contradicts another one."""


class InvalidInputError(Mem0gError, ValueError):
    """Input from a caller (a fact, a date, a user id, a file line) cannot be accepted.

    ``line`` is the 1-based line number when the input came from a file.
    """

    def __init__(self, message: str, *, line: int | None = None, field: str | None = None) -> None:
        self.line = line
        self.field = field
        prefix = f"line {line}: " if line is not None else ""
        super().__init__(prefix + message)


class NotFoundError(Mem0gError, LookupError):
    """A fact, entity or user the caller named does not exist (for that user)."""


class Neo4jError(Mem0gError):
    """A Neo4j operation failed. ``code`` is the server's status code when it sent one
    (``Neo.TransientError.Transaction.DeadlockDetected``, ...)."""

    def __init__(self, message: str, *, code: str | None = None) -> None:
        self.code = code
        super().__init__(message)


class Neo4jUnavailableError(Neo4jError):
    """The Neo4j server cannot be reached or refused the credentials."""


class Neo4jAuthError(Neo4jUnavailableError):
    """The Neo4j server refused the credentials."""


class Neo4jTransientError(Neo4jError):
    """A transaction kept failing for a passing reason (a deadlock, a lock timeout, a leader
    switch) after the driver's retries; nothing of it was written, and retrying it may succeed."""


class Neo4jClientError(Neo4jError):
    """The server refused a request: a database that does not exist, a query it rejects, a
    constraint violated. Nothing of the transaction was written."""


class Neo4jDatabaseError(Neo4jError):
    """The server failed internally while running a request (see its logs)."""


class UnknownQueryError(Mem0gError, LookupError):
    """mem0g asked for a Cypher file it does not ship: an installation problem or a bug."""


class SchemaError(Mem0gError):
    """The database schema (constraints, indexes) is not what this version of mem0g needs."""


class EmbeddingError(Mem0gError):
    """The embedding model could not be loaded or produced unusable vectors."""


class EmbeddingDimensionMismatchError(SchemaError, EmbeddingError):
    """Vectors of one dimension meet an index (or stored data) of another."""


class LocalNeo4jError(Mem0gError):
    """The project-managed local Neo4j could not be built, started, stopped or inspected."""


class LLMError(Mem0gError):
    """A call to the language model failed; nothing was written for the add that made it."""


class LLMUnavailableError(LLMError):
    """The model could not be reached or refused the request (after the SDK's retries)."""


class LLMOutputError(LLMError):
    """The model's answer could not be parsed or validated, even after one repair round trip."""
