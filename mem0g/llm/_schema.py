"""JSON schemas for OpenAI's strict structured outputs (pure).

Strict mode (``"strict": true``) makes the server constrain decoding to the schema, but accepts only
a subset of JSON Schema: the root is an object; every object lists ``properties``, requires all of
them and sets ``additionalProperties: false``; optional values are expressed as nullable
(``anyOf [..., {"type": "null"}]``, which pydantic already emits for ``X | None``); no ``allOf``,
``not``, ``if``/``then``/``else``, ``patternProperties``, ``prefixItems`` or dependent keywords; and
``$ref`` may not carry sibling keywords.

:func:`strict_schema` rewrites a pydantic schema into that form where it can (closing objects,
requiring every property, dropping ``default`` and keywords strict mode does not know, such as
``minLength``, inlining ``$ref`` with siblings, turning ``oneOf`` into ``anyOf``). Dropped keywords
are still enforced, because every answer is validated by the pydantic model afterwards.
:func:`strict_problems` says why a schema still cannot be strict (open dicts, ``Any`` fields, ...);
the client then sends the schema with ``"strict": false``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["strict_problems", "strict_schema"]

# Keywords strict mode rejects but whose absence only loosens the constraint (pydantic still checks).
_DROPPED = frozenset(
    {
        "default",
        "minLength",
        "maxLength",
        "minProperties",
        "maxProperties",
        "uniqueItems",
        "contains",
        "minContains",
        "maxContains",
        "discriminator",
        "examples",
        "readOnly",
        "writeOnly",
        "deprecated",
        "contentEncoding",
        "contentMediaType",
    }
)
_FORMATS = frozenset({"date-time", "time", "date", "duration", "email", "hostname", "ipv4", "ipv6", "uuid"})
# Keywords that make a schema impossible to express in strict mode.
_UNSUPPORTED = (
    *("allOf", "not", "if", "then", "else", "patternProperties", "prefixItems", "propertyNames"),
    *("dependentRequired", "dependentSchemas", "unevaluatedProperties", "unevaluatedItems"),
)
_SCHEMA_MAPS = ("properties", "$defs", "definitions")
_SCHEMA_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")
_SCHEMA_VALUES = ("items", "additionalProperties", "not", "if", "then", "else", "contains")


def _resolve(root: dict[str, Any], ref: str) -> Any:
    if not ref.startswith("#/"):
        return None
    node: Any = root
    for key in ref[2:].split("/"):
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def strict_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``schema`` rewritten for strict mode as far as possible (see the module docs)."""

    def fix(node: Any, inlined: int = 0) -> Any:
        if isinstance(node, list):
            return [fix(v) for v in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and len(node) > 1 and inlined < 8:
            target = _resolve(schema, ref)
            if isinstance(target, dict):
                merged = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
                return fix(merged, inlined + 1)
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in _DROPPED:
                continue
            if key == "format" and value not in _FORMATS:
                continue
            if key in _SCHEMA_MAPS and isinstance(value, dict):
                out[key] = {k: fix(v) for k, v in value.items()}
            elif key in _SCHEMA_LISTS or key in _SCHEMA_VALUES:
                out[key] = fix(value)
            else:
                out[key] = value  # enum, const, required, description, ...: data, not schemas
        if "oneOf" in out:
            out["anyOf"] = out.pop("oneOf") + out.pop("anyOf", [])
        all_of = out.get("allOf")
        if isinstance(all_of, list) and len(all_of) == 1 and isinstance(all_of[0], dict):
            del out["allOf"]
            out = {**all_of[0], **out}
        if out.get("type") == "object" and isinstance(out.get("properties"), dict):
            if out.get("additionalProperties") in (None, False):
                out["additionalProperties"] = False
            out["required"] = list(out["properties"])
        return out

    fixed: dict[str, Any] = fix(schema)
    return fixed


def strict_problems(schema: dict[str, Any]) -> list[str]:
    """Why ``schema`` (as :func:`strict_schema` returns it) cannot be used in strict mode; empty
    when it can. Each problem names its location, e.g. ``properties.tags: open object``."""
    problems: list[str] = []

    def check(node: Any, where: str) -> None:
        if isinstance(node, bool) or not isinstance(node, dict):
            problems.append(f"{where}: not a schema object")
            return
        here = where or "root"
        for keyword in _UNSUPPORTED:
            if keyword in node:
                problems.append(f"{here}: {keyword!r} is not supported")
        if "$ref" in node and len(node) > 1:
            problems.append(f"{here}: '$ref' with sibling keywords")
        if not any(k in node for k in ("type", "anyOf", "$ref", "enum", "const")):
            problems.append(f"{here}: no type (an Any field?)")
        types = node.get("type")
        is_object = types == "object" or (isinstance(types, list) and "object" in types)
        if is_object:
            properties = node.get("properties")
            if not isinstance(properties, dict):
                problems.append(f"{here}: open object (a dict field?)")
            else:
                if node.get("additionalProperties") is not False:
                    problems.append(f"{here}: additionalProperties is not false")
                if set(node.get("required", [])) != set(properties):
                    problems.append(f"{here}: not every property is required")
        for key in ("properties", "$defs", "definitions"):
            value = node.get(key)
            if isinstance(value, dict):
                for name, child in value.items():
                    check(child, f"{where}.{key}.{name}".lstrip("."))
        for key in ("anyOf",):
            value = node.get(key)
            if isinstance(value, list):
                for index, child in enumerate(value):
                    check(child, f"{where}.{key}[{index}]".lstrip("."))
        items = node.get("items")
        if items is not None:
            check(items, f"{where}.items".lstrip("."))
        extra = node.get("additionalProperties")
        if isinstance(extra, dict):
            problems.append(f"{here}: additionalProperties is a schema (a dict field?)")

    if schema.get("type") != "object":
        problems.append("root: not an object")
    check(schema, "")
    return problems
