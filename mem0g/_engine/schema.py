"""Schema steps: constraints and indexes, the dimension check and re-embedding (run in auto-commit)."""

from __future__ import annotations

from mem0g._engine.effects import Embed, Program, Query, Steps, autocommit, model_info
from mem0g._engine.env import Env
from mem0g._engine.profile import filters_in_index, vector_index_queries
from mem0g.errors import EmbeddingDimensionMismatchError

__all__ = [
    "VECTOR_INDEXES",
    "ensure_schema",
    "init_program",
    "schema_steps",
    "vector_index_dimensions_steps",
]

VECTOR_INDEXES = ("entity_embedding", "fact_embedding", "episode_embedding")
# What re-indexing re-embeds: the query that pages through a kind's texts, and the one that sets them.
_REEMBED_QUERIES = (
    ("reembed_entities_page", "reembed_entities_set"),
    ("reembed_facts_page", "reembed_facts_set"),
    ("reembed_episodes_page", "reembed_episodes_set"),
)


def vector_index_dimensions_steps() -> Steps[dict[str, int | None]]:
    rows = yield Query("schema_vector_indexes")
    return {r["name"]: r["dimensions"] for r in rows}


def _kernel_version(rows: list[dict[str, object]]) -> str:
    for row in rows:
        if row.get("name") == "Neo4j Kernel":
            return str(row.get("version") or "")
    return str(rows[0].get("version") or "") if rows else ""


def schema_steps(*, dimensions: int, reindex: bool = False, page: int = 1000) -> Steps[bool]:
    """Create constraints and indexes (idempotent); refuse a vector index of another dimension.

    ``reindex`` drops the vector indexes, re-embeds every stored entity name, fact and episode (all
    users: an index spans the database) and builds the indexes again. Run in auto-commit mode: a
    schema change cannot share a transaction with data writes.

    Returns whether vector search filters by user inside the indexes (``profile``): the server
    can (Neo4j >= 2026.02) and each vector index carries ``user_id``, because this call creates it
    so or it was created so before. An older index keeps the over-fetch path until ``--reindex``.
    """
    in_index = filters_in_index(_kernel_version((yield Query("server_info"))))
    index_rows = yield Query("schema_vector_indexes")
    existing: dict[str, int | None] = {r["name"]: r["dimensions"] for r in index_rows}
    filterable = all("user_id" in (r.get("properties") or []) for r in index_rows)
    wrong = {name: dims for name, dims in existing.items() if dims is not None and dims != dimensions}
    if reindex:
        for name in existing:
            yield Query("schema_drop_vector_indexes", {"name": name})
        for page_query, set_query in _REEMBED_QUERIES:
            after = ""
            while True:
                rows = yield Query(page_query, {"after": after, "limit": page})
                if not rows:
                    break
                vectors = yield Embed(tuple(r["text"] for r in rows))
                yield Query(
                    set_query,
                    {"rows": [{"id": r["id"], "embedding": v} for r, v in zip(rows, vectors, strict=True)]},
                )
                after = rows[-1]["id"]
        wrong = {}
        filterable = True  # every vector index is built again below
    if wrong:
        detail = ", ".join(f"{name} has {dims}" for name, dims in sorted(wrong.items()))
        raise EmbeddingDimensionMismatchError(
            f"the embedding model makes {dimensions}-dimensional vectors but the vector indexes "
            f"in Neo4j were built for another dimension ({detail}); run `mem0g init --reindex` to "
            "rebuild them and re-embed stored data, or configure the model that built them"
        )
    # Where the server filters inside vector indexes, they are created with user_id first; the
    # plain CREATE VECTOR INDEX ... IF NOT EXISTS of `schema` then leaves them as they are.
    for name in vector_index_queries(in_index=in_index):
        yield Query(name, {"dimensions": dimensions})
    # The one multi-statement file: the adapter runs its statements one by one.
    yield Query("schema", {"dimensions": dimensions})
    yield Query("schema_await")
    return in_index and filterable


def init_program(env: Env, *, reindex: bool) -> Program[None]:
    """Create constraints and indexes for the embedding model's dimensions (and re-index)."""
    _, dimensions = yield from model_info()
    in_index = yield from autocommit(lambda: schema_steps(dimensions=dimensions, reindex=reindex), "init")
    env.state.vector_in_index = in_index
    if reindex:
        env.state.vectors.clear()  # the stored embeddings were rewritten
    env.state.schema_ready = True


def ensure_schema(env: Env) -> Program[None]:
    """The schema, once per door (idempotent, so two racing first calls are harmless)."""
    if not env.state.schema_ready:
        yield from init_program(env, reindex=False)
