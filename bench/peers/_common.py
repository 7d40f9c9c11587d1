"""What both peer runners share. Runs inside the *peer* virtualenvs: stdlib and numpy only, no mem0g.

World folder (the contract of ``bench/world.py``): ``facts.jsonl`` (statements in observation order),
``truth.json`` (true timelines), ``queries.jsonl``.

How a peer is given the world
-----------------------------
Neither peer can turn raw statements into a timeline without its LLM: Graphiti decides duplicates and
contradictions (``invalid_at``/``expired_at``) with LLM calls in ``add_episode``; Mem0's graph memory
decides what to add and what to soft-delete with LLM tool calls in ``MemoryGraph.add``. No LLM runs
here, so each peer is handed what a *perfect* LLM would have concluded, which is the best case for it:
the resolved intervals of ``truth.json`` (:func:`resolved_intervals`), each with the sentence of the
statement that first told it and the ids of every statement that told it. Their load times are
therefore the time of their own storage work on already-resolved data, not comparable to an ingest
that resolves (mem0g's ``add_facts``), and the report says so.

Embeddings
----------
Every text a peer would embed (documents at load, queries or query entities at search) is embedded
once in the mem0g virtualenv with the shared model (all-MiniLM-L6-v2) by ``compare.py`` and saved as an
embedding cache folder: ``texts.json`` (list), ``vectors.npy`` (float32, one row per text) and
``embed_ms.json`` (text -> milliseconds that embedding that text alone in one call took, measured for
query-side texts). Peer embedders look texts up in the cache (:class:`EmbeddingCache`); a text missing
from the cache is an error, never silently embedded otherwise. Search latency is reported without the
query embedding (cache look-up only) and with it (plus the measured single-call embedding time of
every text the peer asked to embed during that search).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import platform
import re
import time
import traceback
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

KINDS = ("current", "as_of", "history", "multi_hop")
_SPACES = re.compile(r"\s+")


def norm(name: str) -> str:
    """Same as ``bench.world.norm``: NFKC, case-folded, whitespace squashed."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", str(name)).casefold()).strip()


# -- world ----------------------------------------------------------------------------------------


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def _day(text: str | None) -> date | None:
    if not text:
        return None
    return date.fromisoformat(text[:10])


def as_datetime(day: date | None) -> datetime | None:
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc) if day else None


@dataclass
class Interval:
    """One resolved fact: what a perfect extraction + invalidation LLM would leave in a peer's graph."""

    user_id: str
    subject: str
    predicate: str
    object: str
    subject_type: str
    object_type: str
    valid_from: date | None
    valid_until: date | None  # None: still true
    fact: str = ""
    statements: list[int] = field(default_factory=list)  # line numbers in facts.jsonl
    first_observed: datetime | None = None


@dataclass
class World:
    folder: Path
    facts: list[dict[str, Any]]
    queries: list[dict[str, Any]]
    truth: dict[str, Any]
    intervals: list[Interval]

    @property
    def users(self) -> list[str]:
        return list(dict.fromkeys(i.user_id for i in self.intervals))

    def now(self) -> date:
        return date.fromisoformat(self.truth["now"])

    def entity_names(self, user: str) -> list[str]:
        names: dict[str, None] = {}
        for iv in self.intervals:
            if iv.user_id == user:
                names.setdefault(iv.subject)
                names.setdefault(iv.object)
        return list(names)


def load_world(folder: Path, queries_limit: int | None = None) -> World:
    facts = list(read_jsonl(folder / "facts.jsonl"))
    queries = list(read_jsonl(folder / "queries.jsonl"))
    if queries_limit:
        queries = queries[:queries_limit]
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    return World(folder, facts, queries, truth, resolved_intervals(facts, truth))


def resolved_intervals(facts: Sequence[dict[str, Any]], truth: dict[str, Any]) -> list[Interval]:
    """The true timelines as intervals, each with the first statement's sentence, entity types and the
    statements that told it (a statement is assigned to the interval of its triple that contains its
    date: ``valid_from``, else the day before ``valid_until``, else the observation day)."""
    types: dict[tuple[str, str], str] = {}
    by_triple: dict[tuple[str, str, str, str], list[int]] = {}
    for n, f in enumerate(facts):
        user = f.get("user_id") or ""
        if f.get("subject_type"):
            types.setdefault((user, norm(f["subject"])), f["subject_type"])
        if f.get("object_type"):
            types.setdefault((user, norm(f["object"])), f["object_type"])
        by_triple.setdefault((user, norm(f["subject"]), f["predicate"], norm(f["object"])), []).append(n)
    out: list[Interval] = []
    for user, subjects in truth["users"].items():
        for subject, preds in subjects.items():
            for predicate, ivs in preds.items():
                for iv in ivs:
                    out.append(
                        Interval(
                            user_id=user,
                            subject=subject,
                            predicate=predicate,
                            object=iv["object"],
                            subject_type=types.get((user, norm(subject)), "Entity"),
                            object_type=types.get((user, norm(iv["object"])), "Entity"),
                            valid_from=_day(iv["valid_from"]),
                            valid_until=_day(iv["valid_until"]),
                        )
                    )
    index: dict[tuple[str, str, str, str], list[Interval]] = {}
    for iv in out:
        index.setdefault((iv.user_id, norm(iv.subject), iv.predicate, norm(iv.object)), []).append(iv)
    for key, lines in by_triple.items():
        ivs = index.get(key)
        if not ivs:
            continue
        for n in lines:
            f = facts[n]
            start, end = _day(f.get("valid_from")), _day(f.get("valid_until"))
            when = start or (date.fromordinal(end.toordinal() - 1) if end else _day(f.get("observed_at")))
            chosen = None
            if start:
                chosen = next((iv for iv in ivs if iv.valid_from == start), None)
            if chosen is None and when:
                chosen = next(
                    (
                        iv
                        for iv in ivs
                        if (iv.valid_from is None or iv.valid_from <= when)
                        and (iv.valid_until is None or when < iv.valid_until)
                    ),
                    None,
                )
            if chosen is None:
                chosen = ivs[-1]
            chosen.statements.append(n)
    for iv in out:
        if iv.statements:
            first = next(
                (n for n in iv.statements if facts[n].get("metadata", {}).get("kind") == "first"), None
            )
            pick = first if first is not None else iv.statements[0]
            iv.fact = facts[pick].get("fact") or ""
            iv.first_observed = (
                min(
                    datetime.fromisoformat(facts[n]["observed_at"])
                    for n in iv.statements
                    if facts[n].get("observed_at")
                )
                if any(facts[n].get("observed_at") for n in iv.statements)
                else None
            )
        if not iv.fact:
            iv.fact = f"{iv.subject} {iv.predicate.replace('_', ' ')} {iv.object}."
    out.sort(key=lambda i: (i.valid_from or date.min, i.subject, i.predicate, i.object))
    return out


# -- embeddings -----------------------------------------------------------------------------------


class MissingEmbeddingError(KeyError):
    pass


class EmbeddingCache:
    """Vectors of the shared model, keyed by exact text (see the module docstring)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        texts = json.loads((folder / "texts.json").read_text(encoding="utf-8"))
        self.vectors = np.load(folder / "vectors.npy")
        self.index = {t: i for i, t in enumerate(texts)}
        meta_path = folder / "embed_ms.json"
        self.embed_ms: dict[str, float] = (
            json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.is_file() else {}
        )
        info = folder / "info.json"
        self.info: dict[str, Any] = json.loads(info.read_text(encoding="utf-8")) if info.is_file() else {}
        self.asked: list[str] = []  # texts asked for since the last reset (query-side accounting)

    @property
    def dims(self) -> int:
        return int(self.vectors.shape[1])

    def get(self, text: str) -> list[float]:
        i = self.index.get(text)
        if i is None:
            raise MissingEmbeddingError(f"text not in the embedding cache {self.folder}: {text!r}")
        self.asked.append(text)
        return self.vectors[i].tolist()

    def reset(self) -> None:
        self.asked = []

    def asked_embed_ms(self) -> float:
        """Measured single-call embedding time of the texts asked for since ``reset`` (0 if unknown)."""
        return sum(self.embed_ms.get(t, 0.0) for t in self.asked)


# -- measurement ----------------------------------------------------------------------------------


def pct(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = math.floor(k), math.ceil(k)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def latency_stats(ms: Sequence[float]) -> dict[str, Any]:
    def r(v: float | None) -> float | None:
        return round(v, 3) if v is not None else None

    return {
        "n": len(ms),
        "p50_ms": r(pct(ms, 0.5)),
        "p95_ms": r(pct(ms, 0.95)),
        "p99_ms": r(pct(ms, 0.99)),
        "mean_ms": r(sum(ms) / len(ms)) if ms else None,
        "max_ms": r(max(ms)) if ms else None,
    }


def peak_rss_bytes() -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def environment() -> dict[str, Any]:
    return {"python": platform.python_version(), "pid": os.getpid(), "cpus": os.cpu_count()}


class Stopwatch:
    def __init__(self) -> None:
        self.start = time.perf_counter()

    def ms(self) -> float:
        return (time.perf_counter() - self.start) * 1000


def hit_record(
    *,
    subject: str | None,
    predicate: str | None,
    object: str | None,
    fact: str | None = None,
    valid_from: Any = None,
    valid_until: Any = None,
    status: str | None = None,
    score: float | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    def iso(v: Any) -> str | None:
        if v is None:
            return None
        return v.isoformat() if hasattr(v, "isoformat") else str(v)

    out = {
        "subject": subject,
        "predicate": predicate,
        "object": object,
        "fact": fact,
        "valid_from": iso(valid_from),
        "valid_until": iso(valid_until),
        "status": status,
        "score": score,
    }
    if extra:
        out.update(extra)
    return out


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=1, default=str), encoding="utf-8")
    tmp.replace(path)


def run_and_report(
    *,
    peer: str,
    package: str,
    supports: dict[str, bool],
    out: Path | None,
    call: Callable[[], dict[str, Any]],
) -> None:
    """Run a peer's benchmark, write its result (or its failure, with the traceback) to ``out``, and
    exit non-zero on failure so compare.py records it."""
    try:
        result = call()
        result["supports"] = supports
        result["ok"] = True
    except Exception as exc:
        traceback.print_exc()
        result = {
            "system": peer,
            "ok": False,
            "error": f"{type(exc).__name__}: {exc}",
            "traceback": traceback.format_exc(),
        }
        with contextlib.suppress(metadata.PackageNotFoundError):
            result["version"] = metadata.version(package)
    if out:
        write_json(out, result)
    if not result.get("ok"):
        raise SystemExit(1)


def common_args(parser: Any) -> None:
    parser.add_argument("--world", type=Path, required=True, help="world folder (facts, truth, queries)")
    parser.add_argument("--neo4j-uri", default="bolt://127.0.0.1:7687")
    parser.add_argument("--neo4j-user", default="neo4j")
    parser.add_argument("--neo4j-password", default="")
    parser.add_argument("--embeddings", type=Path, help="embedding cache folder (texts.json, vectors.npy)")
    parser.add_argument("--users", nargs="*", help="load and query only these users (default: all)")
    parser.add_argument("--queries", type=int, default=0, help="only the first N queries (0: all)")
    parser.add_argument("--k", type=int, default=10, help="search limit")
    parser.add_argument("--warmup", type=int, default=50, help="untimed queries before timing")
    parser.add_argument("--list-texts", type=Path, help="write the texts to embed as JSON and exit")
    parser.add_argument("--out", type=Path, help="result JSON")
    parser.add_argument("--skip-load", action="store_true", help="query what is already loaded")


def select_users(world: World, users: Sequence[str] | None) -> World:
    if not users:
        return world
    keep = set(users)
    return World(
        world.folder,
        world.facts,  # kept whole: intervals refer to statements by line number
        [q for q in world.queries if q["user_id"] in keep],
        world.truth,
        [iv for iv in world.intervals if iv.user_id in keep],
    )


def warmup_order(queries: Sequence[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    """The same untimed warm-up queries bench.run uses: queries[(i * 7919) % len]."""
    return [queries[(i * 7919) % len(queries)] for i in range(n)] if queries else []
