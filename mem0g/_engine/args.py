"""Checks of the public API's arguments, and the one type that carries a search's parameters (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from mem0g._checks import check_int, check_text, check_texts
from mem0g._engine.prepare import SELF_KEY, metadata_filter_groups
from mem0g._engine.ranking import Weights
from mem0g._time import parse_instant, utcnow
from mem0g.config import Settings
from mem0g.errors import InvalidInputError
from mem0g.models import MAX_ID_LENGTH, FactIn
from mem0g.vocab import SELF_NAMES, name_key, normalize_name

__all__ = [
    "MAX_LIMIT",
    "SearchParams",
    "check_optional_id",
    "check_user_id",
    "entity_key",
    "group_by_user",
    "search_params",
    "to_fact",
    "validation_message",
]


#: The most hits one search may ask for (the entry queries fetch a multiple of it).
MAX_LIMIT = 1000
MAX_HOPS = 5
MAX_TOKEN_BUDGET = 1_000_000


def check_user_id(user_id: str | None, *, what: str = "user_id") -> str:
    if not isinstance(user_id, str) or not user_id.strip():
        raise InvalidInputError(f"{what} is required and must be a non-empty string", field=what)
    return check_text(user_id, field=what, max_length=MAX_ID_LENGTH)


def check_optional_id(value: str | None, *, what: str) -> str | None:
    return None if value is None else check_user_id(value, what=what)


def _scope(explicit: str | None, filters: dict[str, Any], key: str) -> str | None:
    """An id given as an argument and/or inside ``filters``: equal values are one; different ones
    are refused (they would match nothing, or, for ``user_id``, another tenant)."""
    inside = filters.pop(key, None)
    if explicit is not None and inside is not None and inside != explicit:
        raise InvalidInputError(
            f"{key} is {explicit!r} but filters[{key!r}] is {inside!r}; give one value", field="filters"
        )
    return check_optional_id(explicit if explicit is not None else inside, what=key)


def validation_message(exc: ValidationError) -> str:
    """pydantic's errors as one line: ``field: problem; field: problem``."""
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "fact"
        msg = err["msg"].removeprefix("Value error, ")
        parts.append(f"{loc}: {msg}")
    return "; ".join(parts)


def to_fact(item: FactIn | Mapping[str, Any], *, line: int | None = None) -> FactIn:
    if isinstance(item, FactIn):
        return item
    if not isinstance(item, Mapping):
        raise InvalidInputError(
            f"a fact must be a JSON object with subject, predicate and object, not {type(item).__name__}",
            line=line,
        )
    try:
        return FactIn.model_validate(dict(item))
    except ValidationError as exc:
        raise InvalidInputError(validation_message(exc), line=line) from exc
    except InvalidInputError as exc:  # raised by the date parser inside a validator
        raise InvalidInputError(str(exc), line=line) from exc


def group_by_user(
    facts: Iterable[FactIn | Mapping[str, Any]], user_id: str | None
) -> dict[str, list[FactIn]]:
    """Validate every fact (before anything is written) and group them by owner."""
    if user_id is not None:
        check_user_id(user_id)
    by_user: dict[str, list[FactIn]] = {}
    for index, fact in enumerate(to_fact(item) for item in facts):
        owner = fact.user_id or user_id
        if owner is None:
            raise InvalidInputError(f"fact {index}: no user_id; pass user_id=... or set it on the fact")
        if user_id is not None and fact.user_id is not None and fact.user_id != user_id:
            raise InvalidInputError(
                f"fact {index}: user_id {fact.user_id!r} differs from user_id={user_id!r}; "
                "a call writes for one user"
            )
        by_user.setdefault(owner, []).append(fact)
    return by_user


@dataclass(frozen=True)
class SearchParams:
    """Everything one search needs, checked: what to look for, whose facts, which of them may be
    returned (time mode and scope filters, all applied inside Cypher) and how many."""

    query: str
    user_id: str
    now: datetime
    as_of: datetime | None = None
    include_history: bool = False
    agent_id: str | None = None
    run_id: str | None = None
    metadata_groups: tuple[tuple[str, ...], ...] = ()
    limit: int = 10
    hops: int = 2
    token_budget: int = 2000
    exact_max_facts: int = 1000
    weights: Weights = field(default_factory=Weights)
    #: the server filters vector search by user inside the index (set from the door's schema state)
    vector_in_index: bool = False

    @property
    def moment(self) -> datetime:
        """The instant facts must hold at: ``as_of``, else now."""
        return self.as_of or self.now

    def filter_params(self) -> dict[str, Any]:
        """The parameters of the facts filter the search queries share."""
        return {
            "now": self.now,
            "as_of": self.as_of,
            "include_history": self.include_history,
            "agent_id": self.agent_id,
            "run_id": self.run_id,
            "metadata_groups": [list(g) for g in self.metadata_groups],
        }


def search_params(
    settings: Settings,
    query: str,
    *,
    user_id: str,
    limit: int | None = None,
    as_of: datetime | str | None = None,
    include_history: bool = False,
    hops: int | None = None,
    agent_id: str | None = None,
    run_id: str | None = None,
    filters: Mapping[str, Any] | None = None,
    token_budget: int | None = None,
) -> SearchParams:
    """Check a search's arguments and fill the defaults from the settings."""
    check_user_id(user_id)
    check_text(query, field="query", allow_empty=False)
    if filters is not None and not isinstance(filters, Mapping):
        raise InvalidInputError(f"filters must be a mapping, not {type(filters).__name__}", field="filters")
    remaining = dict(filters or {})
    check_texts(remaining, field="filters")
    # A search reads user_id's facts only: a user_id among the filters is ignored (it can never
    # widen the search to another tenant, and refusing it would break callers that pass their scope).
    remaining.pop("user_id", None)
    agent_id = _scope(agent_id, remaining, "agent_id")
    run_id = _scope(run_id, remaining, "run_id")
    limit = check_int(settings.limit if limit is None else limit, field="limit", minimum=1, maximum=MAX_LIMIT)
    hops = check_int(settings.hops if hops is None else hops, field="hops", minimum=0, maximum=MAX_HOPS)
    if token_budget is not None:
        check_int(token_budget, field="token_budget", minimum=1, maximum=MAX_TOKEN_BUDGET)
    return SearchParams(
        query=query,
        user_id=user_id,
        now=utcnow(),
        as_of=parse_instant(as_of, field="as_of"),
        include_history=include_history,
        agent_id=agent_id,
        run_id=run_id,
        metadata_groups=tuple(tuple(g) for g in metadata_filter_groups(remaining)),
        limit=limit,
        hops=hops,
        token_budget=token_budget or settings.token_budget,
        exact_max_facts=settings.exact_search_max_facts,
    )


def entity_key(entity: str) -> str:
    """The name key ``history`` looks an entity up by; first-person words mean the user."""
    norm = normalize_name(check_text(entity, field="entity", allow_empty=False))
    return SELF_KEY if norm in SELF_NAMES else name_key(norm)
