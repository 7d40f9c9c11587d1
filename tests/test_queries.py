"""Static checks on cypher/*.cypher: one documented query per file, values only as parameters."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mem0g.queries import cypher_dir, query, query_names, statements

ROOT = Path(__file__).resolve().parents[1]


def test_loader_reads_the_repository_files() -> None:
    assert cypher_dir().resolve() == (ROOT / "cypher").resolve()
    assert "search_facts_exact" in query_names()


@pytest.mark.parametrize("name", query_names())
def test_each_file_has_a_header_naming_it(name: str) -> None:
    lines = (cypher_dir() / f"{name}.cypher").read_text("utf-8").splitlines()
    assert lines[0] == f"// name: {name}"
    assert lines[1].startswith("// ") and len(lines[1]) > 10, "second line describes the query"


@pytest.mark.parametrize("name", [n for n in query_names() if n != "schema"])
def test_one_statement_per_file(name: str) -> None:
    assert ";" not in query(name).rstrip().rstrip(";")


@pytest.mark.parametrize("name", query_names())
def test_parameters_are_documented(name: str) -> None:
    text = (cypher_dir() / f"{name}.cypher").read_text("utf-8")
    header = "\n".join(line for line in text.splitlines() if line.startswith("//"))
    used = set(re.findall(r"\$([a-z_]+)", query(name)))
    undocumented = {p for p in used if f"${p}" not in header and "as search_facts_exact" not in header}
    assert not undocumented, f"{name}: document {sorted(undocumented)} in the header"


def test_python_never_formats_cypher() -> None:
    """No f-string or %-format or .format() builds a query: Cypher lives only in cypher/."""
    offenders = []
    for path in (ROOT / "mem0g").rglob("*.py"):
        if path.name == "_export.py":  # writes an export script of escaped literals, never runs it
            continue
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            if re.search(r"\b(MATCH|MERGE|CREATE|DELETE)\b.*[({]", line) and (
                'f"' in line or ".format(" in line
            ):
                offenders.append(f"{path.name}:{number}")
    assert not offenders


def test_schema_statements() -> None:
    schema = statements("schema")
    assert len(schema) >= 10
    assert all("IF NOT EXISTS" in s for s in schema)
    assert sum("$dimensions" in s for s in schema) == 3
