from __future__ import annotations

from typing import TYPE_CHECKING

from mem0g.embeddings._base import Embedder
from mem0g.embeddings._openai import OpenAIEmbedder
from mem0g.embeddings._sentence import DEFAULT_MODEL, SentenceTransformerEmbedder
from mem0g.errors import ConfigError

if TYPE_CHECKING:
    from mem0g.config import Settings

__all__ = ["make_embedder"]


def make_embedder(settings: Settings) -> Embedder:
    if settings.embedder == "sentence-transformers":
        return SentenceTransformerEmbedder(model=settings.embedding_model or DEFAULT_MODEL)
    if settings.embedder == "openai":
        return OpenAIEmbedder(
            model=settings.embedding_model or "text-embedding-3-small",
            dimensions=settings.embedding_dims,
            api_key=settings.openai_api_key,
            base_url=settings.embedding_base_url,
        )
    raise ConfigError(f"unknown embedder {settings.embedder!r}; use 'sentence-transformers' or 'openai'")
