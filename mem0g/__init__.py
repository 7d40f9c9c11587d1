"""mem0g: temporally-aware graph memory for LLM agents, on Neo4j.

The names below (``__all__``) are the public API, with the public modules ``mem0g.config``,
``mem0g.errors``, ``mem0g.models``, ``mem0g.vocab``, ``mem0g.tracing``, ``mem0g.testing`` and the
packages ``mem0g.llm``, ``mem0g.embeddings``, ``mem0g.extraction`` and ``mem0g.tools``. A module or
package whose name starts with ``_`` is private: only mem0g and its tests import it (see
docs/architecture.md).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

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
    Neo4jAuthError,
    Neo4jClientError,
    Neo4jDatabaseError,
    Neo4jError,
    Neo4jTransientError,
    Neo4jUnavailableError,
    NotFoundError,
    SchemaError,
    UnknownQueryError,
)
from mem0g.models import (
    AddResult,
    ApiKey,
    Entity,
    EpisodeHit,
    FactIn,
    FactRecord,
    Hit,
    IngestReport,
    LLMUsage,
    MemoryEvent,
    Message,
    PathStep,
    SearchResult,
    SupersededFact,
    TaskStatus,
)
from mem0g.tracing import EffectTrace, OperationTrace, QueryTrace

if TYPE_CHECKING:
    from mem0g._background import AsyncTaskHandle, TaskHandle
    from mem0g.amemory import AsyncMemory
    from mem0g.llm import AsyncLLMClient, LLMClient, LLMConfig
    from mem0g.memory import Memory

# The doors and the LLM clients pull in the Neo4j driver and the openai SDK: loaded on first use,
# so that importing a light module (mem0g.models, the engine) does not load them.
_LAZY = {
    "Memory": "mem0g.memory",
    "AsyncMemory": "mem0g.amemory",
    "TaskHandle": "mem0g._background",
    "AsyncTaskHandle": "mem0g._background",
    "LLMClient": "mem0g.llm",
    "AsyncLLMClient": "mem0g.llm",
    "LLMConfig": "mem0g.llm",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'mem0g' has no attribute {name!r}")


__version__ = "0.1.0"

__all__ = [
    "AddResult",
    "ApiKey",
    "AsyncLLMClient",
    "AsyncMemory",
    "AsyncTaskHandle",
    "ConfigError",
    "EffectTrace",
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
    "Neo4jAuthError",
    "Neo4jClientError",
    "Neo4jDatabaseError",
    "Neo4jError",
    "Neo4jTransientError",
    "Neo4jUnavailableError",
    "NotFoundError",
    "OperationTrace",
    "PathStep",
    "QueryTrace",
    "SchemaError",
    "SearchResult",
    "Settings",
    "SupersededFact",
    "TaskHandle",
    "TaskStatus",
    "UnknownQueryError",
    "__version__",
    "load_settings",
]
