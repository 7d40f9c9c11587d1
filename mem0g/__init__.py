"""mem0g: temporally-aware graph memory for LLM agents, on Neo4j."""

from __future__ import annotations

from mem0g.config import Settings, load_settings
from mem0g.errors import (
    ConfigError,
    EmbeddingDimensionMismatchError,
    EmbeddingError,
    InvalidInputError,
    LocalNeo4jError,
    Mem0gError,
    Neo4jUnavailableError,
    NotFoundError,
    SchemaError,
)
from mem0g.memory import Memory
from mem0g.models import Entity, FactIn, FactRecord, Hit, IngestReport, PathStep, SearchResult, SupersededFact

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "EmbeddingDimensionMismatchError",
    "EmbeddingError",
    "Entity",
    "FactIn",
    "FactRecord",
    "Hit",
    "IngestReport",
    "InvalidInputError",
    "LocalNeo4jError",
    "Mem0gError",
    "Memory",
    "Neo4jUnavailableError",
    "NotFoundError",
    "PathStep",
    "SchemaError",
    "SearchResult",
    "Settings",
    "SupersededFact",
    "__version__",
    "load_settings",
]
