from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from mem0g.embeddings._base import Embedder
from mem0g.embeddings._onnx import OnnxEmbedder, onnx_available
from mem0g.embeddings._openai import OpenAIEmbedder
from mem0g.embeddings._sentence import DEFAULT_MODEL, SentenceTransformerEmbedder, bundled_path
from mem0g.errors import ConfigError

if TYPE_CHECKING:
    from mem0g.config import Settings

__all__ = ["make_embedder"]


def _local(model: str) -> bool:
    folder = bundled_path(model) or Path(model)
    return (folder / "config.json").is_file() and (folder / "tokenizer.json").is_file()


def make_embedder(settings: Settings) -> Embedder:
    """The configured embedder. ``auto`` (the default) runs a local model on ONNX Runtime when
    onnxruntime is installed and the model is a local folder (the default model is), else on PyTorch
    through sentence-transformers: the same vectors either way."""
    model = settings.embedding_model or DEFAULT_MODEL
    if settings.embedder == "onnx" or (settings.embedder == "auto" and onnx_available() and _local(model)):
        return OnnxEmbedder(model=model)
    if settings.embedder in ("sentence-transformers", "auto"):
        return SentenceTransformerEmbedder(model=model)
    if settings.embedder == "openai":
        return OpenAIEmbedder(
            model=settings.embedding_model or "text-embedding-3-small",
            dimensions=settings.embedding_dims,
            api_key=settings.openai_api_key,
            base_url=settings.embedding_base_url,
        )
    raise ConfigError(
        f"unknown embedder {settings.embedder!r}; use 'auto', 'onnx', 'sentence-transformers' or 'openai'"
    )
