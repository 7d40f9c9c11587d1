"""Controlled vocabularies: entity type labels, predicate keys and their default cardinality.

Labels written to Neo4j come only from :data:`ENTITY_TYPES`; anything else a caller sends is kept
verbatim in the ``type`` property and never becomes Cypher text.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping
from typing import Literal

__all__ = [
    "DEFAULT_CARDINALITY",
    "ENTITY_TYPES",
    "SELF_NAMES",
    "Cardinality",
    "cardinality_for",
    "entity_label",
    "name_key",
    "normalize_name",
    "predicate_key",
]

Cardinality = Literal["one", "many"]

#: The labels an entity may carry besides ``Entity``.
ENTITY_TYPES: tuple[str, ...] = (
    "Person",
    "Organization",
    "Location",
    "Event",
    "Animal",
    "Food",
    "Product",
    "Activity",
    "Concept",
    "Date",
    "Object",
    "Work",
)

# Spellings and near-synonyms that map onto a vocabulary label (keys are squashed: see _squash).
_TYPE_SYNONYMS: dict[str, str] = {
    "people": "Person",
    "human": "Person",
    "user": "Person",
    "organisation": "Organization",
    "org": "Organization",
    "company": "Organization",
    "employer": "Organization",
    "business": "Organization",
    "institution": "Organization",
    "place": "Location",
    "city": "Location",
    "country": "Location",
    "district": "Location",
    "neighborhood": "Location",
    "neighbourhood": "Location",
    "gpe": "Location",
    "loc": "Location",
    "pet": "Animal",
    "dog": "Animal",
    "cat": "Animal",
    "dish": "Food",
    "cuisine": "Food",
    "time": "Date",
    "datetime": "Date",
    "hobby": "Activity",
    "idea": "Concept",
    "topic": "Concept",
    "preference": "Concept",
    "thing": "Object",
    "item": "Object",
    "book": "Work",
    "film": "Work",
    "movie": "Work",
}
_LABEL_BY_SQUASHED = {t.lower(): t for t in ENTITY_TYPES} | _TYPE_SYNONYMS

#: Names that mean "the user" when they appear as a subject or object.
SELF_NAMES: frozenset[str] = frozenset({"i", "me", "myself", "my", "user", "the user"})

#: Predicates that hold one value at a time per subject (configurable, overridable per fact).
DEFAULT_CARDINALITY: Mapping[str, Cardinality] = dict.fromkeys(
    (
        "lives_in",
        "resides_in",
        "works_at",
        "works_for",
        "employed_by",
        "married_to",
        "spouse",
        "partner_of",
        "dating",
        "job_title",
        "has_job_title",
        "age",
        "born_in",
        "born_on",
        "birthday",
        "nationality",
        "located_in",
        "headquartered_in",
        "ceo_of",
        "has_ceo",
        "studies_at",
        "relationship_status",
        "favorite_food",
        "favourite_food",
        "favorite_color",
        "favourite_color",
        "phone_number",
        "email",
    ),
    "one",
)

_SPACES = re.compile(r"\s+")
_PREDICATE_SEPARATORS = re.compile(r"[\s\-]+")


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", unicodedata.normalize("NFKC", text).casefold())


def normalize_name(name: str) -> str:
    """Case-, width- and whitespace-insensitive form used to resolve entities ("Sarah" == " sarah")."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", name).casefold()).strip()


def name_key(normalized: str) -> str:
    """Fixed-size key for uniqueness constraints: names may be longer than an index entry can hold."""
    return hashlib.sha256(normalized.encode("utf-8")).hexdigest()


def predicate_key(predicate: str) -> str:
    """``"Lives In"`` and ``"lives-in"`` both become ``"lives_in"``; the verbatim predicate is kept too."""
    return _PREDICATE_SEPARATORS.sub("_", unicodedata.normalize("NFKC", predicate).casefold().strip())


def entity_label(type_name: str | None) -> str | None:
    """Map a free-form type ("person", "ORGANISATION", "city") to a vocabulary label, or ``None``."""
    if not type_name:
        return None
    squashed = _squash(type_name)
    if squashed in _LABEL_BY_SQUASHED:
        return _LABEL_BY_SQUASHED[squashed]
    if squashed.endswith("s") and squashed[:-1] in _LABEL_BY_SQUASHED:
        return _LABEL_BY_SQUASHED[squashed[:-1]]
    return None


def cardinality_for(
    predicate: str,
    *,
    explicit: Cardinality | None = None,
    overrides: Mapping[str, Cardinality] | None = None,
) -> Cardinality:
    """Per-fact value, else configured override, else the built-in default, else ``many``."""
    if explicit is not None:
        return explicit
    key = predicate_key(predicate)
    if overrides and key in overrides:
        return overrides[key]
    return DEFAULT_CARDINALITY.get(key, "many")
