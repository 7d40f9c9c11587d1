from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mem0g.embeddings._base import Vector
from mem0g.errors import ConfigError, EmbeddingError

__all__ = ["OpenAIEmbedder"]

_KNOWN_DIMENSIONS = {
    "text-embedding-3-small": 1536,
    "text-embedding-3-large": 3072,
    "text-embedding-ada-002": 1536,
}


class OpenAIEmbedder:
    """Embeddings from any OpenAI-compatible ``/embeddings`` endpoint, through the ``openai`` SDK."""

    def __init__(
        self,
        *,
        model: str = "text-embedding-3-small",
        dimensions: int | None = None,
        api_key: str | None = None,
        base_url: str | None = None,
        batch_size: int = 512,
        timeout: float = 60.0,
        max_retries: int = 4,
        client: Any = None,
    ) -> None:
        dims = dimensions or _KNOWN_DIMENSIONS.get(model)
        if dims is None:
            raise ConfigError(
                f"the dimension of embedding model {model!r} is unknown; set MEM0G_EMBEDDING_DIMS"
            )
        self._model_name = model
        self._dimensions = dims
        self._batch_size = batch_size
        if client is None:
            from openai import OpenAI

            # The SDK's default timeout is 600 s: a hung server would stall every add for ten minutes.
            if not api_key and base_url is None:
                raise ConfigError(
                    "OpenAI embeddings need an API key: set OPENAI_API_KEY, or MEM0G_EMBEDDING_BASE_URL "
                    "for another OpenAI-compatible server"
                )
            # Local servers ignore the key, but the SDK insists on one.
            client = OpenAI(
                api_key=api_key or "not-needed", base_url=base_url, timeout=timeout, max_retries=max_retries
            )
        self._client = client
        self._where = str(getattr(client, "base_url", base_url) or "OpenAI")
        # Only the text-embedding-3 family accepts a `dimensions` request parameter.
        self._send_dimensions = dimensions is not None and model.startswith("text-embedding-3")

    @property
    def model_name(self) -> str:
        return self._model_name

    @property
    def dimensions(self) -> int:
        return self._dimensions

    def embed(self, texts: Sequence[str]) -> list[Vector]:
        out: list[Vector] = []
        for start in range(0, len(texts), self._batch_size):
            chunk = list(texts[start : start + self._batch_size])
            extra: dict[str, Any] = {"dimensions": self._dimensions} if self._send_dimensions else {}
            try:
                response = self._client.embeddings.create(model=self._model_name, input=chunk, **extra)
            except Exception as exc:
                raise EmbeddingError(
                    f"embedding request to model {self._model_name!r} at {self._where} failed: "
                    f"{type(exc).__name__}: {exc}; check MEM0G_EMBEDDING_BASE_URL, MEM0G_EMBEDDING_MODEL and "
                    "the API key, or use the local default (MEM0G_EMBEDDER=sentence-transformers)"
                ) from exc
            ordered = sorted(response.data, key=lambda d: d.index)
            out.extend([float(x) for x in d.embedding] for d in ordered)
        return out
