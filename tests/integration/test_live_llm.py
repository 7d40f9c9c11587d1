"""Against a real model: runs only when OPENAI_API_KEY or MEM0G_LLM_BASE_URL is set (skipped with
the reason otherwise). Checks that a real model, through mem0g's prompt and schema, extracts the
seed article's move and that the temporal update lands: not exact wording, which models vary."""

from __future__ import annotations

import os

import pytest

from mem0g import Memory
from mem0g.config import load_settings
from mem0g.embeddings import SentenceTransformerEmbedder

LIVE = bool(os.environ.get("OPENAI_API_KEY") or os.environ.get("MEM0G_LLM_BASE_URL"))

pytestmark = [
    pytest.mark.neo4j,
    pytest.mark.live_llm,
    pytest.mark.skipif(not LIVE, reason="no live LLM: set OPENAI_API_KEY or MEM0G_LLM_BASE_URL to run"),
]


def test_real_model_extracts_a_move_and_supersedes(
    settings_kwargs: dict[str, object], embedder: SentenceTransformerEmbedder, user: str
) -> None:
    with Memory(settings=load_settings(**settings_kwargs), embedder=embedder) as memory:
        first = memory.add(
            "My friend Sarah lives in Shibuya.", user_id=user, timestamp="2025-04-01T09:00:00Z"
        )
        assert first.usage.calls >= 1 and first.added
        second = memory.add(
            "Sarah moved to Shinjuku last week.", user_id=user, timestamp="2025-05-01T10:00:00Z"
        )
        assert second.added
        now = memory.search("Where does Sarah live?", user_id=user, limit=3).results
        assert any("Shinjuku" in h.fact or h.object == "Shinjuku" for h in now)
        assert not any(h.object == "Shibuya" and h.status == "current" for h in now)
        before = memory.search("Where does Sarah live?", user_id=user, limit=3, as_of="2025-04-10").results
        assert any(h.object == "Shibuya" for h in before)
