"""Hostile strings in every field a caller controls are stored verbatim and do nothing else: no
Cypher runs from data, no other user's data changes, and the values read back exactly."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mem0g import FactIn, Memory
from mem0g.tools.export import to_cypher, to_graphml, to_json

pytestmark = pytest.mark.neo4j

HOSTILE = [
    "O'Brien",
    'say "hi"',
    "`backtick`",
    '"}) DETACH DELETE n //',
    "'}) MATCH (n) DETACH DELETE n //",
    "x\nMATCH (n) DETACH DELETE n",
    "tab\tand\rreturn",
    "emoji 😀🍜 and CJK 渋谷",
    "RTL שלום عربى",
    "$user_id {param} \\u0027 %s {0}",
    "name" * 2500,  # 10 kB
]


def counts(memory: Memory) -> dict[str, int]:
    records, _, _ = memory.store.driver.execute_query(
        "MATCH (n) WITH count(n) AS nodes MATCH ()-[r]->() RETURN nodes, count(r) AS rels"
    )
    return {"nodes": records[0]["nodes"], "rels": records[0]["rels"]}


def test_hostile_strings_everywhere(memory: Memory, make_user: Callable[[str], str]) -> None:
    user, bystander = make_user("hostile"), make_user("bystander")
    memory.add_facts([{"subject": "Sarah", "predicate": "lives_in", "object": "Tokyo"}], user_id=bystander)
    before_bystander = memory.get_all(user_id=bystander)
    facts = [
        {
            "subject": text,
            "predicate": text[:200],
            "object": f"{text} (object)",
            "subject_type": text[:100],
            "fact": f"a sentence with {text}",
            "metadata": {text[:50]: text, "list": [text, 1, None]},
            "agent_id": text[:200],
            "run_id": "run " + text[:100],
            "source": [text],
        }
        for text in HOSTILE
    ]
    before = counts(memory)
    report = memory.add_facts(facts, user_id=user)
    assert len(report.added) == len(HOSTILE)
    after = counts(memory)
    assert after["nodes"] > before["nodes"] and after["rels"] > before["rels"]  # nothing was deleted

    stored = {f.subject: f for f in memory.get_all(user_id=user)}
    for item in facts:
        fact = stored[str(item["subject"])]
        assert fact.predicate == item["predicate"] and fact.object == item["object"]
        assert fact.subject_type == item["subject_type"] and fact.fact == item["fact"]
        assert fact.metadata == item["metadata"] and fact.source == item["source"]
        assert (fact.agent_id, fact.run_id) == (item["agent_id"], item["run_id"])
    for text in HOSTILE[:5]:
        hits = memory.search(text, user_id=user, limit=3).results
        assert hits and all(h.user_id == user for h in hits)
        assert memory.history(text, user_id=user)[0].subject == text
    graph = memory.graph(user)
    for export in (to_json, to_graphml, to_cypher):
        assert export(graph)  # every export copes with the data
    for line in to_cypher(graph).splitlines():
        assert (
            "DETACH DELETE" not in line
            or "\\u0020DETACH" in line
            or "DETACH\\u0020" in line
            or (line.count("'") % 2 == 0)
        )
    assert memory.get_all(user_id=bystander) == before_bystander


def test_hostile_user_ids_stay_separate(memory: Memory) -> None:
    a, b = "' OR 1=1 //", "`}) MATCH (n) DETACH DELETE n //"
    try:
        memory.add_facts([{"subject": "I", "predicate": "likes", "object": "tea"}], user_id=a)
        memory.add_facts([{"subject": "I", "predicate": "likes", "object": "coffee"}], user_id=b)
        assert [f.object for f in memory.get_all(user_id=a)] == ["tea"]
        assert [f.object for f in memory.get_all(user_id=b)] == ["coffee"]
        assert [h.object for h in memory.search("drinks", user_id=a).results] == ["tea"]
    finally:
        memory.forget(a)
        memory.forget(b)
    assert memory.get_all(user_id=a) == [] and memory.get_all(user_id=b) == []


names = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=40
).filter(lambda s: s.strip())


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(subject=names, predicate=names, obj=names, key=names, value=names)
def test_any_text_round_trips(
    memory: Memory, subject: str, predicate: str, obj: str, key: str, value: str
) -> None:
    user = f"prop-{uuid.uuid4().hex[:10]}"  # one user per example: hypothesis reuses fixtures
    try:
        memory.add_facts(
            [{"subject": subject, "predicate": predicate, "object": obj, "metadata": {key: value}}],
            user_id=user,
        )
        (stored,) = memory.get_all(user_id=user)
        given_fact = FactIn(subject=subject, predicate=predicate, object=obj)  # names lose outer whitespace
        assert (stored.subject, stored.predicate, stored.object) == (
            given_fact.subject,
            given_fact.predicate,
            given_fact.object,
        )
        assert stored.metadata == {key: value}  # metadata is kept verbatim
    finally:
        memory.forget(user)
