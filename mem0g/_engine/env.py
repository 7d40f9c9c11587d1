"""What every program of one door shares: the settings, the prompt templates and the state that
lives as long as the door (LLM usage, threads to summarise, whether the schema is in place)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from mem0g._engine.factcache import FactCache
from mem0g._engine.vectors import DEFAULT_CACHE_BYTES, VectorCache
from mem0g.config import Settings
from mem0g.extraction.prompts import PromptTemplate
from mem0g.models import LLMUsage

__all__ = ["Env", "State"]


class State:
    """Mutable state of one door. Guarded by a lock: the sync door's background workers share it."""

    def __init__(self, *, vector_cache_bytes: int = DEFAULT_CACHE_BYTES) -> None:
        self.lock = threading.Lock()
        #: stored embeddings by id, for scoring searches (see vectors.py)
        self.vectors = VectorCache(max_bytes=vector_cache_bytes)
        #: what searches read of each user's facts, while the user's data is unchanged (factcache.py)
        self.facts = FactCache()
        self.usage = LLMUsage()
        self.schema_ready = False
        #: vector search filters by user inside the indexes (Neo4j >= 2026.02; set with the schema)
        self.vector_in_index = False
        #: (user_id, thread) -> (agent_id, run_id) of every thread an add wrote to (for flush).
        self.threads: dict[tuple[str, str], tuple[str | None, str | None]] = {}
        #: threads with a summary refresh queued or running
        self.summarizing: set[tuple[str, str]] = set()

    def spend(self, usage: LLMUsage) -> None:
        with self.lock:
            self.usage += usage


@dataclass
class Env:
    settings: Settings
    extract_template: PromptTemplate
    summary_template: PromptTemplate
    #: an LLM client was injected, or the settings configure one (add(infer=True) needs one)
    llm_configured: bool
    state: State = field(default_factory=State)
