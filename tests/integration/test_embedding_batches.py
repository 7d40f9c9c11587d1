"""A batch embeds each distinct text once, in one call; a vector of the wrong dimension is refused
with both dimensions and the fix named, before anything is written."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from mem0g import Memory
from mem0g.config import load_settings
from mem0g.embeddings import SentenceTransformerEmbedder
from mem0g.errors import EmbeddingDimensionMismatchError

pytestmark = pytest.mark.neo4j


class Counting:
    """Wraps the real model and records every text it is asked to embed."""

    def __init__(self, inner: SentenceTransformerEmbedder, *, truncate: int | None = None) -> None:
        self.inner = inner
        self.calls: list[list[str]] = []
        self.truncate = truncate
        self.model_name = inner.model_name

    @property
    def dimensions(self) -> int:
        return self.inner.dimensions

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        self.calls.append(list(texts))
        vectors = self.inner.embed(texts)
        return [v[: self.truncate] for v in vectors] if self.truncate else vectors


def test_each_distinct_text_is_embedded_once(
    settings_kwargs: dict[str, object], embedder: SentenceTransformerEmbedder, user: str
) -> None:
    counting = Counting(embedder)
    facts = [
        {"subject": "Sarah", "predicate": "likes", "object": "ramen", "fact": "Sarah likes ramen"},
        {"subject": "sarah", "predicate": "likes", "object": "ramen", "fact": "Sarah likes ramen"},
        {"subject": "Sarah", "predicate": "visits", "object": "Tokyo", "fact": "Sarah likes ramen"},
        {"subject": "Tom", "predicate": "likes", "object": "ramen"},
    ]
    with Memory(settings=load_settings(**settings_kwargs), embedder=counting) as memory:
        memory.init()
        counting.calls.clear()
        memory.add_facts(facts, user_id=user)
    assert len(counting.calls) == 1  # one call for the whole batch
    texts = counting.calls[0]
    assert len(texts) == len(set(texts))  # no text twice
    assert {"Sarah", "ramen", "Tokyo", "Tom"} <= set(texts)


def test_wrong_dimension_is_refused_and_nothing_written(
    settings_kwargs: dict[str, object], embedder: SentenceTransformerEmbedder, user: str
) -> None:
    broken = Counting(embedder, truncate=128)
    with Memory(settings=load_settings(**settings_kwargs), embedder=broken) as memory:
        memory.init()  # the indexes exist at 384
        with pytest.raises(EmbeddingDimensionMismatchError) as err:
            memory.add_facts([{"subject": "Sarah", "predicate": "likes", "object": "tea"}], user_id=user)
        message = str(err.value)
        assert "128" in message and "384" in message and "MEM0G_EMBEDDING_DIMS" in message
        assert memory.get_all(user_id=user) == [] and memory.stats(user)["user_facts"] == 0
