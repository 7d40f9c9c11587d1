"""Parsing and normalising instants. Every datetime mem0g stores is timezone-aware UTC."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from mem0g._checks import check_text
from mem0g.errors import InvalidInputError

__all__ = ["parse_instant", "to_utc", "utcnow"]


def utcnow() -> datetime:
    """The wall clock, read at call time (never cached at import time)."""
    return datetime.now(timezone.utc)


def to_utc(value: datetime, *, field: str = "date") -> datetime:
    """Naive datetimes are taken as UTC, as the facts contract says; aware ones are converted."""
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    try:
        return value.astimezone(timezone.utc)
    except OverflowError as exc:  # 0001-01-01T00:00+01:00 is before the first representable instant
        raise InvalidInputError(
            f"{field}: {value.isoformat()} is outside the representable range of instants "
            "(0001-01-01 to 9999-12-31 in UTC)",
            field=field,
        ) from exc


def parse_instant(value: Any, *, field: str = "date") -> datetime | None:
    """Accept an ISO 8601 date or datetime (string, ``date`` or ``datetime``); ``None`` stays ``None``."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return to_utc(value, field=field)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
    if isinstance(value, str):
        check_text(value, field=field)
        text = value.strip()
        if not text:
            return None
        # Python 3.10's fromisoformat does not take a trailing "Z".
        if text[-1] in "zZ":
            text = text[:-1] + "+00:00"
        try:
            if len(text) == 10:
                return parse_instant(date.fromisoformat(text), field=field)
            parsed = datetime.fromisoformat(text)
        except ValueError:
            pass
        else:
            return to_utc(parsed, field=field)
    raise InvalidInputError(
        f"{field}: {value!r} is not an ISO 8601 date or datetime; use e.g. '2025-04-15' or "
        "'2025-04-15T10:30:00Z'",
        field=field,
    )
