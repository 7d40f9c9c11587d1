"""Loads Cypher from ``cypher/*.cypher``: one query per file, named by its file, with a header comment.

Keeping every query in a file of its own means the text mem0g runs is the text an operator can paste
into the Neo4j Browser. Values always travel as parameters; no query text is built from data.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path
from typing import LiteralString

from mem0g.errors import UnknownQueryError

__all__ = ["MULTI_STATEMENT", "cypher_dir", "query", "query_names", "statements"]


@functools.cache
def cypher_dir() -> Path:
    """``mem0g/_cypher`` inside a wheel, else the repository's top-level ``cypher/`` folder."""
    packaged = Path(str(resources.files("mem0g"))) / "_cypher"
    if packaged.is_dir():
        return packaged
    source = Path(__file__).resolve().parents[2] / "cypher"
    if source.is_dir():
        return source
    raise UnknownQueryError(f"mem0g's Cypher files are missing (looked in {packaged} and {source})")


def _strip_comments(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("//")).strip()


@functools.cache
def query(name: str) -> LiteralString:
    """The Cypher text of ``cypher/<name>.cypher`` without its header comment."""
    path = cypher_dir() / f"{name}.cypher"
    if "/" in name or "\\" in name or not path.is_file():
        raise UnknownQueryError(f"no Cypher query named {name!r} in {cypher_dir()}")
    # Shipped with mem0g, never built from data: a literal as far as the driver is concerned.
    return _strip_comments(path.read_text(encoding="utf-8"))


#: Files of several statements, separated by semicolons; every other file is one query.
MULTI_STATEMENT = frozenset({"schema"})


@functools.cache
def statements(name: str) -> list[LiteralString]:
    """The statements of a file: the query itself, or the parts of a multi-statement file."""
    text = query(name)
    if name not in MULTI_STATEMENT:
        return [text]
    return [s.strip() for s in text.split(";") if s.strip()]


def query_names() -> list[str]:
    return sorted(p.stem for p in cypher_dir().glob("*.cypher"))
