"""The ONNX embedder gives the PyTorch model's vectors (so either can search what the other stored),
exports once into its cache, and warns about truncation like the PyTorch embedder."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from mem0g.config import load_settings
from mem0g.embeddings import OnnxEmbedder, SentenceTransformerEmbedder, make_embedder

TEXTS = [
    "Where does Sarah live?",
    "Sarah moved to Shinjuku last week",
    "ramen near Sarah",
    "I used to love spicy food but now I avoid it",
    "Acme Robotics is headquartered in Osaka",
    "莎拉住在新宿",  # CJK: one token per character
    "Ça va? Très bien, merci — à bientôt!",
    "",
    "a " * 400,  # longer than the 256-token window: truncated by both
    *[f"fact number {i}: person {i % 7} works at company {i % 5} since 20{10 + i % 15}" for i in range(60)],
]


@pytest.fixture(scope="module")
def onnx(tmp_path_factory: pytest.TempPathFactory) -> OnnxEmbedder:
    return OnnxEmbedder(cache_dir=tmp_path_factory.mktemp("onnx-cache"))


def test_vectors_agree_with_pytorch(onnx: OnnxEmbedder, embedder: SentenceTransformerEmbedder) -> None:
    ours = np.array(onnx.embed(TEXTS))
    theirs = np.array(embedder.embed(TEXTS))
    assert ours.shape == theirs.shape == (len(TEXTS), 384)
    cosines = (ours * theirs).sum(axis=1)
    assert cosines.min() > 0.9999, cosines.min()
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    # Same neighbours: for each text, the nearest other text is the same under both models.
    assert (
        (ours @ ours.T - 2 * np.eye(len(TEXTS))).argmax(1)
        == (theirs @ theirs.T - 2 * np.eye(len(TEXTS))).argmax(1)
    ).all()
    assert onnx.model_name == embedder.model_name and onnx.dimensions == embedder.dimensions


def test_the_export_is_made_once_and_reused(onnx: OnnxEmbedder) -> None:
    onnx.embed(["x"])
    [model] = list(onnx._cache_dir.glob("*/model.onnx"))
    stamp = model.stat().st_mtime_ns
    again = OnnxEmbedder(cache_dir=onnx._cache_dir)
    assert again.embed(["Where does Sarah live?"]) == onnx.embed(["Where does Sarah live?"])
    assert model.stat().st_mtime_ns == stamp
    assert not list(onnx._cache_dir.glob("*/*.tmp"))


def test_truncation_is_reported(onnx: OnnxEmbedder, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="mem0g.embeddings._onnx"):
        onnx.embed(["short", "word " * 500])
    assert "1 text(s) exceed the 256-token window" in caplog.text


def test_auto_picks_onnx_for_the_default_model_and_names_a_bad_choice(tmp_path: Path) -> None:
    assert isinstance(make_embedder(load_settings()), OnnxEmbedder)
    assert isinstance(
        make_embedder(load_settings(embedder="sentence-transformers")), SentenceTransformerEmbedder
    )
    with pytest.raises(Exception, match="local model folder"):
        OnnxEmbedder(model=str(tmp_path / "no-such-model"), cache_dir=tmp_path).embed(["x"])


def test_a_short_command_exits_cleanly_while_the_model_warms_up(settings_kwargs: dict[str, object]) -> None:
    """The door loads the ONNX model in a thread at construction; a command that ends before the
    load did (``mem0g users`` needs no embedding) must wait for it, not abort (exit 134) when the
    interpreter tears the runtime down mid-load. It did in 4 of 6 runs before the fix."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "HF_HUB_OFFLINE": "1", "NEO4J_URI": str(settings_kwargs["neo4j_uri"])}
    env.pop("MEM0G_EMBEDDER", None)
    codes = [
        subprocess.run(
            [sys.executable, "-m", "mem0g", "users", "--json"], capture_output=True, env=env, timeout=120
        ).returncode
        for _ in range(5)
    ]
    assert codes == [0] * 5


def test_the_one_time_export_prints_nothing(tmp_path: Path) -> None:
    """On a fresh machine the first command exports the model: its stderr must stay the command's
    own (the tracer's warnings once made a one-line error seven lines long)."""
    import os
    import subprocess
    import sys

    script = "from pathlib import Path; from mem0g.embeddings import OnnxEmbedder; import sys; OnnxEmbedder(cache_dir=Path(sys.argv[1])).embed(['x'])"
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "cache")],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert list((tmp_path / "cache").glob("*/model.onnx"))
