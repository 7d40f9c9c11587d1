"""Multi-hop retrieval checked against a networkx oracle built from the same facts."""

from __future__ import annotations

from datetime import datetime, timezone

import networkx as nx
import pytest

from mem0g import Memory
from mem0g._engine.args import SearchParams
from mem0g._engine.expansion import Frontier, Neighbour, choose
from mem0g._engine.vectors import VectorCache
from mem0g._neo4j.queries import query
from mem0g.embeddings import SentenceTransformerEmbedder
from mem0g.models import Hit

pytestmark = pytest.mark.neo4j

# A chain reachable only through the graph from "Zorblax": every fact but the first has a sentence that
# shares nothing with the query, so it cannot be an entry point itself. Plus an unrelated component.
CHAIN = [
    ("Zorblax", "works_at", "Quuxcorp", None, "Zorblax works at Quuxcorp"),
    ("Quuxcorp", "headquartered_in", "Plimpton", None, "The quarterly invoice arrived on a rainy Tuesday"),
    ("Plimpton", "located_in", "Vorland", None, "A violin concerto was performed in the old hall"),
    ("Vorland", "borders", "Ektaria", None, "Fresh bread smells wonderful in the morning"),
    # Until 2025-03-01 Zorblax lived in Drumlin; since then in Fennick.
    ("Zorblax", "lives_in", "Drumlin", "2024-01-01", "Zorblax lives in Drumlin"),
    ("Zorblax", "lives_in", "Fennick", "2025-03-01", "Zorblax lives in Fennick"),
    ("Drumlin", "twinned_with", "Harrowgate", None, "The bus timetable changed last winter"),
    ("Fennick", "twinned_with", "Osterby", None, "Apples grow well on the southern slopes"),
]
NOISE = [
    ("Teapot", "made_of", "porcelain", None, "The teapot is made of porcelain"),
    ("Bicycle", "has_part", "sprocket", None, "A bicycle has a sprocket"),
]


def as_facts(rows: list[tuple[str, str, str, str | None, str | None]]) -> list[dict[str, object]]:
    out = []
    for s, p, o, vf, text in rows:
        fact: dict[str, object] = {"subject": s, "predicate": p, "object": o, "observed_at": "2024-06-01"}
        if vf:
            fact["valid_from"] = vf
        if text:
            fact["fact"] = text
        out.append(fact)
    return out


def oracle(memory: Memory, user: str, *, at: datetime | None) -> nx.MultiGraph:
    """Undirected multigraph of the facts holding at ``at`` (current ones when None)."""
    g = nx.MultiGraph()
    for f in memory.get_all(user_id=user, as_of=at, current_only=at is None):
        g.add_edge(f.subject, f.object, key=f.id)
    return g


def fact_distance(g: nx.MultiGraph, start: str) -> dict[str, int]:
    """Distance of each fact from entity ``start``: facts touching it are 1 away."""
    node_dist = nx.single_source_shortest_path_length(g, start)
    out: dict[str, int] = {}
    for u, v, key in g.edges(keys=True):
        out[key] = 1 + min(node_dist.get(u, 10**6), node_dist.get(v, 10**6))
    return out


def check_paths(g: nx.MultiGraph, hits: list[Hit], max_hops: int) -> None:
    ends = {key: {u, v} for u, v, key in g.edges(keys=True)}
    for hit in hits:
        assert hit.hops <= max_hops
        assert hit.path and hit.path[-1].id == hit.id
        assert len(hit.path) in (hit.hops, hit.hops + 1) or hit.hops == 0
        for a, b in zip(hit.path, hit.path[1:], strict=False):
            assert a.id in ends and b.id in ends, "every fact on a path holds at the asked time"
            assert ends[a.id] & ends[b.id], (
                f"{a.subject}-{a.object} and {b.subject}-{b.object} share no entity"
            )


@pytest.mark.parametrize("hops", [1, 2, 3])
def test_reaches_exactly_what_the_oracle_reaches(memory: Memory, user: str, hops: int) -> None:
    memory.add_facts(as_facts(CHAIN + NOISE), user_id=user)
    g = oracle(memory, user, at=None)
    dist = fact_distance(g, "Zorblax")
    results = memory.search("Zorblax", user_id=user, limit=50, hops=hops, token_budget=100_000).results
    # Weak direct matches may fill the limit; they are flagged and are not part of the traversal.
    hits = [h for h in results if not h.fallback]
    assert all(h.hops == 0 and h.score <= min(x.score for x in hits) for h in results if h.fallback)
    check_paths(g, hits, hops)
    got = {h.id for h in hits}
    # Entry points: the facts naming Zorblax (distance 1). From there, `hops` more facts.
    expected = {fid for fid, d in dist.items() if d <= hops + 1}
    assert got == expected
    for hit in hits:
        assert hit.hops == dist[hit.id] - 1, (hit.fact, hit.hops, dist[hit.id])


def test_expansion_follows_only_facts_valid_at_the_asked_time(memory: Memory, user: str) -> None:
    memory.add_facts(as_facts(CHAIN), user_id=user)
    by_object = {f.object: f.id for f in memory.get_all(user_id=user)}
    for at, gone in ((None, "Drumlin"), (datetime(2024, 6, 1, tzinfo=timezone.utc), "Fennick")):
        g = oracle(memory, user, at=at)
        hits = memory.search(
            "Zorblax", user_id=user, limit=50, hops=2, as_of=at, token_budget=100_000
        ).results
        check_paths(g, hits, 2)  # every fact on every path holds at `at`
        on_paths = {step.id for h in hits for step in h.path}
        assert by_object[gone] not in on_paths, f"the move to/from {gone} does not hold at {at}"


def test_ramen_near_sarah_through_the_graph(memory: Memory, user: str) -> None:
    memory.add_facts(
        [
            {
                "subject": "I",
                "predicate": "visiting",
                "object": "Tokyo",
                "fact": "I'm visiting Tokyo in June",
            },
            {
                "subject": "Sarah",
                "predicate": "lives_in",
                "object": "Shibuya",
                "fact": "Sarah lives in Shibuya",
                "valid_from": "2025-03-01",
            },
            {
                "subject": "Shibuya",
                "predicate": "district_of",
                "object": "Tokyo",
                "fact": "Shibuya is a district of Tokyo",
            },
            {"subject": "I", "predicate": "loves", "object": "ramen", "fact": "I love ramen"},
            {
                "subject": "Sarah",
                "predicate": "lives_in",
                "object": "Shinjuku",
                "fact": "Sarah moved to Shinjuku",
                "valid_from": "2025-04-24",
            },
            {
                "subject": "Shinjuku",
                "predicate": "district_of",
                "object": "Tokyo",
                "fact": "Shinjuku is a district of Tokyo",
            },
        ],
        user_id=user,
    )
    hits = memory.search("ramen near Sarah", user_id=user, limit=6, hops=2).results
    facts = [h.fact for h in hits]
    assert "I love ramen" in facts
    assert "Sarah moved to Shinjuku" in facts
    assert "Sarah lives in Shibuya" not in facts  # superseded: not current
    district = [h for h in hits if h.fact == "Shinjuku is a district of Tokyo"]
    assert district, facts
    g = oracle(memory, user, at=None)
    check_paths(g, hits, 2)


def test_the_second_hop_of_a_chain_beats_the_first_facts_many_neighbours(memory: Memory, user: str) -> None:
    # "Where is the headquarters of the company Nadia works for?": Nadia has many facts that name
    # her (each a better vector match than the answer), Acme has many employees (siblings of her
    # job), and the sentence that answers names neither Nadia nor "company".
    person = [
        ("Nadia Verhoeven", "works_at", "Acme Robotics", "Nadia Verhoeven works at Acme Robotics"),
        ("Nadia Verhoeven", "likes", "cycling", "Nadia Verhoeven likes cycling"),
        ("Nadia Verhoeven", "likes", "chess", "Nadia Verhoeven likes chess"),
        ("Nadia Verhoeven", "likes", "opera", "Nadia Verhoeven likes opera"),
        ("Nadia Verhoeven", "has_pet", "Biscuit", "Nadia Verhoeven has a dog called Biscuit"),
        ("Nadia Verhoeven", "favorite_food", "ramen", "Nadia Verhoeven's favourite food is ramen"),
        ("Nadia Verhoeven", "lives_in", "Westwharf", "Nadia Verhoeven lives in Westwharf"),
        ("Nadia Verhoeven", "friend_of", "Omar Diaz", "Nadia Verhoeven is friends with Omar Diaz"),
        ("Nadia Verhoeven", "friend_of", "Lea Park", "Nadia Verhoeven is friends with Lea Park"),
        ("Nadia Verhoeven", "likes", "sailing", "Nadia Verhoeven likes sailing"),
        ("Nadia Verhoeven", "likes", "hiking", "Nadia Verhoeven likes hiking"),
    ]
    coworkers = [
        (name, "works_at", "Acme Robotics", f"{name} works at Acme Robotics")
        for name in ("Omar Diaz", "Lea Park", "Ivo Marsh", "Tess Quill", "Raj Olsen", "Uma Frey")
    ]
    answer = ("Acme Robotics", "headquartered_in", "Lyon", "Acme Robotics is headquartered in Lyon")
    memory.add_facts(
        [
            {"subject": s, "predicate": p, "object": o, "fact": t}
            for s, p, o, t in [*person, *coworkers, answer]
        ],
        user_id=user,
    )
    hits = memory.search(
        "Where is the headquarters of the company Nadia Verhoeven works for?", user_id=user, limit=5
    ).results
    facts = [h.fact for h in hits]
    job = facts.index("Nadia Verhoeven works at Acme Robotics")  # among the best direct matches
    assert job <= 2, facts
    assert facts[job + 1] == "Acme Robotics is headquartered in Lyon", facts  # the chain, in order
    hq = hits[job + 1]
    assert hq.hops == 1 and [step.id for step in hq.path] == [hits[job].id, hq.id]
    check_paths(oracle(memory, user, at=None), hits, 2)
    # A coworker restates the job for someone else: no chain bonus, so none outranks the answer.
    assert not any(f.endswith("works at Acme Robotics") and not f.startswith("Nadia") for f in facts)


def test_search_expand_finds_what_holds_around_the_frontier_and_a_shared_bridge_keeps_its_best(
    memory: Memory, user: str, embedder: SentenceTransformerEmbedder
) -> None:
    memory.add_facts(as_facts(CHAIN), user_id=user)
    driver = memory.store.driver
    by_text = {f.fact: f for f in memory.get_all(user_id=user)}
    via = by_text["Zorblax works at Quuxcorp"].id
    hq = by_text["The quarterly invoice arrived on a rainy Tuesday"].id
    fennick, drumlin = by_text["Zorblax lives in Fennick"].id, by_text["Zorblax lives in Drumlin"].id
    rows, _, _ = driver.execute_query(query("facts_embeddings"), {"user_id": user, "ids": [via]})
    ids = {"Zorblax": rows[0]["subjects"][0], "Quuxcorp": rows[0]["objects"][0]}
    frontier = [
        {"entity": ids["Quuxcorp"], "via": via, "path_sim": 0.5, "share": 1},  # the bridge
        {"entity": ids["Zorblax"], "via": None, "path_sim": None, "share": 0},  # a named hub
    ]
    params = {
        "user_id": user,
        **SearchParams(query="", user_id=user, now=datetime.now(timezone.utc)).filter_params(),
        "frontier": frontier,
        "out_cap": 100,
        "in_cap": 100,
    }

    def around(**changes: object) -> dict[str, dict[str, bool]]:
        rows, _, _ = driver.execute_query(query("search_expand"), {**params, **changes})
        return {
            r["via"]: dict(zip(r["ids"], r["siblings"], strict=True))
            for r in rows
            if len(r["ids"]) == len(r["reached"]) == len(r["siblings"])
        }

    found = around()
    # The traversal: every fact touching each frontier entity that holds now, in either direction;
    # the via fact is its own sibling (same predicate, the entity in the same role); the superseded
    # home is not there.
    assert found == {ids["Quuxcorp"]: {via: True, hq: False}, ids["Zorblax"]: {via: False, fennick: False}}
    assert drumlin not in found[ids["Zorblax"]]

    # The hop's choice on those rows, with the stored embeddings: no budget at all keeps only the
    # shared bridge's best fact, its next step; a budget of one adds the best of the rest (the hub's
    # job is an entry: excluded); without a share the bridge competes like any other entity.
    rows, _, _ = driver.execute_query(query("facts_embeddings"), {"user_id": user, "ids": [via, hq, fennick]})
    lease = VectorCache().lease()
    lease.put(rows[0]["ids"], rows[0]["embeddings"])
    vector = embedder.embed(["Where is the company Zorblax works for?"])[0]
    neighbours = [
        Neighbour(fact_id, entity, "?", sibling)
        for entity, facts in found.items()
        for fact_id, sibling in facts.items()
    ]

    def expand(per_hop: int, share: bool = True) -> list[str]:
        chosen = choose(
            neighbours,
            frontier={
                ids["Quuxcorp"]: Frontier(via, 0.5, share),
                ids["Zorblax"]: Frontier(None, None, False),
            },
            sim=lease.cosines([n.id for n in neighbours], vector),
            links=lease.cosines_to,
            entries={via},
            per_hop=per_hop,
        )
        return [r.id for r in chosen]

    assert expand(0) == [hq]
    both = expand(1)
    assert len(both) == 2 and hq in both and via not in both
    assert expand(0, share=False) == []


def test_search_expand_reads_at_most_the_caps_around_each_entity_and_direction(
    memory: Memory, user: str
) -> None:
    """A hub: 30 people like ramen (incoming), ramen has 3 facts of its own (outgoing). The caps bound
    each direction; what is returned is always a subset of what holds there."""
    likes = [{"subject": f"Person {i}", "predicate": "likes", "object": "ramen"} for i in range(30)]
    own = [{"subject": "ramen", "predicate": "comes_from", "object": c} for c in ("Japan", "China", "Korea")]
    memory.add_facts(likes + own, user_id=user)
    by_text = {f.fact: f for f in memory.get_all(user_id=user)}
    incoming = {by_text[f"Person {i} likes ramen"].id for i in range(30)}
    outgoing = {by_text[f"ramen comes from {c}"].id for c in ("Japan", "China", "Korea")}
    rows, _, _ = memory.store.driver.execute_query(
        query("facts_embeddings"), {"user_id": user, "ids": [next(iter(outgoing))]}
    )
    ramen = rows[0]["subjects"][0]
    params = {
        "user_id": user,
        **SearchParams(query="", user_id=user, now=datetime.now(timezone.utc)).filter_params(),
        "frontier": [{"entity": ramen, "via": None, "path_sim": None, "share": 0}],
    }

    def around(out_cap: int, in_cap: int) -> set[str]:
        found, _, _ = memory.store.driver.execute_query(
            query("search_expand"), {**params, "out_cap": out_cap, "in_cap": in_cap}
        )
        [row] = found
        return set(row["ids"])

    assert around(100, 100) == incoming | outgoing
    capped = around(2, 7)
    assert len(capped & outgoing) == 2 and len(capped & incoming) == 7 and capped <= incoming | outgoing
