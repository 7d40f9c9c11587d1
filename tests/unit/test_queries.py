"""Static checks on cypher/*.cypher: one documented query per file, values only as parameters."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from mem0g._neo4j.queries import cypher_dir, query, query_names, statements

ROOT = Path(__file__).resolve().parents[2]


def test_loader_reads_the_repository_files() -> None:
    assert cypher_dir().resolve() == (ROOT / "cypher").resolve()
    assert "search_facts_candidates" in query_names()


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
    undocumented = {p for p in used if f"${p}" not in header and "as search_facts_candidates" not in header}
    assert not undocumented, f"{name}: document {sorted(undocumented)} in the header"


def test_python_never_formats_cypher() -> None:
    """No f-string or %-format or .format() builds a query: Cypher lives only in cypher/."""
    offenders = []
    for path in (ROOT / "mem0g").rglob("*.py"):
        if path.name == "export.py":  # writes an export script of escaped literals, never runs it
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


# Calls whose first argument is a query name: the effect, and the helpers that yield it.
_QUERY_CALLS = ("Query", "single", "_entries", "_keyword_entries")


def _names_the_engine_asks_for() -> set[str]:
    """Every query name in mem0g's code: the literal first argument of ``Query(...)`` (and of the
    helpers that yield one), and the strings of the module-level ``*_QUERIES`` tables."""
    names: set[str] = set()
    for path in (ROOT / "mem0g").rglob("*.py"):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id.endswith("_QUERIES") for t in node.targets
            ):
                table = node.value.values if isinstance(node.value, ast.Dict) else [node.value]
                names |= {
                    c.value
                    for part in table
                    if part is not None
                    for c in ast.walk(part)
                    if isinstance(c, ast.Constant) and isinstance(c.value, str)
                }
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in _QUERY_CALLS and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant):
                    names.add(first.value)
                else:  # a name chosen from a table: the table's strings are collected above
                    assert "_QUERIES" in ast.unparse(first) or isinstance(first, ast.Name), (
                        f"{path.name}:{node.lineno}: a query name must be a literal or come from a *_QUERIES table"
                    )
    return names


def test_every_query_the_code_asks_for_exists() -> None:
    names = _names_the_engine_asks_for()
    assert len(names) > 40
    missing = sorted(n for n in names if n not in query_names())
    assert not missing, f"no cypher file for {missing}"
    for name in names:
        assert query(name)


def test_every_query_file_is_used_by_the_code() -> None:
    unused = sorted(set(query_names()) - _names_the_engine_asks_for())
    assert not unused, f"cypher files nothing asks for (bench-only queries live in bench/cypher): {unused}"


# The filter every search query applies to facts (scope, time, metadata): the same text everywhere.
_FILTER_START = "($include_history"
_FILTER_END = "pair IN f.metadata_pairs))"


def _fact_filters(name: str) -> list[str]:
    """Every occurrence of the filter in a query (search_expand has one per direction)."""
    text, found, start = query(name), [], 0
    while (start := text.find(_FILTER_START, start)) >= 0:
        end = text.index(_FILTER_END, start) + len(_FILTER_END)
        found.append(" ".join(text[start:end].split()))
        start = end
    return found


def test_the_fact_filter_is_the_same_in_every_search_query() -> None:
    users = [n for n in query_names() if "$include_history" in query(n)]
    assert len(users) >= 4, users
    filters = {name: _fact_filters(name) for name in users}
    assert len(filters["search_expand"]) == 2
    [reference] = filters["search_facts_candidates"]
    assert all(f == reference for fs in filters.values() for f in fs), {
        n: fs for n, fs in filters.items() if any(f != reference for f in fs)
    }


# A MATCH that finds an item by its id or its (user_id, name_key) key, e.g. `(e:Entity {id: x})`
# or `()-[f:FACT {id: x}]->()`: the planner once answered such lookups with scans (see
# tests/integration/test_query_plans.py), so each names its unique index.
_LOOKUP = re.compile(
    r"MATCH\s[^\n]*?[(\[](?P<var>\w+):(?P<label>Entity|FACT|Episode)\s*\{(?P<keys>id:|user_id: \$user_id, name_key:)"
)


@pytest.mark.parametrize("name", query_names())
def test_every_lookup_by_id_or_key_names_its_index(name: str) -> None:
    text = query(name)
    lines = text.splitlines()
    for number, line in enumerate(lines):
        for match in _LOOKUP.finditer(line):
            var, label = match["var"], match["label"]
            keys = "(id)" if match["keys"] == "id:" else "(user_id, name_key)"
            hint = f"USING INDEX {var}:{label}{keys}"
            following = "\n".join(lines[number + 1 : number + 3])
            assert hint in following, f"{name}: `{line.strip()}` needs `{hint}` after it"
