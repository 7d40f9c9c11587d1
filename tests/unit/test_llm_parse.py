"""Pure tests of the tolerant JSON extraction and of the strict-schema transformation."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mem0g.extraction import Extraction
from mem0g.llm import JSONTextError, parse_json_text, strict_schema

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
objects = st.dictionaries(st.text(max_size=10), json_values, min_size=1, max_size=5)
junk = st.text(alphabet=st.characters(blacklist_characters="{}`<>"), max_size=60)


@given(obj=objects, before=junk, after=junk)
def test_an_object_inside_junk_is_recovered(obj: dict[str, Any], before: str, after: str) -> None:
    assert parse_json_text(before + json.dumps(obj) + after) == obj


@given(obj=objects, thinking=junk)
def test_think_blocks_and_fences_are_removed(obj: dict[str, Any], thinking: str) -> None:
    text = f"<think>{thinking} {{not: json}}</think>\n```json\n{json.dumps(obj, indent=2)}\n```\n"
    assert parse_json_text(text) == obj


def test_braces_inside_strings_do_not_confuse_it() -> None:
    obj = {"fact": 'I wrote {braces} and "quotes" and }', "n": 1}
    assert parse_json_text("answer: " + json.dumps(obj) + " done") == obj


def test_first_valid_object_wins_over_invalid_ones() -> None:
    assert parse_json_text('{oops} then {"a": 1} and {"b": 2}') == {"a": 1}


@pytest.mark.parametrize("text", ["", "no json at all", "[1, 2, 3]", "<think>only thinking", "{broken"])
def test_no_object_is_an_error(text: str) -> None:
    with pytest.raises(JSONTextError):
        parse_json_text(text)


def test_strict_schema_closes_every_object_and_requires_all_keys() -> None:
    schema = strict_schema(Extraction.model_json_schema())

    def objects_in(node: Any) -> list[dict[str, Any]]:
        found = []
        if isinstance(node, dict):
            if node.get("type") == "object" and "properties" in node:
                found.append(node)
            for value in node.values():
                found += objects_in(value)
        elif isinstance(node, list):
            for value in node:
                found += objects_in(value)
        return found

    objs = objects_in(schema)
    assert len(objs) >= 4  # the answer and its entity, relation and invalidation items
    for obj in objs:
        assert obj["additionalProperties"] is False
        assert set(obj["required"]) == set(obj["properties"])
    assert "default" not in json.dumps(schema)
