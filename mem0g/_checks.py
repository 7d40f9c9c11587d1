"""The checks every value from a caller, a file or an LLM passes before mem0g uses it (pure).

One text rule (valid Unicode that UTF-8 can encode: no lone surrogates), one metadata schema
(string keys; values that are strings, finite numbers in Neo4j's integer range, booleans, null, or
flat lists of those) and one integer rule, so that a bad value is refused with its field's name
before any LLM call or write, instead of failing halfway through one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from mem0g.errors import InvalidInputError

__all__ = [
    "INT64_MAX",
    "INT64_MIN",
    "check_int",
    "check_metadata",
    "check_text",
    "check_texts",
    "text_problem",
]

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_SCALARS = (str, bool, int, float, type(None))
_METADATA_HELP = (
    "metadata values are strings, numbers, booleans, null or flat lists of those "
    "(write dates as ISO 8601 strings)"
)


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored as text, or ``None`` when it can."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        return (
            f"is not valid Unicode text (a lone surrogate U+{ord(value[exc.start]):04X} at character "
            f"{exc.start}); give text that UTF-8 can encode"
        )
    return None


def check_text(value: Any, *, field: str, allow_empty: bool = True, max_length: int | None = None) -> str:
    """``value`` as text, or an :class:`InvalidInputError` naming ``field``."""
    if not isinstance(value, str):
        raise InvalidInputError(f"{field} must be a string, not {type(value).__name__}", field=field)
    problem = text_problem(value)
    if problem is not None:
        raise InvalidInputError(f"{field} {problem}", field=field)
    if not allow_empty and not value.strip():
        raise InvalidInputError(f"{field} must be a non-empty string", field=field)
    if max_length is not None and len(value) > max_length:
        raise InvalidInputError(
            f"{field} is {len(value)} characters long; at most {max_length} are accepted", field=field
        )
    return value


def check_texts(value: Any, *, field: str) -> None:
    """Every string inside ``value`` (dict keys and values, list items, recursively) is valid text."""
    stack = [(field, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            check_text(item, field=where)
        elif isinstance(item, Mapping):
            for key, inner in item.items():
                if isinstance(key, str):
                    check_text(key, field=f"{where} key")
                stack.append((f"{where}.{key}", inner))
        elif isinstance(item, list | tuple):
            stack.extend((f"{where}[{i}]", inner) for i, inner in enumerate(item))


def _scalar_problem(value: Any) -> str | None:
    if isinstance(value, float) and not math.isfinite(value):
        return f"is {value!r}, not a finite number"
    if isinstance(value, int) and not isinstance(value, bool) and not INT64_MIN <= value <= INT64_MAX:
        return "is an integer outside Neo4j's 64-bit range"
    if isinstance(value, str):
        return text_problem(value)
    if not isinstance(value, _SCALARS):
        return f"is a {type(value).__name__}, not a metadata value; {_METADATA_HELP}"
    return None


def check_metadata(value: Any, *, field: str = "metadata") -> dict[str, Any]:
    """``value`` as metadata (a new dict), or an :class:`InvalidInputError` naming the bad entry."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidInputError(
            f"{field} must be an object of key: value pairs, not {type(value).__name__}", field=field
        )
    checked: dict[str, Any] = {}
    for key, item in value.items():
        if not isinstance(key, str) or not key:
            raise InvalidInputError(f"{field} keys must be non-empty strings, not {key!r}", field=field)
        where = f"{field}.{key}" if field else key
        check_text(key, field=f"{field} key".strip())
        if isinstance(item, list):
            for index, element in enumerate(item):
                problem = (
                    f"is a nested {type(element).__name__}, not a metadata value; {_METADATA_HELP}"
                    if isinstance(element, list | dict | tuple)
                    else _scalar_problem(element)
                )
                if problem:
                    raise InvalidInputError(f"{where}[{index}] {problem}", field=field)
            checked[key] = list(item)
            continue
        problem = _scalar_problem(item)
        if problem:
            raise InvalidInputError(f"{where} {problem}", field=field)
        checked[key] = item
    return checked


def check_int(value: Any, *, field: str, minimum: int, maximum: int) -> int:
    """A whole number in ``[minimum, maximum]``, or an :class:`InvalidInputError` that gives the range."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInputError(f"{field} must be a whole number, not {type(value).__name__}", field=field)
    if not minimum <= value <= maximum:
        raise InvalidInputError(f"{field} must be between {minimum} and {maximum}, not {value}", field=field)
    return value
