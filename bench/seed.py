"""Search latency on the seed article's scenario (examples/seed_facts.jsonl), no LLM.

    .venv/bin/python -m bench.seed [--repeat 200] [--neo4j-uri bolt://...]

Ingests the demo's facts for a fresh user on a dedicated local Neo4j (or ``--neo4j-uri``), then asks
the demo's five questions (current, with history, as of a date, a history-ranked food question,
multi-hop) round-robin, ``--repeat`` times each after a warm-up, timing ``Memory.search`` end to end
(query embedding included) and the embedding alone. Prints p50/p95/p99 per question and overall and
writes docs/benchmarks/seed.json. Every answer is checked against the scenario's expectation, so a
fast wrong answer cannot pass for a result.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.scoring import pct as _pct

ROOT = Path(__file__).resolve().parents[1]
FACTS = ROOT / "examples" / "seed_facts.jsonl"
OUT = ROOT / "docs" / "benchmarks"

# (label, query, search keyword arguments, a fact sentence that must be among the hits)
QUESTIONS: list[tuple[str, str, dict[str, Any], str]] = [
    ("current", "Where does Sarah live?", {"limit": 2}, "Sarah moved to Shinjuku"),
    ("history", "Where does Sarah live?", {"limit": 3, "include_history": True}, "Sarah lives in Shibuya"),
    ("as_of", "Where does Sarah live?", {"limit": 2, "as_of": "2025-04-10"}, "Sarah lives in Shibuya"),
    ("food_history", "food recommendations spicy", {"limit": 4, "include_history": True}, "spicy"),
    ("multi_hop", "ramen near Sarah", {"limit": 5, "hops": 2}, "I love ramen"),
]


def pct(values: list[float], q: float) -> float:
    """bench.run's percentile (bench.scoring), rounded for the report."""
    return round(_pct(values, q) or 0.0, 2)


def run(memory: Any, repeat: int, warmup: int) -> dict[str, Any]:
    user = "bench-seed"
    memory.forget(user)
    facts = [json.loads(line) for line in FACTS.read_text(encoding="utf-8").splitlines() if line.strip()]
    memory.add_facts(facts, user_id=user, now="2025-05-04T00:00:00Z")
    for i in range(warmup):
        label, query, kwargs, _ = QUESTIONS[i % len(QUESTIONS)]
        memory.search(query, user_id=user, **kwargs)
    timings: dict[str, list[float]] = {label: [] for label, *_ in QUESTIONS}
    embed_ms: list[float] = []
    wrong: dict[str, int] = {label: 0 for label, *_ in QUESTIONS}
    for _ in range(repeat):
        for label, query, kwargs, expected in QUESTIONS:
            began = time.perf_counter()
            hits = memory.search(query, user_id=user, **kwargs).results
            timings[label].append((time.perf_counter() - began) * 1000)
            if not any(expected in h.fact for h in hits):
                wrong[label] += 1
        began = time.perf_counter()
        memory.embedder.embed(["Where does Sarah live?"])
        embed_ms.append((time.perf_counter() - began) * 1000)
    memory.forget(user)
    every = [t for ts in timings.values() for t in ts]
    return {
        "facts": len(facts),
        "repeat": repeat,
        "warmup": warmup,
        "latency_ms": {
            label: {"n": len(ts), "p50": pct(ts, 0.5), "p95": pct(ts, 0.95), "p99": pct(ts, 0.99)}
            for label, ts in {**timings, "all": every}.items()
        },
        "query_embedding_ms": {"p50": pct(embed_ms, 0.5), "p95": pct(embed_ms, 0.95)},
        "wrong_answers": wrong,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=200, help="timed searches per question")
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--neo4j-uri", default=None, help="use this server instead of a dedicated one")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)

    from mem0g import Memory, __version__
    from mem0g.tools.launcher import LocalNeo4j

    server = home = None
    uri = args.neo4j_uri
    if uri is None:
        home = Path(tempfile.mkdtemp(prefix="mem0g-seed-"))
        server = LocalNeo4j(home=home, heap="1g", pagecache="512m")
        uri = server.start().bolt_uri
    try:
        with Memory(neo4j_uri=uri) as memory:
            result = run(memory, args.repeat, args.warmup)
            server_version = memory.doctor()["server"]
    finally:
        if server is not None:
            server.stop()
            shutil.rmtree(home or "", ignore_errors=True)
    result["run"] = {
        "command": "python -m bench.seed " + " ".join(argv if argv is not None else sys.argv[1:]),
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "mem0g": __version__,
        "neo4j_server": server_version,
        "machine": {"cores": os.cpu_count(), "python": platform.python_version()},
        "neo4j": "dedicated local 5.26 (heap 1g, page cache 512m)" if server else uri,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "seed.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    lat = result["latency_ms"]
    for label, v in lat.items():
        print(
            f"{label:13s} p50 {v['p50']:7.2f} ms  p95 {v['p95']:7.2f} ms  p99 {v['p99']:7.2f} ms  (n={v['n']})"
        )
    emb = result["query_embedding_ms"]
    print(f"query embedding alone: p50 {emb['p50']} ms, p95 {emb['p95']} ms")
    print(f"wrong answers: {result['wrong_answers']}")
    if any(result["wrong_answers"].values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
