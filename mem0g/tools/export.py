"""The user's graph in exchange formats: JSON, GraphML and a Cypher script (for the CLI's ``graph``)."""

from __future__ import annotations

import io
import json
import re
from datetime import datetime
from typing import Any

import networkx as nx

from mem0g.vocab import ENTITY_TYPES

__all__ = ["cypher_literal", "to_cypher", "to_graphml", "to_json"]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def to_json(graph: nx.MultiDiGraph) -> str:
    nodes = [{"id": n, **{k: _plain(v) for k, v in d.items()}} for n, d in graph.nodes(data=True)]
    edges = [
        # Endpoints are subject_id/object_id: "source" is the fact's provenance (the facts contract).
        {**{k: _plain(x) for k, x in d.items()}, "id": key, "subject_id": u, "object_id": v}
        for u, v, key, d in graph.edges(keys=True, data=True)
    ]
    return json.dumps(
        {"user_id": graph.graph.get("user_id"), "nodes": nodes, "edges": edges}, ensure_ascii=False, indent=2
    )


# Characters XML 1.0 cannot carry at all (not even as &#x..; references): C0 controls other than
# tab, newline and carriage return, surrogates, U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _graphml_value(value: Any) -> str | int | float | bool:
    """A GraphML-safe value: characters XML cannot hold become U+FFFD (the rest is kept verbatim)."""
    if isinstance(value, bool | int | float):
        return value
    text = value if isinstance(value, str) else json.dumps(_plain(value), ensure_ascii=False)
    return _NOT_XML.sub("\ufffd", text)


def to_graphml(graph: nx.MultiDiGraph) -> str:
    clean = nx.MultiDiGraph()
    for n, d in graph.nodes(data=True):
        clean.add_node(n, **{k: _graphml_value(v) for k, v in d.items() if v is not None})
    for u, v, key, d in graph.edges(keys=True, data=True):
        clean.add_edge(u, v, key=key, **{k: _graphml_value(x) for k, x in d.items() if x is not None})
    buffer = io.BytesIO()
    nx.write_graphml(clean, buffer, encoding="utf-8")
    return buffer.getvalue().decode("utf-8")


_SAFE = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _.,:-+")


def cypher_literal(value: Any) -> str:
    """A Cypher literal for ``value``, printable ASCII only, that no data can break out of.

    Neo4j decodes ``\\uXXXX`` escapes *before* it tokenizes a query (as Java does), so an escaped
    quote is a quote: ``'\\u0027 MATCH (n) DETACH DELETE n //'`` closes the string and runs. Strings
    are therefore double-quoted with ``\\"`` and ``\\\\`` for the two characters that matter inside
    them; every other character outside a small safe set becomes ``\\uXXXX`` (a UTF-16 surrogate
    pair beyond the BMP: Cypher has no ``\\U`` escape), which decodes to a harmless character."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, datetime):
        return f"datetime({cypher_literal(value.isoformat())})"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(cypher_literal(v) for v in value) + "]"
    out = []
    for ch in str(value):
        if ch in _SAFE:
            out.append(ch)
        elif ch in '"\\':
            out.append("\\" + ch)
        else:
            units = ch.encode("utf-16-be")
            out.extend(f"\\u{units[i]:02x}{units[i + 1]:02x}" for i in range(0, len(units), 2))
    return '"' + "".join(out) + '"'


def _props(d: dict[str, Any], keys: list[str]) -> str:
    # Keys are mem0g's own property names (fixed identifiers); only values come from data.
    return "{" + ", ".join(f"{k}: {cypher_literal(d[k])}" for k in keys if d.get(k) is not None) + "}"


def to_cypher(graph: nx.MultiDiGraph) -> str:
    """A script that recreates the graph in an empty database (or a scratch one) when pasted."""
    user = graph.graph.get("user_id")
    # Escapes are decoded in comments too (a \\u000a would end one): only safe characters go there.
    shown = "".join(c if c in _SAFE else "?" for c in str(user))
    counts = f"{graph.number_of_nodes()} entities, {graph.number_of_edges()} facts"
    lines = [f"// mem0g export of user {shown}: {counts}"]
    for n, d in graph.nodes(data=True):
        labels = "".join(f":{label}" for label in d.get("labels", []) if label in ENTITY_TYPES)
        props = _props({"id": n, "user_id": user, **d}, ["id", "user_id", "name", "type", "is_self"])
        lines.append(f"CREATE (:Entity{labels} {props});")
    fact_keys = [
        "id",
        "user_id",
        "predicate",
        "fact",
        "status",
        "cardinality",
        "valid_from",
        "valid_until",
        "recorded_at",
        "superseded_at",
        "source",
        "metadata",
    ]
    for u, v, key, d in graph.edges(keys=True, data=True):
        props = _props({"id": key, "user_id": user, **d}, fact_keys)
        lines.append(
            f"MATCH (s:Entity {{id: {cypher_literal(u)}}}), (o:Entity {{id: {cypher_literal(v)}}}) "
            f"CREATE (s)-[:FACT {props}]->(o);"
        )
    return "\n".join(lines) + "\n"
