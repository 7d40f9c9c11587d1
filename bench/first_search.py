"""How long the first search of a new process takes: from ``Memory()`` returning to the first answer.

    .venv/bin/python -m bench.first_search [--runs 5] [--neo4j-uri bolt://...] [--pause 0]

An agent starts, builds its ``Memory`` and asks at once. Each run is a fresh Python process that
imports mem0g, builds ``Memory()`` (timed: ``construct_ms``), optionally waits ``--pause``
seconds (an agent doing something else first), then searches the seed scenario's user once
(``first_ms``) and again (``second_ms``). Two servers: ``warm``, one that has served searches
before (its query plans are cached), and ``fresh``, a Neo4j started for the run with the seed facts
just loaded by another process (every search query is planned for the first time). Without
``--neo4j-uri`` both are local servers of the project's launcher in temporary homes; with it,
only ``warm`` is measured there. Prints p50 and max per server; figures are wall-clock.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROOT = Path(__file__).resolve().parents[1]
USER = "bench-first-search"

_CHILD = """
import json, sys, time
t0 = time.perf_counter()
from mem0g import Memory, load_settings
imported = time.perf_counter()
memory = Memory(settings=load_settings(neo4j_uri=sys.argv[1]))
built = time.perf_counter()
time.sleep(float(sys.argv[3]))
began = time.perf_counter()
hits = memory.search("Where does Sarah live?", user_id=sys.argv[2], limit=2).results
first = time.perf_counter()
memory.search("ramen near Sarah", user_id=sys.argv[2], limit=5)
second = time.perf_counter()
memory.close()
print(json.dumps({"import_ms": (imported - t0) * 1000, "construct_ms": (built - imported) * 1000,
                  "first_ms": (first - began) * 1000, "second_ms": (second - first) * 1000,
                  "answer": hits[0].fact if hits else None}))
"""


def load_seed(uri: str) -> None:
    from mem0g import Memory, load_settings
    from mem0g.tools.demo import example_facts_path

    facts = [
        json.loads(line) for line in example_facts_path().read_text("utf-8").splitlines() if line.strip()
    ]
    with Memory(settings=load_settings(neo4j_uri=uri)) as memory:
        memory.forget(USER)
        memory.add_facts(facts, user_id=USER, now="2025-05-04T00:00:00Z")


def child(uri: str, pause: float) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, uri, USER, str(pause)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    keys = ("import_ms", "construct_ms", "first_ms", "second_ms")
    return {
        k: {"p50": round(statistics.median(r[k] for r in runs), 1), "max": round(max(r[k] for r in runs), 1)}
        for k in keys
    } | {"answers": sorted({str(r["answer"]) for r in runs})}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pause", type=float, default=0.0)
    parser.add_argument("--neo4j-uri")
    args = parser.parse_args()
    results: dict[str, Any] = {}
    if args.neo4j_uri:
        load_seed(args.neo4j_uri)
        child(args.neo4j_uri, 0)  # the server has now served searches
        results["warm"] = summary([child(args.neo4j_uri, args.pause) for _ in range(args.runs)])
    else:
        from mem0g.tools.launcher import LocalNeo4j

        fresh_runs, warm_runs = [], []
        for run in range(args.runs):
            home = Path(tempfile.mkdtemp(prefix="mem0g-first-search-"))
            server = LocalNeo4j(home=home, heap="1g", pagecache="512m")
            try:
                uri = server.start().bolt_uri
                assert uri is not None
                load_seed(uri)  # in another process: the search queries are not planned yet
                fresh_runs.append(child(uri, args.pause))
                warm_runs.append(child(uri, args.pause))
            finally:
                server.stop()
                shutil.rmtree(home, ignore_errors=True)
            print(f"run {run + 1}/{args.runs}: fresh {fresh_runs[-1]}, warm {warm_runs[-1]}", file=sys.stderr)
        results = {"fresh": summary(fresh_runs), "warm": summary(warm_runs)}
    results["command"] = "python -m bench.first_search " + " ".join(sys.argv[1:])
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
