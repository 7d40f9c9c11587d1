"""The retriever: embed once, find entry points, expand over the graph, rank, cut to a budget.

No LLM is called here. Entry points come from the vector and fulltext indexes over facts and
entities, kept exact per user (see :meth:`Retriever._vector_entries`); expansion follows facts that
hold at the asked time, hop by hop, keeping the best ``per_hop`` facts of each hop.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from mem0g._prepare import tenant_token
from mem0g.embeddings import Embedder
from mem0g.models import Hit, PathStep, SearchResult
from mem0g.ranking import Candidate, Weights, approx_tokens, cut_to_budget, rank, successors_first
from mem0g.store import FactFilter, GraphStore, record_to_fact
from mem0g.store import cosine_from_neo4j as _cosine

__all__ = ["Retriever", "SearchOptions", "lucene_query"]

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_MAX_TERMS = 24
# Lucene refuses queries of more than 1024 clauses, and its analyzer makes one term per character
# of Chinese or Japanese text: the characters kept bound the terms per field.
_MAX_CHARS = 256


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


@dataclass(frozen=True)
class SearchOptions:
    limit: int = 10
    hops: int = 2
    token_budget: int = 2000
    exact_max_facts: int = 20000
    weights: Weights = field(default_factory=Weights)


@dataclass
class _Reach:
    """How a fact was reached: hop count, entry strength and the path of facts leading to it."""

    hops: int
    strength: float
    path: list[PathStep]
    similarity: float = 0.0
    keyword: float = 0.0


class Retriever:
    def __init__(self, store: GraphStore, embedder: Embedder) -> None:
        self._store = store
        self._embedder = embedder

    def _vector_entries(
        self,
        *,
        exact: Callable[[int], list[tuple[str, float]]],
        indexed: Callable[[int, int], list[tuple[str, float]]],
        k: int,
        user_count: int,
        total_count: int,
        exact_max: int,
    ) -> list[tuple[str, float]]:
        """Exact cosine while the user is small; otherwise the index, widening until k are found.

        Neo4j 5.26 vector indexes cannot filter by user, so a global top-``fetch`` holds about
        ``fetch * user_share`` of the user's items. We ask for enough to expect ``4k`` of them and
        double until ``k`` survive the filters or the fetch would cover the whole index, at which
        point exact search is both correct and no slower.
        """
        if user_count <= exact_max or total_count <= 0:
            return exact(k)
        share = max(user_count / total_count, 1e-6)
        fetch = min(total_count, max(4 * k, int(4 * k / share)))
        while True:
            if fetch >= min(total_count, 10_000):
                return exact(k)
            found = indexed(k, fetch)
            if len(found) >= k:
                return found
            fetch *= 4

    def search(self, query: str, *, user_id: str, flt: FactFilter, options: SearchOptions) -> SearchResult:
        vector = self._embedder.embed([query])[0]
        with self._store.reading() as store:
            return self._search(store, query, vector, user_id=user_id, flt=flt, options=options)

    def _search(
        self,
        store: GraphStore,
        query: str,
        vector: list[float],
        *,
        user_id: str,
        flt: FactFilter,
        options: SearchOptions,
    ) -> SearchResult:
        stats = store.tenant_stats(user_id)
        if not stats["user_facts"]:
            return SearchResult()
        k = options.limit
        tenant = tenant_token(user_id)

        fact_vec = self._vector_entries(
            exact=lambda kk: store.fact_ids_exact(user_id, vector, kk, flt),
            indexed=lambda kk, fetch: store.fact_ids_vector(user_id, vector, kk, fetch, flt),
            k=k,
            user_count=stats["user_facts"],
            total_count=stats["total_facts"],
            exact_max=options.exact_max_facts,
        )
        entity_vec = self._vector_entries(
            exact=lambda kk: store.entity_ids_exact(user_id, vector, kk),
            indexed=lambda kk, fetch: store.entity_ids_vector(user_id, vector, kk, fetch),
            k=k,
            user_count=stats["user_entities"],
            total_count=stats["total_entities"],
            exact_max=options.exact_max_facts,
        )
        fact_kw: list[tuple[str, float]] = []
        entity_kw: list[tuple[str, float]] = []
        lucene_facts = lucene_query(query, tenant=tenant, fields=("fact", "triple_text"))
        if lucene_facts:
            fact_kw = store.fact_ids_fulltext(user_id, lucene_facts, k, flt)
            lucene_entities = lucene_query(query, tenant=tenant, fields=("name", "aliases_text"))
            assert lucene_entities is not None
            entity_kw = store.entity_ids_fulltext(user_id, lucene_entities, k)

        reach: dict[str, _Reach] = {}
        # Direct fact matches: hop 0; the keyword rank adds to the vector similarity.
        # Weak vector matches are no entry points: such facts are reached through the graph or not at all.
        for fact_id, sim in fact_vec:
            if sim >= options.weights.min_entry_similarity:
                reach[fact_id] = _Reach(hops=0, strength=sim, path=[], similarity=sim)
        for rank_index, (fact_id, _) in enumerate(fact_kw):
            kw = 1.0 / (1.0 + rank_index)
            if fact_id in reach:
                reach[fact_id].keyword = kw
            else:
                reach[fact_id] = _Reach(
                    hops=0, strength=0.5 * kw, path=[], keyword=kw, similarity=float("nan")
                )

        # Entities where expansion starts, with the strength of the match that put them there.
        frontier: dict[str, tuple[float, list[PathStep]]] = {}
        for entity_id, sim in entity_vec:
            if sim >= options.weights.min_entity_similarity:
                frontier[entity_id] = (sim, [])
        for rank_index, (entity_id, _) in enumerate(entity_kw):
            strength = 0.6 + 0.4 / (1.0 + rank_index)
            if strength > frontier.get(entity_id, (-1.0, []))[0]:
                frontier[entity_id] = (strength, [])
        if reach:
            for row in store.fact_endpoints(user_id, list(reach)):
                step = PathStep(
                    id=row["id"], subject=row["subject"], predicate=row["predicate"], object=row["object"]
                )
                entry = reach[row["id"]]
                entry.path = [step]
                for entity_id in (row["subject_id"], row["object_id"]):
                    if entry.strength > frontier.get(entity_id, (-1.0, []))[0]:
                        frontier[entity_id] = (entry.strength, [step])

        per_hop = max(3 * options.limit, 15)
        for hop in range(1, options.hops + 1):
            if not frontier:
                break
            rows = store.expand(user_id, vector, list(frontier), list(reach), per_hop, flt)
            next_frontier: dict[str, tuple[float, list[PathStep]]] = {}
            for row in rows:
                via_strength, via_path = frontier[row["via"]]
                if row["id"] in reach:
                    continue
                step = PathStep(
                    id=row["id"], subject=row["subject"], predicate=row["predicate"], object=row["object"]
                )
                reach[row["id"]] = _Reach(
                    hops=hop, strength=via_strength, path=[*via_path, step], similarity=_cosine(row["score"])
                )
                if (
                    row["reached"] not in frontier
                    and via_strength > next_frontier.get(row["reached"], (-1.0, []))[0]
                ):
                    next_frontier[row["reached"]] = (via_strength, [*via_path, step])
            frontier = next_frontier

        # Full records; facts only matched by keyword get their similarity from the record below.
        records = {r["f"]["id"]: r for r in store.facts_by_ids(user_id, list(reach))}
        missing_sim = [fid for fid, r in reach.items() if r.similarity != r.similarity]  # NaN check
        if missing_sim:
            sims = dict(store.fact_similarity(user_id, vector, missing_sim))
            for fid in missing_sim:
                reach[fid].similarity = sims.get(fid, 0.0)
        now = flt.now
        moment = flt.as_of or now
        candidates = []
        for fact_id, r in reach.items():
            record = records.get(fact_id)
            if record is None:
                continue
            f = record["f"]
            vf, vu = f.get("valid_from"), f.get("valid_until")
            holds = (vf is None or vf.to_native() <= moment) and (vu is None or vu.to_native() > moment)
            if flt.as_of is None:
                holds = holds and f["status"] != "superseded"
            reference = (vf or f["recorded_at"]).to_native()
            candidates.append(
                Candidate(
                    fact_id=fact_id,
                    similarity=r.similarity,
                    hops=r.hops,
                    entry_strength=r.strength,
                    keyword=r.keyword,
                    reference_time=reference,
                    holds_now=holds,
                )
            )
        ranked = successors_first(
            rank(candidates, now=moment, weights=options.weights),
            successor={fid: row["f"].get("superseded_by") for fid, row in records.items()},
        )
        hits = [
            record_to_fact(
                records[c.fact_id], Hit, score=round(s, 6), hops=c.hops, path=reach[c.fact_id].path or []
            )
            for c, s in ranked
        ]
        kept = cut_to_budget(hits, budget=options.token_budget, limit=options.limit, cost=_hit_tokens)
        return SearchResult(results=kept)


def _hit_tokens(hit: Hit) -> int:
    # What an agent would paste into a prompt: the sentence and its validity dates.
    return approx_tokens(hit.fact) + 10
