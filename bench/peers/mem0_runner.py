"""Mem0's graph memory (mem0ai 1.0.x, ``mem0.memory.graph_memory.MemoryGraph`` on Neo4j), inside its own
virtualenv (.bench/venvs/mem0).

    .bench/venvs/mem0/bin/python bench/peers/mem0_runner.py --world W --neo4j-uri URI \
        --embeddings CACHE --out result.json

mem0ai 2.0.0 removed graph memory (no ``mem0/memory/graph_memory.py`` in its wheel); 1.0.11 is the last
release that has it, with the Neo4j store through ``langchain_neo4j.Neo4jGraph``.

Graph-only: ``MemoryGraph(MemoryConfig(...))`` is built directly, as ``Memory`` builds it for a
``graph_store`` config; ``Memory`` itself (and so its vector store and SQLite history) is not created,
because ``Memory.search`` runs the vector-store search and ``MemoryGraph.search`` side by side and only
the latter is the graph memory being compared. Its embedding model is replaced by one that returns the
shared model's vectors from the cache (``embed(text)``, after Mem0's OpenAI embedder's own
``text.replace("\\n", " ")``).

Load (no LLM): ``MemoryGraph.add`` asks an LLM for entities, relations and relations to delete, then
runs ``_delete_entities`` and ``_add_entities`` (its own Cypher: MERGE of nodes found by name-embedding
similarity >= threshold, ``db.create.setNodeVectorProperty``, MERGE of a relationship typed by the
predicate, soft delete ``r.valid = false``). Here the LLM's three answers are taken from the resolved
world (what a perfect LLM would say, see ``_common``), and those two methods are called with them, in
the world's time order: each interval's start adds its triple (``_add_entities``), each interval's end
soft-deletes it (``_delete_entities``). Names and relationships are normalised by Mem0's own
``_remove_spaces_from_entities`` (lower case, spaces to underscores), as its add path does. The graph
search that ``add`` runs to show the LLM delete candidates is not run (its answer is given).

Query: ``MemoryGraph.search(query, filters={"user_id": user}, limit=k)``: an LLM call extracts the
query's entities (answered by the stub LLM server, ``stub_llm.py``, over real HTTP), each entity name
is embedded and matched against the user's nodes by cosine >= threshold, their valid relationships are
collected and reranked by BM25, top 5 returned (Mem0 hard-codes ``n=5``). The stub's round trip is
timed on the client side (wrapping ``MemoryGraph.llm.generate_response``) and subtracted: latencies
reported are Mem0's own work; the stub round trip is reported beside them. A real LLM call would add
its own latency on top (not measured here).

Mem0's graph keeps no dates: no ``valid_from``/``valid_until``; a soft-deleted relationship is
excluded from search. So: no as-of query, no history; every hit is reported as ``current`` with no
interval.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from importlib import metadata
from pathlib import Path
from typing import Any

os.environ.setdefault("MEM0_TELEMETRY", "False")
os.environ.setdefault("POSTHOG_DISABLED", "1")

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    KINDS,
    EmbeddingCache,
    World,
    common_args,
    environment,
    hit_record,
    latency_stats,
    load_world,
    peak_rss_bytes,
    run_and_report,
    select_users,
    warmup_order,
    write_json,
)
from stub_llm import extract_entities

PEER = "mem0"
PACKAGE = "mem0ai"


def mem0_name(name: str) -> str:
    """What Mem0 stores and embeds for an entity name (``remove_spaces_from_entities`` and
    ``_retrieve_nodes_from_data``: lower case, spaces to underscores)."""
    return name.lower().replace(" ", "_")


def names_by_user(world: World) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for iv in world.intervals:
        names = out.setdefault(iv.user_id, {})
        names.setdefault(iv.subject, iv.subject_type)
        names.setdefault(iv.object, iv.object_type)
    return out


def query_entities(query: dict[str, Any], names: dict[str, dict[str, str]]) -> list[str]:
    """The node names Mem0 embeds for a query, given the stub's deterministic extraction."""
    found = extract_entities(query["query"], names.get(query["user_id"], {}))
    return list(dict.fromkeys(mem0_name(e["entity"]).replace("\n", " ") for e in found))


def texts_to_embed(world: World) -> dict[str, Any]:
    docs: dict[str, None] = {}
    for iv in world.intervals:
        docs.setdefault(mem0_name(iv.subject))
        docs.setdefault(mem0_name(iv.object))
    names = names_by_user(world)
    return {"documents": list(docs), "queries": {q["id"]: query_entities(q, names) for q in world.queries}}


class StubServer:
    """``stub_llm.py`` in its own process (started and stopped by us, by pid)."""

    def __init__(self, names: dict[str, dict[str, str]]) -> None:
        self.names_file = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed here, deleted in stop()
            "w", suffix=".json", delete=False, encoding="utf-8"
        )
        json.dump(names, self.names_file)
        self.names_file.close()
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("stub_llm.py")), "--names", self.names_file.name],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        if not line.startswith("READY "):
            self.stop()
            raise RuntimeError(f"stub LLM did not start: {line!r}")
        self.url = line.split(" ", 1)[1]

    def stats(self) -> dict[str, Any]:
        import urllib.request

        with urllib.request.urlopen(self.url + "/stats", timeout=10) as resp:
            return json.loads(resp.read())

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        Path(self.names_file.name).unlink(missing_ok=True)


def make_graph(args: argparse.Namespace, stub_url: str, cache: EmbeddingCache) -> Any:
    from mem0.configs.base import MemoryConfig
    from mem0.embeddings.base import EmbeddingBase
    from mem0.memory.graph_memory import MemoryGraph

    graph_config: dict[str, Any] = {
        "url": args.neo4j_uri,
        "username": args.neo4j_user,
        # Mem0's Neo4jConfig refuses an empty password; the bench server has auth disabled.
        "password": args.neo4j_password or "unused",
    }
    if args.base_label:
        graph_config["base_label"] = True
    config = MemoryConfig(
        llm={
            "provider": "openai",
            "config": {"api_key": "unused", "openai_base_url": stub_url, "model": "stub"},
        },
        embedder={
            "provider": "openai",
            "config": {"api_key": "unused", "openai_base_url": stub_url, "embedding_dims": cache.dims},
        },
        vector_store={"provider": "qdrant", "config": {"embedding_model_dims": cache.dims}},
        graph_store={
            "provider": "neo4j",
            "config": graph_config,
            **({"threshold": args.threshold} if args.threshold is not None else {}),
        },
    )

    class CachedEmbedding(EmbeddingBase):
        def embed(self, text: str, memory_action: Any = None) -> list[float]:
            return cache.get(text.replace("\n", " "))

    graph = MemoryGraph(config)
    graph.embedding_model = CachedEmbedding()
    return graph


def wipe(uri: str, user: str, password: str) -> None:
    from neo4j import GraphDatabase

    with GraphDatabase.driver(uri, auth=(user, password)) as driver:
        while True:
            records, _, _ = driver.execute_query(
                "MATCH (n) WITH n LIMIT 10000 DETACH DELETE n RETURN count(*) AS c"
            )
            if not records or records[0]["c"] == 0:
                break
        for r in driver.execute_query("SHOW CONSTRAINTS YIELD name RETURN name").records:
            driver.execute_query(f"DROP CONSTRAINT `{r['name']}` IF EXISTS")
        for r in driver.execute_query(
            "SHOW INDEXES YIELD name, type WHERE type <> 'LOOKUP' RETURN name"
        ).records:
            driver.execute_query(f"DROP INDEX `{r['name']}` IF EXISTS")


def load(graph: Any, world: World) -> dict[str, Any]:
    events: list[tuple[date, int, int, Any]] = []
    for n, iv in enumerate(world.intervals):
        events.append((iv.valid_from or date.min, 1, n, iv))
        if iv.valid_until is not None:
            events.append((iv.valid_until, 0, n, iv))  # an end before a start on the same day
    events.sort(key=lambda e: (e[0], e[1], e[2]))
    adds = deletes = 0
    t0 = time.perf_counter()
    for _, is_start, _, iv in events:
        filters = {"user_id": iv.user_id}
        item = graph._remove_spaces_from_entities(
            [{"source": iv.subject, "relationship": iv.predicate, "destination": iv.object}]
        )
        if is_start:
            types = {
                mem0_name(iv.subject): iv.subject_type.lower().replace(" ", "_"),
                mem0_name(iv.object): iv.object_type.lower().replace(" ", "_"),
            }
            graph._add_entities(item, filters, types)
            adds += 1
        else:
            graph._delete_entities(item, filters)
            deletes += 1
    seconds = time.perf_counter() - t0
    return {
        "seconds": round(seconds, 3),
        "statements": len(world.facts),
        "intervals": len(world.intervals),
        "add_calls": adds,
        "delete_calls": deletes,
        "path": "MemoryGraph._add_entities / MemoryGraph._delete_entities (one call per triple)",
        "intervals_per_s": round(len(world.intervals) / seconds, 1) if seconds else None,
    }


def graph_counts(graph: Any, users: list[str]) -> dict[str, Any]:
    rows = graph.graph.query(
        "MATCH (n) WHERE n.user_id IN $users RETURN count(n) AS nodes", params={"users": users}
    )
    rels = graph.graph.query(
        "MATCH (n)-[r]->() WHERE n.user_id IN $users "
        "RETURN sum(CASE WHEN r.valid = false THEN 0 ELSE 1 END) AS valid, "
        "sum(CASE WHEN r.valid = false THEN 1 ELSE 0 END) AS invalid",
        params={"users": users},
    )
    return {
        "nodes": rows[0]["nodes"],
        "valid_relationships": rels[0]["valid"],
        "invalid_relationships": rels[0]["invalid"],
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    world = select_users(load_world(args.world, args.queries or None), args.users)
    cache = EmbeddingCache(args.embeddings)
    names = names_by_user(world)
    stub = StubServer(names)
    result: dict[str, Any] = {
        "system": PEER,
        "package": PACKAGE,
        "version": metadata.version(PACKAGE),
        "neo4j_driver": metadata.version("neo4j"),
        "langchain_neo4j": metadata.version("langchain-neo4j"),
        "environment": environment(),
        "world": str(args.world),
        "users": world.users,
        "k": args.k,
        "stub_llm": stub.url,
    }
    try:
        if not args.skip_load:
            t0 = time.perf_counter()
            wipe(args.neo4j_uri, args.neo4j_user, args.neo4j_password or "unused")
            wipe_s = time.perf_counter() - t0
        graph = make_graph(args, stub.url, cache)
        result["threshold"] = graph.threshold
        result["base_label"] = bool(graph.node_label)
        server = graph.graph.query(
            "CALL dbms.components() YIELD name, versions, edition RETURN name, versions, edition"
        )
        if server:
            row = server[0]
            result["neo4j_server"] = {
                "name": row["name"],
                "version": row["versions"][0],
                "edition": row["edition"],
            }
        if not args.skip_load:
            result["load"] = {**load(graph, world), "wipe_seconds": round(wipe_s, 3)}
            result["load"]["graph"] = graph_counts(graph, world.users)
            result["load"]["graph"]["true_entities"] = sum(len(v) for v in names.values())
            print(f"[mem0] loaded {result['load']}", file=sys.stderr)
        result["search"] = search_all(graph, cache, world, args, stub)
    finally:
        stub.stop()
    result["python_peak_rss_bytes"] = peak_rss_bytes()
    return result


def search_all(
    graph: Any, cache: EmbeddingCache, world: World, args: argparse.Namespace, stub: StubServer
) -> dict[str, Any]:
    llm_ms: list[float] = []
    inner = graph.llm.generate_response

    def timed_llm(*a: Any, **kw: Any) -> Any:
        s = time.perf_counter()
        try:
            return inner(*a, **kw)
        finally:
            llm_ms.append((time.perf_counter() - s) * 1000)

    graph.llm.generate_response = timed_llm

    def one(q: dict[str, Any]) -> list[dict[str, Any]]:
        return graph.search(q["query"], {"user_id": q["user_id"]}, limit=args.k)

    for q in warmup_order(world.queries, args.warmup):
        one(q)
    stub_before = stub.stats()
    out = []
    errors = 0
    for q in world.queries:
        cache.reset()
        llm_ms.clear()
        t0 = time.perf_counter()
        try:
            relations = one(q) or []
            error = None
        except Exception as exc:  # recorded, never hidden
            relations, error = [], f"{type(exc).__name__}: {exc}"
            errors += 1
        total = (time.perf_counter() - t0) * 1000
        llm = sum(llm_ms)
        hits = [
            hit_record(
                subject=r["source"].replace("_", " "),
                predicate=r["relationship"],
                object=r["destination"].replace("_", " "),
                fact=f"{r['source']} -- {r['relationship']} -- {r['destination']}",
                status="current",
            )
            for r in relations
        ]
        out.append(
            {
                "id": q["id"],
                "kind": q["kind"],
                "ms": round(total - llm, 3),
                "total_with_stub_llm_ms": round(total, 3),
                "stub_llm_ms": round(llm, 3),
                "llm_calls": len(llm_ms),
                "embed_ms": round(cache.asked_embed_ms(), 3),
                "embedded": list(cache.asked),
                "hits": hits,
                **({"error": error} if error else {}),
            }
        )
    stub_after = stub.stats()
    ms_all = [r["ms"] for r in out]
    return {
        "call": 'MemoryGraph.search(query, {"user_id": user_id}, limit=k)',
        "warmup": args.warmup,
        "errors": errors,
        "note": "ms excludes the stub LLM round trip (client-timed); BM25 rerank keeps top 5",
        "stub_llm": {
            "round_trip": latency_stats([r["stub_llm_ms"] for r in out]),
            "requests": stub_after["requests"] - stub_before["requests"],
            "server_handler_ms_total": round(stub_after["handler_ms"] - stub_before["handler_ms"], 3),
        },
        "latency": {
            "without_query_embedding": latency_stats(ms_all),
            "with_query_embedding": latency_stats([r["ms"] + r["embed_ms"] for r in out]),
            "including_stub_llm": latency_stats([r["total_with_stub_llm_ms"] for r in out]),
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
    "current": "yes: only valid (not soft-deleted) relationships are searched",
    "as_of": "no: the graph keeps no validity dates; answers are today's graph",
    "history": "no: soft-deleted relationships are excluded from search and carry no interval",
    "multi_hop": "partly: one hop around the query's entities (both directions), BM25 top 5",
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    common_args(parser)
    parser.add_argument(
        "--threshold", type=float, default=None, help="graph_store threshold (Mem0 default 0.7)"
    )
    parser.add_argument(
        "--base-label", action="store_true", help="graph_store base_label=True (__Entity__ label)"
    )
    args = parser.parse_args(argv)
    if args.list_texts:
        world = select_users(load_world(args.world, args.queries or None), args.users)
        write_json(args.list_texts, texts_to_embed(world))
        return
    run_and_report(peer=PEER, package=PACKAGE, supports=SUPPORTS, out=args.out, call=lambda: run(args))


if __name__ == "__main__":
    main()
