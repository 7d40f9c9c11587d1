"""Warming a server up for a door's first search: its queries run once, for a user who has nothing.

Neo4j plans a query the first time it sees its text with a given set of parameter types, and keeps
the plan: on a server that has not run mem0g's search queries yet (just started, or its statistics
changed after a large load) the first search planned its five or six queries one after another
(3.6 s for the first search of a fresh server here; 20 ms once planned). ``warm_up_steps`` runs each
query of the search path once, current and as of a date (a DateTime and a null ``$as_of`` are
planned apart), with the kinds of values a search sends, for a user id nobody has. Every query
filters by that user, so nothing is read and nothing is returned: only the plans stay.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from mem0g._engine.args import SearchParams
from mem0g._engine.effects import Query, Steps
from mem0g._engine.prepare import tenant_token
from mem0g._engine.profile import vector_query
from mem0g._engine.search import lucene_query

__all__ = ["warm_up_steps"]


def warm_up_steps(*, now: datetime, dimensions: int, in_index: bool, exact_max: int) -> Steps[None]:
    """Each search-path query once per time mode, for a user who has no data (see the module)."""
    user = f"mem0g-warm-up-{uuid.uuid4().hex}"
    tenant = tenant_token(user)
    vector = [1.0] + [0.0] * (dimensions - 1)
    ids = [uuid.uuid4().hex]
    facts_index = vector_query("facts", in_index=in_index)
    entities_index = vector_query("entities", in_index=in_index)
    for as_of in (None, now - timedelta(days=1)):
        params = SearchParams(query="warm up", user_id=user, now=now, as_of=as_of)
        filters = {"user_id": user, **params.filter_params()}
        yield Query(
            "search_start",
            {
                **filters,
                "exact_max": exact_max,
                "k": 10,
                "lucene_facts": lucene_query("warm up", tenant=tenant, fields=("fact", "triple_text")),
                "lucene_entities": lucene_query("warm up", tenant=tenant, fields=("name", "aliases_text")),
            },
        )
        yield Query(facts_index, {**filters, "vector": vector, "k": 10, "fetch": 40})
        yield Query(
            "search_expand",
            {
                **filters,
                "frontier": [{"entity": ids[0], "via": ids[0], "path_sim": 0.5, "share": 1}],
                "out_cap": 200,
                "in_cap": 40,
            },
        )
    yield Query(entities_index, {"user_id": user, "vector": vector, "k": 10, "fetch": 40})
    for name in ("facts_embeddings", "entities_embeddings", "facts_rank_fields", "facts_by_ids"):
        yield Query(name, {"user_id": user, "ids": ids})
