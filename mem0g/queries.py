"""Loads Cypher from ``cypher/*.cypher``: one query per file, named by its file, with a header comment.

Keeping every query in a file of its own means the text mem0g runs is the text an operator can paste
into the Neo4j Browser. Values always travel as parameters; no query text is built from data.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

__all__ = ["cypher_dir", "query", "query_names", "statements"]


@functools.cache
def cypher_dir() -> Path:
    """``mem0g/_cypher`` inside a wheel, else the repository's top-level ``cypher/`` folder."""
    packaged = Path(str(resources.files("mem0g"))) / "_cypher"
    if packaged.is_dir():
        return packaged
    source = Path(__file__).resolve().parents[1] / "cypher"
    if source.is_dir():
        return source
    raise FileNotFoundError(f"mem0g's Cypher files are missing (looked in {packaged} and {source})")


def _strip_comments(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("//")).strip()


@functools.cache
def query(name: str) -> str:
    """The Cypher text of ``cypher/<name>.cypher`` without its header comment."""
    path = cypher_dir() / f"{name}.cypher"
    if not path.is_file():
        raise KeyError(f"no Cypher query named {name!r} in {cypher_dir()}")
    return _strip_comments(path.read_text(encoding="utf-8"))


def statements(name: str) -> list[str]:
    """The statements of a multi-statement file (``schema``), split on semicolons."""
    return [s.strip() for s in query(name).split(";") if s.strip()]


def query_names() -> list[str]:
    return sorted(p.stem for p in cypher_dir().glob("*.cypher"))
