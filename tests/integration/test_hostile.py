"""Hostile strings in every field a caller controls: stored verbatim, searchable, harmless.

Complements tests/integration/test_hostile_input.py with what it does not pin down:

* control characters (C0 and C1 controls, DEL, ANSI escapes, zero-width and bidi overrides, line
  and paragraph separators) next to quotes, backticks, Cypher and Lucene fragments, emoji, RTL text
  and a 10 kB name; in names, types, predicates, sentences, metadata keys and values, sources,
  ``agent_id``/``run_id``, and a 256-character hostile ``user_id`` (the limit; 257 is refused);
* every value read back equal through ``get_all``, ``history`` and ``graph``; type labels only
  ever come from the vocabulary;
* each fact found by searching its own text, by its metadata (key and value both hostile) and by
  its ``agent_id``;
* harmless: the number of nodes and relationships that do not belong to the hostile user is
  exactly the same before and after, and a bystander's data and answers are unchanged;
* ``mem0g graph --format cypher``: one statement per line, no quote, backtick, backslash or
  comment marker from data outside its escaped literals; replayed statement by statement on the
  real Neo4j after forgetting the user, it recreates the same graph.

Plus a Hypothesis property over arbitrary text (NUL excluded: Neo4j strings cannot hold it) in
the fields the older property test leaves out: types, sentences, sources, agent and run ids.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mem0g import FactIn, Memory
from mem0g.errors import InvalidInputError
from mem0g.models import MAX_ID_LENGTH
from mem0g.vocab import ENTITY_TYPES

pytestmark = pytest.mark.neo4j

HOSTILE = [
    "O'Brien's \"quoted\" name",
    "`backtick` and ``double``",
    '"}) DETACH DELETE n //',
    "'}) MATCH (n) DETACH DELETE n //",
    "'}) WITH 1 AS x MATCH (n) DETACH DELETE n //",  # valid Cypher once the quote closes a literal
    '"}) WITH 1 AS x MATCH (n) DETACH DELETE n //',
    "x\nMATCH (n) DETACH DELETE n\n// trailing comment",
    "tab\tcarriage\rreturn\r\nwindows line",
    "emoji 😀🍜👩‍👩‍👧 and CJK 渋谷区",
    "RTL שלום עולם مرحبا بالعالم",
    "ctrl \x01\x02\x07 esc \x1b[31mred\x1b[0m del \x7f vt \x0b ff \x0c end",
    "c1 \x85 nel \x9b csi, zero\u200bwidth\u200d joiner \ufeff bom",
    "bidi \u202eevil\u202c \u2066iso\u2069 line\u2028sep para\u2029sep",
    "$user_id {param} \\u0027 \\' %s {0} ${x}",
    'lucene +tenant:* OR name:(*) AND fact:"x"~2 ^3',
    "backslash \\ at end \\",
    "word" * 2500,  # 10 kB
]


def outside_counts(memory: Memory, user: str) -> dict[str, int]:
    """Nodes and relationships that are not the user's (test-only read, values as parameters)."""
    records, _, _ = memory.store.driver.execute_query(
        "CALL () { MATCH (n) WHERE coalesce(n.user_id, '') <> $user RETURN count(n) AS nodes } "
        "CALL () { MATCH ()-[r]->() WHERE coalesce(r.user_id, '') <> $user RETURN count(r) AS rels } "
        "RETURN nodes, rels",
        user=user,
    )
    return {"nodes": records[0]["nodes"], "rels": records[0]["rels"]}


def hostile_user(tag: str) -> str:
    """A user id of exactly the accepted maximum, full of hostile characters, unique per call."""
    head = f"'}}) MATCH (n) DETACH DELETE n //\n\"`😀 שלום \x1b {tag} {uuid.uuid4().hex} "
    return (head + "x" * MAX_ID_LENGTH)[:MAX_ID_LENGTH]


def hostile_fact(text: str) -> dict[str, Any]:
    ident = text[:MAX_ID_LENGTH]
    return {
        "subject": text,
        "predicate": text,
        "object": f"{text} (object)",
        "subject_type": text,
        "object_type": text[:500],
        "fact": f"a sentence with {text}",
        "metadata": {text: text, "list": [text, 1, None, True, 2.5]},
        "agent_id": ident,
        "run_id": ("run " + text)[:MAX_ID_LENGTH],
        "source": [text, "plain"],
    }


@pytest.fixture
def hostile(memory: Memory) -> Iterator[str]:
    user = hostile_user("fixed")
    yield user
    memory.forget(user)


def test_hostile_strings_verbatim_searchable_harmless(
    memory: Memory, hostile: str, make_user: Callable[[str], str]
) -> None:
    bystander = make_user("bystander")
    memory.add_facts(
        [
            {"subject": "Sarah", "predicate": "lives_in", "object": "Tokyo"},
            {"subject": "Sarah", "predicate": "likes", "object": "ramen", "metadata": {"k": "v"}},
        ],
        user_id=bystander,
    )
    bystander_facts = memory.get_all(user_id=bystander)
    bystander_hits = memory.search("Where does Sarah live?", user_id=bystander).model_dump()
    before = outside_counts(memory, hostile)

    facts = [hostile_fact(text) for text in HOSTILE]
    report = memory.add_facts(facts, user_id=hostile)
    assert len(report.added) == len(HOSTILE)

    # Harmless: nothing outside the hostile user was created, changed into something else or deleted.
    assert outside_counts(memory, hostile) == before
    assert memory.get_all(user_id=bystander) == bystander_facts
    assert memory.search("Where does Sarah live?", user_id=bystander).model_dump() == bystander_hits

    # Verbatim through get_all (names and sentences lose only outer whitespace, as documented).
    stored = memory.get_all(user_id=hostile)
    assert len(stored) == len(HOSTILE)
    by_subject = {f.subject: f for f in stored}
    for item in facts:
        want = FactIn(**item)
        got = by_subject[want.subject]
        assert (got.predicate, got.object, got.fact) == (want.predicate, want.object, want.fact)
        assert (got.subject_type, got.object_type) == (want.subject_type, want.object_type)
        assert got.metadata == item["metadata"] and got.source == item["source"]
        assert (got.agent_id, got.run_id, got.user_id) == (item["agent_id"], item["run_id"], hostile)

        # ... through history, by the verbatim name ...
        (told,) = memory.history(str(item["subject"]), user_id=hostile)
        assert told.model_dump() == got.model_dump()

    # ... and through the graph: names, types, predicates, sentences, metadata, sources.
    graph = memory.graph(hostile)
    names = {d["name"] for _, d in graph.nodes(data=True)}
    assert names == {FactIn(**i).subject for i in facts} | {FactIn(**i).object for i in facts}
    for _, d in graph.nodes(data=True):
        assert set(d["labels"]) <= set(ENTITY_TYPES)  # data never becomes a label
    edges = {d["fact"]: d for _, _, d in graph.edges(data=True)}
    for item in facts:
        edge = edges[FactIn(**item).sentence()]
        assert edge["predicate"] == FactIn(**item).predicate
        assert json.loads(edge["metadata"]) == item["metadata"]
        assert edge["source"] == item["source"]

    # Searchable: by its own text, by its (hostile) metadata key and value, by its agent id.
    for item in facts:
        fact_id = by_subject[FactIn(**item).subject].id
        text = str(item["subject"])
        hits = memory.search(text, user_id=hostile, limit=5).results
        assert fact_id in [h.id for h in hits], repr(text[:60])
        assert all(h.user_id == hostile for h in hits)
        filtered = memory.search("a sentence", user_id=hostile, limit=50, filters={text: text}).results
        assert [h.id for h in filtered] == [fact_id], repr(text[:60])
        by_agent = memory.search(
            "a sentence", user_id=hostile, limit=50, agent_id=str(item["agent_id"])
        ).results
        assert [h.id for h in by_agent] == [fact_id], repr(text[:60])


def test_hostile_user_id_limit(memory: Memory) -> None:
    too_long = hostile_user("long") + "x"
    assert len(too_long) == MAX_ID_LENGTH + 1
    with pytest.raises(InvalidInputError):
        memory.add_facts([{"subject": "a", "predicate": "b", "object": "c"}], user_id=too_long)
    assert memory.get_all(user_id=too_long[:MAX_ID_LENGTH]) == []


# Neo4j decodes \uXXXX escapes before it tokenizes (in literals and comments alike), so a string
# literal is inert only if it is double-quoted and holds safe characters, \" or \\, and escapes that
# decode to neither quote nor backslash.
_LITERAL = re.compile(r'"(?:[A-Za-z0-9 _.,:+\-]|\\["\\]|\\u(?!0022|005c)[0-9a-f]{4})*"')
_STATEMENT = re.compile(
    r"^(CREATE \(:Entity(?::[A-Za-z]+)* \{[^;]*\}\)"
    r"|MATCH \(s:Entity \{id: L\}\), \(o:Entity \{id: L\}\) CREATE \(s\)-\[:FACT \{[^;]*\}\]->\(o\));$"
)


def test_cypher_export_is_inert_and_replays(memory: Memory, hostile: str, cli: Callable[..., Any]) -> None:
    facts = [hostile_fact(text) for text in HOSTILE]
    memory.add_facts(facts, user_id=hostile)
    original = memory.graph(hostile)

    result = cli("graph", "--user", hostile, "--format", "cypher")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("// mem0g export of user ")
    statements = [line for line in lines[1:] if line.strip()]
    assert len(statements) == original.number_of_nodes() + original.number_of_edges()
    assert not set(lines[0]) & set("\\'\"`")  # no escape can be decoded inside the comment
    for line in statements:
        skeleton = _LITERAL.sub("L", line)
        # Outside the literals: no quote, backtick, backslash or comment marker from data.
        assert not set(skeleton) & set("'\"`\\"), skeleton[:200]
        assert "//" not in skeleton and _STATEMENT.match(skeleton), skeleton[:200]

    # Replay on the real database after forgetting the user: the same graph comes back, and
    # nothing else changes (an export that let a quote out would have wiped the database here).
    before = outside_counts(memory, hostile)
    memory.forget(hostile)
    assert memory.graph(hostile).number_of_nodes() == 0
    with memory.store.driver.session(database=memory.store.database) as session:
        # The header comment, decoded as Neo4j decodes it, hides nothing that would run.
        (row,) = session.run(lines[0] + "\nRETURN 1 AS one").data()  # type: ignore[arg-type]
        assert row == {"one": 1}
        for line in statements:
            session.run(line).consume()  # type: ignore[arg-type]  # the export is the text under test
    replayed = memory.graph(hostile)
    assert outside_counts(memory, hostile) == before

    def nodes(g: Any) -> dict[str, tuple[Any, ...]]:
        return {n: (d["name"], d["type"], sorted(d["labels"]), d["is_self"]) for n, d in g.nodes(data=True)}

    keys = [
        "predicate",
        "fact",
        "status",
        "cardinality",
        "valid_from",
        "valid_until",
        "recorded_at",
        "source",
    ]

    def edges(g: Any) -> dict[str, tuple[Any, ...]]:
        return {
            k: (u, v, json.loads(d["metadata"]), *(d.get(key) for key in keys))
            for u, v, k, d in g.edges(keys=True, data=True)
        }

    assert nodes(replayed) == nodes(original)
    assert edges(replayed) == edges(original)


text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=60
).filter(lambda s: s.strip())
ids = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=80
).filter(lambda s: s.strip())


@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    name=text,
    type_=text,
    sentence=text,
    source=st.lists(text, min_size=1, max_size=3),
    agent=ids,
    run=ids,
    user_tail=ids,
)
def test_any_text_in_every_field_round_trips(
    memory: Memory,
    name: str,
    type_: str,
    sentence: str,
    source: list[str],
    agent: str,
    run: str,
    user_tail: str,
) -> None:
    user = f"hyp-{uuid.uuid4().hex[:8]}-{user_tail}"  # hypothesis reuses fixtures: one user per example
    item = {
        "subject": name,
        "predicate": "likes",
        "object": f"{name}!",
        "subject_type": type_,
        "fact": sentence,
        "source": source,
        "agent_id": agent,
        "run_id": run,
    }
    try:
        memory.add_facts([item], user_id=user)
        want = FactIn(**item)
        (got,) = memory.get_all(user_id=user)
        assert (got.subject, got.object, got.subject_type, got.fact) == (
            want.subject,
            want.object,
            want.subject_type,
            want.fact,
        )
        assert (got.source, got.agent_id, got.run_id, got.user_id) == (source, agent, run, user)
        (_, _, edge), *_ = memory.graph(user).edges(data=True)
        assert edge["fact"] == want.fact and edge["source"] == source
        assert [h.id for h in memory.search(sentence, user_id=user, agent_id=agent, run_id=run).results] == [
            got.id
        ]
    finally:
        memory.forget(user)
    assert memory.get_all(user_id=user) == []
