"""Validation of the public API's arguments, shared by ``Memory`` and ``AsyncMemory`` (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from mem0g._ops import FactFilter
from mem0g._prepare import SELF_KEY, metadata_filter_groups
from mem0g._time import parse_instant, utcnow
from mem0g.config import Settings
from mem0g.errors import InvalidInputError
from mem0g.models import MAX_ID_LENGTH, FactIn
from mem0g.retrieval import SearchOptions
from mem0g.vocab import SELF_NAMES, name_key, normalize_name

__all__ = [
    "check_user_id",
    "entity_key",
    "group_by_user",
    "search_args",
    "to_fact",
    "validation_message",
]


def check_user_id(user_id: str | None, *, what: str = "user_id") -> str:
    if not isinstance(user_id, str) or not user_id.strip():
        raise InvalidInputError(f"{what} is required and must be a non-empty string", field=what)
    if len(user_id) > MAX_ID_LENGTH:
        raise InvalidInputError(
            f"{what} is {len(user_id)} characters long; at most {MAX_ID_LENGTH} are accepted", field=what
        )
    return user_id


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
class SearchArgs:
    query: str
    user_id: str
    flt: FactFilter
    options: SearchOptions


def search_args(
    settings: Settings,
    query: str,
    *,
    user_id: str,
    limit: int | None,
    as_of: datetime | str | None,
    include_history: bool,
    hops: int | None,
    agent_id: str | None,
    run_id: str | None,
    filters: Mapping[str, Any] | None,
    token_budget: int | None,
) -> SearchArgs:
    check_user_id(user_id)
    if not isinstance(query, str) or not query.strip():
        raise InvalidInputError("query must be a non-empty string", field="query")
    remaining = dict(filters or {})
    agent_id = agent_id or remaining.pop("agent_id", None)
    run_id = run_id or remaining.pop("run_id", None)
    remaining.pop("user_id", None)
    limit = settings.limit if limit is None else limit
    if limit < 1:
        raise InvalidInputError(f"limit must be at least 1, not {limit}", field="limit")
    hops = settings.hops if hops is None else hops
    if not 0 <= hops <= 5:
        raise InvalidInputError(f"hops must be between 0 and 5, not {hops}", field="hops")
    flt = FactFilter(
        now=utcnow(),
        as_of=parse_instant(as_of, field="as_of"),
        include_history=include_history,
        agent_id=agent_id,
        run_id=run_id,
        metadata_groups=tuple(tuple(g) for g in metadata_filter_groups(remaining)),
    )
    options = SearchOptions(
        limit=limit,
        hops=hops,
        token_budget=token_budget or settings.token_budget,
        exact_max_facts=settings.exact_search_max_facts,
    )
    return SearchArgs(query=query, user_id=user_id, flt=flt, options=options)


def entity_key(entity: str) -> str:
    """The name key ``history`` looks an entity up by; first-person words mean the user."""
    norm = normalize_name(entity)
    return SELF_KEY if norm in SELF_NAMES else name_key(norm)
