"""Search as steps: find entry points, expand over the graph, rank, cut to a budget.

No LLM is called here, and the query is embedded before (by the search program). Entry points come
from the vector and fulltext indexes over facts and entities, kept exact per user (see
:func:`vector_entries`); expansion follows facts that
hold at the asked time, hop by hop, keeping the best next fact of each of the strongest bridges
and the best ``per_hop`` of the rest at each hop.
"""

from __future__ import annotations

import heapq
import math
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from mem0g._engine.args import SearchParams
from mem0g._engine.effects import Query, Steps
from mem0g._engine.expansion import Frontier, Neighbour, choose
from mem0g._engine.factcache import FactCache
from mem0g._engine.prepare import tenant_token
from mem0g._engine.profile import vector_query
from mem0g._engine.ranking import (
    Candidate,
    Weights,
    approx_tokens,
    continuations_follow,
    cut_to_budget,
    path_similarity,
    rank,
    score,
    successors_first,
)
from mem0g._engine.rows import cosine_from_neo4j as _cosine
from mem0g._engine.rows import instant, py, record_to_fact
from mem0g._engine.vectors import VectorCache, VectorLease, top_k
from mem0g.models import EpisodeHit, Hit, PathStep, SearchResult

__all__ = ["episode_search_steps", "lucene_query", "search_steps", "vector_entries"]

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_MAX_TERMS = 24
# Lucene refuses queries of more than 1024 clauses, and its analyzer makes one term per character
# of Chinese or Japanese text: the characters kept bound the terms per field.
_MAX_CHARS = 256
# How many of the best facts bring their best chain continuation along (ranking.continuations_follow).
# Chosen on the 1k benchmark world (hit@10 of 300 questions per kind), measured before weak direct
# matches could take a chain: 1 gave multi-hop 0.74 and lost nothing elsewhere; 2 gave 0.87 and
# lost 6 "current" and 1 "history" question (a friend's friend displaces a fourth friend); 3 gave
# 0.91 and lost 6 and 6. With that fix, the benchmark measures 0.907 at 2.
_LEADERS = 2
# The strongest bridges of each hop (entities reached through a fact) keep their best next fact
# whatever the other entities score, so the best hits have a continuation to bring along. On the
# 10k benchmark world (300 questions per kind, fresh database): no share, multi-hop hit@10 0.880;
# the 5 strongest bridges, 0.920, losing 1 "current" and 3 "history" questions; a share for every
# frontier entity, 0.927, losing 1 and 6, with twice the rows at each hop.
_SHARED_BRIDGES = 5
# Facts read around each frontier entity per hop, as its subject and as its object (search_expand),
# at least these many and 4 and 20 times the limit: an entity's own facts are few (a person in the
# 100k world has about 70), but a hub gathers thousands of incoming ones (536 people liking one
# food), which made a hop return up to 7,000 rows. The facts most like the query are direct vector
# entries anyway; the cap only bounds what expansion adds around hubs.
_OUT_CAP, _IN_CAP = 200, 40


def lucene_query(text: str, *, tenant: str, fields: tuple[str, ...]) -> str | None:
    """A Lucene query over ``fields`` from the words of ``text``, required to carry ``tenant``.

    Only runs of letters and digits survive, lower-cased, so no Lucene syntax (quotes, ``AND``,
    wildcards, field prefixes) can come from the caller's text. At most ``_MAX_TERMS`` words and
    ``_MAX_CHARS`` characters are kept, so a long query cannot exceed Lucene's clause limit.
    """
    words = []
    budget = _MAX_CHARS
    for word in list(dict.fromkeys(w.lower() for w in _WORD.findall(text)))[:_MAX_TERMS]:
        if budget <= 0:
            break
        words.append(word[:budget])
        budget -= len(words[-1])
    if not words:
        return None
    terms = " ".join(words)
    clause = " ".join(f"{f}:({terms})" for f in fields)
    return f"+tenant:{tenant} +({clause})"


@dataclass
class _Reach:
    """How a fact was reached: hop count, entry strength and the path of facts leading to it."""

    hops: int
    strength: float
    path: list[str]  # fact ids; the steps' names come from the records at the end
    similarity: float = 0.0
    keyword: float = 0.0
    fallback: bool = False
    path_similarity: float | None = None


@dataclass
class _Front:
    """An entity expansion starts from: the best strength and path that reached it, and for a
    bridge entity the fact it was reached through with that path's similarity (see search_expand)."""

    strength: float
    path: list[str] = field(default_factory=list)
    via: str | None = None
    path_sim: float | None = None


# Where a search without a door's cache (a caller passing none) keeps what it reads: nothing is
# kept, since every view it gives is new and empty (no version).
_NO_CACHE = FactCache(max_facts=0)

# The exact and the index query of each kind of entry point. For facts and entities the exact
# query gives the pool of candidates, ranked here with the cached embeddings (see vectors.py).
_ENTRY_QUERIES = {
    "facts": ("search_facts_candidates", "search_facts_vector"),
    "entities": ("search_entities_candidates", "search_entities_vector"),
    "episodes": ("search_episodes_exact", "search_episodes_vector"),
}
# The query that reads the stored embeddings of given ids, per kind.
_EMBEDDING_QUERIES = {"facts": "facts_embeddings", "entities": "entities_embeddings"}


def _entries(name: str, params: dict[str, Any]) -> Steps[list[tuple[str, float]]]:
    rows = yield Query(name, params)
    return [(r["id"], _cosine(r["score"])) for r in rows]


def cached(kind: str, ids: list[str], *, user_id: str, cache: VectorLease) -> Steps[None]:
    """Read into ``cache`` the stored embeddings (and a fact's two entity ids) of those of ``ids``
    it does not hold (one query)."""
    missing = cache.missing(ids)
    if missing:
        rows = yield Query(_EMBEDDING_QUERIES[kind], {"user_id": user_id, "ids": missing})
        if rows:
            row = rows[0]
            ends = list(zip(row["subjects"], row["objects"], strict=True)) if "subjects" in row else None
            cache.put(row["ids"], row["embeddings"], ends)


def _exact_entries(
    kind: str, params: dict[str, Any], *, k: int, cache: VectorLease, pool: list[str] | None
) -> Steps[list[tuple[str, float]]]:
    """The ``k`` candidates most similar to ``params["vector"]``: the pool from Neo4j (given, or
    asked here), the cosines here."""
    vector = params["vector"]
    ids = pool
    if ids is None:
        rows = yield Query(_ENTRY_QUERIES[kind][0], {n: v for n, v in params.items() if n != "vector"})
        ids = list(rows[0]["ids"]) if rows else []
    yield from cached(kind, ids, user_id=params["user_id"], cache=cache)
    return top_k(cache.cosines(ids, vector, pool=True), k)


def vector_entries(
    kind: str,
    params: dict[str, Any],
    *,
    k: int,
    user_count: int,
    total_count: int,
    exact_max: int,
    in_index: bool = False,
    cache: VectorLease | None = None,
    pool: list[str] | None = None,
) -> Steps[list[tuple[str, float]]]:
    """Exact cosine while the user is small; otherwise the index, widening until k are found.

    Neo4j 5.26 vector indexes cannot filter by user, so a global top-``fetch`` holds about
    ``fetch * user_share`` of the user's items. We ask for enough to expect ``4k`` of them and
    quadruple until ``k`` survive the filters or the fetch would cover most of the index, at which
    point exact search is both correct and no slower. Exact search over facts and entities ranks
    the candidates with ``cache`` (required for them): ``pool`` when the caller has it already
    (``search_start`` gives a small user's), else asked for; over episodes it runs in Cypher.

    ``in_index`` (Neo4j >= 2026.02, see ``profile``): the index itself keeps only the user's items,
    so the share is 1: ``4k`` first, quadrupled while the time, scope and metadata filters applied
    after it leave fewer than ``k``, and exact once the fetch would reach the user's whole count.
    """
    indexed = vector_query(kind, in_index=in_index)

    def exact() -> Steps[list[tuple[str, float]]]:
        if kind == "episodes":
            return (yield from _entries(_ENTRY_QUERIES[kind][0], {**params, "k": k}))
        assert cache is not None, "exact fact and entity search ranks with the vector cache"
        return (yield from _exact_entries(kind, params, k=k, cache=cache, pool=pool))

    if user_count <= exact_max or total_count <= 0:
        return (yield from exact())
    share = 1.0 if in_index else max(user_count / total_count, 1e-6)
    fetch = min(total_count, max(4 * k, int(4 * k / share)))
    limit = user_count if in_index else min(total_count, 10_000)
    while True:
        if fetch >= limit:
            return (yield from exact())
        found = yield from _entries(indexed, {**params, "k": k, "fetch": fetch})
        if len(found) >= k:
            return found
        fetch *= 4


def _keyword_entries(name: str, params: dict[str, Any]) -> Steps[list[tuple[str, float]]]:
    rows = yield Query(name, params)
    return [(r["id"], float(r["score"])) for r in rows]


def _chain_scores_higher(
    entry: _Reach, *, hop: int, via_strength: float, chain: float, weights: Weights, now: datetime
) -> bool:
    """Whether a direct match (say, a weak one found by the keyword "headquarters") scores higher
    as the next fact of a chain from a stronger entry. Time and keyword terms are the same either
    way, so they are left out of both scores."""
    as_entry = Candidate(fact_id="", similarity=entry.similarity, hops=0, entry_strength=entry.strength)
    as_chain = replace(as_entry, hops=hop, entry_strength=via_strength, path_similarity=chain)
    return score(as_chain, now=now, weights=weights) > score(as_entry, now=now, weights=weights)


@dataclass(frozen=True)
class _RankFields:
    """A reached fact's row of facts_rank_fields (instants as microseconds since the epoch)."""

    status: str
    valid_from: int | None
    valid_until: int | None
    recorded_at: int | None
    superseded_by: str | None


def _step(record: dict[str, Any]) -> PathStep:
    """A step of a hit's path, from the record of its fact (facts_by_ids)."""
    f = record["f"]
    return PathStep(id=f["id"], subject=record["subject"], predicate=f["predicate"], object=record["object"])


def search_steps(
    params: SearchParams, vector: list[float], cache: VectorCache, facts: FactCache | None = None
) -> Steps[SearchResult]:
    """The whole search as steps, in one read transaction; ``vector`` is the query's embedding,
    ``cache`` the door's stored embeddings by id (read from Neo4j when missing) and ``facts`` what
    earlier searches read of the user's facts (reused while the user's data is unchanged)."""
    query, user_id = params.query, params.user_id
    held = cache.lease()
    k = params.limit
    tenant = tenant_token(user_id)
    filters = {"user_id": user_id, **params.filter_params()}
    fparams = {**filters, "vector": vector}
    # Keyword entry points come with the first step; a query without words has none.
    lucene_facts = lucene_query(query, tenant=tenant, fields=("fact", "triple_text"))
    lucene_entities = lucene_query(query, tenant=tenant, fields=("name", "aliases_text"))
    start_rows = yield Query(
        "search_start",
        {
            **filters,
            "exact_max": params.exact_max_facts,
            "k": k,
            "lucene_facts": lucene_facts,
            "lucene_entities": lucene_entities,
        },
    )
    stats = start_rows[0]
    if not stats["user_facts"]:
        return SearchResult()
    keeper = _NO_CACHE if facts is None else facts  # (an empty cache is falsy: no `or` here)
    held_facts = keeper.view(user_id, stats.get("version"))

    fact_vec = yield from vector_entries(
        "facts",
        fparams,
        k=k,
        user_count=stats["user_facts"],
        total_count=stats["total_facts"],
        exact_max=params.exact_max_facts,
        in_index=params.vector_in_index,
        cache=held,
        pool=stats["fact_pool"],
    )
    entity_vec = yield from vector_entries(
        "entities",
        {"user_id": user_id, "vector": vector},
        k=k,
        user_count=stats["user_entities"],
        total_count=stats["total_entities"],
        exact_max=params.exact_max_facts,
        in_index=params.vector_in_index,
        cache=held,
        pool=stats["entity_pool"],
    )
    fact_kw: list[str] = list(stats["fact_keywords"] or [])
    entity_kw: list[str] = list(stats["entity_keywords"] or [])

    reach: dict[str, _Reach] = {}
    # Direct fact matches: hop 0; the keyword rank adds to the vector similarity.
    # Weak vector matches are no entry points: such facts are reached through the graph or not at all.
    for fact_id, sim in fact_vec:
        if sim >= params.weights.min_entry_similarity:
            reach[fact_id] = _Reach(hops=0, strength=sim, path=[], similarity=sim)
    for rank_index, fact_id in enumerate(fact_kw):
        kw = 1.0 / (1.0 + rank_index)
        if fact_id in reach:
            reach[fact_id].keyword = kw
        else:
            reach[fact_id] = _Reach(hops=0, strength=0.5 * kw, path=[], keyword=kw, similarity=float("nan"))

    # Entities where expansion starts. An entity the query names (matched by name) is a hub: its
    # facts are about it and rank by their own similarity. An entity reached only as the other end
    # of an entry fact is a bridge: its facts continue a chain and rank by path similarity.
    frontier: dict[str, _Front] = {}
    for entity_id, sim in entity_vec:
        if sim >= params.weights.min_entity_similarity:
            frontier[entity_id] = _Front(strength=sim)
    for rank_index, entity_id in enumerate(entity_kw):
        strength = 0.6 + 0.4 / (1.0 + rank_index)
        if entity_id not in frontier or strength > frontier[entity_id].strength:
            frontier[entity_id] = _Front(strength=strength)
    # Each entry fact's two entities (held with its embedding: keyword-only and index entries are
    # read here if the cache lacks them) start expansions; facts no longer there are dropped.
    yield from cached("facts", list(reach), user_id=user_id, cache=held)
    for fact_id, entry in list(reach.items()):
        ends = held.ends(fact_id)
        if ends is None:
            del reach[fact_id]
            continue
        entry.path = [fact_id]
        chain = None if math.isnan(entry.similarity) else entry.similarity
        for entity_id in ends:
            known = frontier.get(entity_id)
            if known is not None and known.via is None:  # a named hub stays a hub
                if entry.strength > known.strength:
                    frontier[entity_id] = _Front(strength=entry.strength, path=entry.path)
            elif known is None or entry.strength > known.strength:
                frontier[entity_id] = _Front(
                    strength=entry.strength, path=entry.path, via=fact_id, path_sim=chain
                )

    per_hop = max(3 * params.limit, 15)
    moment = params.moment
    for hop in range(1, params.hops + 1):
        if not frontier:
            break
        bridges = [entity_id for entity_id, front in frontier.items() if front.via is not None]
        shared = set(heapq.nlargest(_SHARED_BRIDGES, bridges, key=lambda e: frontier[e].strength))
        found = yield Query(
            "search_expand",
            {
                **filters,
                "frontier": [
                    {
                        "entity": entity_id,
                        "via": front.via,
                        "path_sim": front.path_sim,
                        "share": int(entity_id in shared),
                    }
                    for entity_id, front in frontier.items()
                ],
                "out_cap": max(_OUT_CAP, 20 * params.limit),
                "in_cap": max(_IN_CAP, 4 * params.limit),
            },
        )
        seen = {fid for fid, r in reach.items() if r.hops > 0}  # reached at an earlier hop
        neighbours = [
            Neighbour(fact_id, row["via"], reached_id, bool(sibling))
            for row in found
            for fact_id, reached_id, sibling in zip(row["ids"], row["reached"], row["siblings"], strict=True)
            if fact_id not in seen
        ]
        vias = [front.via for front in frontier.values() if front.via is not None]
        yield from cached("facts", [n.id for n in neighbours] + vias, user_id=user_id, cache=held)
        rows = choose(
            neighbours,
            frontier={
                entity_id: Frontier(front.via, front.path_sim, entity_id in shared)
                for entity_id, front in frontier.items()
            },
            sim=held.cosines([n.id for n in neighbours], vector),
            links=held.cosines_to,
            entries={fid for fid, r in reach.items() if r.hops == 0},
            per_hop=per_hop,
        )
        next_frontier: dict[str, _Front] = {}
        for row in rows:
            via = frontier[row.via]
            path = [*via.path, row.id]
            sim = row.sim
            chain = None
            if via.path_sim is not None and row.link is not None:
                chain = path_similarity(via.path_sim, sim, row.link)
            known_reach = reach.get(row.id)
            if known_reach is not None:
                if known_reach.hops == 0 and chain is not None:
                    known_reach.similarity = sim  # known now, also for a keyword-only match
                    if _chain_scores_higher(
                        known_reach,
                        hop=hop,
                        via_strength=via.strength,
                        chain=chain,
                        weights=params.weights,
                        now=moment,
                    ):
                        known_reach.hops, known_reach.path = hop, path
                        known_reach.strength, known_reach.path_similarity = via.strength, chain
                continue
            reach[row.id] = _Reach(
                hops=hop, strength=via.strength, path=path, similarity=sim, path_similarity=chain
            )
            known = next_frontier.get(row.reached)
            if row.reached not in frontier and (known is None or via.strength > known.strength):
                next_frontier[row.reached] = _Front(
                    strength=via.strength, path=path, via=row.id, path_sim=sim if chain is None else chain
                )
        frontier = next_frontier

    # Weak direct matches fill the list up to `limit` (ranked last, no expansion from them): a
    # broad question ("suggest restaurants for dinner") must still see the user's few related
    # facts (allergies!) even when a small embedding model scores them low, as Mem0 users expect.
    for fact_id, sim in fact_vec:
        if len(reach) >= params.limit:
            break
        if fact_id not in reach and sim > 0.0:
            reach[fact_id] = _Reach(hops=0, strength=0.0, path=[], similarity=sim, fallback=True)
    for fact_id, r in reach.items():
        if not r.path:
            r.path = [fact_id]

    # What ranking needs of each reached fact; the full records only for the hits (below).
    unknown = [fid for fid in reach if fid not in held_facts.rank]
    if unknown:
        rank_rows = yield Query("facts_rank_fields", {"user_id": user_id, "ids": unknown})
        keeper.put_rank(held_facts, rank_rows[0]["facts"] if rank_rows else [])
    fields = {fid: _RankFields(*held_facts.rank[fid]) for fid in reach if fid in held_facts.rank}
    missing_sim = [fid for fid, r in reach.items() if math.isnan(r.similarity)]
    if missing_sim:
        yield from cached("facts", missing_sim, user_id=user_id, cache=held)
        sims = held.cosines(missing_sim, vector)
        for fid in missing_sim:
            reach[fid].similarity = sims.get(fid, 0.0)
    candidates = []
    for fact_id, r in reach.items():
        f = fields.get(fact_id)
        if f is None:
            continue
        vf, vu = instant(f.valid_from), instant(f.valid_until)
        holds = (vf is None or vf <= moment) and (vu is None or vu > moment)
        if params.as_of is None:
            holds = holds and f.status != "superseded"
        reference = vf or instant(f.recorded_at)
        candidates.append(
            Candidate(
                fact_id=fact_id,
                similarity=r.similarity,
                hops=r.hops,
                entry_strength=r.strength,
                keyword=r.keyword,
                reference_time=reference,
                holds_now=holds,
                path_similarity=r.path_similarity,
            )
        )
    # The best continuation of each fact: the reached fact that extends its chain best.
    best_next: dict[str, tuple[float, str]] = {}
    for fact_id, r in reach.items():
        if r.path_similarity is not None and len(r.path) >= 2 and fact_id in fields:
            lead = r.path[-2]
            if r.path_similarity > best_next.get(lead, (-2.0, ""))[0]:
                best_next[lead] = (r.path_similarity, fact_id)
    ranked = rank(candidates, now=moment, weights=params.weights)
    ranked = continuations_follow(
        ranked, continuation={lead: fid for lead, (_, fid) in best_next.items()}, top=_LEADERS
    )
    ranked = successors_first(
        ranked,
        successor={fid: f.superseded_by for fid, f in fields.items()},
    )
    # Fallback matches come after every real match, whatever their scores.
    ranked = [p for p in ranked if not reach[p[0].fact_id].fallback] + [
        p for p in ranked if reach[p[0].fact_id].fallback
    ]
    top = [c for c, _ in ranked[: params.limit]]  # the cut keeps at most `limit`: read no more
    wanted = list(dict.fromkeys(step for c in top for step in [c.fact_id, *reach[c.fact_id].path]))
    unknown = [fid for fid in wanted if fid not in held_facts.records]
    if unknown:
        record_rows = yield Query("facts_by_ids", {"user_id": user_id, "ids": unknown})
        keeper.put_records(held_facts, {row["f"]["id"]: row for row in record_rows})
    records = {fid: held_facts.records[fid] for fid in wanted if fid in held_facts.records}
    hits = [
        record_to_fact(
            records[c.fact_id],
            Hit,
            score=round(s, 6),
            hops=c.hops,
            path=[_step(records[step]) for step in reach[c.fact_id].path if step in records],
            fallback=reach[c.fact_id].fallback,
        )
        for c, s in ranked[: params.limit]
        if c.fact_id in records
    ]
    kept = cut_to_budget(hits, budget=params.token_budget, limit=params.limit, cost=_hit_tokens)
    return SearchResult(results=kept)


def episode_search_steps(
    query: str,
    vector: list[float],
    *,
    user_id: str,
    limit: int,
    as_of: datetime | None = None,
    agent_id: str | None = None,
    run_id: str | None = None,
    exact_max: int = 1000,
    keyword_weight: float = 0.15,
    in_index: bool = False,
) -> Steps[list[EpisodeHit]]:
    """Raw messages most related to ``query``: exact (or over-fetched) cosine plus a keyword bonus."""
    stats = (yield Query("tenant_stats", {"user_id": user_id}))[0]
    if not stats["user_episodes"]:
        return []
    params: dict[str, Any] = {
        "user_id": user_id,
        "vector": vector,
        "as_of": as_of,
        "agent_id": agent_id,
        "run_id": run_id,
    }
    wide = 3 * limit
    by_vector = yield from vector_entries(
        "episodes",
        params,
        k=wide,
        user_count=stats["user_episodes"],
        total_count=stats["total_episodes"],
        exact_max=exact_max,
        in_index=in_index,
    )
    keyword: dict[str, float] = {}
    lucene = lucene_query(query, tenant=tenant_token(user_id), fields=("content", "name"))
    if lucene:
        found = yield from _keyword_entries(
            "search_episodes_fulltext", {**params, "lucene": lucene, "k": wide}
        )
        keyword = {episode: 1.0 / (1.0 + rank_index) for rank_index, (episode, _) in enumerate(found)}
    ids = list(dict.fromkeys([e for e, _ in by_vector] + list(keyword)))
    if not ids:
        return []
    rows = yield Query("episodes_by_ids", {"user_id": user_id, "ids": ids, "vector": vector})
    hits = [
        EpisodeHit(
            **{k: py(v) for k, v in row["ep"].items()},
            score=round(_cosine(row["score"]) + keyword_weight * keyword.get(row["ep"]["id"], 0.0), 6),
        )
        for row in rows
    ]
    hits.sort(key=lambda h: (-h.score, h.observed_at, h.id))
    return hits[:limit]


def _hit_tokens(hit: Hit) -> int:
    # What an agent would paste into a prompt: the sentence and its validity dates.
    return approx_tokens(hit.fact) + 10
