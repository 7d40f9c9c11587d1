"""Which of the facts around an expansion frontier one hop keeps, and in which order.

``cypher/search_expand.cypher`` finds the facts that touch the frontier entities and hold at the
asked time (the traversal); this module scores and cuts them (pure, so it is tested against a
sorted oracle without a server). A fact that continues a chain ranks by the similarity of the
path's last two sentences to the query, ``(path_sim + sim) / sqrt(2 + 2 * link)`` with ``link`` the
cosine between the fact and the one that led to its entity (``ranking.path_similarity``, unclamped
here as the ordering always was). A fact about an entity the query named (no ``via``), or a sibling
of the via fact (same predicate, the entity in the same role: another employee of the same company,
which restates the path for someone else), ranks by its own similarity ``sim``.

Budget: a frontier entity with ``share`` keeps its best fact whatever the others score, then the best
``per_hop`` of the rest. Without it, the hubs of a crowded name (dozens of people called Larsen)
fill the whole hop and the bridge that continues the asked chain gets no slot.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from operator import itemgetter
from typing import NamedTuple

__all__ = ["Frontier", "Neighbour", "Reached", "choose"]


@dataclass(frozen=True)
class Frontier:
    """What a hop knows of one frontier entity: the fact that led to it (None for a named hub),
    that path's similarity to the query, and whether it keeps one fact whatever the others score."""

    via_fact: str | None
    path_sim: float | None
    share: bool


class Neighbour(NamedTuple):
    """A fact found around a frontier entity (``via``), reaching the entity at its other end."""

    id: str
    via: str
    reached: str
    sibling: bool  # same predicate as the via fact, the frontier entity in the same role


class Reached(NamedTuple):
    """A fact the hop keeps: its similarity to the query, its link to the via fact and its rank."""

    id: str
    via: str
    reached: str
    sim: float
    link: float | None
    rank: float


def _rank(sim: float, link: float | None, path_sim: float | None) -> float:
    if link is None or path_sim is None:
        return sim
    norm_sq = 2.0 + 2.0 * link
    if norm_sq <= 2e-6:
        return 1.0
    return (path_sim + sim) / math.sqrt(norm_sq)


# A row while choosing: (-rank, id, via, reached, sim, link); the first three order it.
_Row = tuple[float, str, str, str, float, float | None]
_ORDER = itemgetter(0, 1, 2)


def choose(
    neighbours: Iterable[Neighbour],
    *,
    frontier: Mapping[str, Frontier],
    sim: Mapping[str, float],
    links: Callable[[list[str], str], Mapping[str, float]],
    entries: set[str],
    per_hop: int,
) -> list[Reached]:
    """The facts one hop keeps, best rank first (equal ranks by id, then by frontier entity).

    ``sim`` maps fact ids to their cosine with the query; ``links(facts, via_fact)`` gives the
    cosines of those facts with one fact (a missing one counts 0). Direct matches (``entries``)
    come back only where they continue a chain.
    """
    by_entity: dict[str, list[Neighbour]] = {}
    for n in neighbours:
        by_entity.setdefault(n.via, []).append(n)
    kept: list[_Row] = []
    rest: list[_Row] = []
    for entity, group in by_entity.items():
        front = frontier[entity]
        via_fact, path_sim = front.via_fact, front.path_sim
        linked = links([n.id for n in group if not n.sibling], via_fact) if via_fact is not None else {}
        rows: list[_Row] = []
        for n in group:
            similarity = sim.get(n.id, 0.0)
            cosine = None if via_fact is None or n.sibling else linked.get(n.id, 0.0)
            if n.id in entries and (cosine is None or path_sim is None):
                continue
            rows.append((-_rank(similarity, cosine, path_sim), n.id, n.via, n.reached, similarity, cosine))
        rows.sort(key=_ORDER)
        quota = 1 if front.share else 0
        kept += rows[:quota]
        rest += rows[quota:]
    rest.sort(key=_ORDER)
    chosen = sorted(kept + rest[:per_hop], key=_ORDER)
    return [Reached(r[1], r[2], r[3], r[4], r[5], -r[0]) for r in chosen]
