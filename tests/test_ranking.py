"""Property tests of the pure ranking functions (no Neo4j)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from mem0g.ranking import Candidate, approx_tokens, cut_to_budget, rank, score, successors_first

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
