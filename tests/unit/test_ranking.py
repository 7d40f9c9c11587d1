"""Property tests of the pure ranking functions (no Neo4j)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from mem0g._engine.ranking import (
    Candidate,
    approx_tokens,
    continuations_follow,
    cut_to_budget,
    path_similarity,
    rank,
    score,
    successors_first,
)

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)

candidates = st.builds(
    Candidate,
    fact_id=st.text(min_size=1, max_size=6),
    similarity=st.floats(-1, 1),
    hops=st.integers(0, 5),
    entry_strength=st.floats(0, 1),
    keyword=st.floats(0, 1),
    reference_time=st.one_of(st.none(), st.integers(0, 3000).map(lambda d: NOW - timedelta(days=d))),
    holds_now=st.booleans(),
)


@given(c=candidates, bump=st.floats(0.01, 1))
def test_more_similar_never_ranks_lower(c: Candidate, bump: float) -> None:
    better = Candidate(**{**c.__dict__, "similarity": min(1.0, c.similarity + bump)})
    assert score(better, now=NOW) >= score(c, now=NOW)


@given(c=candidates)
def test_more_hops_never_rank_higher(c: Candidate) -> None:
    farther = Candidate(**{**c.__dict__, "hops": c.hops + 1})
    assert score(farther, now=NOW) <= score(c, now=NOW)


@given(c=candidates)
def test_history_ranks_below_the_same_fact_holding_now(c: Candidate) -> None:
    past = Candidate(**{**c.__dict__, "holds_now": False})
    now = Candidate(**{**c.__dict__, "holds_now": True})
    assert score(past, now=NOW) < score(now, now=NOW)


@given(cs=st.lists(candidates, max_size=20, unique_by=lambda c: c.fact_id))
def test_rank_is_sorted_and_deterministic(cs: list[Candidate]) -> None:
    ranked = rank(cs, now=NOW)
    scores = [s for _, s in ranked]
    assert scores == sorted(scores, reverse=True)
    assert rank(list(reversed(cs)), now=NOW) == ranked


@given(costs=st.lists(st.integers(1, 50), max_size=30), budget=st.integers(1, 200), limit=st.integers(1, 30))
def test_budget_cut_is_a_prefix_within_budget(costs: list[int], budget: int, limit: int) -> None:
    kept = cut_to_budget(costs, budget=budget, limit=limit, cost=lambda c: c)
    assert kept == costs[: len(kept)] and len(kept) <= limit
    if len(kept) > 1:
        assert sum(kept) <= budget
    if costs:
        assert kept  # never empty when there is something to return


@given(text=st.text(max_size=400))
def test_token_estimate_grows_with_text(text: str) -> None:
    assert approx_tokens(text + " more words") > approx_tokens(text) or not text


def test_successor_comes_before_what_it_superseded() -> None:
    a = Candidate("old", 0.9, 0, 0.9, holds_now=False)
    b = Candidate("new", 0.5, 0, 0.5)
    c = Candidate("other", 0.7, 0, 0.7)
    ordered = successors_first(rank([a, b, c], now=NOW), successor={"old": "new"})
    assert [x.fact_id for x, _ in ordered] == ["other", "new", "old"]


unit_vectors = (
    st.lists(st.floats(-1, 1), min_size=4, max_size=4)
    .filter(lambda v: sum(x * x for x in v) > 1e-3)
    .map(lambda v: [x / math.sqrt(sum(y * y for y in v)) for x in v])
)


def _dot(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


@given(q=unit_vectors, a=unit_vectors, b=unit_vectors)
def test_path_similarity_is_the_cosine_with_the_sum_of_the_two_sentences(
    q: list[float], a: list[float], b: list[float]
) -> None:
    total = [x + y for x, y in zip(a, b, strict=True)]
    norm = math.sqrt(_dot(total, total))
    got = path_similarity(_dot(q, a), _dot(q, b), _dot(a, b))
    if norm > 1e-3:
        assert math.isclose(got, _dot(q, total) / norm, abs_tol=1e-6)
    assert -1.0 <= got <= 1.0


@given(p=st.floats(-1, 1), s=st.floats(-1, 1), link=st.floats(-1, 1), bump=st.floats(0.01, 1))
def test_path_similarity_grows_with_the_new_facts_similarity(
    p: float, s: float, link: float, bump: float
) -> None:
    assert path_similarity(p, min(1.0, s + bump), link) >= path_similarity(p, s, link)


@given(c=candidates, extra=st.floats(-1, 1))
def test_a_chain_never_ranks_a_fact_lower(c: Candidate, extra: float) -> None:
    chained = Candidate(**{**c.__dict__, "path_similarity": extra})
    assert score(chained, now=NOW) >= score(c, now=NOW)


@given(
    n=st.integers(0, 15),
    links=st.lists(st.tuples(st.integers(0, 14), st.integers(0, 14)), max_size=8),
    top=st.integers(0, 5),
)
def test_continuations_follow_their_leaders_and_nothing_else_moves(
    n: int, links: list[tuple[int, int]], top: int
) -> None:
    ranked = [
        (Candidate(fact_id=f"f{i}", similarity=0.5, hops=0, entry_strength=0.5), 1.0 - i / 100)
        for i in range(n)
    ]
    continuation: dict[str, str] = {}
    for a, b in links:  # a fact continues one chain: the values are distinct, as in the retriever
        if a < n and b < n and a != b and f"f{b}" not in continuation.values():
            continuation[f"f{a}"] = f"f{b}"
    out = continuations_follow(ranked, continuation=continuation, top=top)
    ids = [c.fact_id for c, _ in out]
    assert sorted(ids) == sorted(c.fact_id for c, _ in ranked)  # a permutation: nothing lost or doubled
    pulled = set()
    for i in range(min(top, n)):
        lead = f"f{i}"
        nxt = continuation.get(lead)
        if nxt is not None and int(nxt[1:]) > i:  # ranked below its leader: now right after it
            assert ids[ids.index(lead) + 1] == nxt
            pulled.add(nxt)
    rest = [fid for fid in ids if fid not in pulled]
    assert rest == [c.fact_id for c, _ in ranked if c.fact_id not in pulled]  # the others keep their order
