"""Tolerant extraction of one JSON object from a model's text (pure, no I/O).

Small local models wrap their JSON in code fences, prefix it with ``<think>`` reasoning, or add
prose around it. :func:`parse_json_text` removes the reasoning, prefers fenced blocks, and returns
the first complete top-level JSON object it finds; it never guesses at broken JSON (the caller's
repair round trip shows the model its error instead).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

__all__ = ["JSONTextError", "parse_json_text"]

_THINK_BLOCK = re.compile(r"<(think|thinking)>.*?</\1>", re.DOTALL | re.IGNORECASE)
_THINK_CLOSE = re.compile(r"</(?:think|thinking)>", re.IGNORECASE)
_THINK_OPEN = re.compile(r"<(?:think|thinking)>", re.IGNORECASE)
_MAX_UNCLOSED = 32
_FENCE = re.compile(r"```[ \t]*[A-Za-z0-9_-]*[ \t]*\r?\n?(.*?)```", re.DOTALL)


class JSONTextError(ValueError):
    """No JSON object could be found in a model's answer."""


def _strip_reasoning(text: str) -> str:
    """``text`` without reasoning: complete ``<think>...</think>`` blocks; everything before a
    closing tag that has no opening one (chat templates that open the block in the prompt); and
    everything after an opening tag that never closes (an answer cut off while thinking)."""
    text = _THINK_BLOCK.sub("", text)
    close = _THINK_CLOSE.search(text)
    if close is not None:
        text = text[close.end() :]
    opening = _THINK_OPEN.search(text)
    if opening is not None:
        text = text[: opening.start()]
    return text


def _closing_brace(text: str, start: int) -> int:
    """Index of the ``}`` matching the ``{`` at ``start`` (strings and escapes respected), or -1."""
    depth = 0
    in_string = False
    escaped = False
    for index in range(start, len(text)):
        char = text[index]
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return index
    return -1


def _spans(text: str) -> Iterator[str]:
    """Balanced top-level ``{...}`` spans in order. An opening brace that never closes (prose such
    as "use {curly braces") is skipped and the scan resumes at the next brace, at most
    ``_MAX_UNCLOSED`` times (a degenerate answer of thousands of ``{`` stays linear-ish)."""
    position = 0
    unclosed = 0
    while True:
        start = text.find("{", position)
        if start < 0:
            return
        end = _closing_brace(text, start)
        if end < 0:
            unclosed += 1
            if unclosed > _MAX_UNCLOSED:
                return
            position = start + 1
            continue
        yield text[start : end + 1]
        position = end + 1


def parse_json_text(text: str) -> Any:
    """The first JSON object in a model's answer.

    Reasoning blocks are removed first; fenced code blocks (```` ```json ... ``` ````) are tried
    before the rest of the text; within each, the first balanced ``{...}`` span that is valid JSON
    wins (control characters inside strings are tolerated). Raises :class:`JSONTextError`, saying
    what the first candidate's JSON error was, when no object is found.
    """
    cleaned = _strip_reasoning(text)
    candidates = [m.group(1) for m in _FENCE.finditer(cleaned)]
    candidates.append(cleaned)
    first_error: str | None = None
    for candidate in candidates:
        for span in _spans(candidate):
            try:
                value = json.loads(span, strict=False)
            except json.JSONDecodeError as exc:
                if first_error is None:
                    first_error = f"{exc.msg} at character {exc.pos} of {span[:60]!r}"
                continue
            except RecursionError:  # absurdly deep nesting: not an answer worth reading
                continue
            if isinstance(value, dict):
                return value
    preview = " ".join(text.split())[:120]
    if first_error is not None:
        raise JSONTextError(f"no valid JSON object in the answer; the first candidate: {first_error}")
    raise JSONTextError(f"no JSON object in the answer (it begins: {preview!r})")
