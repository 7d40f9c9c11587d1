"""Pure preparation of a batch of facts for one user: entity specs, statements and fact properties.

Nothing here touches Neo4j or a model; the store resolves entity keys against the database and the
resolver decides what each statement does.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from mem0g._checks import check_metadata
from mem0g.errors import InvalidInputError
from mem0g.models import FactIn, MetadataValue
from mem0g.vocab import (
    SELF_NAMES,
    Cardinality,
    cardinality_for,
    entity_label,
    name_key,
    normalize_name,
    predicate_key,
)

__all__ = [
    "SELF_KEY",
    "EntitySpec",
    "EpisodeSpec",
    "PreparedBatch",
    "Statement",
    "metadata_filter_groups",
    "metadata_pairs",
    "prepare_batch",
    "tenant_token",
]

SELF_KEY = name_key("\u0000self")
_PAIR_SEPARATOR = "\u001f"


def tenant_token(user_id: str) -> str:
    """A single-token (hex) tag of the user for Lucene queries: user ids may contain any characters."""
    return "t" + name_key("user\u0000" + user_id)[:40]


def _json_scalar(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def metadata_pairs(metadata: Mapping[str, MetadataValue]) -> list[str]:
    """``{"tags": ["a", "b"], "n": 1}`` -> ``["n␟1", "tags␟\"a\"", "tags␟\"b\""]`` for in-query filters."""
    pairs: list[str] = []
    for key in sorted(metadata):
        value = metadata[key]
        values = value if isinstance(value, list) else [value]
        pairs.extend(key + _PAIR_SEPARATOR + _json_scalar(v) for v in values)
    return pairs


def metadata_filter_groups(filters: Mapping[str, Any] | None) -> list[list[str]]:
    """Each filter becomes a group of acceptable pairs; a fact must match one pair of every group.

    ``{"category": "preference"}`` is equality; ``{"priority": {"in": ["high", "low"]}}`` membership;
    ``{"k": {"eq": v}}`` is equality spelled out.
    """
    groups: list[list[str]] = []
    for key, condition in (filters or {}).items():
        if isinstance(condition, dict):
            if set(condition) == {"in"} and isinstance(condition["in"], list):
                values = condition["in"]
            elif set(condition) == {"eq"}:
                values = [condition["eq"]]
            else:
                raise InvalidInputError(
                    f"filter on {key!r}: {condition!r} is not understood; use a value, {{'eq': value}} "
                    "or {'in': [values]}",
                    field="filters",
                )
        else:
            values = [condition]
        check_metadata({key: values}, field="filters")  # what a filter matches is a metadata value
        groups.append([key + _PAIR_SEPARATOR + _json_scalar(v) for v in values])
    return groups


@dataclass
class EntitySpec:
    """An entity as the batch mentions it (before it is matched against the database)."""

    key: str
    name: str
    name_norm: str
    type: str | None
    aliases: list[str] = field(default_factory=list)
    is_self: bool = False

    @property
    def label(self) -> str | None:
        return "Person" if self.is_self else entity_label(self.type)

    @property
    def alias_keys(self) -> list[str]:
        return [name_key(normalize_name(a)) for a in self.aliases]


@dataclass(frozen=True)
class Statement:
    """One fact of the batch, with its entities as batch keys."""

    subject_key: str
    object_key: str
    predicate: str
    predicate_key: str
    sentence: str
    triple_text: str  # "Sarah lives in Shinjuku": the triple in words, whatever the sentence says

    @property
    def embedding_text(self) -> str:
        """What is embedded: the sentence, plus the triple when the sentence does not spell it out,
        so "Sarah moved to Shinjuku" also matches "Where does Sarah live?"."""
        if self.triple_text.casefold() in self.sentence.casefold():
            return self.sentence
        return f"{self.sentence} ({self.triple_text})"

    cardinality: Cardinality
    valid_from: datetime | None
    valid_until: datetime | None
    observed_at: datetime
    sources: tuple[str, ...]
    agent_id: str | None
    run_id: str | None
    metadata: Mapping[str, MetadataValue]


@dataclass(frozen=True)
class EpisodeSpec:
    """One raw message to store as an ``:Episode`` (the provenance of the facts drawn from it)."""

    id: str
    role: str
    content: str
    observed_at: datetime
    seq: int  # order of the message within its add (ties on observed_at are common)
    thread: str
    name: str | None = None
    agent_id: str | None = None
    run_id: str | None = None
    source_id: str | None = None  # the caller's id of the message (e.g. LoCoMo's "D1:3")
    metadata: Mapping[str, MetadataValue] = field(default_factory=dict)
    prompt_version: str | None = None

    @property
    def embedding_text(self) -> str:
        return f"{self.name}: {self.content}" if self.name else self.content


@dataclass
class PreparedBatch:
    user_id: str
    entities: dict[str, EntitySpec]
    statements: list[Statement]

    def texts_to_embed(self) -> list[str]:
        return [s.embedding_text for s in self.statements] + [e.name for e in self.entities.values()]


def _entity(
    entities: dict[str, EntitySpec],
    alias_index: dict[str, str],
    *,
    user_id: str,
    name: str,
    type_name: str | None,
    aliases: Sequence[str],
) -> str:
    norm = normalize_name(name)
    if norm in SELF_NAMES:
        key = SELF_KEY
        if key not in entities:
            entities[key] = EntitySpec(key, user_id, normalize_name(user_id), "Person", ["I", "me"], True)
        return key
    key = name_key(norm)
    key = alias_index.get(key, key)
    spec = entities.get(key)
    if spec is None:
        spec = EntitySpec(key, name, norm, type_name)
        entities[key] = spec
    elif spec.type is None and type_name:
        spec.type = type_name
    for alias in aliases:
        if alias.strip() and alias not in spec.aliases and normalize_name(alias) != spec.name_norm:
            spec.aliases.append(alias)
            alias_index.setdefault(name_key(normalize_name(alias)), key)
    return key


def prepare_batch(
    facts: Sequence[FactIn],
    *,
    user_id: str,
    now: datetime,
    cardinality_overrides: Mapping[str, Cardinality] | None = None,
    default_agent_id: str | None = None,
    default_run_id: str | None = None,
    default_metadata: Mapping[str, MetadataValue] | None = None,
) -> PreparedBatch:
    entities: dict[str, EntitySpec] = {}
    alias_index: dict[str, str] = {}
    # Aliases first, so that a name used before its alias declaration still resolves to one entity.
    for fact in facts:
        for name, aliases in ((fact.subject, fact.subject_aliases), (fact.object, fact.object_aliases)):
            for alias in aliases:
                alias_index.setdefault(name_key(normalize_name(alias)), name_key(normalize_name(name)))
    statements: list[Statement] = []
    for fact in facts:
        subject_key = _entity(
            entities,
            alias_index,
            user_id=user_id,
            name=fact.subject,
            type_name=fact.subject_type,
            aliases=fact.subject_aliases,
        )
        object_key = _entity(
            entities,
            alias_index,
            user_id=user_id,
            name=fact.object,
            type_name=fact.object_type,
            aliases=fact.object_aliases,
        )
        metadata = {**(default_metadata or {}), **fact.metadata}
        statements.append(
            Statement(
                subject_key=subject_key,
                object_key=object_key,
                predicate=fact.predicate,
                predicate_key=predicate_key(fact.predicate),
                sentence=fact.sentence(),
                triple_text=f"{fact.subject} {fact.predicate.replace('_', ' ')} {fact.object}",
                cardinality=cardinality_for(
                    fact.predicate, explicit=fact.cardinality, overrides=cardinality_overrides
                ),
                valid_from=fact.valid_from,
                valid_until=fact.valid_until,
                observed_at=fact.observed_at or now,
                sources=tuple(fact.source),
                agent_id=fact.agent_id or default_agent_id,
                run_id=fact.run_id or default_run_id,
                metadata=metadata,
            )
        )
    return PreparedBatch(user_id=user_id, entities=entities, statements=statements)
