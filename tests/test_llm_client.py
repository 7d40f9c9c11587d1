"""The LLM client against a local OpenAI-compatible server (real HTTP, the real openai SDK).

Covers the request (model, messages, schema, headers), structured-output step-down, tolerant
parsing, the repair round trip, the SDK's retries (429, 5xx, timeouts), giving up, and usage.
"""

from __future__ import annotations

import json
import time

import pytest
from pydantic import BaseModel

from mem0g.errors import ConfigError, LLMOutputError, LLMUnavailableError
from mem0g.llm import AsyncLLMClient, LLMClient, LLMConfig, LLMUsage, count_tokens
from mem0g.testing import OpenAIStub, Reply


class Pet(BaseModel):
    name: str
    species: str
    age: int | None = None


GOOD = {"name": "Rex", "species": "dog", "age": 3}
ASK = [{"role": "system", "content": "Extract the pet."}, {"role": "user", "content": "My dog Rex is 3."}]


def client(stub: OpenAIStub, **kwargs: object) -> LLMClient:
    options: dict[str, object] = {"timeout": 5, "max_retries": 2, **kwargs}
    config = LLMConfig(model="stub-model", base_url=stub.url, **options)  # type: ignore[arg-type]
    return LLMClient(config)


def test_request_carries_model_messages_schema_and_headers(openai_stub: OpenAIStub) -> None:
    openai_stub.script(GOOD)
    with client(openai_stub, extra_headers={"X-Tenant": "t1"}) as llm:
        result = llm.structured(ASK, schema=Pet, name="pet")
    assert result.value == Pet(**GOOD)
    (request,) = openai_stub.chat_requests()
    assert request.body["model"] == "stub-model"
    assert request.messages == ASK
    assert request.body["temperature"] == 0.0
    fmt = request.body["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["name"] == "pet"
    schema = fmt["json_schema"]["schema"]
    assert fmt["json_schema"]["strict"] is True
    assert schema["additionalProperties"] is False and set(schema["required"]) == {"name", "species", "age"}
    assert request.headers["x-tenant"] == "t1"
    assert request.headers["authorization"] == "Bearer not-needed"


def test_usage_comes_from_the_server_and_is_counted(openai_stub: OpenAIStub) -> None:
    openai_stub.script(GOOD)
    with client(openai_stub) as llm:
        result = llm.structured(ASK, schema=Pet, name="pet")
    expected_completion = count_tokens(json.dumps(GOOD))
    assert result.usage.calls == 1 and len(result.calls) == 1
    assert result.usage.completion_tokens == expected_completion
    assert result.usage.prompt_tokens == sum(count_tokens(m["content"]) + 3 for m in ASK) + 3
    assert result.calls[0].usage_reported and result.calls[0].mode == "json_schema"


def test_missing_usage_is_counted_locally(openai_stub: OpenAIStub) -> None:
    openai_stub.script(Reply(content=json.dumps(GOOD), usage=False))
    with client(openai_stub) as llm:
        result = llm.structured(ASK, schema=Pet, name="pet")
    assert not result.calls[0].usage_reported
    assert result.usage.completion_tokens == count_tokens(json.dumps(GOOD))
    assert result.usage.prompt_tokens > 0


def test_auto_steps_down_to_json_mode_and_remembers(openai_stub: OpenAIStub) -> None:
    refusal = Reply(status=400, body={"error": {"message": "response_format json_schema is not supported"}})
    openai_stub.script(refusal, GOOD, GOOD)
    with client(openai_stub) as llm:
        llm.structured(ASK, schema=Pet, name="pet")
        second = llm.structured(ASK, schema=Pet, name="pet")
    first_try, fallback, later = openai_stub.chat_requests()
    assert first_try.format_type == "json_schema"
    assert fallback.format_type == "json_object" and later.format_type == "json_object"
    assert '"species"' in fallback.messages[0]["content"]  # the schema went into the system prompt
    assert second.calls[0].mode == "json_object"


def test_prompt_mode_sends_no_response_format(openai_stub: OpenAIStub) -> None:
    openai_stub.script(GOOD)
    with client(openai_stub, structured_output="prompt") as llm:
        llm.structured([{"role": "user", "content": "hi"}], schema=Pet, name="pet")
    (request,) = openai_stub.chat_requests()
    assert "response_format" not in request.body
    assert request.messages[0]["role"] == "system" and "JSON schema" in request.messages[0]["content"]


def test_fixed_mode_refused_is_a_clear_error(openai_stub: OpenAIStub) -> None:
    openai_stub.script(Reply(status=400, body={"error": {"message": "unsupported response_format"}}))
    with (
        client(openai_stub, structured_output="json_schema") as llm,
        pytest.raises(LLMUnavailableError) as err,
    ):
        llm.structured(ASK, schema=Pet, name="pet")
    assert "MEM0G_LLM_STRUCTURED_OUTPUT" in str(err.value) and "stub-model" in str(err.value)


@pytest.mark.parametrize(
    "messy",
    [
        "```json\n" + json.dumps(GOOD) + "\n```",
        "<think>The user has a dog {maybe}.</think>\n" + json.dumps(GOOD),
        "Sure! Here is the JSON you asked for: " + json.dumps(GOOD) + " Let me know if you need more.",
        json.dumps(GOOD) + "\n\nNote: age is approximate {not json}",
        "```\n" + json.dumps(GOOD, indent=2) + "\n```\ntrailing",
    ],
)
def test_messy_answers_are_parsed(openai_stub: OpenAIStub, messy: str) -> None:
    openai_stub.script(messy)
    with client(openai_stub) as llm:
        assert llm.structured(ASK, schema=Pet, name="pet").value == Pet(**GOOD)
    assert len(openai_stub.chat_requests()) == 1


def test_repair_round_trip_shows_the_validation_error(openai_stub: OpenAIStub) -> None:
    openai_stub.script({"name": "Rex"}, GOOD)
    with client(openai_stub) as llm:
        result = llm.structured(ASK, schema=Pet, name="pet")
    assert result.value == Pet(**GOOD)
    first, repair = openai_stub.chat_requests()
    assert first.messages == ASK
    assert repair.messages[: len(ASK)] == ASK
    assert repair.messages[-2] == {"role": "assistant", "content": json.dumps({"name": "Rex"})}
    assert "species" in repair.messages[-1]["content"] and "Field required" in repair.messages[-1]["content"]
    assert result.usage.calls == 2 and [c.repair for c in result.calls] == [False, True]


def test_failed_repair_gives_up_with_provider_and_model(openai_stub: OpenAIStub) -> None:
    openai_stub.script("I cannot help with that.", "Still no JSON here.")
    with client(openai_stub) as llm, pytest.raises(LLMOutputError) as err:
        llm.structured(ASK, schema=Pet, name="pet")
    message = str(err.value)
    assert "stub-model" in message and openai_stub.url in message and "no JSON object" in message
    assert len(openai_stub.chat_requests()) == 2


def test_429_with_retry_after_is_retried(openai_stub: OpenAIStub) -> None:
    limited = Reply(status=429, body={"error": {"message": "slow down"}}, headers={"retry-after-ms": "50"})
    openai_stub.script(limited, GOOD)
    started = time.perf_counter()
    with client(openai_stub) as llm:
        result = llm.structured(ASK, schema=Pet, name="pet")
    assert result.value.name == "Rex"
    assert len(openai_stub.chat_requests()) == 2
    assert time.perf_counter() - started < 3  # honoured the 50 ms, not a long default backoff


def test_5xx_twice_then_success(openai_stub: OpenAIStub) -> None:
    broken = Reply(status=500, body={"error": {"message": "boom"}})
    openai_stub.script(broken, Reply(status=503, body={"error": {"message": "busy"}}), GOOD)
    with client(openai_stub) as llm:
        assert llm.structured(ASK, schema=Pet, name="pet").value.name == "Rex"
    assert len(openai_stub.chat_requests()) == 3


def test_timeout_is_retried(openai_stub: OpenAIStub) -> None:
    openai_stub.script(Reply(content=json.dumps(GOOD), delay=1.5), GOOD)
    with client(openai_stub, timeout=0.5) as llm:
        assert llm.structured(ASK, schema=Pet, name="pet").value.name == "Rex"
    assert len(openai_stub.chat_requests()) == 2


def test_retries_run_out(openai_stub: OpenAIStub) -> None:
    openai_stub.script(*[Reply(status=500, body={"error": {"message": "down for maintenance"}})] * 3)
    with client(openai_stub, max_retries=2) as llm, pytest.raises(LLMUnavailableError) as err:
        llm.structured(ASK, schema=Pet, name="pet")
    message = str(err.value)
    assert "HTTP 500" in message and "down for maintenance" in message and "3 attempt(s)" in message
    assert "stub-model" in message and openai_stub.url in message
    assert len(openai_stub.chat_requests()) == 3


def test_unauthorized_is_not_retried_and_never_shows_the_key(openai_stub: OpenAIStub) -> None:
    openai_stub.script(Reply(status=401, body={"error": {"message": "invalid api key"}}))
    with client(openai_stub, api_key="sk-secret-123") as llm, pytest.raises(LLMUnavailableError) as err:
        llm.structured(ASK, schema=Pet, name="pet")
    assert "HTTP 401" in str(err.value) and "OPENAI_API_KEY" in str(err.value)
    assert "sk-secret-123" not in str(err.value)
    assert len(openai_stub.chat_requests()) == 1
    assert openai_stub.chat_requests()[0].headers["authorization"] == "Bearer sk-secret-123"


def test_unreachable_server_names_the_url() -> None:
    config = LLMConfig(model="m", base_url="http://127.0.0.1:9/v1", timeout=1, max_retries=0)
    with LLMClient(config) as llm, pytest.raises(LLMUnavailableError) as err:
        llm.structured(ASK, schema=Pet, name="pet")
    assert "could not connect" in str(err.value) and "127.0.0.1:9" in str(err.value)


def test_openai_without_a_key_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as err:
        LLMClient(LLMConfig(model="gpt-4o-mini"))
    assert "OPENAI_API_KEY" in str(err.value)


def test_usage_adds_up() -> None:
    total = LLMUsage()
    total += LLMUsage(calls=1, prompt_tokens=10, completion_tokens=2)
    total = total + LLMUsage(calls=2, prompt_tokens=5, completion_tokens=1)
    assert (total.calls, total.prompt_tokens, total.completion_tokens, total.total_tokens) == (3, 15, 3, 18)


@pytest.mark.asyncio
async def test_async_client_same_behaviour(openai_stub: OpenAIStub) -> None:
    refusal = Reply(status=422, body={"error": {"message": "json_schema unsupported"}})
    openai_stub.script(refusal, '```json\n{"name": "Rex"}\n```', GOOD, Reply(status=500, body={}), GOOD)
    config = LLMConfig(model="stub-model", base_url=openai_stub.url, timeout=5, max_retries=2)
    async with AsyncLLMClient(config) as llm:
        first = await llm.structured(ASK, schema=Pet, name="pet")
        second = await llm.structured(ASK, schema=Pet, name="pet")
    assert first.value == second.value == Pet(**GOOD)
    assert [r.format_type for r in openai_stub.chat_requests()] == [
        "json_schema",
        "json_object",
        "json_object",
        "json_object",
        "json_object",
    ]
    assert first.usage.calls == 2 and second.usage.calls == 1
