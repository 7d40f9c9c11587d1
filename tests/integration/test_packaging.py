"""The wheel carries what an installed mem0g needs outside Python files: every Cypher query (also
the Browser ones), the prompt templates, the launcher's pom and the demo's examples."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_wheel_ships_cypher_prompts_launcher_and_examples(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("mem0g-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in (ROOT / "cypher").rglob("*.cypher"):
        assert f"mem0g/_cypher/{path.relative_to(ROOT / 'cypher').as_posix()}" in names, path
    assert "mem0g/_cypher/browser/mem0g.grass" in names
    for path in (ROOT / "mem0g" / "prompts").glob("*.txt"):
        assert f"mem0g/prompts/{path.name}" in names
    assert "mem0g/_launcher/pom.xml" in names and "mem0g/_examples/seed_facts.jsonl" in names
    assert "mem0g/py.typed" in names
