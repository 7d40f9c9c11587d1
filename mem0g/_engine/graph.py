"""A user's graph as a networkx MultiDiGraph, from the rows of ``graph_user``."""

from __future__ import annotations

from typing import Any

import networkx as nx

__all__ = ["graph_from_rows"]


def graph_from_rows(user_id: str, rows: list[dict[str, Any]]) -> nx.MultiDiGraph:
    """A user's graph from ``graph_user`` rows: entity ids as nodes, facts as keyed edges."""
    graph = nx.MultiDiGraph(user_id=user_id)
    for row in rows:
        entity = row["entity"]
        graph.add_node(
            entity["id"],
            name=entity["name"],
            type=entity.get("type"),
            labels=[label for label in entity.get("labels", []) if label != "Entity"],
            is_self=bool(entity.get("is_self")),
        )
    for row in rows:
        for fact in row["facts"]:
            attrs = {k: v for k, v in fact.items() if k not in {"object_id", "id"}}
            graph.add_edge(row["entity"]["id"], fact["object_id"], key=fact["id"], **attrs)
    return graph
