"""The vector cache (bounded, least recently used, a lease per search) and one hop's choice of facts
(expansion.choose), against plain oracles: numpy cosines and the hop's rules written out as one sort."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mem0g._engine.expansion import Frontier, Neighbour, Reached, choose
from mem0g._engine.ranking import path_similarity
from mem0g._engine.vectors import VectorCache, top_k

# -- the cache -----------------------------------------------------------------------------------


def unit(seed: int, dims: int = 16) -> list[float]:
    v = np.random.default_rng(seed).normal(size=dims)
    return list(v / np.linalg.norm(v))


def test_cosines_are_numpys_whatever_the_stored_norm() -> None:
    lease = VectorCache().lease()
    stored = {f"F{i}": [3.0 * x for x in unit(i)] for i in range(20)}  # not unit: normalised on put
    lease.put(list(stored), list(stored.values()))
    query = unit(99)
    got = lease.cosines(list(stored), [2.0 * x for x in query])
    for key, vector in stored.items():
        v = np.asarray(vector)
        assert got[key] == pytest.approx(float(v @ query / np.linalg.norm(v)), abs=1e-6)
    assert lease.cosines_to(["F2", "F3"], "F1") == {
        "F2": pytest.approx(float(np.dot(unit(1), unit(2))), abs=1e-6),
        "F3": pytest.approx(float(np.dot(unit(1), unit(3))), abs=1e-6),
    }
    assert lease.cosines_to(["F2"], "unknown") == {}


def test_a_pool_scores_the_same_from_its_kept_matrix_and_after_clear() -> None:
    cache = VectorCache()
    ids = [f"P{i}" for i in range(100)]
    cache.lease().put(ids, [unit(i) for i in range(100)])
    expected = {i: float(np.dot(unit(n), unit(7))) for n, i in enumerate(ids)}

    def search(order: list[str], query: list[float]) -> dict[str, float]:
        lease = cache.lease()
        assert lease.missing(order) == []  # as a search takes what the cache holds
        return lease.cosines(order, query, pool=True)

    for _ in range(2):  # the second search takes the kept matrix
        assert search(ids, unit(7)) == pytest.approx(expected, abs=1e-6)
    assert len(cache._matrices) == 1
    assert search(ids[::-1], unit(8)) == pytest.approx(
        {i: float(np.dot(unit(n), unit(8))) for n, i in enumerate(ids)}, abs=1e-6
    )
    cache.clear()
    assert len(cache._matrices) == 0 and cache.lease().missing(ids) == ids


def test_a_null_or_wrong_length_vector_scores_zero_and_an_unknown_id_is_left_out() -> None:
    lease = VectorCache().lease()
    lease.put(["A", "B"], [None, [1.0, 0.0]])
    assert lease.cosines(["A", "B", "C"], [1.0, 0.0, 0.0]) == {"A": 0.0, "B": 0.0}
    assert lease.missing(["A", "B", "C", "C"]) == ["C"]


def test_the_cache_is_bounded_and_evicts_the_least_recently_used() -> None:
    probe = VectorCache()
    probe.lease().put(["X"], [unit(0)])
    one = probe.nbytes  # what one 16-float entry costs
    cache = VectorCache(max_bytes=3 * one)
    first = cache.lease()
    first.put(["A", "B", "C"], [unit(1), unit(2), unit(3)])
    assert cache.lease().missing(["A"]) == []  # A is used: B is now the oldest
    cache.lease().put(["D"], [unit(4)])
    assert len(cache) == 3 and cache.nbytes == 3 * one
    assert cache.lease().missing(["A", "B", "C", "D"]) == ["B"]
    # What a search read stays with it, whatever the cache dropped since.
    assert set(first.cosines(["A", "B", "C"], unit(9))) == {"A", "B", "C"}


def test_a_cache_of_size_zero_keeps_nothing_but_a_search_still_scores() -> None:
    cache = VectorCache(max_bytes=0)
    lease = cache.lease()
    lease.put(["A"], [unit(1)])
    assert len(cache) == 0 and lease.cosines(["A"], unit(1))["A"] == pytest.approx(1.0, abs=1e-6)
    assert cache.lease().missing(["A"]) == ["A"]


def test_clear_empties_the_cache() -> None:
    cache = VectorCache()
    cache.lease().put(["A"], [unit(1)])
    cache.clear()
    assert len(cache) == 0 and cache.nbytes == 0 and cache.lease().missing(["A"]) == ["A"]


@given(
    st.dictionaries(st.text("abcdef", min_size=1, max_size=3), st.floats(-1, 1), max_size=30),
    st.integers(0, 40),
)
def test_top_k_is_the_k_best_with_ties_by_id(scores: dict[str, float], k: int) -> None:
    assert top_k(scores, k) == sorted(scores.items(), key=lambda p: (-p[1], p[0]))[:k]
    best = top_k(scores, k)
    assert all(a[1] >= b[1] for a, b in itertools.pairwise(best))


# -- one hop -----------------------------------------------------------------------------------------


def oracle(
    neighbours: list[Neighbour],
    frontier: dict[str, Frontier],
    sim: dict[str, float],
    links: dict[tuple[str, str], float],
    entries: set[str],
    per_hop: int,
) -> list[tuple[str, str]]:
    """The rules as search_expand used to apply them in Cypher, in one pass each."""
    rows = []
    for n in neighbours:
        front = frontier[n.via]
        link = None if front.via_fact is None or n.sibling else links[(n.id, front.via_fact)]
        if n.id in entries and (link is None or front.path_sim is None):
            continue
        s = sim.get(n.id, 0.0)
        if link is None or front.path_sim is None:
            rank = s
        elif 2 + 2 * link <= 2e-6:
            rank = 1.0
        else:
            rank = (front.path_sim + s) / math.sqrt(2 + 2 * link)
        rows.append((rank, n.id, n.via))
    best_per_entity: set[tuple[str, str]] = set()
    for entity, front in frontier.items():
        mine = sorted((r for r in rows if r[2] == entity), key=lambda r: (-r[0], r[1], r[2]))
        if front.share and mine:
            best_per_entity.add((mine[0][1], mine[0][2]))
    kept = [r for r in rows if (r[1], r[2]) in best_per_entity]
    rest = sorted((r for r in rows if (r[1], r[2]) not in best_per_entity), key=lambda r: (-r[0], r[1], r[2]))
    chosen = sorted(kept + rest[:per_hop], key=lambda r: (-r[0], r[1], r[2]))
    return [(r[1], r[2]) for r in chosen]


@st.composite
def hops(draw: st.DrawFn) -> tuple[object, ...]:
    entities = [f"E{i}" for i in range(draw(st.integers(1, 5)))]
    frontier = {}
    for e in entities:
        hub = draw(st.booleans())
        frontier[e] = Frontier(
            via_fact=None if hub else f"V{e}",
            path_sim=None if hub or draw(st.booleans()) else draw(st.floats(-1, 1)),
            share=draw(st.booleans()),
        )
    facts = [f"F{i}" for i in range(draw(st.integers(0, 12)))]
    neighbours = []
    for f in facts:
        for e in draw(st.lists(st.sampled_from(entities), min_size=1, max_size=2, unique=True)):
            neighbours.append(Neighbour(f, e, f"R{f}{e}", draw(st.booleans())))
    sim = {f: draw(st.floats(-1, 1)) for f in facts if draw(st.booleans()) or True}
    links = {
        (f, fr.via_fact): draw(st.floats(-1, 1)) for f in facts for fr in frontier.values() if fr.via_fact
    }
    entries = set(draw(st.lists(st.sampled_from(facts), max_size=3))) if facts else set()
    return neighbours, frontier, sim, links, entries, draw(st.integers(0, 8))


@settings(max_examples=300, deadline=None)
@given(hops())
def test_one_hop_chooses_what_the_rules_say(case: tuple[object, ...]) -> None:
    neighbours, frontier, sim, links, entries, per_hop = case
    got = choose(
        neighbours,  # type: ignore[arg-type]
        frontier=frontier,  # type: ignore[arg-type]
        sim=sim,  # type: ignore[arg-type]
        links=lambda ids, via: {i: links[(i, via)] for i in ids},  # type: ignore[index]
        entries=entries,  # type: ignore[arg-type]
        per_hop=per_hop,  # type: ignore[arg-type]
    )
    assert [(r.id, r.via) for r in got] == oracle(*case)  # type: ignore[arg-type]
    ranks = [r.rank for r in got]
    assert ranks == sorted(ranks, reverse=True)


def test_a_chain_ranks_by_path_similarity_and_a_sibling_by_its_own() -> None:
    frontier = {"E": Frontier(via_fact="V", path_sim=0.8, share=False)}
    got = choose(
        [Neighbour("CHAIN", "E", "X", False), Neighbour("SIBLING", "E", "Y", True)],
        frontier=frontier,
        sim={"CHAIN": 0.5, "SIBLING": 0.6},
        links=lambda ids, via: dict.fromkeys(ids, 0.1),
        entries=set(),
        per_hop=5,
    )
    assert got == [
        Reached("CHAIN", "E", "X", 0.5, 0.1, pytest.approx((0.8 + 0.5) / math.sqrt(2.2))),  # type: ignore[arg-type]
        Reached("SIBLING", "E", "Y", 0.6, None, 0.6),
    ]
    assert got[0].rank == pytest.approx(path_similarity(0.8, 0.5, 0.1))


def test_a_share_keeps_each_bridges_best_fact_beyond_the_budget() -> None:
    frontier = {
        "HUB": Frontier(None, None, share=False),
        "BRIDGE": Frontier("V", 0.2, share=True),
    }
    neighbours = [Neighbour(f"H{i}", "HUB", f"X{i}", False) for i in range(5)] + [
        Neighbour("B1", "BRIDGE", "Y", False)
    ]
    sim = {f"H{i}": 0.9 - i / 100 for i in range(5)} | {"B1": -0.5}
    got = choose(
        neighbours,
        frontier=frontier,
        sim=sim,
        links=lambda ids, via: dict.fromkeys(ids, 0.0),
        entries=set(),
        per_hop=2,
    )
    assert [r.id for r in got] == ["H0", "H1", "B1"]


def test_a_direct_match_comes_back_only_where_it_continues_a_chain() -> None:
    frontier = {"HUB": Frontier(None, None, share=False), "BRIDGE": Frontier("V", 0.4, share=False)}
    neighbours = [Neighbour("M", "HUB", "X", False), Neighbour("M", "BRIDGE", "X", False)]
    got = choose(
        neighbours,
        frontier=frontier,
        sim={"M": 0.7},
        links=lambda ids, via: dict.fromkeys(ids, 0.3),
        entries={"M"},
        per_hop=5,
    )
    assert [(r.id, r.via) for r in got] == [("M", "BRIDGE")]
