from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from mem0g.errors import EmbeddingDimensionMismatchError

__all__ = ["Embedder", "Vector", "embed_unique"]

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


def embed_unique(embedder: Embedder, texts: Sequence[str]) -> dict[str, Vector]:
    """Embed each distinct text once (a batch often repeats names and sentences)."""
    unique = list(dict.fromkeys(texts))
    if not unique:
        return {}
    vectors = embedder.embed(unique)
    for vector in vectors:
        if len(vector) != embedder.dimensions:
            raise EmbeddingDimensionMismatchError(
                f"embedding model {embedder.model_name!r} returned {len(vector)}-dimensional vectors, "
                f"but {embedder.dimensions} were configured; set MEM0G_EMBEDDING_DIMS={len(vector)} "
                "(and re-index with `mem0g init --reindex`)"
            )
    return dict(zip(unique, vectors, strict=True))
