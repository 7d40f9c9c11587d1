"""Search latency and ingest throughput of mem0g on the seed scenario and on synthetic facts.

    .venv/bin/python -m bench.latency --facts 10000 --queries 300

Prints p50/p95/p99 per query kind and hit@k against the synthetic ground truth. Uses NEO4J_URI, else
the project's local Neo4j. Figures depend on the machine: they are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.synthetic import generate, value_at
from mem0g import Memory
from mem0g._demo import example_facts_path


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def timed(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, (time.perf_counter() - start) * 1000


def seed_latency(memory: Memory, queries: int) -> dict[str, object]:
    user = "bench-seed"
    memory.forget(user)
    facts = [json.loads(line) for line in example_facts_path().read_text().splitlines() if line.strip()]
    memory.add_facts(facts, user_id=user, now="2025-05-04")
    asks = [
        ("Where does Sarah live?", {}),
        ("Where does Sarah live?", {"include_history": True}),
        ("Where does Sarah live?", {"as_of": "2025-04-10"}),
        ("ramen near Sarah", {"hops": 2}),
    ]
    times = []
    for i in range(queries):
        q, kw = asks[i % len(asks)]
        times.append(timed(memory.search, q, user_id=user, limit=5, **kw)[1])
    memory.forget(user)
    return {"queries": queries, "p50_ms": round(pct(times, 0.5), 1), "p95_ms": round(pct(times, 0.95), 1)}


def synthetic_latency(memory: Memory, n_facts: int, queries: int) -> dict[str, object]:
    user = f"bench-{n_facts}"
    memory.forget(user)
    world = generate(n_facts, user_id=user)
    texts = list(dict.fromkeys([str(f["fact"]) for f in world.facts]))
    start = time.perf_counter()
    memory.embedder.embed(texts)
    embed_s = time.perf_counter() - start
    start = time.perf_counter()
    memory.add_facts(world.facts, user_id=user, now="2025-12-31")
    ingest_s = time.perf_counter() - start
    rng = random.Random(1)
    kinds: dict[str, list[float]] = {"current": [], "as_of": [], "history": [], "multi_hop": []}
    hits: dict[str, list[bool]] = {"current": [], "as_of": []}
    subjects = [s for (s, p) in world.timelines if p == "lives_in"]
    for i in range(queries):
        person = rng.choice(subjects)
        kind = list(kinds)[i % 4]
        if kind == "current":
            res, ms = timed(memory.search, f"Where does {person} live?", user_id=user, limit=5)
            truth = value_at(world, person, "lives_in", date(2030, 1, 1))
            hits["current"].append(any(h.subject == person and h.object == truth for h in res.results))
        elif kind == "as_of":
            when = date(2015 + rng.randint(1, 10), 6, 1)
            res, ms = timed(
                memory.search, f"Where does {person} live?", user_id=user, limit=5, as_of=when.isoformat()
            )
            truth = value_at(world, person, "lives_in", when)
            if truth is not None:
                hits["as_of"].append(any(h.subject == person and h.object == truth for h in res.results))
        elif kind == "history":
            _, ms = timed(
                memory.search, f"Where did {person} live before?", user_id=user, limit=5, include_history=True
            )
        else:
            _, ms = timed(
                memory.search,
                f"In which city is {person}'s employer headquartered?",
                user_id=user,
                limit=5,
                hops=2,
            )
        kinds[kind].append(ms)
    memory.forget(user)
    every = [t for ts in kinds.values() for t in ts]
    return {
        "facts": n_facts,
        "queries": queries,
        "ingest_facts_per_s": round(n_facts / ingest_s, 1),
        "embed_only_texts_per_s": round(len(texts) / embed_s, 1),
        "ingest_over_embedding": round(ingest_s / embed_s - 1, 2),
        "p50_ms": round(pct(every, 0.5), 1),
        "p95_ms": round(pct(every, 0.95), 1),
        "p99_ms": round(pct(every, 0.99), 1),
        "by_kind_p50_p95_ms": {
            k: [round(pct(v, 0.5), 1), round(pct(v, 0.95), 1)] for k, v in kinds.items() if v
        },
        "hit_at_5": {k: round(statistics.mean(v), 3) for k, v in hits.items() if v},
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--facts", type=int, nargs="*", default=[10000])
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    args = parser.parse_args()
    with Memory() as memory:
        memory.init()
        memory.search("warm up", user_id="bench-warmup")
        report = {
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "platform": platform.platform(),
            },
            "server": memory.store.server_info(),
            "seed": seed_latency(memory, args.queries),
            "synthetic": [synthetic_latency(memory, n, args.queries) for n in args.facts],
        }
    text = json.dumps(report, indent=2, default=str)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
