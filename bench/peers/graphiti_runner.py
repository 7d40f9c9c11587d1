"""Graphiti (graphiti-core) on a world folder, inside its own virtualenv (.bench/venvs/graphiti).

    .bench/venvs/graphiti/bin/python bench/peers/graphiti_runner.py --world W --neo4j-uri URI \
        --embeddings CACHE --out result.json

Load (no LLM): the resolved intervals of the world (see ``_common``: what a perfect extraction and
invalidation LLM would have produced) become Graphiti's own models and go through its own bulk save
``graphiti_core.utils.bulk_utils.add_nodes_and_edges_bulk`` in batches, one transaction each:

* one ``EntityNode`` per entity (``labels=[type]``, ``name_embedding`` from the cache), ``group_id`` =
  user id;
* one ``EntityEdge`` per interval (``name`` = predicate in Graphiti's upper-snake style, ``fact`` = the
  sentence of the statement that first told it, ``fact_embedding`` from the cache, ``valid_at`` /
  ``invalid_at`` = the interval, ``expired_at`` = load time for intervals that have ended, ``episodes``
  = the statements that told it, ``created_at`` / ``reference_time`` = first observation);
* one ``EpisodicNode`` per statement (``content`` = its sentence, ``valid_at`` = its observation time)
  with ``EpisodicEdge`` MENTIONS to its subject and object, as Graphiti's own ingestion keeps them.

``Graphiti.build_indices_and_constraints()`` runs first (timed separately).

Query: ``Graphiti.search(query, group_ids=[user], num_results=k, search_filter=...)``, its default
hybrid edge search (BM25 over the edge fulltext index + cosine over ``fact_embedding``, RRF), with an
embedder client that returns the cached query vector and a cross-encoder that refuses to be called
(RRF does not call it). Filters, from Graphiti's ``SearchFilters``:

* ``current`` and ``multi_hop``: ``invalid_at IS NULL`` (edges still valid in the world);
* ``as_of`` t: ``valid_at <= t`` and (``invalid_at > t`` or ``invalid_at IS NULL``): Graphiti's
  date filters make a point-in-time query possible;
* ``history``: no filter (every edge, with its validity).

Graphiti has no multi-hop expansion in ``search()`` (``center_node_uuid`` only reranks by distance to
one node the caller must already know); multi-hop questions are answered by one hybrid search.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Iterable
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

os.environ.setdefault("GRAPHITI_TELEMETRY_ENABLED", "false")
os.environ.setdefault("POSTHOG_DISABLED", "1")

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    KINDS,
    EmbeddingCache,
    World,
    as_datetime,
    common_args,
    environment,
    hit_record,
    latency_stats,
    load_world,
    norm,
    peak_rss_bytes,
    run_and_report,
    select_users,
    warmup_order,
    write_json,
)

PEER = "graphiti"
PACKAGE = "graphiti-core"


def edge_name(predicate: str) -> str:
    return predicate.upper()


def texts_to_embed(world: World) -> dict[str, Any]:
    docs: dict[str, None] = {}
    for iv in world.intervals:
        docs.setdefault(iv.subject)
        docs.setdefault(iv.object)
        docs.setdefault(iv.fact.replace("\n", " "))
    # Graphiti's search embeds ``query.replace('\n', ' ')`` once per search.
    queries = {q["id"]: [q["query"].replace("\n", " ")] for q in world.queries}
    return {"documents": list(docs), "queries": queries}


def build_models(world: World, cache: EmbeddingCache, loaded_at: datetime) -> dict[str, list[Any]]:
    from graphiti_core.edges import EntityEdge, EpisodicEdge
    from graphiti_core.nodes import EntityNode, EpisodeType, EpisodicNode

    nodes: dict[tuple[str, str], Any] = {}

    def node(user: str, name: str, kind: str) -> Any:
        key = (user, norm(name))
        if key not in nodes:
            labels = [kind] if kind and kind != "Entity" else []
            nodes[key] = EntityNode(
                name=name,
                group_id=user,
                labels=labels,
                name_embedding=cache.get(name),
                summary="",
                created_at=loaded_at,
            )
        return nodes[key]

    episodes: dict[int, Any] = {}
    mentions: list[Any] = []
    edges: list[Any] = []
    for iv in world.intervals:
        s = node(iv.user_id, iv.subject, iv.subject_type)
        o = node(iv.user_id, iv.object, iv.object_type)
        episode_ids = []
        for n in iv.statements:
            if n not in episodes:
                f = world.facts[n]
                observed = datetime.fromisoformat(f["observed_at"]) if f.get("observed_at") else loaded_at
                source = f.get("source") or []
                episodes[n] = EpisodicNode(
                    name=f"statement-{n}",
                    group_id=iv.user_id,
                    labels=[],
                    source=EpisodeType.text,
                    source_description=",".join(source) if isinstance(source, list) else str(source),
                    content=f.get("fact") or "",
                    valid_at=observed,
                    created_at=observed,
                    entity_edges=[],
                )
                for target in (s, o):
                    mentions.append(
                        EpisodicEdge(
                            group_id=iv.user_id,
                            source_node_uuid=episodes[n].uuid,
                            target_node_uuid=target.uuid,
                            created_at=observed,
                        )
                    )
            episode_ids.append(episodes[n].uuid)
        created = iv.first_observed or loaded_at
        edge = EntityEdge(
            group_id=iv.user_id,
            source_node_uuid=s.uuid,
            target_node_uuid=o.uuid,
            created_at=created,
            name=edge_name(iv.predicate),
            fact=iv.fact.replace("\n", " "),
            fact_embedding=cache.get(iv.fact.replace("\n", " ")),
            episodes=episode_ids,
            valid_at=as_datetime(iv.valid_from),
            invalid_at=as_datetime(iv.valid_until),
            expired_at=loaded_at if iv.valid_until is not None else None,
            reference_time=created,
        )
        edges.append(edge)
        for n in iv.statements:
            episodes[n].entity_edges.append(edge.uuid)
    return {
        "entity_nodes": list(nodes.values()),
        "entity_edges": edges,
        "episodic_nodes": list(episodes.values()),
        "episodic_edges": mentions,
    }


def _batches(items: list[Any], size: int) -> Iterable[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def make_clients(cache: EmbeddingCache) -> tuple[Any, Any, Any]:
    from graphiti_core.cross_encoder.client import CrossEncoderClient
    from graphiti_core.embedder.client import EmbedderClient
    from graphiti_core.llm_client import LLMConfig, OpenAIClient

    class Embedder(EmbedderClient):
        """Returns the shared model's vector for the exact text from the cache."""

        async def create(self, input_data: Any) -> list[float]:
            text = input_data[0] if isinstance(input_data, list) else input_data
            return cache.get(str(text))

        async def create_batch(self, input_data_list: list[str]) -> list[list[float]]:
            return [cache.get(t) for t in input_data_list]

    class NoCrossEncoder(CrossEncoderClient):
        async def rank(self, query: str, passages: list[str]) -> list[tuple[str, float]]:
            raise RuntimeError("the benchmark's search config (RRF) must not call a cross-encoder")

    # Never called: no LLM runs in this benchmark (port 9 is discard; a call would fail loudly).
    llm = OpenAIClient(config=LLMConfig(api_key="unused", base_url="http://127.0.0.1:9/v1"))
    return Embedder(), NoCrossEncoder(), llm


def search_filter(query: dict[str, Any]) -> Any:
    from graphiti_core.search.search_filters import ComparisonOperator, DateFilter, SearchFilters

    kind = query["kind"]
    if kind == "history" or query.get("include_history"):
        return SearchFilters()
    if query.get("as_of"):
        at = datetime.fromisoformat(query["as_of"])
        if at.tzinfo is None:
            at = at.replace(tzinfo=timezone.utc)
        return SearchFilters(
            valid_at=[
                [DateFilter(date=at, comparison_operator=ComparisonOperator.less_than_equal)],
                [DateFilter(comparison_operator=ComparisonOperator.is_null)],
            ],
            invalid_at=[
                [DateFilter(date=at, comparison_operator=ComparisonOperator.greater_than)],
                [DateFilter(comparison_operator=ComparisonOperator.is_null)],
            ],
        )
    return SearchFilters(invalid_at=[[DateFilter(comparison_operator=ComparisonOperator.is_null)]])


async def wipe(driver: Any) -> None:
    """Remove this peer's data and indexes (Community has one database)."""
    while True:
        records, _, _ = await driver.execute_query(
            "MATCH (n) WITH n LIMIT 10000 DETACH DELETE n RETURN count(*) AS c"
        )
        if not records or records[0]["c"] == 0:
            break
    records, _, _ = await driver.execute_query("SHOW CONSTRAINTS YIELD name RETURN name")
    for r in records:
        await driver.execute_query(f"DROP CONSTRAINT `{r['name']}` IF EXISTS")
    records, _, _ = await driver.execute_query(
        "SHOW INDEXES YIELD name, type WHERE type <> 'LOOKUP' RETURN name"
    )
    for r in records:
        await driver.execute_query(f"DROP INDEX `{r['name']}` IF EXISTS")


async def run(args: argparse.Namespace) -> dict[str, Any]:
    world = select_users(load_world(args.world, args.queries or None), args.users)
    cache = EmbeddingCache(args.embeddings)
    os.environ["EMBEDDING_DIM"] = str(cache.dims)  # read by graphiti_core at import time
    from graphiti_core import Graphiti
    from graphiti_core.utils.bulk_utils import add_nodes_and_edges_bulk

    embedder, cross_encoder, llm = make_clients(cache)
    graphiti = Graphiti(
        args.neo4j_uri,
        args.neo4j_user,
        args.neo4j_password,
        llm_client=llm,
        embedder=embedder,
        cross_encoder=cross_encoder,
    )
    result: dict[str, Any] = {
        "system": PEER,
        "package": PACKAGE,
        "version": metadata.version(PACKAGE),
        "neo4j_driver": metadata.version("neo4j"),
        "environment": environment(),
        "world": str(args.world),
        "users": world.users,
        "k": args.k,
    }
    try:
        server = await graphiti.driver.execute_query(
            "CALL dbms.components() YIELD name, versions, edition RETURN name, versions, edition"
        )
        if server[0]:
            row = server[0][0]
            result["neo4j_server"] = {
                "name": row["name"],
                "version": row["versions"][0],
                "edition": row["edition"],
            }
        if not args.skip_load:
            t0 = time.perf_counter()
            await wipe(graphiti.driver)
            wipe_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            await graphiti.build_indices_and_constraints()
            indices_s = time.perf_counter() - t0
            loaded_at = datetime.now(timezone.utc)
            models = build_models(world, cache, loaded_at)
            t0 = time.perf_counter()
            # One bulk call per batch of edges with the nodes and episodes they need (each entity
            # node saved once, in the first batch that uses it).
            saved_nodes: set[str] = set()
            saved_eps: set[str] = set()
            node_by_uuid = {n.uuid: n for n in models["entity_nodes"]}
            ep_by_uuid = {e.uuid: e for e in models["episodic_nodes"]}
            mentions_by_ep: dict[str, list[Any]] = {}
            for m in models["episodic_edges"]:
                mentions_by_ep.setdefault(m.source_node_uuid, []).append(m)
            batches = 0
            for chunk in _batches(models["entity_edges"], args.batch):
                nodes = []
                eps = []
                for e in chunk:
                    for u in (e.source_node_uuid, e.target_node_uuid):
                        if u not in saved_nodes:
                            saved_nodes.add(u)
                            nodes.append(node_by_uuid[u])
                    for u in e.episodes:
                        if u not in saved_eps:
                            saved_eps.add(u)
                            eps.append(ep_by_uuid[u])
                ep_edges = [m for ep in eps for m in mentions_by_ep.get(ep.uuid, [])]
                await add_nodes_and_edges_bulk(graphiti.driver, eps, ep_edges, nodes, chunk, embedder)
                batches += 1
            load_s = time.perf_counter() - t0
            result["load"] = {
                "seconds": round(load_s, 3),
                "wipe_seconds": round(wipe_s, 3),
                "build_indices_seconds": round(indices_s, 3),
                "statements": len(world.facts),
                "entity_edges": len(models["entity_edges"]),
                "entity_nodes": len(models["entity_nodes"]),
                "episodic_nodes": len(models["episodic_nodes"]),
                "episodic_edges": len(models["episodic_edges"]),
                "batches": batches,
                "batch": args.batch,
                "path": "graphiti_core.utils.bulk_utils.add_nodes_and_edges_bulk",
                "edges_per_s": round(len(models["entity_edges"]) / load_s, 1) if load_s else None,
            }
            print(f"[graphiti] loaded {result['load']}", file=sys.stderr)
        names = await _names(graphiti.driver, world.users)
        result["search"] = await search_all(graphiti, cache, world, names, args)
    finally:
        await graphiti.close()
    result["python_peak_rss_bytes"] = peak_rss_bytes()
    return result


async def _names(driver: Any, users: list[str]) -> dict[str, str]:
    """uuid -> name of every entity (to report a hit's subject and object; outside the timing)."""
    records, _, _ = await driver.execute_query(
        "MATCH (n:Entity) WHERE n.group_id IN $users RETURN n.uuid AS uuid, n.name AS name", users=users
    )
    return {r["uuid"]: r["name"] for r in records}


async def search_all(
    graphiti: Any, cache: EmbeddingCache, world: World, names: dict[str, str], args: argparse.Namespace
) -> dict[str, Any]:
    async def one(q: dict[str, Any]) -> list[Any]:
        return await graphiti.search(
            q["query"], group_ids=[q["user_id"]], num_results=args.k, search_filter=search_filter(q)
        )

    for q in warmup_order(world.queries, args.warmup):
        await one(q)
    now = datetime.now(timezone.utc)
    out = []
    errors = 0
    for q in world.queries:
        cache.reset()
        t0 = time.perf_counter()
        try:
            edges = await one(q)
            error = None
        except Exception as exc:  # recorded, never hidden
            edges, error = [], f"{type(exc).__name__}: {exc}"
            errors += 1
        ms = (time.perf_counter() - t0) * 1000
        hits = []
        for e in edges:
            ended = e.invalid_at is not None and e.invalid_at <= now
            hits.append(
                hit_record(
                    subject=names.get(e.source_node_uuid),
                    predicate=e.name,
                    object=names.get(e.target_node_uuid),
                    fact=e.fact,
                    valid_from=e.valid_at,
                    valid_until=e.invalid_at,
                    status="superseded" if ended or e.expired_at is not None else "current",
                )
            )
        out.append(
            {
                "id": q["id"],
                "kind": q["kind"],
                "ms": round(ms, 3),
                "embed_ms": round(cache.asked_embed_ms(), 3),
                "embedded": list(cache.asked),
                "hits": hits,
                **({"error": error} if error else {}),
            }
        )
    ms_all = [r["ms"] for r in out]
    with_embed = [r["ms"] + r["embed_ms"] for r in out]
    return {
        "call": "Graphiti.search(query, group_ids=[user_id], num_results=k, search_filter=SearchFilters(...))",
        "config": "EDGE_HYBRID_SEARCH_RRF (bm25 + cosine_similarity over edges, rrf reranker)",
        "warmup": args.warmup,
        "errors": errors,
        "latency": {
            "without_query_embedding": latency_stats(ms_all),
            "with_query_embedding": latency_stats(with_embed),
            "by_kind": {
                kind: {
                    "without_query_embedding": latency_stats([r["ms"] for r in out if r["kind"] == kind]),
                    "with_query_embedding": latency_stats(
                        [r["ms"] + r["embed_ms"] for r in out if r["kind"] == kind]
                    ),
                }
                for kind in KINDS
                if any(r["kind"] == kind for r in out)
            },
        },
        "queries": out,
    }


SUPPORTS = {
    "current": "yes: SearchFilters(invalid_at IS NULL)",
    "as_of": "yes: SearchFilters valid_at/invalid_at date filters",
    "history": "yes: edges keep valid_at/invalid_at; search without filter",
    "multi_hop": "no traversal in search(): one hybrid edge search answers the whole question",
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    common_args(parser)
    parser.add_argument("--batch", type=int, default=500, help="entity edges per bulk save transaction")
    args = parser.parse_args(argv)
    if args.list_texts:
        world = select_users(load_world(args.world, args.queries or None), args.users)
        write_json(args.list_texts, texts_to_embed(world))
        return
    run_and_report(
        peer=PEER, package=PACKAGE, supports=SUPPORTS, out=args.out, call=lambda: asyncio.run(run(args))
    )


if __name__ == "__main__":
    main()
