"""Schema management on the real Neo4j: idempotent init, dimension mismatch, re-index."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from mem0g import EmbeddingDimensionMismatchError, Memory
from mem0g.config import load_settings

pytestmark = pytest.mark.neo4j


class TinyEmbedder:
    """A deterministic 8-dimensional embedder: only its dimension matters here."""

    model_name = "tiny-test-model"
    dimensions = 8

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return [[float((hash(t) >> i) & 1) + 0.1 for i in range(8)] for t in texts]


def test_init_is_idempotent(memory: Memory) -> None:
    memory.init()
    memory.init()
    assert memory.doctor()["vector_indexes"] == {
        "entity_embedding": 384,
        "fact_embedding": 384,
        "episode_embedding": 384,
    }


def test_dimension_mismatch_names_both_and_the_fix(settings_kwargs: dict[str, object]) -> None:
    tiny = Memory(settings=load_settings(**settings_kwargs), embedder=TinyEmbedder())  # type: ignore[arg-type]
    with tiny, pytest.raises(EmbeddingDimensionMismatchError) as info:
        tiny.init()
    message = str(info.value)
    assert "8-dimensional" in message and "384" in message and "mem0g init --reindex" in message


def test_reindex_reembeds_and_search_still_answers(memory: Memory, user: str) -> None:
    memory.add_facts([{"subject": "Sarah", "predicate": "lives_in", "object": "Shibuya"}], user_id=user)
    before = memory.search("Where does Sarah live?", user_id=user).results[0]
    memory.init(reindex=True)
    assert memory.doctor()["vector_indexes"] == {
        "entity_embedding": 384,
        "fact_embedding": 384,
        "episode_embedding": 384,
    }
    after = memory.search("Where does Sarah live?", user_id=user).results[0]
    assert after.id == before.id and after.score == pytest.approx(before.score, abs=1e-4)
