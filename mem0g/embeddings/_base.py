from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from mem0g.errors import EmbeddingDimensionMismatchError

__all__ = ["Embedder", "Vector", "embed_checked", "embed_unique"]

Vector = list[float]


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into unit-length vectors of a fixed dimension."""

    @property
    def model_name(self) -> str: ...

    @property
    def dimensions(self) -> int: ...

    def embed(self, texts: Sequence[str]) -> list[Vector]:
        """One vector per text, in order."""
        ...


def embed_checked(embedder: Embedder, texts: Sequence[str]) -> list[Vector]:
    """One vector per text, each checked against the model's configured dimensions."""
    if not texts:
        return []
    vectors = embedder.embed(list(texts))
    for vector in vectors:
        if len(vector) != embedder.dimensions:
            raise EmbeddingDimensionMismatchError(
                f"embedding model {embedder.model_name!r} returned {len(vector)}-dimensional vectors, "
                f"but {embedder.dimensions} were configured; set MEM0G_EMBEDDING_DIMS={len(vector)} "
                "(and re-index with `mem0g init --reindex`)"
            )
    return vectors


def embed_unique(embedder: Embedder, texts: Sequence[str]) -> dict[str, Vector]:
    """Embed each distinct text once (a batch often repeats names and sentences)."""
    unique = list(dict.fromkeys(texts))
    return dict(zip(unique, embed_checked(embedder, unique), strict=True))
