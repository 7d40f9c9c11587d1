"""``Memory.add`` end to end: a real Neo4j, the real openai SDK, a local stub answering as a good
model would (scripted per test). Checks the call budget (1 per add, 0 per search, summaries
amortised), what the prompt carries, the seed article's scenarios, resumability, failures that
write nothing, background adds and tenant scoping.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from mem0g import Memory
from mem0g.config import load_settings
from mem0g.embeddings import SentenceTransformerEmbedder
from mem0g.errors import ConfigError, InvalidInputError, LLMUnavailableError
from mem0g.testing import OpenAIStub, Reply, purpose

pytestmark = pytest.mark.neo4j

MakeMemory = Callable[..., Memory]


@pytest.fixture
def make_memory(
    settings_kwargs: dict[str, object], embedder: SentenceTransformerEmbedder, openai_stub: OpenAIStub
) -> Iterator[MakeMemory]:
    opened: list[Memory] = []

    def make(**overrides: object) -> Memory:
        options: dict[str, object] = {
            "llm_base_url": openai_stub.url,
            "llm_model": "stub-model",
            "llm_max_retries": 1,
            "llm_timeout": 10,
            **overrides,
        }
        memory = Memory(settings=load_settings(**settings_kwargs, **options), embedder=embedder)
        opened.append(memory)
        return memory

    yield make
    for memory in opened:
        memory.close()


def relation(subject: str, predicate: str, obj: str, fact: str, **extra: Any) -> dict[str, Any]:
    return {"subject": subject, "predicate": predicate, "object": obj, "fact": fact, **extra}


def answer(
    *relations: dict[str, Any],
    entities: list[dict[str, Any]] | None = None,
    invalidated: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {"entities": entities or [], "relations": list(relations), "invalidated": invalidated or []}


def candidate_number(prompt: str, sentence: str) -> int:
    """The number the prompt gave an existing fact (what a model would read off the prompt)."""
    match = re.search(r"^\[(\d+)\] " + re.escape(sentence), prompt, re.MULTILINE)
    assert match, f"{sentence!r} is not among the existing facts shown:\n{prompt}"
    return int(match.group(1))


def user_prompt(body: dict[str, Any]) -> str:
    return str(body["messages"][-1]["content"])


# -- budget and prompt ---------------------------------------------------------------------------


def test_one_call_per_add_none_per_search(
    make_memory: MakeMemory, openai_stub: OpenAIStub, user: str
) -> None:
    memory = make_memory(summary_every=1000)
    openai_stub.script(
        answer(relation("I", "lives_in", "Lisbon", "I live in Lisbon")),
        answer(relation("I", "works_at", "Acme", "I work at Acme")),
    )
    first = memory.add("I live in Lisbon", user_id=user, timestamp="2025-03-01T09:00:00Z")
    second = memory.add(
        [{"role": "user", "content": "I work at Acme"}, {"role": "assistant", "content": "Noted!"}],
        user_id=user,
        timestamp="2025-03-02T09:00:00Z",
    )
    assert len(openai_stub.chat_requests()) == 2
    assert first.usage.calls == 1 and second.usage.calls == 1
    assert first.usage.prompt_tokens > 0 and first.calls[0].prompt_tokens == first.usage.prompt_tokens
    hits = memory.search("Where do I live?", user_id=user).results
    memory.search("Who do I work for?", user_id=user, include_history=True)
    memory.search("work", user_id=user, as_of="2025-03-01T12:00:00Z")
    assert len(openai_stub.chat_requests()) == 2  # search calls no LLM
    assert hits[0].fact == "I live in Lisbon" and hits[0].source == first.episodes
    assert first.prompt_version == "extract/1"
    assert {e.event for e in first.results} == {"added"} and first.added == [first.results[0].id]


def test_prompt_carries_time_recent_messages_and_numbered_candidates(
    make_memory: MakeMemory, openai_stub: OpenAIStub, user: str
) -> None:
    memory = make_memory(summary_every=1000)
    openai_stub.script(answer(relation("Sarah", "lives_in", "Shibuya", "Sarah lives in Shibuya")), answer())
    memory.add("My friend Sarah lives in Shibuya", user_id=user, timestamp="2025-04-01T09:00:00Z")
    memory.add("Sarah moved to Shinjuku last week", user_id=user, timestamp="2025-05-01T10:00:00Z")
    second = openai_stub.chat_requests()[-1]
    system, prompt = second.messages[0]["content"], user_prompt(second.body)
    assert "2025-05-01T10:00:00+00:00 (Thursday)" in system
    assert "My friend Sarah lives in Shibuya" in prompt.split("EXISTING FACTS")[0]  # a recent message
    assert candidate_number(prompt, "Sarah lives in Shibuya") == 1
    assert "(1) 2025-05-01 10:00 user: Sarah moved to Shinjuku last week" in prompt
    stored_ids = {f.id for f in memory.get_all(user_id=user)}
    assert not any(fid in prompt for fid in stored_ids)  # ids never reach the model
    assert second.schema_name == "mem0g_extraction"


def test_infer_false_stores_episodes_only(
    make_memory: MakeMemory, openai_stub: OpenAIStub, user: str
) -> None:
    memory = make_memory()
    result = memory.add(
        [{"role": "user", "content": "I adopted a cat named Miso", "id": "D1:1"}],
        user_id=user,
        infer=False,
        timestamp="2025-02-02",
    )
    assert openai_stub.chat_requests() == [] and result.usage.calls == 0
    assert len(result.episodes) == 1 and memory.get_all(user_id=user) == []
    hits = memory.search_episodes("pet cat", user_id=user, limit=3)
    assert hits[0].content == "I adopted a cat named Miso" and hits[0].source_id == "D1:1"
    assert memory.search_episodes("pet cat", user_id=user, as_of="2025-01-01") == []


def test_readding_identified_messages_is_skipped(
    make_memory: MakeMemory, openai_stub: OpenAIStub, user: str
) -> None:
    memory = make_memory()
    messages = [{"role": "user", "content": "I live in Porto", "id": "m1"}]
    openai_stub.script(answer(relation("I", "lives_in", "Porto", "I live in Porto")))
    first = memory.add(messages, user_id=user, timestamp="2025-01-01")
    again = memory.add(messages, user_id=user, timestamp="2025-01-01")
    assert again.skipped and again.episodes_skipped == first.episodes and again.usage.calls == 0
    assert len(openai_stub.chat_requests()) == 1 and len(memory.get_all(user_id=user)) == 1


def test_summary_is_refreshed_off_the_hot_path_every_n_messages(
    make_memory: MakeMemory, openai_stub: OpenAIStub, user: str
) -> None:
    memory = make_memory(summary_every=4)
    openai_stub.route(lambda body: purpose(body) == "summary", {"summary": "The user talks about hobbies."})
    openai_stub.route(lambda body: purpose(body) == "extraction", answer())
    for i in range(6):
        result = memory.add(
            [{"role": "user", "content": f"message {i}"}, {"role": "assistant", "content": "ok"}],
            user_id=user,
            timestamp=f"2025-01-0{i + 1}",
        )
        assert result.usage.calls == 1  # the add itself never waits for a summary
    memory.flush(summarize=False)
    assert len(openai_stub.chat_requests("extraction")) == 6
    # Due after every 4 messages (2 adds), run in the background: a refresh covers whatever has
    # arrived when it runs, so 12 messages take at most 3 refreshes, never one per add.
    refreshes = len(openai_stub.chat_requests("summary"))
    assert 1 <= refreshes <= 3
    assert memory.summary(user) == "The user talks about hobbies."
    memory.flush()  # on flush, whatever the summary does not cover yet is summarised
    assert memory.summary(user) == "The user talks about hobbies."
    assert len(openai_stub.chat_requests("summary")) <= refreshes + 1
    openai_stub.script(answer())
    memory.add("one more", user_id=user)
    assert "The user talks about hobbies." in user_prompt(openai_stub.chat_requests("extraction")[-1].body)
    assert memory.failures() == []


# -- the seed article's scenarios ----------------------------------------------------------------


def test_vegetarian_and_dairy_are_found_for_dinner(
    make_memory: MakeMemory, openai_stub: OpenAIStub, user: str
) -> None:
    memory = make_memory()
    openai_stub.script(
        answer(
            relation("I", "is", "vegetarian", "I am vegetarian"),
            relation("I", "allergic_to", "dairy products", "I am allergic to dairy products"),
            entities=[{"name": "dairy products", "type": "Food"}],
        )
    )
    memory.add(
        ["I'm vegetarian and allergic to dairy products", "Got it! I'll remember your dietary restrictions."],
        user_id=user,
        metadata={"category": "dietary_preferences", "timestamp": "2025-04-15T10:30:00Z"},
    )
    request = openai_stub.chat_requests()[0]
    assert "2025-04-15T10:30:00+00:00" in request.messages[0]["content"]  # metadata timestamp is "now"
    assert "(2) 2025-04-15 10:30 assistant: Got it!" in user_prompt(request.body)
    hits = memory.search("Suggest some restaurants for dinner", user_id=user, limit=5).results
    facts = {h.fact for h in hits}
    assert {"I am vegetarian", "I am allergic to dairy products"} <= facts
    assert all(h.metadata["category"] == "dietary_preferences" for h in hits)
    filtered = memory.search("dinner", user_id=user, filters={"category": "dietary_preferences"}).results
    assert len(filtered) == 2


def test_spicy_food_is_superseded_with_dates_and_history_tells_both(
    make_memory: MakeMemory, openai_stub: OpenAIStub, user: str
) -> None:
    memory = make_memory()
    openai_stub.script(answer(relation("I", "loves", "spicy food", "I love spicy food and eat it every day")))
    memory.add("I love spicy food and eat it every day", user_id=user, timestamp="2025-01-10T12:00:00Z")

    def second(body: dict[str, Any]) -> dict[str, Any]:
        number = candidate_number(user_prompt(body), "I love spicy food and eat it every day")
        return answer(
            relation("I", "avoids", "spicy food", "I avoid spicy food because of acid reflux"),
            relation("I", "has_condition", "acid reflux", "I have developed acid reflux"),
            invalidated=[{"fact": number, "action": "contradicted", "replaced_by": 1}],
        )

    openai_stub.script(second)
    result = memory.add(
        "Actually, I've developed acid reflux, so I avoid spicy food now",
        user_id=user,
        timestamp="2025-05-03T18:00:00Z",
    )
    assert len(result.superseded) == 1 and result.rejected_invalidations == []
    old = next(f for f in memory.get_all(user_id=user) if f.predicate == "loves")
    assert old.status == "superseded" and old.valid_until is not None
    assert old.valid_until.isoformat() == "2025-05-03T18:00:00+00:00"
    current = memory.search("food recommendations", user_id=user).results
    assert "I love spicy food and eat it every day" not in {h.fact for h in current}
    history = memory.search("food recommendations spicy", user_id=user, include_history=True).results
    order = [h.fact for h in history]
    avoid, love = (
        order.index("I avoid spicy food because of acid reflux"),
        order.index("I love spicy food and eat it every day"),
    )
    assert avoid < love  # now, then what it replaced
    assert [s.id for s in history[avoid].supersedes] == [old.id]


def test_sarah_moves_and_as_of_answers_both_sides(
    make_memory: MakeMemory, openai_stub: OpenAIStub, user: str
) -> None:
    memory = make_memory()
    openai_stub.script(
        answer(
            relation("Sarah", "lives_in", "Shibuya", "Sarah lives in Shibuya"),
            relation("I", "friend_of", "Sarah", "Sarah is my friend"),
            entities=[{"name": "Sarah", "type": "Person"}, {"name": "Shibuya", "type": "Location"}],
        )
    )
    memory.add("My friend Sarah lives in Shibuya", user_id=user, timestamp="2025-04-01T09:00:00Z")

    def moved(body: dict[str, Any]) -> dict[str, Any]:
        # "last week", said on 2025-05-01: a good model resolves it against the time in the prompt.
        assert "2025-05-01T10:00:00+00:00" in body["messages"][0]["content"]
        number = candidate_number(user_prompt(body), "Sarah lives in Shibuya")
        return answer(
            relation("Sarah", "lives_in", "Shinjuku", "Sarah moved to Shinjuku", valid_from="2025-04-24"),
            invalidated=[{"fact": number, "action": "updated", "replaced_by": 1}],
        )

    openai_stub.script(moved)
    result = memory.add("Sarah moved to Shinjuku last week", user_id=user, timestamp="2025-05-01T10:00:00Z")
    assert len(result.superseded) == 1
    now = memory.search("Where does Sarah live?", user_id=user, limit=1).results[0]
    assert now.object == "Shinjuku" and now.status == "current"
    before = memory.search("Where does Sarah live?", user_id=user, limit=1, as_of="2025-04-10").results[0]
    assert before.object == "Shibuya" and before.status == "superseded"
    after = memory.search("Where does Sarah live?", user_id=user, limit=1, as_of="2025-04-28").results[0]
    assert after.object == "Shinjuku"
    shibuya = next(f for f in memory.get_all(user_id=user) if f.object == "Shibuya")
    assert shibuya.valid_until is not None and shibuya.valid_until.date().isoformat() == "2025-04-24"


def test_tokyo_trip_ramen_near_sarah_through_the_graph(
    make_memory: MakeMemory, openai_stub: OpenAIStub, user: str
) -> None:
    memory = make_memory()
    openai_stub.script(
        answer(
            relation("I", "visiting", "Tokyo", "I'm visiting Tokyo in June", valid_from="2025-06-01"),
            relation("Sarah", "lives_in", "Shibuya", "Sarah lives in Shibuya"),
            relation("I", "friend_of", "Sarah", "Sarah is my friend"),
            relation("Shibuya", "district_of", "Tokyo", "Shibuya is a district of Tokyo"),
            relation("I", "loves", "ramen", "I love ramen"),
            relation("I", "prefers", "quiet places", "I prefer quiet places and hate crowds"),
            relation("I", "interested_in", "museums", "I want to visit museums"),
            relation(
                "Ichiran Shibuya", "located_in", "Shibuya", "Ichiran Shibuya is a ramen shop in Shibuya"
            ),
        )
    )
    memory.add(
        "I'm visiting Tokyo in June. My friend Sarah lives in Shibuya. I love ramen but hate crowds, "
        "and I want to visit museums. Sarah recommended Ichiran Shibuya.",
        user_id=user,
        timestamp="2025-04-01T09:00:00Z",
    )
    hits = memory.search("ramen near Sarah", user_id=user, limit=8, hops=2).results
    facts = {h.fact: h for h in hits}
    assert "I love ramen" in facts and "Sarah lives in Shibuya" in facts
    shop = facts["Ichiran Shibuya is a ramen shop in Shibuya"]
    assert shop.hops >= 1 or shop.path  # reached through the graph or matched directly, with a path


# -- failures, background, scoping ---------------------------------------------------------------


def test_llm_failure_writes_nothing(make_memory: MakeMemory, openai_stub: OpenAIStub, user: str) -> None:
    memory = make_memory(llm_max_retries=1)
    openai_stub.script(*[Reply(status=503, body={"error": {"message": "overloaded"}})] * 2)
    with pytest.raises(LLMUnavailableError) as err:
        memory.add("I live in Oslo", user_id=user)
    assert "HTTP 503" in str(err.value) and "stub-model" in str(err.value)
    assert memory.get_all(user_id=user) == []
    assert memory.search_episodes("Oslo", user_id=user) == []  # the messages were not half-written


def test_no_llm_configured_is_one_clear_error(
    settings_kwargs: dict[str, object],
    embedder: SentenceTransformerEmbedder,
    user: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("OPENAI_API_KEY", "MEM0G_LLM_API_KEY", "MEM0G_LLM_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    with Memory(settings=load_settings(**settings_kwargs), embedder=embedder) as memory:
        with pytest.raises(ConfigError) as err:
            memory.add("hello", user_id=user)
        assert "MEM0G_LLM_BASE_URL" in str(err.value) and "OPENAI_API_KEY" in str(err.value)
        assert memory.add("hello", user_id=user, infer=False).episodes  # no LLM needed


def test_bad_messages_are_refused_before_anything_runs(make_memory: MakeMemory, user: str) -> None:
    memory = make_memory()
    for bad in ("", [], [{"role": "user"}], [{"content": "x", "colour": "red"}], [42]):
        with pytest.raises(InvalidInputError):
            memory.add(bad, user_id=user, wait=False)
    with pytest.raises(InvalidInputError):
        memory.add("hi", user_id=user, timestamp="next tuesday")


def test_background_adds_keep_each_users_order_and_report_failures(
    make_memory: MakeMemory, openai_stub: OpenAIStub, make_user: Callable[[str], str]
) -> None:
    memory = make_memory(background_concurrency=2, llm_max_retries=0)
    alice, bob = make_user("alice"), make_user("bob")

    def respond(body: dict[str, Any]) -> Any:
        text = user_prompt(body).split("NEW MESSAGES")[1]
        city = re.search(r"I live in (\w+)", text)
        if "fail" in text:
            return Reply(status=500, body={"error": {"message": "scripted failure"}})
        assert city
        return answer(relation("I", "lives_in", city.group(1), f"I live in {city.group(1)}"))

    openai_stub.route(lambda body: purpose(body) == "extraction", respond)
    openai_stub.route(lambda body: purpose(body) == "summary", {"summary": "s"})
    cities = ["Rome", "Paris", "Berlin", "Vienna"]
    handles = []
    for day, city in enumerate(cities, 1):
        for who in (alice, bob):
            handles.append(
                memory.add(f"I live in {city}", user_id=who, timestamp=f"2025-01-0{day}", wait=False)
            )
    failing = memory.add("please fail", user_id=alice, timestamp="2025-01-09", wait=False)
    memory.flush(summarize=False)
    assert all(h.result(timeout=0).usage.calls == 1 for h in handles)
    with pytest.raises(LLMUnavailableError):
        failing.result(timeout=0)
    assert failing.status.state == "failed" and "scripted failure" in (failing.status.error or "")
    assert [f.id for f in memory.failures()] == [failing.id]
    assert memory.task_status(failing.id) == failing.status
    for who in (alice, bob):
        current = [f for f in memory.get_all(user_id=who, current_only=True) if f.predicate == "lives_in"]
        assert [f.object for f in current] == ["Vienna"]  # the last one, as added in order
        assert len(memory.get_all(user_id=who)) == 4


def test_candidates_come_only_from_the_users_own_facts(
    make_memory: MakeMemory, openai_stub: OpenAIStub, make_user: Callable[[str], str]
) -> None:
    memory = make_memory()
    alice, bob = make_user("alice"), make_user("bob")
    secret = f"Sarah lives in Shibuya {uuid.uuid4().hex[:6]}"
    openai_stub.script(answer(relation("Sarah", "lives_in", "Shibuya", secret)), answer())
    memory.add("Sarah lives in Shibuya", user_id=alice)
    memory.add("Where does Sarah live now? She moved.", user_id=bob)
    prompt = user_prompt(openai_stub.chat_requests()[-1].body)
    assert secret not in prompt
    assert memory.search("Sarah", user_id=bob).results == []


def test_hostile_model_output_is_stored_verbatim_and_harmless(
    make_memory: MakeMemory, openai_stub: OpenAIStub, user: str
) -> None:
    memory = make_memory()
    evil = "x'}) MATCH (n) DETACH DELETE n //"
    openai_stub.script(
        answer(
            relation(evil, "`knows`\n", 'O"Brien', "A sentence with ' and \" and `"),
            entities=[{"name": evil, "type": "Person`) DETACH DELETE n"}],
        )
    )
    before = len(memory.users())
    memory.add("hostile", user_id=user)
    (fact,) = memory.get_all(user_id=user)
    assert (fact.subject, fact.predicate, fact.object) == (evil, "`knows`", 'O"Brien')
    assert fact.subject_type == "Person`) DETACH DELETE n"
    assert len(memory.users()) >= before  # nobody else lost anything
