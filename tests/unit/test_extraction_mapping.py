"""Pure tests of the extraction prompt and of mapping a model's answer onto facts."""

from __future__ import annotations

from datetime import datetime, timezone

from mem0g._engine.prepare import EpisodeSpec
from mem0g.extraction import EXTRACT_TEMPLATE, Extraction, extraction_messages, load_template, map_extraction
from mem0g.models import Hit

NOW = datetime(2025, 5, 1, 10, 0, tzinfo=timezone.utc)


def episode(n: int, content: str, role: str = "user") -> EpisodeSpec:
    return EpisodeSpec(id=f"ep{n}", role=role, content=content, observed_at=NOW, seq=n, thread="t")


def hit(fid: str, fact: str) -> Hit:
    return Hit(
        id=fid,
        fact=fact,
        subject="Sarah",
        predicate="lives_in",
        object="Shibuya",
        valid_from=None,
        valid_until=None,
        recorded_at=NOW,
        status="current",
        cardinality="one",
        user_id="u",
        score=0.5,
        hops=0,
    )


def test_prompt_numbers_candidates_and_states_the_time() -> None:
    messages = extraction_messages(
        load_template(EXTRACT_TEMPLATE),
        new=[episode(1, "Sarah moved to Shinjuku last week")],
        summary=None,
        recent=[{"role": "user", "content": "Sarah lives in Shibuya", "observed_at": NOW}],
        candidates=[hit("id-a", "Sarah lives in Shibuya"), hit("id-b", "I love ramen")],
        now=NOW,
        user_name="Alice",
        entity_types=["Person", "Location"],
    )
    system, user = messages[0]["content"], messages[1]["content"]
    assert "2025-05-01T10:00:00+00:00 (Thursday)" in system and '"Alice"' in system
    assert "Person, Location" in system
    assert "[1] Sarah lives in Shibuya" in user and "[2] I love ramen" in user
    assert "id-a" not in user and "id-b" not in user  # the model never sees real ids
    assert "(1) 2025-05-01 10:00 user: Sarah moved to Shinjuku last week" in user


def test_answer_maps_to_facts_with_evidence_and_invalidations() -> None:
    answer = Extraction.model_validate(
        {
            "entities": [{"name": "Sarah", "type": "person"}, {"name": "Shinjuku", "type": "district"}],
            "relations": [
                {
                    "subject": "Sarah",
                    "predicate": "lives_in",
                    "object": "Shinjuku",
                    "fact": "Sarah moved to Shinjuku on 2025-04-24",
                    "valid_from": "2025-04-24",
                    "cardinality": "one",
                    "evidence": [2],
                },
                {"subject": "", "predicate": "x", "object": "y", "fact": "blank subject"},
                {
                    "subject": "Alice",
                    "predicate": "loves",
                    "object": "ramen",
                    "fact": "Alice loves ramen",
                    "valid_from": "June-ish",
                },
            ],
            "invalidated": [
                {"fact": 1, "action": "updated", "replaced_by": 1},
                {"fact": 7, "action": "ended"},
                {"fact": 2, "action": "contradicted", "replaced_by": 2},
            ],
        }
    )
    mapped = map_extraction(
        answer,
        episodes=[episode(1, "hi"), episode(2, "Sarah moved to Shinjuku last week")],
        candidate_ids=["id-a", "id-b"],
        now=NOW,
        user_name="Alice",
    )
    assert [f.subject for f in mapped.facts] == ["Sarah", "I"]  # the user's own name means "I"
    sarah, alice = mapped.facts
    assert sarah.source == ["ep2"] and sarah.valid_from == datetime(2025, 4, 24, tzinfo=timezone.utc)
    assert sarah.subject_type == "person" and sarah.object_type == "district" and sarah.cardinality == "one"
    assert alice.source == ["ep1", "ep2"] and alice.valid_from is None and alice.observed_at == NOW
    assert "Alice" in alice.subject_aliases
    assert mapped.relation_numbers == [1, 3]
    first, second = mapped.invalidations
    assert (first.target, first.action, first.successor, first.at) == ("id-a", "updated", 0, NOW)
    assert (second.target, second.successor) == ("id-b", None)  # relation 2 was dropped
    joined = " | ".join(mapped.warnings)
    assert "relation 2 dropped" in joined and "June-ish" in joined and "number 7 was not shown" in joined
    assert "replacing relation 2 is not kept" in joined
