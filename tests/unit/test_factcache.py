"""The cache of what searches read of a user's facts (mem0g._engine.factcache): kept per version,
bounded, least recently used user out first."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mem0g._engine.factcache import FactCache


def test_a_view_is_kept_for_its_version_and_replaced_by_another() -> None:
    cache = FactCache()
    view = cache.view("u", "v1")
    cache.put_rank(view, [("F1", "current", 1, None, 2, None)])
    cache.put_records(view, {"F1": {"f": {"id": "F1"}}})
    assert cache.view("u", "v1") is view and view.rank["F1"] == ("current", 1, None, 2, None)
    assert len(cache) == 2
    fresh = cache.view("u", "v2")
    assert fresh is not view and not fresh.rank and not fresh.records and len(cache) == 0
    assert cache.view("u", "v1") is not view  # an old version never comes back


def test_no_version_means_nothing_kept() -> None:
    cache = FactCache()
    view = cache.view("u", None)
    cache.put_rank(view, [("F1", "current", None, None, 1, None)])
    assert len(cache) == 0 and cache.view("u", None) is not view


def test_users_are_apart() -> None:
    cache = FactCache()
    a, b = cache.view("a", "v"), cache.view("b", "v")
    cache.put_records(a, {"F1": {}})
    assert "F1" not in b.records and cache.view("b", "v") is b


@settings(max_examples=60, deadline=None)
@given(
    bound=st.integers(min_value=1, max_value=20),
    puts=st.lists(st.tuples(st.sampled_from("abcd"), st.integers(1, 6)), max_size=30),
)
def test_the_bound_holds_and_the_least_recently_used_user_goes_first(
    bound: int, puts: list[tuple[str, int]]
) -> None:
    cache = FactCache(max_facts=bound)
    order: list[str] = []
    for n, (user, count) in enumerate(puts):
        view = cache.view(user, "v")
        cache.put_records(view, {f"{user}{n}-{i}": {} for i in range(count)})
        order = [u for u in order if u != user] + [user]
        assert len(cache) <= bound
        assert len(cache) == sum(v.size() for _, v in cache._users.values())
        kept = list(cache._users)
        assert kept == [u for u in order if u in kept]  # survivors keep their order of last use
        assert kept and kept[-1] == user  # the user just written is never the one dropped
