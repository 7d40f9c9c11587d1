"""A bounded load test of the agents' door (not a test, not a target): N HTTP clients search while
one client ingests, against a real ``mem0g serve`` on the loopback interface.

    NEO4J_URI=bolt://127.0.0.1:7687 .venv/bin/python -m bench.agents_load [--clients 8] [--seconds 20]
        [--facts 1000] [--batch 10] [--port 0] [--url http://127.0.0.1:8000 --key m0g-...] [--json]

Without ``--url`` it makes a fresh user holding ``--facts`` synthetic facts (people, cities,
employers, some of them moved, so searches expand and see history) and an API key for it through
the public API (``mem0g.Memory``), starts ``python -m mem0g serve`` on 127.0.0.1 (a free port), and
forgets the user afterwards. ``--clients`` tasks then loop ``POST /v1/search`` (random questions about
the world, a third with ``include_history``) while one task loops ``POST /v1/facts`` with ``--batch``
new facts per request into the same user (whose writers share one lock), for ``--seconds``. Each
request is timed end to end on the client (one ``httpx2.AsyncClient`` per task). It prints, for the
searches and the ingest, requests, throughput, p50/p95/p99 latency and errors (any non-2xx answer or
failed request; expected 0). No LLM is involved. Timings are wall-clock on whatever else the machine
is doing; the load average before and after is printed with them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import httpx2

from bench.scoring import pct

ROOT = Path(__file__).resolve().parents[1]
PEOPLE = [f"Person{i}" for i in range(200)]
CITIES = [f"City{i}" for i in range(60)]
FIRMS = [f"Firm{i}" for i in range(40)]


def world(n: int, rng: random.Random) -> list[dict[str, Any]]:
    """``n`` facts: where people live (a third of them moved once), where they work, who they know."""
    facts: list[dict[str, Any]] = []
    while len(facts) < n:
        person = rng.choice(PEOPLE)
        kind = rng.random()
        if kind < 0.4:
            facts.append({"subject": person, "predicate": "lives_in", "object": rng.choice(CITIES),
                          "valid_from": f"20{rng.randint(10, 24)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"})  # fmt: skip
        elif kind < 0.7:
            facts.append({"subject": person, "predicate": "works_at", "object": rng.choice(FIRMS)})
        else:
            facts.append({"subject": person, "predicate": "knows", "object": rng.choice(PEOPLE)})
    return facts


def question(rng: random.Random) -> dict[str, Any]:
    person = rng.choice(PEOPLE)
    query = rng.choice(
        [f"Where does {person} live?", f"Who does {person} work for?", f"friends of {person}",
         f"who lives in {rng.choice(CITIES)}", f"colleagues at {rng.choice(FIRMS)}"]
    )  # fmt: skip
    body: dict[str, Any] = {"query": query, "limit": 10}
    if rng.random() < 0.33:
        body["include_history"] = True
    return body


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Stats:
    def __init__(self) -> None:
        self.ms: list[float] = []
        self.errors: list[str] = []

    def report(self, seconds: float, unit: int = 1) -> dict[str, Any]:
        def r(v: float | None) -> float | None:
            return None if v is None else round(v, 1)

        return {
            "requests": len(self.ms) + len(self.errors),
            "per_second": round(len(self.ms) * unit / seconds, 1),
            "p50_ms": r(pct(self.ms, 0.5)),
            "p95_ms": r(pct(self.ms, 0.95)),
            "p99_ms": r(pct(self.ms, 0.99)),
            "errors": len(self.errors),
            "first_errors": self.errors[:3],
        }


async def _loop(client: httpx2.AsyncClient, stats: Stats, make: Any, path: str, until: float) -> None:
    while time.monotonic() < until:
        body = make()
        started = time.perf_counter()
        try:
            response = await client.post(path, json=body)
        except httpx2.HTTPError as exc:
            stats.errors.append(f"{type(exc).__name__}: {exc}")
            continue
        if response.status_code // 100 == 2:
            stats.ms.append((time.perf_counter() - started) * 1000)
        else:
            stats.errors.append(f"{response.status_code}: {response.text[:200]}")


async def load(url: str, key: str, *, clients: int, seconds: float, batch: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    headers = {"Authorization": f"Bearer {key}"}
    searches, ingest = Stats(), Stats()
    async with contextlib.AsyncExitStack() as stack:
        pool = [
            await stack.enter_async_context(httpx2.AsyncClient(base_url=url, headers=headers, timeout=60))
            for _ in range(clients + 1)
        ]
        for c in pool[:clients]:  # warm-up: the first search of a process loads nothing any more
            await c.post("/v1/search", json=question(rng))
        until = time.monotonic() + seconds
        started = time.monotonic()
        tasks = [_loop(c, searches, lambda: question(rng), "/v1/search", until) for c in pool[:clients]]
        tasks.append(_loop(pool[-1], ingest, lambda: {"facts": world(batch, rng)}, "/v1/facts", until))
        await asyncio.gather(*tasks)
        elapsed = time.monotonic() - started
    return {
        "clients": clients,
        "seconds": round(elapsed, 1),
        "search": searches.report(elapsed),
        "ingest": ingest.report(elapsed),
        "ingest_facts_per_second": round(len(ingest.ms) * batch / elapsed, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--facts", type=int, default=1000, help="facts in the user before the run")
    parser.add_argument("--batch", type=int, default=10, help="facts per ingest request")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--url", help="an already running `mem0g serve` (then --key is required)")
    parser.add_argument("--key", help="an API key of that server's database")
    parser.add_argument("--port", type=int, default=0, help="port of the server started (0: a free one)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    if args.url:
        if not args.key:
            parser.error("--url needs --key")
        result = asyncio.run(
            load(
                args.url,
                args.key,
                clients=args.clients,
                seconds=args.seconds,
                batch=args.batch,
                seed=args.seed,
            )
        )
        _print(result, args.json)
        return 0 if not (result["search"]["errors"] or result["ingest"]["errors"]) else 1

    from mem0g import Memory

    user = f"bench-agents-{uuid.uuid4().hex[:8]}"
    port = args.port or _free_port()
    with Memory() as memory:
        memory.add_facts(world(args.facts, random.Random(args.seed)), user_id=user)
        _, key = memory.create_key(user, name="bench.agents_load")
        server = subprocess.Popen(
            [sys.executable, "-m", "mem0g", "serve", "--port", str(port)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                with contextlib.suppress(httpx2.HTTPError):
                    if httpx2.get(url + "/healthz", timeout=2).status_code == 200:
                        break
                if server.poll() is not None:
                    raise SystemExit(f"mem0g serve exited with {server.returncode}")
                time.sleep(0.2)
            load_before = os.getloadavg()
            result = asyncio.run(
                load(url, key, clients=args.clients, seconds=args.seconds, batch=args.batch, seed=args.seed)
            )
            result["load_average_before_after"] = [round(load_before[0], 2), round(os.getloadavg()[0], 2)]
            result["facts_before"] = args.facts
        finally:
            server.terminate()
            server.wait(60)
            memory.forget(user)
    _print(result, args.json)
    return 0 if not (result["search"]["errors"] or result["ingest"]["errors"]) else 1


def _print(result: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(result, indent=2))
        return
    print(f"{result['clients']} searching clients + 1 ingesting client, {result['seconds']} s")
    for name in ("search", "ingest"):
        r = result[name]
        print(
            f"{name:>7}: {r['requests']} requests, {r['per_second']}/s, p50 {r['p50_ms']} ms, "
            f"p95 {r['p95_ms']} ms, p99 {r['p99_ms']} ms, errors {r['errors']}"
        )
        for error in r["first_errors"]:
            print(f"         {error}")
    print(f" ingest: {result['ingest_facts_per_second']} facts/s")
    if "load_average_before_after" in result:
        print(f"load average (1 min) before/after: {result['load_average_before_after']}")


if __name__ == "__main__":
    sys.exit(main())
