"""Scoring shared by every system in the benchmark (mem0g and the peer adapters).

Dependency-free (standard library only) so that a peer adapter running in its own virtualenv can
import it (``sys.path.insert(0, <repo>)`` then ``from bench.scoring import ...``) and score its hits
exactly as mem0g's are scored. A *hit* is any object or mapping with ``subject``, ``predicate``,
``object``, ``status`` (``current``/``superseded``/``ended``, the fact's status today) and
``valid_from`` / ``valid_until`` (datetime, ISO string or None).

Per query (:func:`score_query`), at the asked instant t (the query's ``as_of``, else now):

* ``hit``: every expected fact is among the hits (matching on normalised subject, predicate, object);
* a hit *reports its fact as holding at t* when, for an as-of question, its interval contains t,
  and otherwise when its status is ``current`` (and it has not ended);
* ``wrong_current``: hits that report holding at t while the truth says the triple does not hold at t;
* ``wrong_superseded``: triples true at t that come back only as not holding (no hit of the same
  triple reports holding), counted once per triple;
* ``must_not_be_current_violations``: hits of the query's ``must_not_be_current`` triples with status
  ``current`` (the query file's own contract, independent of the truth file).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timezone
from typing import Any

from bench.world import Truth, triple_key

__all__ = ["context_text", "latency_stats", "pct", "score_query", "summarize"]


def pct(values: Sequence[float], q: float) -> float | None:
    """Percentile by linear interpolation between closest ranks (numpy's default method)."""
    if not values:
        return None
    ordered = sorted(values)
    pos = q * (len(ordered) - 1)
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def latency_stats(ms: Sequence[float]) -> dict[str, Any]:
    def r(v: float | None) -> float | None:
        return None if v is None else round(v, 2)

    return {
        "supported": True,
        "n": len(ms),
        "p50_ms": r(pct(ms, 0.50)),
        "p95_ms": r(pct(ms, 0.95)),
        "p99_ms": r(pct(ms, 0.99)),
        "mean_ms": r(statistics.fmean(ms)) if ms else None,
        "max_ms": r(max(ms)) if ms else None,
    }


def _get(hit: Any, name: str) -> Any:
    return hit.get(name) if isinstance(hit, Mapping) else getattr(hit, name, None)


def _instant(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
    if hasattr(value, "to_native"):  # neo4j.time.DateTime
        return _instant(value.to_native())
    text = str(value).strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    if len(text) == 10:
        return _instant(date.fromisoformat(text))
    return _instant(datetime.fromisoformat(text))


def reports_holding(hit: Any, at: datetime | None, now: datetime) -> bool:
    """Whether a hit says its fact holds at the asked instant (see the module docstring)."""
    start, end = _instant(_get(hit, "valid_from")), _instant(_get(hit, "valid_until"))
    if at is not None:
        return (start is None or start <= at) and (end is None or at < end)
    return _get(hit, "status") == "current" and (end is None or end > now)


def score_query(query: Mapping[str, Any], hits: Sequence[Any], truth: Truth, now: datetime) -> dict[str, Any]:
    user = query["user_id"]
    asked = date.fromisoformat(query["as_of"][:10]) if query.get("as_of") else None
    at = _instant(asked) if asked else None
    keyed = [(triple_key(_get(h, "subject"), _get(h, "predicate"), _get(h, "object")), h) for h in hits]
    got = {k for k, _ in keyed}
    expected = {triple_key(e["subject"], e["predicate"], e["object"]) for e in query["expected"]}
    found = expected & got
    holding = {k for k, h in keyed if reports_holding(h, at, now)}
    wrong_current = [
        k for k in (k for k, h in keyed if reports_holding(h, at, now)) if not truth.holds(user, *k, at=asked)
    ]
    wrong_superseded = {k for k, h in keyed if k not in holding and truth.holds(user, *k, at=asked)}
    must_not = {triple_key(m["subject"], m["predicate"], m["object"]) for m in query["must_not_be_current"]}
    violations = [k for k, h in keyed if k in must_not and _get(h, "status") == "current"]
    return {
        "hit": found == expected,
        "recall": len(found) / len(expected) if expected else 1.0,
        "wrong_current": len(wrong_current),
        "wrong_superseded": len(wrong_superseded),
        "must_not_be_current_violations": len(violations),
        "hits": len(hits),
    }


def summarize(scores: Sequence[Mapping[str, Any]], tokens: Sequence[int], k: int) -> dict[str, Any]:
    """Correctness of a set of scored queries (one kind, or all)."""
    n = len(scores)
    return {
        "supported": True,
        "n": n,
        "k": k,
        "hit_at_k": round(sum(s["hit"] for s in scores) / n, 4) if n else None,
        "expected_recall": round(sum(s["recall"] for s in scores) / n, 4) if n else None,
        "wrong_current": sum(s["wrong_current"] for s in scores),
        "wrong_superseded": sum(s["wrong_superseded"] for s in scores),
        "must_not_be_current_violations": sum(s["must_not_be_current_violations"] for s in scores),
        "queries_with_wrong_current": sum(1 for s in scores if s["wrong_current"]),
        "mean_hits": round(sum(s["hits"] for s in scores) / n, 2) if n else None,
        "context_tokens_p50": pct(tokens, 0.5),
        "context_tokens_p95": pct(tokens, 0.95),
        "context_tokens_max": max(tokens) if tokens else None,
    }


def context_text(hits: Sequence[Any]) -> str:
    """What an agent would paste into its prompt: one line per hit, with validity and status."""
    lines = []
    for h in hits:
        start, end = _instant(_get(h, "valid_from")), _instant(_get(h, "valid_until"))
        since = start.date().isoformat() if start else "?"
        until = end.date().isoformat() if end else "now"
        lines.append(f"- {_get(h, 'fact')} [{since} to {until}; {_get(h, 'status')}]")
    return "\n".join(lines)
