"""Pure ranking: how similarity, graph distance, keywords and recency combine into one score,
and how a ranked list is cut to a token budget. No I/O; property-tested in tests/unit/test_ranking.py.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

__all__ = [
    "Candidate",
    "Weights",
    "approx_tokens",
    "continuations_follow",
    "cut_to_budget",
    "path_similarity",
    "rank",
    "score",
    "successors_first",
]

T = TypeVar("T")


@dataclass(frozen=True)
class Weights:
    similarity: float = 0.55
    graph: float = 0.30
    keyword: float = 0.10
    recency: float = 0.05
    hop_decay: float = 0.6
    history_penalty: float = 0.1
    min_entry_similarity: float = 0.25  # raw cosine a fact needs to be an entry point
    min_entity_similarity: float = 0.4  # entity names are short: a looser match is noise
    recency_half_life_days: float = 365.0


@dataclass(frozen=True)
class Candidate:
    """What the retriever knows about one reachable fact."""

    fact_id: str
    similarity: float  # cosine(query, fact sentence), -1..1
    hops: int  # 0: matched directly; n: n facts away from an entry point
    entry_strength: float  # how well the entry point that led here matched, 0..1
    keyword: float = 0.0  # 0..1, from the fulltext rank
    reference_time: datetime | None = None  # valid_from, else recorded_at
    holds_now: bool = True  # False for superseded/ended facts shown as history
    # For a fact that continues a chain from an entry point: how well the chain answers the query
    # (see path_similarity); the better of this and `similarity` counts.
    path_similarity: float | None = None


def path_similarity(path_sim: float, sim: float, link: float) -> float:
    """How well a chain answers a query when a fact is appended to it.

    For unit vectors a (the path so far) and b (the fact), cos(q, a + b) is exactly
    (cos(q, a) + cos(q, b)) / sqrt(2 + 2 cos(a, b)). The retriever takes a as the last fact of the
    path with the path's own similarity, an approximation that keeps this cheap enough for Cypher
    (cypher/search_expand.cypher orders by the same formula). A fact that repeats the path
    (link near 1) gains little; one that adds what the query asks beyond the path gains most.
    Clamped to -1..1, because the approximation can step outside it.
    """
    norm_sq = 2.0 + 2.0 * link
    if norm_sq <= 2e-6:
        return 1.0
    return min(1.0, max(-1.0, (path_sim + sim) / math.sqrt(norm_sq)))


def _recency(when: datetime | None, now: datetime, half_life_days: float) -> float:
    if when is None:
        return 0.0
    age_days = max(0.0, (now - when).total_seconds() / 86400.0)
    return math.pow(0.5, age_days / half_life_days)


def score(candidate: Candidate, *, now: datetime, weights: Weights = Weights()) -> float:
    best = candidate.similarity
    if candidate.path_similarity is not None and candidate.path_similarity > best:
        best = candidate.path_similarity
    sim = min(1.0, max(0.0, best))
    graph = min(1.0, max(0.0, candidate.entry_strength)) * weights.hop_decay ** max(0, candidate.hops)
    value = (
        weights.similarity * sim
        + weights.graph * graph
        + weights.keyword * min(1.0, max(0.0, candidate.keyword))
        + weights.recency * _recency(candidate.reference_time, now, weights.recency_half_life_days)
    )
    if not candidate.holds_now:
        value -= weights.history_penalty
    return value


def rank(
    candidates: Sequence[Candidate], *, now: datetime, weights: Weights = Weights()
) -> list[tuple[Candidate, float]]:
    """Best first; ties broken by fewer hops, then by id, so the order is deterministic."""
    scored = [(c, score(c, now=now, weights=weights)) for c in candidates]
    scored.sort(key=lambda pair: (-pair[1], pair[0].hops, pair[0].fact_id))
    return scored


def _follow(
    ranked: Sequence[tuple[Candidate, float]], after: Mapping[str, Sequence[str]]
) -> list[tuple[Candidate, float]]:
    """Keep the ranking, except that the facts listed in ``after[x]`` come right after x (and
    their own followers after them). Followers whose anchor never gets placed (a loop) keep their
    rank order at the end."""
    by_id = {c.fact_id: (c, s) for c, s in ranked}
    followers = {fid for group in after.values() for fid in group}
    out: list[tuple[Candidate, float]] = []
    placed: set[str] = set()

    def place(fid: str) -> None:
        if fid in placed:
            return
        placed.add(fid)
        out.append(by_id[fid])
        for nxt in after.get(fid, ()):
            place(nxt)

    for c, _ in ranked:
        if c.fact_id not in followers:
            place(c.fact_id)
    for c, _ in ranked:
        place(c.fact_id)
    return out


def successors_first(
    ranked: Sequence[tuple[Candidate, float]], *, successor: Mapping[str, str | None]
) -> list[tuple[Candidate, float]]:
    """Keep the ranking, except that a superseded fact is moved right after the fact that replaced
    it when both are present, so history reads "now X; before that Y" in order."""
    present = {c.fact_id for c, _ in ranked}
    after: dict[str, list[str]] = {}
    for c, _ in ranked:
        nxt = successor.get(c.fact_id)
        if nxt is not None and nxt in present and nxt != c.fact_id:
            after.setdefault(nxt, []).append(c.fact_id)
    return _follow(ranked, after)


def continuations_follow(
    ranked: Sequence[tuple[Candidate, float]], *, continuation: Mapping[str, str], top: int
) -> list[tuple[Candidate, float]]:
    """Keep the ranking, except that each of the first ``top`` facts is followed by its best
    continuation (the fact that extends its chain best), so "X works at Acme" comes with "Acme is
    headquartered in Lyon". A small embedding model scores the second fact of a chain low against
    a question that never names its entities, so rank alone would drop it below the first fact's
    many restatements; the graph says it belongs right after. Each fact continues at most one
    chain (``continuation`` has distinct values), as a reached fact has one path."""
    position = {c.fact_id: i for i, (c, _) in enumerate(ranked)}
    # A continuation moves up to its leader, never down: one ranked above it stays where it is.
    after = {
        lead: [continuation[lead]]
        for lead in (c.fact_id for c, _ in ranked[:top])
        if continuation.get(lead) in position and position[continuation[lead]] > position[lead]
    }
    return _follow(ranked, after)


_TOKEN = re.compile(r"\w+|[^\w\s]", re.UNICODE)


def approx_tokens(text: str) -> int:
    """An estimate of LLM tokens: words and punctuation, with long words counted by 4-char pieces.

    Within ~15% of cl100k on English prose; used only to keep answers under a budget.
    """
    return sum(max(1, math.ceil(len(piece) / 6)) for piece in _TOKEN.findall(text))


def cut_to_budget(items: Sequence[T], *, budget: int, limit: int, cost: Callable[[T], int]) -> list[T]:
    """The longest prefix of ``items`` (at most ``limit``) whose total cost fits ``budget``.

    The first item is always kept so a query never comes back empty because one fact is long.
    """
    kept: list[T] = []
    spent = 0
    for item in items[:limit]:
        c = cost(item)
        if kept and spent + c > budget:
            break
        kept.append(item)
        spent += c
    return kept
