"""Pure mapping of an extraction answer onto mem0g's inputs: facts for the resolver and the
extractor's invalidations, with every problem of the answer turned into a warning, never a crash.

A model's answer is untrusted input: names may be blank, dates unparsable, numbers out of range.
Each bad item is dropped with a warning that says which and why; the rest of the answer is used.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import ValidationError

from mem0g._engine.prepare import EpisodeSpec
from mem0g._engine.resolve import Invalidation
from mem0g._time import parse_instant
from mem0g.errors import InvalidInputError
from mem0g.extraction.schema import Extraction
from mem0g.models import FactIn, MetadataValue
from mem0g.vocab import normalize_name

__all__ = ["Mapped", "map_extraction"]

SELF = "I"


@dataclass
class Mapped:
    facts: list[FactIn] = field(default_factory=list)
    relation_numbers: list[int] = field(default_factory=list)  # 1-based relation number of each fact
    invalidations: list[Invalidation] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _source(episode: EpisodeSpec) -> str:
    return episode.source_id or episode.id


def _date(value: str | None, *, what: str, warnings: list[str]) -> datetime | None:
    if value is None or not str(value).strip():
        return None
    try:
        return parse_instant(value, field=what)
    except InvalidInputError:
        warnings.append(f"{what} {value!r} is not an ISO 8601 date; ignored")
        return None


def map_extraction(
    answer: Extraction,
    *,
    episodes: Sequence[EpisodeSpec],
    candidate_ids: Sequence[str],
    now: datetime,
    user_name: str | None = None,
    metadata: Mapping[str, MetadataValue] | None = None,
    agent_id: str | None = None,
    run_id: str | None = None,
) -> Mapped:
    out = Mapped()
    self_norms = {normalize_name(user_name)} if user_name else set()

    def name(raw: str) -> str:
        return SELF if normalize_name(raw) in self_norms else raw

    types: dict[str, str] = {}
    aliases: dict[str, list[str]] = {}
    for entity in answer.entities:
        norm = normalize_name(name(entity.name))
        if not norm:
            continue
        if entity.type and norm not in types:
            types[norm] = entity.type
        aliases.setdefault(norm, [])
        for alias in entity.aliases:
            if alias.strip() and normalize_name(alias) != norm and alias not in aliases[norm]:
                aliases[norm].append(alias)
    if user_name:
        aliases.setdefault(normalize_name(SELF), []).append(user_name)

    kept: dict[int, int] = {}  # relation number -> index in out.facts
    for number, rel in enumerate(answer.relations, 1):
        where = f"relation {number}"
        subject, obj = name(rel.subject).strip(), name(rel.object).strip()
        valid_from = _date(rel.valid_from, what=f"{where} valid_from", warnings=out.warnings)
        valid_until = _date(rel.valid_until, what=f"{where} valid_until", warnings=out.warnings)
        if valid_from and valid_until and valid_until < valid_from:
            out.warnings.append(f"{where}: valid_until is before valid_from; valid_until ignored")
            valid_until = None
        # Provenance: the caller's message ids where given ("D1:3"), else the episode ids.
        sources = [_source(episodes[i - 1]) for i in rel.evidence if 1 <= i <= len(episodes)]
        try:
            fact = FactIn(
                subject=subject,
                predicate=rel.predicate,
                object=obj,
                subject_type=types.get(normalize_name(subject)),
                object_type=types.get(normalize_name(obj)),
                fact=rel.fact,
                valid_from=valid_from,
                valid_until=valid_until,
                observed_at=now,
                source=list(dict.fromkeys(sources)) or [_source(e) for e in episodes],
                cardinality=rel.cardinality,
                agent_id=agent_id,
                run_id=run_id,
                metadata=dict(metadata or {}),
                subject_aliases=aliases.get(normalize_name(subject), []),
                object_aliases=aliases.get(normalize_name(obj), []),
            )
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            out.warnings.append(f"{where} dropped ({problems})")
            continue
        kept[number] = len(out.facts)
        out.facts.append(fact)
        out.relation_numbers.append(number)

    for item in answer.invalidated:
        if not 1 <= item.fact <= len(candidate_ids):
            out.warnings.append(f"invalidated fact number {item.fact} was not shown; ignored")
            continue
        successor = None
        if item.replaced_by is not None:
            successor = kept.get(item.replaced_by)
            if successor is None:
                out.warnings.append(
                    f"invalidated fact {item.fact}: replacing relation {item.replaced_by} is not kept"
                )
        ended_at = _date(item.ended_at, what=f"invalidated fact {item.fact} ended_at", warnings=out.warnings)
        out.invalidations.append(
            Invalidation(
                target=candidate_ids[item.fact - 1],
                action=item.action,
                at=ended_at or now,
                successor=successor,
            )
        )
    return out
