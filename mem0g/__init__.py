"""mem0g: temporally-aware graph memory for LLM agents, on Neo4j."""

from __future__ import annotations

from mem0g._background import AsyncTaskHandle, TaskHandle
from mem0g.amemory import AsyncMemory
from mem0g.config import Settings, load_settings
from mem0g.errors import (
    ConfigError,
    EmbeddingDimensionMismatchError,
    EmbeddingError,
    InvalidInputError,
    LLMError,
    LLMOutputError,
    LLMUnavailableError,
    LocalNeo4jError,
    Mem0gError,
    Neo4jUnavailableError,
    NotFoundError,
    SchemaError,
)
from mem0g.llm import AsyncLLMClient, LLMClient, LLMConfig, LLMUsage
from mem0g.memory import Memory
from mem0g.models import (
    AddResult,
    Entity,
    EpisodeHit,
    FactIn,
    FactRecord,
    Hit,
    IngestReport,
    MemoryEvent,
    Message,
    PathStep,
    SearchResult,
    SupersededFact,
    TaskStatus,
)

__version__ = "0.1.0"

__all__ = [
    "AddResult",
    "AsyncLLMClient",
    "AsyncMemory",
    "AsyncTaskHandle",
    "ConfigError",
    "EmbeddingDimensionMismatchError",
    "EmbeddingError",
    "Entity",
    "EpisodeHit",
    "FactIn",
    "FactRecord",
    "Hit",
    "IngestReport",
    "InvalidInputError",
    "LLMClient",
    "LLMConfig",
    "LLMError",
    "LLMOutputError",
    "LLMUnavailableError",
    "LLMUsage",
    "LocalNeo4jError",
    "Mem0gError",
    "Memory",
    "MemoryEvent",
    "Message",
    "Neo4jUnavailableError",
    "NotFoundError",
    "PathStep",
    "SchemaError",
    "SearchResult",
    "Settings",
    "SupersededFact",
    "TaskHandle",
    "TaskStatus",
    "__version__",
    "load_settings",
]
