"""The temporal rules of docs/architecture.md, "Temporal semantics", one by one, on a real Neo4j."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from mem0g import FactIn, Memory
from mem0g.models import FactRecord

pytestmark = pytest.mark.neo4j


def d(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def facts_about(memory: Memory, user: str, predicate_key: str) -> list[FactRecord]:
    return sorted(
        (f for f in memory.get_all(user_id=user) if f.predicate.replace(" ", "_").lower() == predicate_key),
        key=lambda f: f.valid_from or datetime.min.replace(tzinfo=timezone.utc),
    )


def sarah(obj: str, **kw: object) -> dict[str, object]:
    return {"subject": "Sarah", "predicate": "lives_in", "object": obj, "fact": f"Sarah lives in {obj}", **kw}


def test_restating_adds_provenance_never_a_copy(memory: Memory, user: str) -> None:
    first = memory.add_facts([sarah("Shibuya", source="chat-1", observed_at="2025-04-01")], user_id=user)
    again = memory.add_facts([sarah("Shibuya", source="chat-2", observed_at="2025-04-05")], user_id=user)
    (fact,) = memory.get_all(user_id=user)
    assert again.restated == first.added == [fact.id]
    assert fact.source == ["chat-1", "chat-2"]


def test_reingesting_the_same_batch_changes_nothing(memory: Memory, user: str) -> None:
    batch = [
        sarah("Shibuya", observed_at="2025-04-01"),
        sarah("Shinjuku", valid_from="2025-04-24", observed_at="2025-05-01"),
    ]
    memory.add_facts(batch, user_id=user)
    before = [f.model_dump() for f in memory.get_all(user_id=user)]
    report = memory.add_facts(batch, user_id=user)
    after = [f.model_dump() for f in memory.get_all(user_id=user)]
    assert report.added == [] and report.superseded == []
    assert after == before


def test_cardinality_one_newer_value_supersedes(memory: Memory, user: str) -> None:
    memory.add_facts([sarah("Shibuya", observed_at="2025-04-01")], user_id=user, now="2025-04-01")
    report = memory.add_facts([sarah("Shinjuku", valid_from="2025-04-24")], user_id=user, now="2025-05-01")
    old, new = facts_about(memory, user, "lives_in")
    assert report.superseded == [old.id]
    assert (old.object, old.status, old.valid_until) == ("Shibuya", "superseded", d("2025-04-24"))
    assert old.superseded_at == d("2025-05-01")
    assert (new.object, new.status, new.valid_from, new.valid_until) == (
        "Shinjuku",
        "current",
        d("2025-04-24"),
        None,
    )


def test_at_most_one_value_at_any_instant(memory: Memory, user: str) -> None:
    memory.add_facts(
        [sarah(c, valid_from=f"2025-0{m}-01") for m, c in [(1, "A"), (3, "B"), (2, "C"), (5, "D"), (4, "B")]],
        user_id=user,
    )
    facts = facts_about(memory, user, "lives_in")
    for month in range(1, 8):
        t = d(f"2025-0{month}-15")
        holding = [
            f
            for f in facts
            if (f.valid_from is None or f.valid_from <= t) and (f.valid_until is None or f.valid_until > t)
        ]
        assert len(holding) == 1
    assert [f.object for f in facts if f.status == "current"] == ["D"]
    assert [f.object for f in facts] == ["A", "C", "B", "D"]  # B twice in a row is one fact


def test_explicit_valid_until_ends_a_fact(memory: Memory, user: str) -> None:
    memory.add_facts(
        [{"subject": "I", "predicate": "has_pet", "object": "Rex", "valid_from": "2020-01-01"}], user_id=user
    )
    report = memory.add_facts(
        [
            {
                "subject": "I",
                "predicate": "has_pet",
                "object": "Rex",
                "valid_until": "2025-06-01",
                "fact": "my dog Rex died",
            }
        ],
        user_id=user,
        now="2025-06-03",
    )
    (fact,) = memory.get_all(user_id=user)
    assert report.ended == [fact.id]
    assert (fact.status, fact.valid_from, fact.valid_until) == ("ended", d("2020-01-01"), d("2025-06-01"))
    assert memory.search("my pet", user_id=user).results == []
    assert [h.id for h in memory.search("my pet", user_id=user, as_of="2024-01-01").results] == [fact.id]


def test_late_older_fact_is_history_not_current(memory: Memory, user: str) -> None:
    memory.add_facts([sarah("Shinjuku", valid_from="2025-04-24")], user_id=user)
    report = memory.add_facts([sarah("Shibuya", valid_from="2024-01-01")], user_id=user)
    old, new = facts_about(memory, user, "lives_in")
    assert report.history == [old.id]
    assert (old.object, old.status, old.valid_until) == ("Shibuya", "superseded", d("2025-04-24"))
    assert (new.object, new.status) == ("Shinjuku", "current")
    current = memory.search("Where does Sarah live?", user_id=user).results
    assert [h.object for h in current] == ["Shinjuku"]


def test_only_same_subject_and_predicate_is_superseded(memory: Memory, user: str) -> None:
    memory.add_facts(
        [
            sarah("Shibuya", valid_from="2025-01-01"),
            {"subject": "Tom", "predicate": "lives_in", "object": "Osaka", "valid_from": "2025-01-01"},
            {"subject": "Sarah", "predicate": "works_at", "object": "Acme", "valid_from": "2025-01-01"},
        ],
        user_id=user,
    )
    memory.add_facts([sarah("Shinjuku", valid_from="2025-04-24")], user_id=user)
    statuses = {(f.subject, f.predicate, f.object): f.status for f in memory.get_all(user_id=user)}
    assert statuses[("Tom", "lives_in", "Osaka")] == "current"
    assert statuses[("Sarah", "works_at", "Acme")] == "current"
    assert statuses[("Sarah", "lives_in", "Shibuya")] == "superseded"


def test_cardinality_defaults_overrides_and_per_fact(memory: Memory, user: str) -> None:
    memory.add_facts(
        [
            {"subject": "I", "predicate": "likes", "object": "tea", "valid_from": "2025-01-01"},
            {"subject": "I", "predicate": "likes", "object": "coffee", "valid_from": "2025-02-01"},
            {
                "subject": "I",
                "predicate": "drives",
                "object": "a Fiat",
                "valid_from": "2025-01-01",
                "cardinality": "one",
            },
            {
                "subject": "I",
                "predicate": "drives",
                "object": "a Volvo",
                "valid_from": "2025-02-01",
                "cardinality": "one",
            },
        ],
        user_id=user,
    )
    status = {f.object: (f.status, f.cardinality) for f in memory.get_all(user_id=user)}
    assert status["tea"] == ("current", "many") and status["coffee"] == ("current", "many")
    assert status["a Fiat"] == ("superseded", "one") and status["a Volvo"] == ("current", "one")


def test_configured_cardinality_override(
    settings_kwargs: dict[str, object], embedder: object, user: str
) -> None:
    from mem0g.config import load_settings

    with Memory(
        settings=load_settings(**settings_kwargs, cardinality={"Favourite Band": "one"}), embedder=embedder
    ) as m:  # type: ignore[arg-type]
        m.add_facts(
            [
                {"subject": "I", "predicate": "favourite band", "object": "Muse", "valid_from": "2025-01-01"},
                {"subject": "I", "predicate": "favourite_band", "object": "Blur", "valid_from": "2025-03-01"},
            ],
            user_id=user,
        )
        assert {f.object: f.status for f in m.get_all(user_id=user)} == {
            "Muse": "superseded",
            "Blur": "current",
        }


def test_entity_resolution_by_normalised_name_and_alias(memory: Memory, user: str) -> None:
    memory.add_facts(
        [
            {"subject": "Sarah", "predicate": "knows", "object": "Robert", "object_aliases": ["Bob"]},
            {"subject": "sarah", "predicate": "likes", "object": "ramen"},
            {"subject": "  SARAH ", "predicate": "likes", "object": "bob"},
        ],
        user_id=user,
    )
    memory.add_facts([{"subject": "BOB", "predicate": "lives_in", "object": "Kyoto"}], user_id=user)
    g = memory.graph(user)
    names = sorted(data["name"] for _, data in g.nodes(data=True))
    assert names == ["Kyoto", "Robert", "Sarah", "ramen"]
    assert {f.subject for f in memory.history("bob", user_id=user)} == {"Sarah", "Robert"}


def test_first_person_resolves_to_the_user(memory: Memory, user: str) -> None:
    memory.add_facts(
        [
            {"subject": "I", "predicate": "loves", "object": "ramen"},
            {"subject": "me", "predicate": "lives_in", "object": "Tokyo"},
        ],
        user_id=user,
    )
    g = memory.graph(user)
    selves = [n for n, data in g.nodes(data=True) if data["is_self"]]
    assert len(selves) == 1 and g.out_degree(selves[0]) == 2


def test_type_labels_from_vocabulary_only(memory: Memory, user: str) -> None:
    memory.add_facts(
        [
            {
                "subject": "Sarah",
                "subject_type": "PERSON",
                "predicate": "works_at",
                "object": "Acme",
                "object_type": "organisation",
            },
            {"subject": "Acme", "predicate": "makes", "object": "Widget", "object_type": "gizmo-thing"},
        ],
        user_id=user,
    )
    nodes = {data["name"]: data for _, data in memory.graph(user).nodes(data=True)}
    assert nodes["Sarah"]["labels"] == ["Person"] and nodes["Sarah"]["type"] == "PERSON"
    assert nodes["Acme"]["labels"] == ["Organization"]
    assert nodes["Widget"]["labels"] == [] and nodes["Widget"]["type"] == "gizmo-thing"


def test_seed_scenario_current_history_as_of(memory: Memory, user: str) -> None:
    memory.add_facts(
        [
            {
                "subject": "I",
                "predicate": "visiting",
                "object": "Tokyo",
                "fact": "I'm visiting Tokyo in June",
            },
            sarah("Shibuya", observed_at="2025-04-01"),
            {
                "subject": "Shibuya",
                "predicate": "district_of",
                "object": "Tokyo",
                "fact": "Shibuya is a district of Tokyo",
            },
            {"subject": "I", "predicate": "loves", "object": "ramen", "fact": "I love ramen"},
        ],
        user_id=user,
        now="2025-04-01",
    )
    memory.add_facts(
        [
            {
                "subject": "Sarah",
                "predicate": "lives_in",
                "object": "Shinjuku",
                "fact": "Sarah moved to Shinjuku",
                "valid_from": "2025-04-24",
            }
        ],
        user_id=user,
        now="2025-05-01",
    )
    q = "Where does Sarah live?"
    now = memory.search(q, user_id=user, limit=1).results[0]
    assert (now.object, now.status) == ("Shinjuku", "current")
    assert [s.object for s in now.supersedes] == ["Shibuya"]
    hist = [
        h
        for h in memory.search(q, user_id=user, limit=5, include_history=True).results
        if h.predicate == "lives_in"
    ]
    assert [(h.object, h.status, h.valid_until) for h in hist] == [
        ("Shinjuku", "current", None),
        ("Shibuya", "superseded", d("2025-04-24")),
    ]
    before = [
        h
        for h in memory.search(q, user_id=user, limit=3, as_of="2025-04-10").results
        if h.predicate == "lives_in"
    ]
    assert [(h.object, h.status) for h in before] == [("Shibuya", "superseded")]  # status is today's


def test_search_hit_contract(memory: Memory, user: str) -> None:
    memory.add_facts([sarah("Shibuya", source=["a", "b"])], user_id=user)
    dumped = memory.search("Sarah", user_id=user).model_dump()
    assert list(dumped) == ["results"]
    hit = dumped["results"][0]
    for key in (
        "id",
        "fact",
        "subject",
        "predicate",
        "object",
        "valid_from",
        "valid_until",
        "status",
        "score",
        "source",
        "hops",
        "path",
        "supersedes",
    ):
        assert key in hit
    assert hit["source"] == ["a", "b"] and isinstance(hit["score"], float)


def test_delete_removes_one_fact_of_one_user(memory: Memory, make_user: object) -> None:
    a, b = make_user("a"), make_user("b")  # type: ignore[operator]
    memory.add_facts([sarah("Shibuya")], user_id=a)
    memory.add_facts([sarah("Shibuya")], user_id=b)
    (fa,) = memory.get_all(user_id=a)
    from mem0g import NotFoundError

    with pytest.raises(NotFoundError):
        memory.delete(fa.id, user_id=b)
    memory.delete(fa.id, user_id=a)
    assert memory.get_all(user_id=a) == [] and len(memory.get_all(user_id=b)) == 1


def test_factin_contract() -> None:
    f = FactIn.model_validate(
        {"subject": "a", "predicate": "p", "object": "b", "valid_from": "2025-01-02", "source": "x"}
    )
    assert f.valid_from == d("2025-01-02") and f.source == ["x"]
    naive = FactIn.model_validate(
        {"subject": "a", "predicate": "p", "object": "b", "valid_from": "2025-01-02T03:04:05"}
    )
    assert naive.valid_from == d("2025-01-02T03:04:05")
    with pytest.raises(ValueError, match="valid_until"):
        FactIn.model_validate(
            {
                "subject": "a",
                "predicate": "p",
                "object": "b",
                "valid_from": "2025-02-01",
                "valid_until": "2025-01-01",
            }
        )
    with pytest.raises(ValueError, match="valid_form"):
        FactIn.model_validate({"subject": "a", "predicate": "p", "object": "b", "valid_form": "2025-02-01"})
