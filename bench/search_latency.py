"""Search latency of one user on a database that does not change: p50/p95 of ``memory.search`` and of
the query embedding alone, for comparing two versions of mem0g (or two embedders) on the same data.

    python -m bench.search_latency --neo4j-uri bolt://127.0.0.1:7687 --world .bench/worlds/1k-s7 \\
        --user latency-1k [--embedder onnx|sentence-transformers] [--queries 400]

The first run loads the world's facts into ``--user`` (any existing data of that user is kept and
reused, so later runs and other versions search the very same graph). Run it with nothing else on
the machine; compare versions by running each in turn (``PYTHONPATH=<checkout>`` picks the code).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from mem0g import Memory, load_settings
from mem0g.tracing import OperationTrace


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--neo4j-uri", required=True)
    parser.add_argument("--world", required=True, help="a bench.world folder (facts.jsonl, queries.jsonl)")
    parser.add_argument("--user", default="latency-1k")
    parser.add_argument("--embedder", default=None, help="MEM0G_EMBEDDER value (default: auto)")
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--warmup", type=int, default=40)
    parser.add_argument(
        "--breakdown", action="store_true", help="also print each query kind's and each Cypher file's share"
    )
    args = parser.parse_args()

    world = Path(args.world)
    overrides = {"embedder": args.embedder} if args.embedder else {}
    traces: list[OperationTrace] = []
    observer = traces.append if args.breakdown else None
    with Memory(settings=load_settings(neo4j_uri=args.neo4j_uri, **overrides), observer=observer) as memory:
        if not memory.get_all(user_id=args.user, limit=1):  # (get_all: older versions have it too)
            facts = [json.loads(line) for line in (world / "facts.jsonl").read_text("utf-8").splitlines()]
            first_user = facts[0]["user_id"]
            mine = [
                {k: v for k, v in f.items() if k != "user_id"} for f in facts if f["user_id"] == first_user
            ]
            memory.add_facts(mine, user_id=args.user)
        lines = (world / "queries.jsonl").read_text("utf-8").splitlines()
        every = [json.loads(line) for line in lines]
        # Every n-th query, so that each kind (current, as-of, history, multi-hop) is in the sample.
        queries = every[:: max(1, len(every) // args.queries)][: args.queries]

        def search(q: dict[str, object]) -> None:
            memory.search(
                str(q["query"]),
                user_id=args.user,
                as_of=q["as_of"],
                include_history=bool(q["include_history"]),
            )

        for q in queries[: args.warmup]:
            search(q)
        searches, embeds = [], []
        by_kind: dict[str, list[float]] = {}
        traces.clear()
        for q in queries:
            began = time.perf_counter()
            search(q)
            searches.append((time.perf_counter() - began) * 1000)
            by_kind.setdefault(str(q.get("kind", "?")), []).append(searches[-1])
        timed = [t for t in traces if t.operation == "search"]
        for q in queries[:200]:
            began = time.perf_counter()
            memory.embedder.embed([str(q["query"])])
            embeds.append((time.perf_counter() - began) * 1000)
        print(
            f"{type(memory.embedder).__name__}: {len(searches)} searches, p50 {_pct(searches, 0.5):.1f} "
            f"p95 {_pct(searches, 0.95):.1f} ms; query embedding p50 {_pct(embeds, 0.5):.2f} "
            f"p95 {_pct(embeds, 0.95):.2f} ms"
        )
        if args.breakdown:
            _print_breakdown(by_kind, timed)


def _print_breakdown(by_kind: dict[str, list[float]], traces: list[OperationTrace]) -> None:
    for kind, values in sorted(by_kind.items()):
        print(
            f"  {kind:<10} n={len(values):<4} p50 {_pct(values, 0.5):6.1f}  p95 {_pct(values, 0.95):6.1f} ms"
        )
    if not traces:
        return
    n = len(traces)
    per_name: dict[str, list[float]] = {}
    for trace in traces:
        for query in trace.queries:
            per_name.setdefault(query.name, []).append(query.seconds * 1000)
    total = sum(t.seconds for t in traces) * 1000 / n
    cypher = sum(sum(v) for v in per_name.values()) / n
    embed = sum(t.time_in("embed") for t in traces) * 1000 / n
    print(
        f"  per search: {total:.1f} ms = cypher {cypher:.1f} + embed {embed:.1f} + rest {total - cypher - embed:.1f}"
    )
    for name, values in sorted(per_name.items(), key=lambda item: -sum(item[1])):
        print(
            f"    {name:<28} {len(values) / n:5.2f}/search  mean {sum(values) / len(values):6.2f} ms  "
            f"p50 {_pct(values, 0.5):6.2f}  share {sum(values) / n / total:5.1%}"
        )


if __name__ == "__main__":
    main()
