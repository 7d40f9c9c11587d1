"""Text embedders. ``make_embedder`` builds the configured one; all share :class:`Embedder`."""

from __future__ import annotations

from mem0g.embeddings._base import Embedder, embed_checked, embed_unique
from mem0g.embeddings._factory import make_embedder
from mem0g.embeddings._onnx import OnnxEmbedder
from mem0g.embeddings._openai import OpenAIEmbedder
from mem0g.embeddings._sentence import SentenceTransformerEmbedder

__all__ = [
    "Embedder",
    "OnnxEmbedder",
    "OpenAIEmbedder",
    "SentenceTransformerEmbedder",
    "embed_checked",
    "embed_unique",
    "make_embedder",
]
