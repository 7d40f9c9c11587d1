"""The saved Neo4j Browser queries in cypher/browser/ run against the real Neo4j and show what their
headers promise (they are pasted by people, so nothing else would notice if they broke)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mem0g import Memory
from mem0g.config import load_settings
from mem0g.embeddings import SentenceTransformerEmbedder
from mem0g.testing import OpenAIStub, purpose

pytestmark = pytest.mark.neo4j

BROWSER = Path(__file__).resolve().parents[2] / "cypher" / "browser"


def run(memory: Memory, query: str, /, **params: Any) -> list[dict[str, Any]]:
    text = "\n".join(
        line
        for line in (BROWSER / f"{query}.cypher").read_text("utf-8").splitlines()
        if not line.startswith("//")
    )
    records, _, _ = memory.store.driver.execute_query(text, params)
    return [r.data() for r in records]


def test_every_saved_query_has_a_header_with_its_parameters() -> None:
    for path in BROWSER.glob("*.cypher"):
        text = path.read_text("utf-8")
        assert text.startswith(f"// name: {path.stem}\n"), path.name
        for param in {p for p in ("user_id", "name", "fact_id") if f"${p}" in text}:
            assert f":param {param} =>" in text, f"{path.name}: show how to set ${param}"


def test_saved_queries_on_a_conversation(
    settings_kwargs: dict[str, object],
    embedder: SentenceTransformerEmbedder,
    openai_stub: OpenAIStub,
    user: str,
) -> None:
    def model(body: dict[str, Any]) -> dict[str, Any]:
        prompt = str(body["messages"][-1]["content"])
        if "moved to Shinjuku" in prompt.split("NEW MESSAGES")[1]:
            rel = {
                "subject": "Sarah",
                "predicate": "lives_in",
                "object": "Shinjuku",
                "fact": "Sarah moved to Shinjuku",
                "valid_from": "2025-04-24",
                "cardinality": "one",
                "evidence": [1],
            }
        else:
            rel = {
                "subject": "Sarah",
                "predicate": "lives_in",
                "object": "Shibuya",
                "fact": "Sarah lives in Shibuya",
                "cardinality": "one",
                "evidence": [1],
            }
        return {"entities": [{"name": "Sarah", "type": "Person"}], "relations": [rel], "invalidated": []}

    openai_stub.route(lambda b: purpose(b) == "extraction", model)
    settings = load_settings(**settings_kwargs, llm_base_url=openai_stub.url, llm_model="stub")
    with Memory(settings=settings, embedder=embedder) as memory:
        memory.add(
            [{"role": "user", "content": "Sarah lives in Shibuya", "id": "m1"}],
            user_id=user,
            timestamp="2025-04-01",
        )
        memory.add(
            [{"role": "user", "content": "Sarah moved to Shinjuku last week", "id": "m2"}],
            user_id=user,
            timestamp="2025-05-01",
        )
        now = run(memory, "user_current_graph", user_id=user)
        assert [(r["s"]["name"], r["o"]["name"]) for r in now] == [("Sarah", "Shinjuku")]
        history = run(memory, "entity_history", user_id=user, name=" sarah ")
        assert [(r["object"], r["status"]) for r in history] == [
            ("Shibuya", "superseded"),
            ("Shinjuku", "current"),
        ]
        changed = run(memory, "superseded_and_ended", user_id=user)
        assert len(changed) == 1 and changed[0]["replaced_by"]["object"] == "Shinjuku"
        new_id = history[1]["fact_id"]
        provenance = run(memory, "fact_provenance", user_id=user, fact_id=new_id)
        assert provenance and "m2" in str(provenance[0])
        episodes = run(memory, "fact_episodes", user_id=user, fact_id=new_id)
        assert [
            (r["content"], r["message_id"], sorted(r["mentions"]), r["prompt_version"]) for r in episodes
        ] == [("Sarah moved to Shinjuku last week", "m2", ["Sarah", "Shinjuku"], "extract/1")]
        versions, _, _ = memory.store.driver.execute_query(
            "MATCH ()-[f:FACT]->() WHERE f.user_id = $u RETURN collect(DISTINCT f.prompt_version) AS v",
            u=user,
        )
        assert versions[0]["v"] == ["extract/1"]  # every fact records the prompt that produced it
        overview = {r["user_id"]: r for r in run(memory, "users_overview")}
        assert (overview[user]["facts"], overview[user]["current"], overview[user]["superseded"]) == (2, 1, 1)
