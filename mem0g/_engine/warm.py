"""Warming a server up for a door's first search: its queries run once, for a user who has nothing.

Neo4j plans a query the first time it sees its text with a given set of parameter types, and keeps
the plan: on a server that has not run mem0g's search queries yet (just started, or its statistics
changed after a large load) the first search planned its five or six queries one after another
(3.6 s for the first search of a fresh server here; 20 ms once planned). ``warm_up_steps`` runs each
query of the search path once, current and as of a date (a DateTime and a null ``$as_of`` are
planned apart), with the kinds of values a search sends, for a user id nobody has. Every query
filters by that user, so nothing is read and nothing is returned: only the plans stay.

Limit, measured on Neo4j 5.26: the plan cache is keyed on each parameter's size class as well as
its type (a list's length or a string's, by powers of ten), so a search whose user id, id lists or
keyword strings fall in other classes than these is still planned on its first run.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from mem0g._engine.args import SearchParams
from mem0g._engine.effects import Query, Steps
from mem0g._engine.prepare import tenant_token
from mem0g._engine.profile import vector_query
from mem0g._engine.search import lucene_query

__all__ = ["WarmUp", "warm_up_queries", "warm_up_steps"]

#: A query to run once, by name, with its parameters.
WarmUp = tuple[str, dict[str, Any]]


def warm_up_queries(
    *, now: datetime, dimensions: int, in_index: bool, exact_max: int
) -> tuple[list[WarmUp], list[WarmUp]]:
    """The search path's queries, each once per time mode, for a user who has no data (see the
    module): those that read the graph, and the vector index searches apart. Neo4j 2026.09 failed
    internally ("Index 33554431 out of bounds for length 1") on an in-index vector search for a
    user without data on one test database; a search never asks the index for a user without
    facts, so the program runs these one by one and lets one fail."""
    user = f"mem0g-warm-up-{uuid.uuid4().hex}"
    tenant = tenant_token(user)
    vector = [1.0] + [0.0] * (dimensions - 1)
    ids = [uuid.uuid4().hex]
    graph: list[WarmUp] = []
    indexes: list[WarmUp] = []
    for as_of in (None, now - timedelta(days=1)):
        params = SearchParams(query="warm up", user_id=user, now=now, as_of=as_of)
        filters = {"user_id": user, **params.filter_params()}
        graph.append(
            (
                "search_start",
                {
                    **filters,
                    "exact_max": exact_max,
                    "k": 10,
                    "lucene_facts": lucene_query("warm up", tenant=tenant, fields=("fact", "triple_text")),
                    "lucene_entities": lucene_query(
                        "warm up", tenant=tenant, fields=("name", "aliases_text")
                    ),
                },
            )
        )
        graph.append(
            (
                "search_expand",
                {
                    **filters,
                    "frontier": [{"entity": ids[0], "via": ids[0], "path_sim": 0.5, "share": 1}],
                    "out_cap": 200,
                    "in_cap": 40,
                },
            )
        )
        indexes.append(
            (vector_query("facts", in_index=in_index), {**filters, "vector": vector, "k": 10, "fetch": 40})
        )
    indexes.append(
        (
            vector_query("entities", in_index=in_index),
            {"user_id": user, "vector": vector, "k": 10, "fetch": 40},
        )
    )
    for name in ("facts_embeddings", "entities_embeddings", "facts_rank_fields", "facts_by_ids"):
        graph.append((name, {"user_id": user, "ids": ids}))
    return graph, indexes


def warm_up_steps(queries: list[WarmUp]) -> Steps[None]:
    """Run each query once; the rows are not read."""
    for name, params in queries:
        yield Query(name, params)
