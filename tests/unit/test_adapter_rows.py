"""Two start-up and read-path shortcuts that must not change what they return: rows without the
driver's per-number walk (executor._plain) and the ONNX embedder's dimensions from its config."""

from __future__ import annotations

import json
from pathlib import Path

from mem0g._neo4j.executor import _plain
from mem0g.embeddings._onnx import _configured_dimensions
from mem0g.embeddings._sentence import DEFAULT_MODEL, bundled_path


def test_plain_keeps_vectors_as_they_are_and_converts_nested_values() -> None:
    vector = [0.5, -0.25, 1.0]
    assert _plain(vector) is vector  # not copied item by item
    ids = ["a", "b", None, 3]
    assert _plain(ids) is ids  # nor is a list of strings and other scalars
    row = {"ids": ["a", "b"], "facts": [["a", "current", 12, None]], "f": {"metadata": {"k": [1, 2]}}}
    assert _plain(row) == row
    assert _plain([]) == [] and _plain(None) is None and _plain("x") == "x"


def test_the_bundled_model_declares_its_384_dimensions() -> None:
    folder = bundled_path(DEFAULT_MODEL)
    assert folder is not None and _configured_dimensions(folder) == 384


def test_a_dense_layer_or_a_missing_config_leaves_the_dimensions_to_the_model(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(json.dumps({"hidden_size": 768}))
    modules = [
        {"type": "sentence_transformers.models.Transformer"},
        {"type": "sentence_transformers.models.Dense"},
    ]
    (tmp_path / "modules.json").write_text(json.dumps(modules))
    assert _configured_dimensions(tmp_path) is None
    (tmp_path / "modules.json").write_text(json.dumps(modules[:1]))
    assert _configured_dimensions(tmp_path) == 768
    assert _configured_dimensions(tmp_path / "missing") is None
