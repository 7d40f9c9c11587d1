"""The quickstart notebook is executed, so it cannot rot."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "quickstart.ipynb"


def test_quickstart_runs(settings_kwargs: dict[str, object], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEO4J_URI", str(settings_kwargs["neo4j_uri"]))
    if settings_kwargs.get("neo4j_password"):
        monkeypatch.setenv("NEO4J_PASSWORD", str(settings_kwargs["neo4j_password"]))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}
    ).execute()
    outputs = "".join(
        out.get("text", "")
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
    )
    assert "Shinjuku" in outputs and "superseded" in outputs
    assert (
        any(
            "image/png" in out.get("data", {})
            for cell in nb.cells
            if cell.cell_type == "code"
            for out in cell.get("outputs", [])
        )
        or "entities," in outputs
    )
    assert os.environ["NEO4J_URI"] == settings_kwargs["neo4j_uri"]
