"""Scale, latency and temporal correctness of mem0g on synthetic worlds (no LLM).

    .venv/bin/python -m bench.run                          # 1k, 10k, 100k facts for one user
    .venv/bin/python -m bench.run --sizes 1k               # one size (develop with this)
    .venv/bin/python -m bench.run --sizes 1m               # 1M facts across 1,000 users

For each size, in a fresh child process (so peak RSS is per size) and, unless ``--neo4j-uri`` is
given, on a fresh dedicated Neo4j (``mem0g.tools.launcher.LocalNeo4j`` in a temporary home, so the store
size is that size's alone):

1. the world (``bench/world.py``) is generated or reused from ``--worlds``;
2. ingest: the facts go through ``Memory.add_facts`` in batches of ``--batch``, in observation order;
   each call's trace (mem0g's observer hook, ``mem0g.tracing``) gives the time it spent embedding the
   texts it embeds for the batch: ``ratio = ingest time / that embedding time`` on the same batches,
   ``overhead = ratio - 1`` (DESIGN target: <= 0.5);
3. store audit: every stored fact (``get_all``) against the true timelines (wrong current, true
   facts not current, timelines exactly right), and duplicate entities (``bench/cypher/bench_*``);
4. search: ``--warmup`` untimed queries, then every query of ``queries.jsonl`` timed end to end
   (query embedding included; it is also reported alone, from the search's trace) and scored: hit@k
   of the expected facts, facts wrongly reported holding / not holding at the asked instant, context
   tokens (cl100k);
5. recall of the vector entry points against exact cosine in numpy over the user's own facts, for
   the main user (the path search takes) and for a small user (``--recall-facts``) added to the same
   database with the index path forced (``exact_search_max_facts=0``): each query goes through
   ``Memory.search(..., hops=0)`` and its entry points are read from its trace;
6. Neo4j store size (du of the server's data folder), Python and Neo4j peak RSS.

Results are merged into ``<out>/results.json`` under ``systems.mem0g.sizes.<label>`` (other
systems' entries are kept), then ``bench.report`` renders ``results.md`` and the PNG plots.
Figures depend on the machine and on what else runs on it: they are measured, never asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from bench import db
from bench.scoring import context_text, latency_stats, pct, score_query, summarize
from bench.world import KINDS, Truth, ensure_world, read_facts, read_queries, triple_key

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "docs" / "benchmarks"
DEFAULT_WORLDS = ROOT / "bench" / ".worlds"
RESULTS_FORMAT = 1

#: label -> (facts, users)
PRESETS: dict[str, tuple[int, int]] = {
    "1k": (1_000, 1),
    "10k": (10_000, 1),
    "100k": (100_000, 1),
    "1m": (1_000_000, 1_000),
}


def parse_size(text: str) -> tuple[str, int, int]:
    """``1k``/``10k``/``100k``/``1m`` or ``FACTS`` or ``FACTS:USERS`` -> (label, facts, users)."""
    if text in PRESETS:
        return (text, *PRESETS[text])
    facts, _, users = text.partition(":")
    n, u = int(facts), int(users or 1)
    label = f"{n // 1000}k" if n % 1000 == 0 and n < 1_000_000 else str(n)
    if n >= 1_000_000 and n % 1_000_000 == 0:
        label = f"{n // 1_000_000}m"
    return (label if u == 1 else f"{label}-{u}u", n, u)


# -- small helpers --------------------------------------------------------------------------------


def _du(path: Path) -> tuple[int, int]:
    used = apparent = 0
    for folder, _, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):
                st = os.lstat(os.path.join(folder, name))
                used += st.st_blocks * 512
                apparent += st.st_size
    return used, apparent


def store_size(data_dir: Path, database: str = "neo4j") -> dict[str, Any]:
    """Disk usage like ``du`` (allocated blocks) of the server's data folder: all of it, the user
    database's store files, and its transaction logs (the ``system`` database makes the rest)."""
    total, apparent = _du(data_dir)
    store, _ = _du(data_dir / "databases" / database)
    logs, _ = _du(data_dir / "transactions" / database)
    return {
        "du_bytes": total,
        "apparent_bytes": apparent,
        "database_du_bytes": store,
        "tx_logs_du_bytes": logs,
    }


def _proc_status(pid: int, key: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def python_peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram = None
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = int(line.split()[1]) * 1024
    try:
        affinity: int | None = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = os.cpu_count()
    return {
        "cores": affinity,
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu,
        "ram_bytes": ram,
        "platform": platform.platform(),
    }


def versions() -> dict[str, Any]:
    import neo4j
    import numpy
    import sentence_transformers
    import torch

    from mem0g import __version__ as mem0g_version

    return {
        "mem0g": mem0g_version,
        "mem0g_git": _git_head(),
        "neo4j_driver": neo4j.__version__,
        "python": platform.python_version(),
        "sentence_transformers": sentence_transformers.__version__,
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "numpy": numpy.__version__,
    }


def _git_head() -> str | None:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "mem0g", "cypher"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        return head + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return None


def load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


# -- Neo4j ----------------------------------------------------------------------------------------


@contextlib.contextmanager
def neo4j_server(args: argparse.Namespace, label: str) -> Iterator[dict[str, Any]]:
    """The Bolt URI to use and what is known of the server (its data folder and pid if ours)."""
    if args.neo4j_uri:
        yield {
            "uri": args.neo4j_uri,
            "data_dir": Path(args.neo4j_data_dir) if args.neo4j_data_dir else None,
            "pid": None,
            "dedicated": False,
        }
        return
    from mem0g.tools.launcher import LocalNeo4j

    root = Path(args.neo4j_root or tempfile.gettempdir()) / "mem0g-bench"
    root.mkdir(parents=True, exist_ok=True)
    home = Path(tempfile.mkdtemp(prefix=f"{label}-", dir=root))
    server = LocalNeo4j(home=home, heap=args.heap, pagecache=args.pagecache)
    status = server.start()
    print(f"[{label}] {status.message}", file=sys.stderr)
    try:
        yield {
            "uri": status.bolt_uri,
            "data_dir": home / "data",
            "pid": status.pid,
            "dedicated": True,
            "home": str(home),
            "heap": args.heap,
            "pagecache": args.pagecache,
        }
    finally:
        if args.keep_neo4j:
            print(f"[{label}] kept Neo4j running: {status.bolt_uri} (home {home})", file=sys.stderr)
        else:
            server.stop()
            shutil.rmtree(home, ignore_errors=True)


# -- ingest ---------------------------------------------------------------------------------------


def ingest(
    memory: Any, traces: db.Traces, facts_by_user: dict[str, list[dict[str, Any]]], *, batch: int, label: str
) -> dict[str, Any]:
    """Every fact through ``add_facts``, ``batch`` at a time; the embedding time of each call (the
    texts it embeds for the batch, with the configured model) comes from its trace."""
    total_facts = sum(len(v) for v in facts_by_user.values())
    ingest_s = embed_s = 0.0
    texts_embedded = batches = 0
    batch_ms: list[float] = []
    report_counts = {
        "added": 0,
        "restated": 0,
        "superseded": 0,
        "ended": 0,
        "history": 0,
        "entities_created": 0,
    }
    done = 0
    last_print = time.monotonic()
    for user, facts in facts_by_user.items():
        for start in range(0, len(facts), batch):
            chunk = facts[start : start + batch]
            began = time.perf_counter()
            report = memory.add_facts(chunk, user_id=user)
            took = time.perf_counter() - began
            trace = traces.take("add_facts")
            embed_s += trace.time_in("embed")
            # An embed effect's detail is its number of texts (add_facts embeds each distinct text once).
            texts_embedded += sum(int(e.detail or 0) for e in trace.effects if e.kind == "embed")
            ingest_s += took
            batch_ms.append(took * 1000)
            for key in report_counts:
                value = getattr(report, key)
                report_counts[key] += value if isinstance(value, int) else len(value)
            batches += 1
            done += len(chunk)
            if time.monotonic() - last_print > 30:
                last_print = time.monotonic()
                print(
                    f"[{label}] ingested {done}/{total_facts} facts ({done / ingest_s:.0f}/s)",
                    file=sys.stderr,
                )
    ratio = ingest_s / embed_s if embed_s else None
    return {
        "facts": total_facts,
        "batches": batches,
        "batch_size": batch,
        "seconds": round(ingest_s, 2),
        "facts_per_s": round(total_facts / ingest_s, 1),
        "embed_only": {
            # Every batch: its embedding time is part of its own trace, not a second pass.
            "sampled_batches_every": 1,
            "sampled_facts": total_facts,
            "texts": texts_embedded,
            "seconds": round(embed_s, 2),
            "facts_per_s": round(total_facts / embed_s, 1) if embed_s else None,
            "texts_per_s": round(texts_embedded / embed_s, 1) if embed_s else None,
            "ingest_seconds_same_batches": round(ingest_s, 2),
            "method": "trace",  # earlier runs embedded the same texts alone before each batch
        },
        "ratio": round(ratio, 3) if ratio else None,
        "overhead": round(ratio - 1, 3) if ratio else None,
        "batch_ms": {"p50": round(pct(batch_ms, 0.5) or 0, 1), "p95": round(pct(batch_ms, 0.95) or 0, 1)},
        "outcomes": report_counts,
    }


# -- store audit ----------------------------------------------------------------------------------


def _day(value: datetime | None) -> date | None:
    return None if value is None else value.astimezone(timezone.utc).date()


def store_audit(memory: Any, truth: Truth, users: Sequence[str], *, examples: int = 10) -> dict[str, Any]:
    """Every stored fact against the truth: current-ness now, and each (subject, predicate) timeline."""
    now = datetime.now(timezone.utc)
    wrong_current = not_current = missing = groups = exact = facts = 0
    bad: list[dict[str, Any]] = []
    for user in users:
        records = memory.get_all(user_id=user)
        facts += len(records)
        stored: dict[tuple[str, str], list[Any]] = {}
        current_keys: set[tuple[str, str, str]] = set()
        any_keys: set[tuple[str, str, str]] = set()
        for r in records:
            key = triple_key(r.subject, r.predicate, r.object)
            stored.setdefault(key[:2], []).append(r)
            any_keys.add(key)
            is_current = r.status == "current" and (r.valid_until is None or r.valid_until > now)
            if is_current:
                current_keys.add(key)
                if not truth.holds(user, *key):
                    wrong_current += 1
                    if len(bad) < examples:
                        bad.append(
                            {
                                "problem": "current but not true now",
                                "user": user,
                                "fact": r.fact,
                                "valid_from": str(r.valid_from),
                                "valid_until": str(r.valid_until),
                            }
                        )
        for subject, predicate, ivs in truth.groups(user):
            groups += 1
            want = {(o, start, end) for o, start, end in ivs}
            pieces = sorted(
                (
                    (triple_key(r.subject, r.predicate, r.object)[2], _day(r.valid_from), _day(r.valid_until))
                    for r in stored.get((subject, predicate), [])
                ),
                key=lambda p: (p[1] or date.min, p[0]),
            )
            merged: list[tuple[str, date | None, date | None]] = []
            for obj, start, end in pieces:  # contiguous pieces of one value are one interval
                if merged and merged[-1][0] == obj and merged[-1][2] == start:
                    merged[-1] = (obj, merged[-1][1], end)
                else:
                    merged.append((obj, start, end))
            if set(merged) == want:
                exact += 1
            elif len(bad) < examples:
                bad.append(
                    {
                        "problem": "timeline differs",
                        "user": user,
                        "subject": subject,
                        "predicate": predicate,
                        "truth": sorted([o, str(s), str(e)] for o, s, e in want),
                        "stored": [[o, str(s), str(e)] for o, s, e in merged],
                    }
                )
            for obj, _, end in ivs:
                if end is None:
                    key = (subject, predicate, obj)
                    if key not in current_keys:
                        if key in any_keys:
                            not_current += 1
                        else:
                            missing += 1
    return {
        "facts_stored": facts,
        "wrong_current": wrong_current,
        "wrong_superseded": not_current,
        "missing": missing,
        "timelines": groups,
        "timelines_exact": exact,
        "timelines_exact_share": round(exact / groups, 4) if groups else None,
        "examples": bad,
    }


def duplicates(memory: Any, truth: Truth, users: Sequence[str]) -> dict[str, Any]:
    rows = db.rows(memory, "bench_duplicate_entities", user_ids=list(users))
    nodes = sum(r["nodes"] for r in rows)
    expected = sum(truth.entities.get(u, 0) for u in users)
    return {
        "duplicates": sum(r["duplicates"] for r in rows),
        "entity_nodes": nodes,
        "true_entities": expected,
        "extra_nodes": nodes - expected,
        "examples": [e for r in rows for e in r["examples"]][:10],
    }


# -- search ---------------------------------------------------------------------------------------


def _cpu_seconds(pid: int | None) -> float:
    """User + system CPU seconds of a process so far (0 when unknown)."""
    if pid is None:
        return 0.0
    try:
        import psutil

        times = psutil.Process(pid).cpu_times()
        return float(times.user + times.system)
    except Exception:  # psutil missing or the process gone: no figure, not a failure
        return 0.0


def run_search(
    memory: Any,
    traces: db.Traces,
    queries: Sequence[dict[str, Any]],
    truth: Truth,
    *,
    k: int,
    warmup: int,
    label: str,
    neo4j_pid: int | None = None,
) -> dict[str, Any]:
    from mem0g.llm import count_tokens

    for i in range(warmup):  # untimed: loads caches, JIT-compiles Neo4j query plans
        q = queries[(i * 7919) % len(queries)]
        memory.search(
            q["query"], user_id=q["user_id"], limit=k, as_of=q["as_of"], include_history=q["include_history"]
        )
    now = datetime.now(timezone.utc)
    per_kind: dict[str, dict[str, list[Any]]] = {
        kind: {
            "ms": [],
            "embed_ms": [],
            "cypher_ms": [],
            "queries": [],
            "scores": [],
            "tokens": [],
            "cpu_py": [],
            "cpu_db": [],
        }
        for kind in KINDS
    }
    failures: dict[str, list[dict[str, Any]]] = {kind: [] for kind in KINDS}
    began = time.monotonic()
    for n, q in enumerate(queries):
        cpu_py, cpu_db = time.process_time(), _cpu_seconds(neo4j_pid)
        start = time.perf_counter()
        result = memory.search(
            q["query"], user_id=q["user_id"], limit=k, as_of=q["as_of"], include_history=q["include_history"]
        )
        ms = (time.perf_counter() - start) * 1000
        trace = traces.take("search")
        bucket = per_kind[q["kind"]]
        bucket["cpu_py"].append(time.process_time() - cpu_py)
        bucket["cpu_db"].append(_cpu_seconds(neo4j_pid) - cpu_db)
        bucket["ms"].append(ms)
        bucket["embed_ms"].append(trace.time_in("embed") * 1000)
        # Time of the search's Cypher queries (on the wire and in Neo4j), and how many it ran.
        bucket["cypher_ms"].append(sum(qt.seconds for qt in trace.queries) * 1000)
        bucket["queries"].append(len(trace.queries))
        score = score_query(q, result.results, truth, now)
        bucket["scores"].append(score)
        bucket["tokens"].append(count_tokens(context_text(result.results)))
        wrong = bool(score["wrong_current"] or score["wrong_superseded"])
        kept = failures[q["kind"]]
        # Every wrong-validity hit is kept (they are rare and each one matters); plain misses up to 5.
        if (wrong and len(kept) < 25) or (
            not wrong
            and not score["hit"]
            and sum(not (f["wrong_current"] or f["wrong_superseded"]) for f in kept) < 5
        ):
            failures[q["kind"]].append(
                {
                    "id": q["id"],
                    "query": q["query"],
                    "as_of": q["as_of"],
                    "expected": [f"{e['subject']} | {e['predicate']} | {e['object']}" for e in q["expected"]],
                    "got": [
                        f"{h.subject} | {h.predicate} | {h.object} | {h.status} | "
                        f"{_day(h.valid_from)}..{_day(h.valid_until)} | hops {h.hops}"
                        for h in result.results
                    ],
                    **{key: score[key] for key in ("wrong_current", "wrong_superseded")},
                }
            )
        if time.monotonic() - began > 30 and n % 100 == 0:
            print(f"[{label}] searched {n}/{len(queries)}", file=sys.stderr)
    latency: dict[str, Any] = {}
    correctness: dict[str, Any] = {}
    every_ms: list[float] = []
    every_scores: list[dict[str, Any]] = []
    every_tokens: list[int] = []
    for kind, bucket in per_kind.items():
        if not bucket["ms"]:
            continue
        every_ms += bucket["ms"]
        every_scores += bucket["scores"]
        every_tokens += bucket["tokens"]
        latency[kind] = {
            **latency_stats(bucket["ms"]),
            "embed_p50_ms": round(pct(bucket["embed_ms"], 0.5) or 0, 2),
            # Mean CPU per query: less sensitive than wall time to other load on the machine.
            "cpu_python_mean_ms": round(1000 * statistics.fmean(bucket["cpu_py"]), 2),
            "cpu_neo4j_mean_ms": round(1000 * statistics.fmean(bucket["cpu_db"]), 2) if neo4j_pid else None,
            # From the searches' traces: Cypher time per query (mean) and queries run per search.
            "cypher_mean_ms": round(statistics.fmean(bucket["cypher_ms"]), 2),
            "queries_per_search": round(statistics.fmean(bucket["queries"]), 2),
        }
        correctness[kind] = summarize(bucket["scores"], bucket["tokens"], k)
    latency["all"] = latency_stats(every_ms)
    correctness["all"] = summarize(every_scores, every_tokens, k)
    return {"k": k, "warmup": warmup, "latency": latency, "correctness": correctness, "failures": failures}


# -- recall of the vector entry points ------------------------------------------------------------


def _user_vectors(memory: Any, name: str, user: str) -> tuple[list[str], Any]:
    """Ids and unit-length embeddings of one user's facts or entities (``bench/cypher/<name>``)."""
    import numpy as np

    ids: list[str] = []
    vectors: list[Any] = []
    for record in db.stream(memory, name, user_id=user):  # streamed: 100k vectors stay small
        ids.append(record["id"])
        vectors.append(np.asarray(record["embedding"], dtype=np.float32))
    matrix = np.vstack(vectors) if vectors else np.zeros((0, 1), dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return ids, matrix / np.where(norms == 0, 1, norms)


#: The queries that give a search its vector entry points: the exact path's pool of candidates and
#: the index-backed ones (mem0g widens the index query, then falls back to the exact path; the last
#: one run is the answer), and the query that reads stored embeddings mem0g does not hold yet.
ENTRY_QUERIES = {
    "facts": ("search_facts_candidates", "search_facts_vector", "search_facts_vector_in_index"),
    "entities": ("search_entities_candidates", "search_entities_vector", "search_entities_vector_in_index"),
}
EMBEDDING_QUERIES = {"facts": "facts_embeddings", "entities": "entities_embeddings"}
START_POOLS = {"facts": "fact_pool", "entities": "entity_pool"}  # search_start's columns


def entry_points(trace: Any, what: str) -> tuple[list[str], float, bool]:
    """A search's vector entry points of one kind, read from its trace: their ids (best first from
    the index; the whole candidate pool, unordered, from the exact path), the seconds its entry
    queries of that kind took (with reading stored embeddings), and whether an index query gave the
    answer."""
    names = (*ENTRY_QUERIES[what], EMBEDDING_QUERIES[what])
    ran = [qt for qt in trace.queries if qt.name in names]
    answers = [qt for qt in ran if qt.name in ENTRY_QUERIES[what]]
    seconds = sum(qt.seconds for qt in ran)
    if not answers:
        # A small user's pool comes with the search's first query (search_start), whose time is
        # shared with the keyword entry points and the counters: it is not counted here.
        start = next((qt for qt in trace.queries if qt.name == "search_start"), None)
        pool = start.rows[0].get(START_POOLS[what]) if start and start.rows else None
        return (list(pool) if pool else []), seconds, False
    last = answers[-1]
    if last.name == ENTRY_QUERIES[what][0]:
        return (list(last.rows[0]["ids"]) if last.rows else []), seconds, False
    # Index rows are {id, score} with Neo4j's score (1 + cos) / 2, best first: the order is all recall needs.
    return [row["id"] for row in last.rows], seconds, True


def _fact_pool(memory: Any, user: str, q: dict[str, Any]) -> list[str]:
    """Ids of the facts a search of ``q`` may return, from ``Memory.get_all``, whose filters are the
    search's (cypher/facts_all.cypher and cypher/search_facts_candidates.cypher test the same conditions,
    so no copy of them is needed here): ``include_history`` all of them (it wins over ``as_of``, as in
    the search); ``as_of`` those with valid_from <= t < valid_until (either bound may be unset);
    otherwise the current ones (not superseded, valid_until unset or after now)."""
    if q["include_history"]:
        records = memory.get_all(user_id=user)
    elif q["as_of"] is not None:
        records = memory.get_all(user_id=user, as_of=q["as_of"])
    else:
        records = memory.get_all(user_id=user, current_only=True)
    return [r.id for r in records]


def vector_recall(
    memory: Any, traces: db.Traces, user: str, queries: Sequence[dict[str, Any]], *, k: int
) -> dict[str, Any]:
    """Recall@k of mem0g's vector entry points (facts and entities) against exact cosine in numpy.

    Each query runs through ``memory.search(..., limit=k, hops=0)`` (``memory``'s settings decide the
    path: ``exact_search_max_facts = 0`` forces the index); the entry points it picked are the rows
    of its last ``search_facts_*`` / ``search_entities_*`` vector query (from the observer's trace),
    timed by those queries' own times. The exact reference ranks the user's facts that the search's
    time filter lets through (from ``get_all``) and all the user's entities.
    """
    import numpy as np

    exact_max = memory.settings.exact_search_max_facts
    stats = memory.stats(user)
    f_ids, f_mat = _user_vectors(memory, "bench_user_fact_vectors", user)
    e_ids, e_mat = _user_vectors(memory, "bench_user_entity_vectors", user)
    f_row = {fid: i for i, fid in enumerate(f_ids)}
    # The pool of each time filter, asked once: the bench worlds end before today, so "current" is
    # the same set for every search of the run (no valid_until falls between two of them).
    pools: dict[tuple[Any, ...], Any] = {}
    counts = {
        "facts": (stats["user_facts"], stats["total_facts"]),
        "entities": (stats["user_entities"], stats["total_entities"]),
    }
    recalls: dict[str, list[float]] = {"facts": [], "entities": []}
    ms: dict[str, list[float]] = {"facts": [], "entities": []}
    by_index = {"facts": 0, "entities": 0}
    in_index = {"facts": 0, "entities": 0}  # of those, answered by the filtered-in-index query (2026.02+)
    tol = 1e-4
    for q in queries:
        memory.search(
            q["query"], user_id=user, limit=k, hops=0, as_of=q["as_of"], include_history=q["include_history"]
        )
        trace = traces.take("search")
        v = np.asarray(memory.embedder.embed([q["query"]])[0], dtype=np.float32)
        mode = ("history",) if q["include_history"] else ("as_of", q["as_of"]) if q["as_of"] else ("now",)
        if mode not in pools:
            pools[mode] = np.array(
                [f_row[fid] for fid in _fact_pool(memory, user, q) if fid in f_row], dtype=np.int64
            )
        for what in ("facts", "entities"):
            if what == "facts":
                pool_rows = pools[mode]
                pool_ids = [f_ids[i] for i in pool_rows]
                sims = f_mat[pool_rows] @ v if len(pool_rows) else np.zeros(0)
            else:
                pool_ids, sims = e_ids, e_mat @ v
            if len(pool_ids) == 0:
                continue
            found, seconds, indexed = entry_points(trace, what)
            ms[what].append(seconds * 1000)
            by_index[what] += indexed
            in_index[what] += indexed and any(qt.name == ENTRY_QUERIES[what][2] for qt in trace.queries)
            want = min(k, len(pool_ids))
            kth = np.sort(sims)[::-1][want - 1]
            exact_sim = dict(zip(pool_ids, sims.tolist(), strict=True))
            if not indexed:
                # The exact path: mem0g ranks the pool Neo4j gave by cosine, as here; what can go
                # wrong is the pool (a filter that differs from get_all's), so rank it the same way.
                found = sorted(found, key=lambda fid: -exact_sim.get(fid, -2.0))
            good = sum(1 for fid in found[:want] if fid in exact_sim and exact_sim[fid] >= kth - tol)
            recalls[what].append(min(good, want) / want)
    out: dict[str, Any] = {}
    for what in ("facts", "entities"):
        got, (user_items, total_items) = recalls[what], counts[what]
        if user_items <= exact_max:
            path = "exact"
        elif not by_index[what] and got:
            path = "exact fallback (the index path gave way to exact search)"
        elif in_index[what] == by_index[what]:
            path = "index (filtered inside the index)"
        else:
            path = "index (over-fetch, exact fallback)"
        out[what] = {
            "queries": len(got),
            "recall_at_k": round(statistics.fmean(got), 4) if got else None,
            "min_recall": round(min(got), 4) if got else None,
            "perfect_share": round(sum(1 for r in got if r >= 1.0) / len(got), 4) if got else None,
            "entry_p50_ms": round(pct(ms[what], 0.5) or 0, 2),
            "entry_p95_ms": round(pct(ms[what], 0.95) or 0, 2),
            "path": path,
            "answered_by_index": by_index[what],  # searches whose entry points the index query gave
            "user_items": user_items,
            "total_items": total_items,
            "user_share": round(user_items / total_items, 5) if total_items else None,
        }
    out["k"] = k
    out["exact_max_facts"] = exact_max
    return out


# -- one size (child process) ---------------------------------------------------------------------


def run_one(args: argparse.Namespace) -> dict[str, Any]:
    from mem0g import Memory, load_settings

    label, n_facts, n_users = parse_size(args.size)
    started = datetime.now(timezone.utc)
    folder = Path(args.worlds) / f"{label}-s{args.seed}"
    t0 = time.perf_counter()
    world = ensure_world(folder, n_facts=n_facts, n_users=n_users, seed=args.seed, queries=args.queries)
    print(
        f"[{label}] world {folder} ({time.perf_counter() - t0:.1f}s): {world['facts']} facts, "
        f"{world['queries']} queries",
        file=sys.stderr,
    )
    truth = Truth.load(folder / "truth.json")
    queries = read_queries(folder / "queries.jsonl")
    facts_by_user: dict[str, list[dict[str, Any]]] = {}
    for fact in read_facts(folder / "facts.jsonl"):
        facts_by_user.setdefault(fact["user_id"], []).append(fact)
    users = list(facts_by_user)
    load_before = load_average()

    with neo4j_server(args, label) as server:
        settings = load_settings(neo4j_uri=server["uri"])
        traces = db.Traces()  # mem0g's observer hook: what each operation did and how long it took
        with Memory(settings=settings, observer=traces) as memory:
            memory.init()
            for user in users:
                memory.forget(user)
            server_info = memory.doctor()["server"]
            embedder = memory.embedder
            embedder.embed(["warm up the embedding model"])
            ingest_result = ingest(memory, traces, facts_by_user, batch=args.batch, label=label)
            print(
                f"[{label}] ingest {ingest_result['facts_per_s']} facts/s, embed-only "
                f"{ingest_result['embed_only']['facts_per_s']} facts/s, ratio {ingest_result['ratio']}",
                file=sys.stderr,
            )
            audit = store_audit(memory, truth, users)
            dup = duplicates(memory, truth, users)
            print(
                f"[{label}] audit: wrong current {audit['wrong_current']}, not current "
                f"{audit['wrong_superseded']}, timelines exact "
                f"{audit['timelines_exact']}/{audit['timelines']}; "
                f"duplicates {dup['duplicates']}",
                file=sys.stderr,
            )
            if server["data_dir"] is not None:
                with contextlib.suppress(Exception):
                    db.rows(memory, "bench_checkpoint")
            store = store_size(server["data_dir"]) if server["data_dir"] is not None else None
            search = run_search(
                memory,
                traces,
                queries,
                truth,
                k=args.k,
                warmup=args.warmup,
                label=label,
                neo4j_pid=server["pid"],
            )
            print(
                f"[{label}] search p50/p95 {search['latency']['all']['p50_ms']}/"
                f"{search['latency']['all']['p95_ms']} ms; hit@{args.k} "
                f"{search['correctness']['all']['hit_at_k']}",
                file=sys.stderr,
            )
            rss_python = python_peak_rss()
            rss_neo4j = _proc_status(server["pid"], "VmHWM") if server["pid"] else None
            profile_files = profile_search(memory, traces, queries, args, label) if args.profile else []

            recall: dict[str, Any] = {}
            if args.recall_queries:
                main_user = max(users, key=lambda u: len(facts_by_user[u]))
                main_q = [q for q in queries if q["user_id"] == main_user][: args.recall_queries]
                if main_q:
                    recall["main_user"] = vector_recall(memory, traces, main_user, main_q, k=args.k)
                small_folder = Path(args.worlds) / f"recall-{args.recall_facts}-s{args.seed + 1}"
                ensure_world(
                    small_folder, n_facts=args.recall_facts, seed=args.seed + 1, queries=args.recall_queries
                )
                small_user = "bench-recall-user"
                small_facts = [{**f, "user_id": small_user} for f in read_facts(small_folder / "facts.jsonl")]
                memory.forget(small_user)
                if args.profile:  # where ingest time goes, on a user written into the loaded database
                    profile_files.append(
                        profile_call(
                            lambda: memory.add_facts(small_facts, user_id=small_user),
                            Path(args.out) / "profile" / f"{label}-ingest-{len(small_facts)}-facts.txt",
                            traces=traces,
                        )
                    )
                else:
                    memory.add_facts(small_facts, user_id=small_user)
                small_q = [{**q, "user_id": small_user} for q in read_queries(small_folder / "queries.jsonl")]
                small_q = small_q[: args.recall_queries]
                # The same database through a Memory whose settings force the index path.
                forced = Memory(
                    settings=load_settings(neo4j_uri=server["uri"], exact_search_max_facts=0),
                    embedder=embedder,
                    observer=traces,
                )
                with forced:
                    recall["small_user"] = vector_recall(forced, traces, small_user, small_q, k=args.k)
                    recall["small_user"]["facts_in_user"] = len(small_facts)
                    # End-to-end search latency of the small user on the index path vs its default path.
                    lat: dict[str, list[float]] = {"index_path": [], "default_path": []}
                    for which, mem in (("index_path", forced), ("default_path", memory)):
                        for q in small_q[:20]:
                            mem.search(
                                q["query"],
                                user_id=small_user,
                                limit=args.k,
                                as_of=q["as_of"],
                                include_history=q["include_history"],
                            )
                        for q in small_q:
                            start = time.perf_counter()
                            mem.search(
                                q["query"],
                                user_id=small_user,
                                limit=args.k,
                                as_of=q["as_of"],
                                include_history=q["include_history"],
                            )
                            lat[which].append((time.perf_counter() - start) * 1000)
                    recall["small_user"]["search_latency"] = {w: latency_stats(v) for w, v in lat.items()}
                if not args.keep_data:
                    memory.forget(small_user)
                summary = {
                    w: {x: r[x]["recall_at_k"] for x in ("facts", "entities")} for w, r in recall.items()
                }
                print(f"[{label}] recall@k: {json.dumps(summary)}", file=sys.stderr)

    finished = datetime.now(timezone.utc)
    return {
        "label": label,
        "facts": world["facts"],
        "users": n_users,
        "queries": len(queries),
        "world": {
            k: world[k]
            for k in ("seed", "generator_sha", "statements_by_kind", "queries_by_kind", "entities")
        },
        "ingest": ingest_result,
        "search": search,
        "store_audit": audit,
        "duplicates": dup,
        "recall_vs_exact": recall,
        "store": store,
        "memory": {
            "python_peak_rss_bytes": rss_python,
            "neo4j_peak_rss_bytes": rss_neo4j,
            "python_peak_rss_at_end_bytes": python_peak_rss(),
        },
        "profile_files": profile_files,
        "run": {
            "command": args.command or shlex.join([sys.executable, "-m", "bench.run", *sys.argv[1:]]),
            "started": started.isoformat(timespec="seconds"),
            "seconds": round((finished - started).total_seconds(), 1),
            "machine": machine(),
            "versions": {**versions(), "neo4j_server": server_info},
            "neo4j": {k: v for k, v in server.items() if k in ("dedicated", "heap", "pagecache")},
            "embedding_model": embedder.model_name,
            "embedding_dims": embedder.dimensions,
            "settings": {
                "batch": args.batch,
                "k": args.k,
                "hops": settings.hops,
                "exact_search_max_facts": settings.exact_search_max_facts,
                "token_budget": settings.token_budget,
            },
            "load_average_before": load_before,
            "load_average_after": load_average(),
        },
    }


def steps_table(traces: Sequence[Any]) -> str:
    """Where the time of some operations went, from their traces: each kind of effect (read and write
    transactions, embedding, ...) and each Cypher query, with calls per operation, time and rows."""
    n = max(1, len(traces))
    total = sum(t.seconds for t in traces)
    effects: dict[str, list[float]] = {}
    queries: dict[str, tuple[list[float], list[int]]] = {}
    for t in traces:
        for e in t.effects:
            effects.setdefault(e.kind, []).append(e.seconds)
        for qt in t.queries:
            times, rows = queries.setdefault(qt.name, ([], []))
            times.append(qt.seconds)
            rows.append(len(qt.rows))
    lines = [
        f"{len(traces)} operation(s) ({', '.join(sorted({t.operation for t in traces}))}), "
        f"{1000 * total / n:.2f} ms each on average",
        "",
        f"{'effect':<28} {'per op':>7} {'ms per op':>10} {'share':>6}",
    ]
    for kind, secs in sorted(effects.items(), key=lambda kv: -sum(kv[1])):
        share = sum(secs) / total if total else 0.0
        lines.append(f"{kind:<28} {len(secs) / n:>7.2f} {1000 * sum(secs) / n:>10.2f} {share:>6.0%}")
    lines += ["", f"{'query':<28} {'per op':>7} {'ms per op':>10} {'p50 ms':>7} {'p95 ms':>7} {'rows':>7}"]
    for name, (times, rows) in sorted(queries.items(), key=lambda kv: -sum(kv[1][0])):
        ms = [1000 * x for x in times]
        lines.append(
            f"{name:<28} {len(times) / n:>7.2f} {sum(ms) / n:>10.2f} {pct(ms, 0.5) or 0:>7.2f} "
            f"{pct(ms, 0.95) or 0:>7.2f} {statistics.fmean(rows):>7.1f}"
        )
    return "\n".join(lines) + "\n"


def _profiled(profiler: Any, collected: Sequence[Any]) -> str:
    """The observer's step table over the traced operations, then pyinstrument's call tree."""
    table = "Steps, from mem0g's traces (mem0g.tracing)\n\n" + steps_table(collected) if collected else ""
    return table + "\n" + str(profiler.output_text(unicode=True, color=False, show_all=False))


def profile_call(fn: Any, path: Path, *, traces: db.Traces | None = None) -> str:
    """Run ``fn`` under pyinstrument; write its text report to ``path`` (after the step table of the
    operations ``traces`` observed meanwhile)."""
    from pyinstrument import Profiler

    path.parent.mkdir(parents=True, exist_ok=True)
    profiler = Profiler(interval=0.0005)
    with contextlib.ExitStack() as stack:
        collected = stack.enter_context(traces.collect()) if traces is not None else []
        profiler.start()
        try:
            fn()
        finally:
            profiler.stop()
    path.write_text(_profiled(profiler, collected), encoding="utf-8")
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def profile_search(
    memory: Any, traces: db.Traces, queries: Sequence[dict[str, Any]], args: argparse.Namespace, label: str
) -> list[str]:
    """pyinstrument over ``--profile`` queries of each kind, after the step table of those searches
    from their traces; text reports under <out>/profile/."""
    from pyinstrument import Profiler

    folder = Path(args.out) / "profile"
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in KINDS:
        chosen = [q for q in queries if q["kind"] == kind][: args.profile]
        if not chosen:
            continue
        profiler = Profiler(interval=0.0005)
        with traces.collect() as collected:
            profiler.start()
            for q in chosen:
                memory.search(
                    q["query"],
                    user_id=q["user_id"],
                    limit=args.k,
                    as_of=q["as_of"],
                    include_history=q["include_history"],
                )
            profiler.stop()
        path = folder / f"{label}-search-{kind}.txt"
        path.write_text(_profiled(profiler, collected), encoding="utf-8")
        written.append(str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path))
    return written


# -- orchestration --------------------------------------------------------------------------------


def merge_results(path: Path, system: str, entries: dict[str, dict[str, Any]]) -> dict[str, Any]:
    data: dict[str, Any] = {"format": RESULTS_FORMAT, "systems": {}}
    if path.is_file():
        data = json.loads(path.read_text(encoding="utf-8"))
    data["format"] = RESULTS_FORMAT
    data.setdefault("systems", {})
    sys_entry = data["systems"].setdefault(system, {"sizes": {}})
    sys_entry.setdefault("sizes", {}).update(entries)
    any_entry = next(iter(entries.values()), None)
    if any_entry:
        sys_entry["version"] = any_entry["run"]["versions"].get("mem0g")
        sys_entry["supports"] = {"current": True, "as_of": True, "history": True, "multi_hop": True}
    data["updated"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
    return data


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes",
        nargs="+",
        default=["1k", "10k", "100k"],
        help="1k 10k 100k 1m, or FACTS[:USERS] (default: 1k 10k 100k)",
    )
    parser.add_argument("--queries", type=int, default=1200, help="queries per size, spread over the 4 kinds")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--k", type=int, default=10, help="search limit; hit@k uses it")
    parser.add_argument("--batch", type=int, default=500, help="facts per add_facts call (one transaction)")
    parser.add_argument(
        "--embed-every",
        type=int,
        default=1,
        help="ignored, kept for old command lines: the embedding time of every batch now comes from "
        "its add_facts trace, with no second embedding pass",
    )
    parser.add_argument("--warmup", type=int, default=50, help="untimed queries before timing")
    parser.add_argument("--recall-facts", type=int, default=1000, help="facts of the small recall user")
    parser.add_argument(
        "--recall-queries", type=int, default=300, help="queries per recall measurement (0: skip)"
    )
    parser.add_argument("--profile", type=int, default=0, help="pyinstrument over N queries per kind")
    parser.add_argument("--worlds", default=str(DEFAULT_WORLDS), help="where world folders are cached")
    parser.add_argument("--out", default=str(DEFAULT_OUT), help="results.json, results.md and plots go here")
    parser.add_argument("--neo4j-uri", default=None, help="use this server instead of a dedicated one")
    parser.add_argument("--neo4j-data-dir", default=None, help="its data folder, for the store size")
    parser.add_argument(
        "--neo4j-root", default=None, help="parent folder of dedicated servers (default: tmp)"
    )
    parser.add_argument("--heap", default="2g")
    parser.add_argument("--pagecache", default="2g")
    parser.add_argument("--keep-neo4j", action="store_true", help="leave dedicated servers running")
    parser.add_argument("--keep-data", action="store_true", help="do not forget the recall user")
    parser.add_argument("--no-report", action="store_true", help="do not render results.md and plots")
    parser.add_argument("--size", help=argparse.SUPPRESS)  # child process: run one size
    parser.add_argument("--result-file", help=argparse.SUPPRESS)
    parser.add_argument("--command", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.size:  # child
        result = run_one(args)
        Path(args.result_file).write_text(json.dumps(result, indent=2, default=str), encoding="utf-8")
        return

    command = shlex.join(["python", "-m", "bench.run", *(sys.argv[1:] if argv is None else argv)])
    out = Path(args.out)
    entries: dict[str, dict[str, Any]] = {}
    failed = []
    for size in args.sizes:
        label = parse_size(size)[0]
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as tmp:
            result_file = Path(tmp.name)
        child = [
            sys.executable,
            "-m",
            "bench.run",
            *(sys.argv[1:] if argv is None else argv),
            "--size",
            size,
            "--result-file",
            str(result_file),
            "--command",
            command,
        ]
        print(f"== {label}: {shlex.join(child[1:])}", file=sys.stderr)
        code = subprocess.call(child, cwd=ROOT)
        if code != 0 or not result_file.stat().st_size:
            failed.append(label)
            print(f"== {label} failed (exit {code})", file=sys.stderr)
            continue
        entries[label] = json.loads(result_file.read_text(encoding="utf-8"))
        result_file.unlink()
        merge_results(out / "results.json", "mem0g", {label: entries[label]})
    if entries and not args.no_report:
        from bench.report import render

        render(out)
    if failed:
        raise SystemExit(f"sizes failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
