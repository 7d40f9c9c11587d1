"""Reading JSON Lines files line by line: each line decoded and parsed on its own, so one bad line
is reported with its number (and the others still read) instead of aborting the file."""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mem0g.errors import InvalidInputError

__all__ = ["json_lines", "read_json"]


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON (only finite numbers are)")


def _parse(text: str, *, line: int | None) -> Any:
    try:
        return json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise InvalidInputError(f"invalid JSON ({exc.msg} at column {exc.colno})", line=line) from exc
    except RecursionError as exc:
        raise InvalidInputError("invalid JSON (nested too deeply)", line=line) from exc
    except ValueError as exc:  # NaN/Infinity, or an integer of more digits than Python converts
        raise InvalidInputError(f"invalid JSON ({exc})", line=line) from exc


def _decode(raw: bytes, *, line: int | None) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInputError(
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at byte {exc.start + 1}); save the file as UTF-8",
            line=line,
        ) from exc


def json_lines(path: Path) -> Iterator[tuple[int, Any]]:
    """``(line number, value)`` for each non-blank line; the value is the line's
    :class:`InvalidInputError` when it cannot be read. A UTF-8 byte order mark is accepted."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise InvalidInputError(f"cannot read {path}: {exc.strerror}") from exc
    with handle:
        for number, raw in enumerate(handle, start=1):
            if number == 1:
                raw = raw.removeprefix(codecs.BOM_UTF8)
            try:
                text = _decode(raw, line=number)
                if not text.strip():
                    continue
                yield number, _parse(text, line=number)
            except InvalidInputError as exc:
                yield number, exc


def read_json(path: Path) -> Any:
    """A whole JSON file (a UTF-8 byte order mark accepted), or an :class:`InvalidInputError`."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InvalidInputError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        return _parse(_decode(raw.removeprefix(codecs.BOM_UTF8), line=None), line=None)
    except InvalidInputError as exc:
        raise InvalidInputError(f"{path}: {exc}") from exc
