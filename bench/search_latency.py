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
    args = parser.parse_args()

    world = Path(args.world)
    overrides = {"embedder": args.embedder} if args.embedder else {}
    with Memory(settings=load_settings(neo4j_uri=args.neo4j_uri, **overrides)) as memory:
        if not memory.get_all(user_id=args.user, limit=1):  # (get_all: older versions have it too)
            facts = [json.loads(line) for line in (world / "facts.jsonl").read_text("utf-8").splitlines()]
            first_user = facts[0]["user_id"]
            mine = [
                {k: v for k, v in f.items() if k != "user_id"} for f in facts if f["user_id"] == first_user
            ]
            memory.add_facts(mine, user_id=args.user)
        lines = (world / "queries.jsonl").read_text("utf-8").splitlines()
        queries = [json.loads(line) for line in lines][: args.queries]

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
        for q in queries:
            began = time.perf_counter()
            search(q)
            searches.append((time.perf_counter() - began) * 1000)
        for q in queries[:200]:
            began = time.perf_counter()
            memory.embedder.embed([str(q["query"])])
            embeds.append((time.perf_counter() - began) * 1000)
        print(
            f"{type(memory.embedder).__name__}: {len(searches)} searches, p50 {_pct(searches, 0.5):.1f} "
            f"p95 {_pct(searches, 0.95):.1f} ms; query embedding p50 {_pct(embeds, 0.5):.2f} "
            f"p95 {_pct(embeds, 0.95):.2f} ms"
        )


if __name__ == "__main__":
    main()
