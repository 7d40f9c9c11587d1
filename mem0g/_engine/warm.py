"""Warming a server up for a door's first search: its queries run once, for a user who has nothing.

Neo4j plans a query the first time it sees its text with a given set of parameter types, and keeps
the plan: on a server that has not run mem0g's search queries yet (just started, or its statistics
changed after a large load) the first search planned its five or six queries one after another
(3.6 s for the first search of a fresh server here; 20 ms once planned). ``warm_up_steps`` runs each
query of the search path once, current and as of a date (a DateTime and a null ``$as_of`` are
planned apart), with the kinds of values a search sends, for user ids nobody has. Every query
filters by that user, so nothing is read and nothing is returned: only the plans stay.

Neo4j 5.26 keys the plan cache on each parameter's size class as well as its type (measured: lists
of 1, 2, 12 and 200 ids were each planned anew, 80 after 12 was not; user ids of 1, 40 and 200
characters likewise; the classes fit powers of ten), so the warm-up sends the sizes searches send
(``USER_ID_LENGTHS``, ``QUESTION``, ``IDS_LEN``). A search whose sizes fall in other classes (a
one-letter user id, a hundred-word question) is still planned on its first run.
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


#: The sizes a search sends (see the module): user ids of both common classes (a name of at most 10
#: characters; a UUID or an e-mail), a question whose keyword strings pass 100 characters, as nearly
#: every question's do, and id lists and frontiers of the lengths searches have.
USER_ID_LENGTHS = (10, 46)
QUESTION = "where does the person who warmed up live and work now"
IDS_LEN = {"facts_embeddings": 50, "entities_embeddings": 50, "facts_rank_fields": 50, "facts_by_ids": 10}
FRONTIER_LEN = 5


def _warm_user(length: int) -> str:
    """A user id nobody has, of the given length (10 or more)."""
    return ("mem0g-warm-up-" + uuid.uuid4().hex)[:length] if length > 14 else uuid.uuid4().hex[:length]


def warm_up_queries(
    *, now: datetime, dimensions: int, in_index: bool, exact_max: int
) -> tuple[list[WarmUp], list[WarmUp]]:
    """The search path's queries, each once per time mode and user id size class, for users who
    have no data (see the module): those that read the graph, and the vector index searches apart.
    Neo4j 2026.09 failed internally ("Index 33554431 out of bounds for length 1") on an in-index
    vector search for a user without data on one test database; a search never asks the index for
    a user without facts, so the program runs these one by one and lets one fail."""
    vector = [1.0] + [0.0] * (dimensions - 1)
    graph: list[WarmUp] = []
    indexes: list[WarmUp] = []
    for user in (_warm_user(n) for n in USER_ID_LENGTHS):
        tenant = tenant_token(user)
        frontier = [
            {"entity": uuid.uuid4().hex, "via": uuid.uuid4().hex, "path_sim": 0.5, "share": 1}
            for _ in range(FRONTIER_LEN)
        ]
        for as_of in (None, now - timedelta(days=1)):
            params = SearchParams(query=QUESTION, user_id=user, now=now, as_of=as_of)
            filters = {"user_id": user, **params.filter_params()}
            graph.append(
                (
                    "search_start",
                    {
                        **filters,
                        "exact_max": exact_max,
                        "k": 10,
                        "lucene_facts": lucene_query(QUESTION, tenant=tenant, fields=("fact", "triple_text")),
                        "lucene_entities": lucene_query(
                            QUESTION, tenant=tenant, fields=("name", "aliases_text")
                        ),
                    },
                )
            )
            graph.append(("search_expand", {**filters, "frontier": frontier, "out_cap": 200, "in_cap": 40}))
            indexes.append(
                (
                    vector_query("facts", in_index=in_index),
                    {**filters, "vector": vector, "k": 10, "fetch": 40},
                )
            )
        indexes.append(
            (
                vector_query("entities", in_index=in_index),
                {"user_id": user, "vector": vector, "k": 10, "fetch": 40},
            )
        )
        for name, n in IDS_LEN.items():
            graph.append((name, {"user_id": user, "ids": [uuid.uuid4().hex for _ in range(n)]}))
    return graph, indexes


def warm_up_steps(queries: list[WarmUp]) -> Steps[None]:
    """Run each query once; the rows are not read."""
    for name, params in queries:
        yield Query(name, params)
