"""Which Cypher a server gets: the one place where version variants of a query are chosen.

Neo4j 5.26's vector indexes cannot filter: mem0g over-fetches from the whole index and keeps the
user's items (``search_*_vector``). From 2026.02 (GA; preview in 2026.01) a vector index can hold
filter properties (``WITH [f.user_id]``) and the Cypher 25 ``SEARCH ... WHERE`` clause filters
inside the index, so a small user's neighbours are found among their own items
(``search_*_vector_in_index``). Which way a door searches is decided once, when it sets up the
schema (``schema.schema_steps``): on a new enough server whose three vector indexes carry
``user_id``. An index built without it (a database upgraded from 5.26) keeps the over-fetch path
until ``mem0g init --reindex`` rebuilds it.
"""

from __future__ import annotations

import re

__all__ = ["IN_INDEX_FILTER_SINCE", "filters_in_index", "release", "vector_index_queries", "vector_query"]

#: The first release whose vector indexes filter by property inside the index (GA).
IN_INDEX_FILTER_SINCE = (2026, 2)

# kind -> (over-fetch query for every server, in-index filtered query for >= 2026.02)
_VECTOR_QUERIES = {
    "facts": ("search_facts_vector", "search_facts_vector_in_index"),
    "entities": ("search_entities_vector", "search_entities_vector_in_index"),
    "episodes": ("search_episodes_vector", "search_episodes_vector_in_index"),
}
# The vector indexes with user_id as a filter property, created before `schema` on >= 2026.02.
_IN_INDEX_SCHEMA_QUERIES = (
    "schema_entity_embedding_in_index",
    "schema_fact_embedding_in_index",
    "schema_episode_embedding_in_index",
)
_RELEASE = re.compile(r"^(\d+)\.(\d+)")


def release(version: str) -> tuple[int, int]:
    """``(major, minor)`` of a Neo4j version string: (5, 26) for "5.26.30", (2026, 9) for
    "2026.09.0"; (0, 0) when it cannot be read (treated as old)."""
    match = _RELEASE.match(version.strip())
    return (int(match.group(1)), int(match.group(2))) if match else (0, 0)


def filters_in_index(version: str) -> bool:
    """Whether a server of this version can filter vector search inside the index."""
    return release(version) >= IN_INDEX_FILTER_SINCE


def vector_query(kind: str, *, in_index: bool) -> str:
    """The index query of an entry-point kind ("facts", "entities", "episodes") for a server that
    does (``in_index``) or does not filter inside its vector indexes."""
    over_fetch, filtered = _VECTOR_QUERIES[kind]
    return filtered if in_index else over_fetch


def vector_index_queries(*, in_index: bool) -> tuple[str, ...]:
    """The files creating the vector indexes beside ``schema``: none where ``schema``'s own
    plain indexes serve (over-fetch), the filterable ones where the server filters in the index."""
    return _IN_INDEX_SCHEMA_QUERIES if in_index else ()
