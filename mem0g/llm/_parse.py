"""Tolerant extraction of one JSON object from a model's text (pure).

Small local models wrap their JSON in code fences, prefix it with ``<think>`` reasoning, or add
prose around it. :func:`parse_json_text` strips those and returns the first complete top-level
JSON object it finds.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["JSONTextError", "parse_json_text"]

_THINK = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)
_OPEN_THINK = re.compile(r"^\s*<think>.*", re.DOTALL | re.IGNORECASE)
_FENCE = re.compile(r"```(?:json|JSON)?\s*\n?(.*?)```", re.DOTALL)


class JSONTextError(ValueError):
    """No JSON object could be found in a model's answer."""


def _objects(text: str) -> list[str]:
    """Candidate top-level ``{...}`` spans in order, balanced with strings and escapes respected."""
    spans = []
    depth = 0
    start = -1
    in_string = False
    escaped = False
    for index, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
            continue
        if char == '"' and depth > 0:
            in_string = True
        elif char == "{":
            if depth == 0:
                start = index
            depth += 1
        elif char == "}" and depth > 0:
            depth -= 1
            if depth == 0:
                spans.append(text[start : index + 1])
    return spans


def parse_json_text(text: str) -> Any:
    """The first JSON object in ``text``, after removing think blocks and code fences."""
    cleaned = _THINK.sub("", text)
    if "</think>" not in text.lower():
        # An unterminated think block at the start (the answer was cut): nothing usable follows it
        # unless a JSON object does.
        stripped = _OPEN_THINK.sub("", cleaned)
        if stripped != cleaned and "{" not in stripped:
            cleaned = stripped
    candidates = [m.group(1) for m in _FENCE.finditer(cleaned)] + [cleaned]
    for candidate in candidates:
        try:
            value = json.loads(candidate)
        except ValueError:
            pass
        else:
            if isinstance(value, dict):
                return value
        for span in _objects(candidate):
            try:
                value = json.loads(span)
            except ValueError:
                continue
            if isinstance(value, dict):
                return value
    preview = text.strip().replace("\n", " ")[:120]
    raise JSONTextError(f"no JSON object in the answer (it begins: {preview!r})")
