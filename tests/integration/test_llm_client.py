"""The LLM client against a local OpenAI-compatible server (real HTTP, the real openai SDK), plus
pure tests of its parsing and schema pieces.

Covers the request (model, messages, schema, headers, timeout), structured-output step-down and
its memory, tolerant parsing, the repair round trip, the SDK's retries (429, 5xx, timeouts),
giving up, parameter quirks of reasoning models, Azure, usage, and the async client.
Retry waits are the SDK's real ones (0.5 s doubling, minus jitter), so retry counts stay small.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from typing import Any

import httpx2
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from pydantic import BaseModel, Field

from mem0g.errors import ConfigError, LLMError, LLMOutputError, LLMUnavailableError
from mem0g.extraction import Extraction
from mem0g.llm import (
    AsyncLLMClient,
    JSONTextError,
    LLMClient,
    LLMConfig,
    LLMUsage,
    count_tokens,
    parse_json_text,
    strict_problems,
    strict_schema,
)
from mem0g.testing import Delay, LLMStub, Reply, chat_prompt_tokens


class Pet(BaseModel):
    name: str
    species: str
    age: int | None = None


class Tagged(BaseModel):
    name: str
    tags: dict[str, str] = Field(default_factory=dict)  # an open object: strict mode cannot take it


GOOD = {"name": "Rex", "species": "dog", "age": 3}
ASK = [{"role": "system", "content": "Extract the pet."}, {"role": "user", "content": "My dog Rex is 3."}]
REFUSAL = (400, {}, {"error": {"message": "response_format json_schema is not supported", "type": "invalid"}})


def config(stub: LLMStub, **options: Any) -> LLMConfig:
    return LLMConfig(
        **{"base_url": stub.url, "model": "stub-model", "timeout": 5, "max_retries": 2, **options}
    )


def client(stub: LLMStub, **options: Any) -> LLMClient:
    return LLMClient(config(stub, **options))


def ask(stub: LLMStub, **options: Any) -> Any:
    with client(stub, **options) as llm:
        return llm.structured(ASK, schema=Pet, name="pet")


# -- the request ---------------------------------------------------------------------------------


def test_request_carries_model_messages_schema_and_headers(llm_stub: LLMStub) -> None:
    llm_stub.script(GOOD)
    result = ask(llm_stub, extra_headers={"X-Tenant": "t1"})
    assert result.value == Pet(**GOOD)
    (request,) = llm_stub.chat_requests()
    assert request.path == "/v1/chat/completions"
    assert request.body["model"] == "stub-model" and request.body["temperature"] == 0.0
    assert request.messages == ASK
    assert "max_tokens" not in request.body
    fmt = request.response_format
    assert fmt is not None and fmt["type"] == "json_schema"
    assert fmt["json_schema"]["name"] == "pet" and fmt["json_schema"]["strict"] is True
    schema = request.schema
    assert schema is not None and schema["additionalProperties"] is False
    assert set(schema["required"]) == {"name", "species", "age"} and "default" not in json.dumps(schema)
    assert request.headers["x-tenant"] == "t1"
    assert request.headers["authorization"] == "Bearer not-needed"  # placeholder for keyless servers
    assert request.retry_count == 0


def test_model_and_max_tokens_per_call_and_a_safe_schema_name(llm_stub: LLMStub) -> None:
    llm_stub.script(GOOD)
    with client(llm_stub) as llm:
        llm.structured(ASK, schema=Pet, name="my pet: v2", model="cheap-model", max_tokens=50)
    (request,) = llm_stub.chat_requests()
    assert request.body["model"] == "cheap-model" and request.body["max_tokens"] == 50
    assert request.schema_name == "my_pet__v2"


def test_schema_that_cannot_be_strict_is_sent_non_strict(llm_stub: LLMStub) -> None:
    llm_stub.script({"name": "Rex", "tags": {"colour": "brown"}})
    with client(llm_stub) as llm:
        result = llm.structured(ASK, schema=Tagged, name="tagged")
    assert result.value.tags == {"colour": "brown"}
    fmt = llm_stub.chat_requests()[0].response_format
    assert fmt is not None and fmt["json_schema"]["strict"] is False
    assert fmt["json_schema"]["schema"] == Tagged.model_json_schema()


def test_timeout_is_honoured(llm_stub: LLMStub) -> None:
    llm_stub.script(Delay(3, GOOD))
    started = time.perf_counter()
    with pytest.raises(LLMUnavailableError) as err:
        ask(llm_stub, timeout=0.3, max_retries=0)
    assert time.perf_counter() - started < 2
    message = str(err.value)
    assert "timed out" in message and "0.3 s" in message and "MEM0G_LLM_TIMEOUT" in message
    assert "stub-model" in message and llm_stub.url in message


def test_injected_http_client_is_used() -> None:
    seen: list[httpx2.Request] = []

    def answer(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        body = {
            "id": "x",
            "object": "chat.completion",
            "created": 0,
            "model": "m",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": json.dumps(GOOD)}}],
        }
        return httpx2.Response(200, json=body)

    http = httpx2.Client(transport=httpx2.MockTransport(answer))
    with LLMClient(LLMConfig(base_url="http://llm.invalid/v1", model="m"), http_client=http) as llm:
        result = llm.structured(ASK, schema=Pet, name="pet")
    assert result.value.name == "Rex" and str(seen[0].url) == "http://llm.invalid/v1/chat/completions"
    assert result.calls[0].usage_reported is False  # no usage in the answer: counted locally
    assert http.is_closed


# -- structured-output modes -----------------------------------------------------------------------


def test_auto_falls_back_to_json_mode_and_remembers(llm_stub: LLMStub) -> None:
    llm_stub.script(REFUSAL, GOOD, GOOD)
    with client(llm_stub) as llm:
        first = llm.structured(ASK, schema=Pet, name="pet")
        second = llm.structured(ASK, schema=Pet, name="pet")
    assert first.value == second.value == Pet(**GOOD)
    refused, fallback, later = llm_stub.chat_requests()
    assert refused.format_type == "json_schema"
    assert fallback.format_type == "json_object" and later.format_type == "json_object"
    system = fallback.messages[0]
    assert system["role"] == "system" and system["content"].startswith("Extract the pet.")
    assert "one JSON object" in system["content"] and json.dumps(Pet.model_json_schema()) in system["content"]
    assert fallback.messages[1:] == ASK[1:]
    assert [c.mode for c in first.calls] == ["json_object"] and first.usage.calls == 1
    assert llm_stub.count(response_format="json_object") == 2
    assert llm_stub.count(response_format="json_schema") == 1


def test_json_mode_without_a_system_message_adds_one(llm_stub: LLMStub) -> None:
    llm_stub.script(GOOD)
    with client(llm_stub, structured_output="json_object") as llm:
        llm.structured([{"role": "user", "content": "My dog Rex is 3."}], schema=Pet, name="pet")
    (request,) = llm_stub.chat_requests()
    assert request.response_format == {"type": "json_object"}
    assert request.messages[0]["role"] == "system" and '"species"' in request.messages[0]["content"]


def test_auto_steps_down_to_prompt_mode_when_json_mode_is_refused_too(llm_stub: LLMStub) -> None:
    json_mode_refused = (422, {}, {"detail": [{"loc": ["body", "response_format"], "msg": "extra field"}]})
    llm_stub.script(REFUSAL, json_mode_refused, GOOD)
    result = ask(llm_stub)
    assert [r.format_type for r in llm_stub.chat_requests()] == ["json_schema", "json_object", None]
    assert result.calls[0].mode == "prompt"
    assert "JSON schema" in llm_stub.chat_requests()[-1].messages[0]["content"]


def test_an_unrelated_400_is_an_error_not_a_step_down(llm_stub: LLMStub) -> None:
    too_long = (400, {}, {"error": {"message": "This model's maximum context length is 8192 tokens."}})
    llm_stub.script(too_long, GOOD)
    with client(llm_stub) as llm:
        with pytest.raises(LLMUnavailableError) as err:
            llm.structured(ASK, schema=Pet, name="pet")
        llm.structured(ASK, schema=Pet, name="pet")
    assert "HTTP 400" in str(err.value) and "maximum context length" in str(err.value)
    assert [r.format_type for r in llm_stub.chat_requests()] == ["json_schema", "json_schema"]


def test_a_pinned_mode_that_is_refused_is_a_clear_error(llm_stub: LLMStub) -> None:
    llm_stub.script(REFUSAL)
    with pytest.raises(LLMUnavailableError) as err:
        ask(llm_stub, structured_output="json_schema")
    message = str(err.value)
    assert "MEM0G_LLM_STRUCTURED_OUTPUT" in message and "stub-model" in message and "not supported" in message
    assert len(llm_stub.chat_requests()) == 1


def test_concurrent_calls_step_down_once(llm_stub: LLMStub) -> None:
    barrier = threading.Barrier(4, timeout=5)

    def answer(body: dict[str, Any]) -> Any:
        if body.get("response_format", {}).get("type") == "json_schema":
            barrier.wait()  # all four refusals are in flight together
            return REFUSAL
        return GOOD

    llm_stub.route(lambda body: True, answer)
    with client(llm_stub) as llm:
        threads = [
            threading.Thread(target=llm.structured, args=(ASK,), kwargs={"schema": Pet, "name": "p"})
            for _ in range(4)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
    formats = [r.format_type for r in llm_stub.chat_requests()]
    assert formats.count("json_schema") == 4 and formats.count("json_object") == 4 and None not in formats


# -- parsing and repair --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "messy",
    [
        json.dumps(GOOD),
        "```json\n" + json.dumps(GOOD, indent=2) + "\n```",
        '<think>The user has a dog {maybe}. Output {"name": "draft"}?</think>\n' + json.dumps(GOOD),
        "Okay, the user wants JSON {so}.</think>" + json.dumps(GOOD),  # template opened the block
        "Sure! Here is the JSON you asked for: " + json.dumps(GOOD) + " Let me know if you need more.",
        json.dumps(GOOD) + "\n\nNote: age is approximate {not json}",
        "Use {curly braces like this: " + json.dumps(GOOD),
        "```\n" + json.dumps(GOOD) + "\n```\ntrailing",
    ],
    ids=["plain", "fence", "think", "lone-close-think", "prose", "trailing", "unclosed-prose", "bare-fence"],
)
def test_messy_answers_are_parsed_without_a_repair(llm_stub: LLMStub, messy: str) -> None:
    llm_stub.script(messy)
    assert ask(llm_stub).value == Pet(**GOOD)
    assert len(llm_stub.chat_requests()) == 1


def test_repair_round_trip_shows_the_validation_error(llm_stub: LLMStub) -> None:
    bad = {"name": "Rex", "age": "three"}
    llm_stub.script(bad, GOOD)
    result = ask(llm_stub)
    assert result.value == Pet(**GOOD)
    first, repair = llm_stub.chat_requests()
    assert first.messages == ASK
    assert repair.messages[: len(ASK)] == ASK
    assert repair.messages[-2] == {"role": "assistant", "content": json.dumps(bad)}
    feedback = repair.messages[-1]
    assert feedback["role"] == "user"
    assert (
        "species: Field required" in feedback["content"]
        and "age: Input should be a valid integer" in (feedback["content"])
    )
    assert "corrected JSON" in feedback["content"]
    assert repair.format_type == "json_schema"  # the repair asks in the same mode
    assert result.usage.calls == 2 and [c.repair for c in result.calls] == [False, True]


def test_failed_repair_gives_up_naming_provider_model_and_error(llm_stub: LLMStub) -> None:
    llm_stub.script("I cannot help with that.", {"name": "Rex"})
    with pytest.raises(LLMOutputError) as err:
        ask(llm_stub)
    message = str(err.value)
    assert "stub-model" in message and f"OpenAI-compatible server at {llm_stub.url}" in message
    assert "species: Field required" in message and '{"name": "Rex"}' in message
    assert "\n" not in message
    assert len(llm_stub.chat_requests()) == 2
    assert "no JSON object" in llm_stub.chat_requests()[1].messages[-1]["content"]


def test_cut_off_answer_says_so(llm_stub: LLMStub) -> None:
    cut = Reply(content='{"name": "Rex", "spec', finish_reason="length")
    llm_stub.script(cut, cut)
    with pytest.raises(LLMOutputError) as err:
        ask(llm_stub)
    assert "cut off" in str(err.value) and "max_tokens" in str(err.value)


# -- retries (the SDK's) ------------------------------------------------------------------------------


def test_429_with_retry_after_zero_is_retried(llm_stub: LLMStub) -> None:
    limited = (429, {"Retry-After": "0"}, {"error": {"message": "slow down"}})
    llm_stub.script(limited, GOOD)
    assert ask(llm_stub).value.name == "Rex"
    assert [r.retry_count for r in llm_stub.chat_requests()] == [0, 1]


def test_retry_after_ms_is_honoured(llm_stub: LLMStub) -> None:
    limited = (429, {"retry-after-ms": "20"}, {"error": {"message": "slow down"}})
    llm_stub.script(limited, limited, GOOD)
    started = time.perf_counter()
    assert ask(llm_stub).value.name == "Rex"
    assert time.perf_counter() - started < 0.6  # two 20 ms waits, not 0.5 s + 1 s of backoff
    assert len(llm_stub.chat_requests()) == 3


def test_5xx_twice_then_success_with_exponential_backoff(llm_stub: LLMStub) -> None:
    llm_stub.script((500, {}, {"error": {"message": "boom"}}), (503, {}, "<html>busy</html>"), GOOD)
    started = time.perf_counter()
    result = ask(llm_stub)
    elapsed = time.perf_counter() - started
    assert result.value.name == "Rex" and result.usage.calls == 1
    assert [r.retry_count for r in llm_stub.chat_requests()] == [0, 1, 2]
    assert elapsed >= 0.375 + 0.75  # 0.5 s then 1 s, each minus at most 25 % jitter


def test_timeout_is_retried_then_succeeds(llm_stub: LLMStub) -> None:
    llm_stub.script(Delay(2, GOOD), GOOD)
    assert ask(llm_stub, timeout=0.3, max_retries=1).value.name == "Rex"
    assert [r.retry_count for r in llm_stub.chat_requests()] == [0, 1]


def test_retries_run_out(llm_stub: LLMStub) -> None:
    down = (500, {"retry-after-ms": "1"}, {"error": {"message": "down for maintenance"}})
    llm_stub.script(down, down, down)
    with pytest.raises(LLMUnavailableError) as err:
        ask(llm_stub, max_retries=2)
    message = str(err.value)
    assert f"OpenAI-compatible server at {llm_stub.url} (model stub-model)" in message
    assert "HTTP 500" in message and "down for maintenance" in message and "3 attempt(s)" in message
    assert "MEM0G_LLM_MAX_RETRIES" in message and "\n" not in message
    assert len(llm_stub.chat_requests()) == 3


def test_401_is_not_retried_and_never_shows_the_key(llm_stub: LLMStub) -> None:
    key = "sk-secret-123456"
    llm_stub.script((401, {}, {"error": {"message": f"invalid api key {key}"}}))
    with pytest.raises(LLMUnavailableError) as err:
        ask(llm_stub, api_key=key)
    message = str(err.value)
    assert "HTTP 401" in message and "OPENAI_API_KEY" in message and key not in message
    assert len(llm_stub.chat_requests()) == 1
    assert llm_stub.chat_requests()[0].headers["authorization"] == f"Bearer {key}"
    assert key not in repr(config(llm_stub, api_key=key))


def test_unknown_model_names_the_setting(llm_stub: LLMStub) -> None:
    llm_stub.script((404, {}, {"error": {"message": "model 'stub-model' not found"}}))
    with pytest.raises(LLMUnavailableError) as err:
        ask(llm_stub)
    assert "HTTP 404" in str(err.value) and "MEM0G_LLM_MODEL" in str(err.value)
    assert len(llm_stub.chat_requests()) == 1


def test_unreachable_server_names_the_url() -> None:
    with LLMStub() as gone:
        url = gone.url
    cfg = LLMConfig(base_url=url, model="m", timeout=1, max_retries=0)
    with LLMClient(cfg) as llm, pytest.raises(LLMUnavailableError) as err:
        llm.structured(ASK, schema=Pet, name="pet")
    assert "could not be reached" in str(err.value) and url in str(err.value)
    assert "MEM0G_LLM_BASE_URL" in str(err.value)
    assert isinstance(err.value, LLMError)


def test_unscripted_request_fails_at_once(llm_stub: LLMStub) -> None:
    started = time.perf_counter()
    with pytest.raises(LLMUnavailableError, match="no scripted answer"):
        ask(llm_stub, max_retries=4)
    assert time.perf_counter() - started < 0.5 and len(llm_stub.chat_requests()) == 1


# -- reasoning-model parameters ------------------------------------------------------------------------


def test_refused_temperature_is_dropped_and_remembered(llm_stub: LLMStub) -> None:
    refused = (
        400,
        {},
        {
            "error": {
                "message": "Unsupported value: 'temperature' does not support 0.0 with this model.",
                "param": "temperature",
                "code": "unsupported_value",
            }
        },
    )
    llm_stub.script(refused, GOOD, GOOD)
    with client(llm_stub) as llm:
        llm.structured(ASK, schema=Pet, name="pet")
        llm.structured(ASK, schema=Pet, name="pet")
    bodies = [r.body for r in llm_stub.chat_requests()]
    assert "temperature" in bodies[0] and "temperature" not in bodies[1] and "temperature" not in bodies[2]
    assert all(b["response_format"]["type"] == "json_schema" for b in bodies)


def test_max_tokens_becomes_max_completion_tokens_when_asked(llm_stub: LLMStub) -> None:
    refused = (
        400,
        {},
        {
            "error": {
                "message": "Unsupported parameter: 'max_tokens' is not supported with this model. "
                "Use 'max_completion_tokens' instead.",
                "param": "max_tokens",
            }
        },
    )
    llm_stub.script(refused, GOOD)
    with client(llm_stub) as llm:
        llm.structured(ASK, schema=Pet, name="pet", max_tokens=100)
    first, second = llm_stub.chat_requests()
    assert first.body["max_tokens"] == 100 and second.body["max_completion_tokens"] == 100
    assert "max_tokens" not in second.body


# -- providers and configuration -----------------------------------------------------------------------


def test_azure_goes_to_the_deployment_with_the_api_key_header(llm_stub: LLMStub) -> None:
    llm_stub.script(GOOD)
    cfg = LLMConfig(
        base_url=llm_stub.root_url, api_key="azure-key", model="my-deployment", azure_api_version="2024-10-21"
    )
    assert cfg.provider == f"Azure OpenAI at {llm_stub.root_url}"
    with LLMClient(cfg) as llm:
        assert llm.structured(ASK, schema=Pet, name="pet").value.name == "Rex"
    (request,) = llm_stub.chat_requests()
    assert request.path == "/openai/deployments/my-deployment/chat/completions"
    assert request.query == {"api-version": "2024-10-21"} and request.headers["api-key"] == "azure-key"


def test_provider_labels_and_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://elsewhere.invalid/v1")
    openai_cfg = LLMConfig(model="gpt-4o-mini", api_key="sk-x")
    assert openai_cfg.provider == "OpenAI"
    with LLMClient(openai_cfg) as llm:  # the environment cannot redirect a configured client
        assert str(llm._sdk.base_url) == "https://api.openai.com/v1/"
    local = LLMConfig(base_url="http://user:pw@localhost:11434/v1", model="qwen")
    assert local.provider == "OpenAI-compatible server at http://localhost:11434/v1"
    assert local.resolved_api_key() == "not-needed"
    for keyless in (
        LLMConfig(model="gpt-4o-mini"),
        LLMConfig(model="gpt-4o-mini", base_url="https://api.openai.com/v1/"),
    ):
        with pytest.raises(ConfigError, match="OPENAI_API_KEY") as err:
            LLMClient(keyless)
        assert "MEM0G_LLM_API_KEY" in str(err.value)
    with pytest.raises(ConfigError, match="MEM0G_LLM_API_KEY"):
        LLMClient(
            LLMConfig(model="dep", base_url="https://r.openai.azure.com", azure_api_version="2024-10-21")
        )
    with pytest.raises(ConfigError, match="MEM0G_LLM_BASE_URL"):
        LLMClient(LLMConfig(model="dep", api_key="k", azure_api_version="2024-10-21"))


# -- usage ---------------------------------------------------------------------------------------------


def test_usage_is_the_servers_cl100k_count(llm_stub: LLMStub) -> None:
    llm_stub.script(GOOD)
    result = ask(llm_stub)
    (request,) = llm_stub.chat_requests()
    assert result.usage.prompt_tokens == chat_prompt_tokens(request.messages)
    assert result.usage.completion_tokens == count_tokens(json.dumps(GOOD))
    assert result.calls[0].usage_reported and result.calls[0].model == "stub-model"
    assert result.calls[0].duration_ms > 0


def test_missing_usage_is_counted_locally(llm_stub: LLMStub) -> None:
    llm_stub.script(Reply(content=json.dumps(GOOD), usage=False))
    result = ask(llm_stub)
    assert not result.calls[0].usage_reported
    assert result.usage.completion_tokens == count_tokens(json.dumps(GOOD))
    assert result.usage.prompt_tokens == sum(count_tokens(m["content"]) for m in ASK)


def test_usage_adds_up() -> None:
    a = LLMUsage(calls=1, prompt_tokens=10, completion_tokens=2)
    b = LLMUsage(calls=2, prompt_tokens=5, completion_tokens=1)
    assert a + b == LLMUsage(calls=3, prompt_tokens=15, completion_tokens=3)
    assert a == LLMUsage(calls=1, prompt_tokens=10, completion_tokens=2)  # + made a new record
    assert sum([a, b]) == a + b
    total = LLMUsage()
    alias = total
    total += a
    total += b
    assert alias is total and (total.calls, total.total_tokens) == (3, 18)  # += adds in place


def test_usage_is_summed_over_a_repair(llm_stub: LLMStub) -> None:
    llm_stub.script({"name": "Rex"}, GOOD)
    result = ask(llm_stub)
    assert result.usage.calls == 2
    assert result.usage.prompt_tokens == sum(c.prompt_tokens for c in result.calls)
    assert result.usage.completion_tokens == sum(c.completion_tokens for c in result.calls)


# -- async ---------------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_async_client_same_behaviour(llm_stub: LLMStub) -> None:
    unsupported = (422, {}, {"error": {"message": "json_schema unsupported"}})
    llm_stub.script(unsupported, '```json\n{"name": "Rex"}\n```', GOOD, (500, {}, {}), GOOD)
    async with AsyncLLMClient(config(llm_stub)) as llm:
        first = await llm.structured(ASK, schema=Pet, name="pet")
        second = await llm.structured(ASK, schema=Pet, name="pet")
    assert first.value == second.value == Pet(**GOOD)
    assert [r.format_type for r in llm_stub.chat_requests()] == ["json_schema"] + ["json_object"] * 4
    assert [c.repair for c in first.calls] == [False, True] and second.usage.calls == 1
    assert llm_stub.chat_requests()[-1].retry_count == 1


@pytest.mark.asyncio
async def test_async_calls_run_concurrently_and_errors_match(llm_stub: LLMStub) -> None:
    llm_stub.script(Delay(0.4, GOOD), Delay(0.4, GOOD), Delay(0.4, GOOD))
    async with AsyncLLMClient(config(llm_stub)) as llm:
        started = time.perf_counter()
        results = await asyncio.gather(*(llm.structured(ASK, schema=Pet, name="pet") for _ in range(3)))
        assert time.perf_counter() - started < 1.0  # overlapped, not 3 x 0.4 s
        assert all(r.value.name == "Rex" for r in results)
        llm_stub.script((401, {}, {"error": {"message": "bad key"}}))
        with pytest.raises(LLMUnavailableError, match="HTTP 401"):
            await llm.structured(ASK, schema=Pet, name="pet")


# -- parse_json_text (pure) ----------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=10,
)
objects = st.dictionaries(st.text(max_size=8), json_values, min_size=1, max_size=4)
junk = st.text(alphabet=st.characters(blacklist_characters="{}"), max_size=80)


@given(obj=objects, before=junk, after=junk)
def test_any_object_in_junk_without_braces_is_recovered(obj: dict[str, Any], before: str, after: str) -> None:
    assume("think>" not in before + after and "thinking>" not in before + after)
    assert parse_json_text(before + json.dumps(obj) + after) == obj
    assert parse_json_text(before + json.dumps(obj, indent=2, ensure_ascii=False) + after) == obj


def test_reasoning_blocks_are_removed() -> None:
    assert parse_json_text('<THINK>{"draft": 1}</THINK>{"final": 2}') == {"final": 2}
    assert parse_json_text('<thinking>{"draft": 1}</thinking> ok: {"final": 2}') == {"final": 2}
    assert parse_json_text('reasoning {"draft": 1} </think>\n{"final": 2}') == {"final": 2}
    with pytest.raises(JSONTextError):
        parse_json_text('<think>I will answer {"draft": 1} when I')  # cut off while thinking


def test_fenced_block_wins_over_earlier_prose_objects() -> None:
    text = 'The format is {"like": "this"}.\n```json\n{"answer": 1}\n```'
    assert parse_json_text(text) == {"answer": 1}


def test_tolerates_raw_newlines_in_strings_and_nested_objects() -> None:
    assert parse_json_text('{"fact": "line one\nline two", "n": {"m": [1, {"k": "}"}]}}') == {
        "fact": "line one\nline two",
        "n": {"m": [1, {"k": "}"}]},
    }


def test_errors_say_what_was_wrong() -> None:
    with pytest.raises(JSONTextError, match="no JSON object"):
        parse_json_text("Sorry, I can't do that.")
    with pytest.raises(JSONTextError, match="Expecting"):
        parse_json_text("{'single': 'quotes'}")
    with pytest.raises(JSONTextError):
        parse_json_text("[1, 2]")


def test_degenerate_answers_stay_fast() -> None:
    started = time.perf_counter()
    with pytest.raises(JSONTextError):
        parse_json_text("{" * 20000)
    with pytest.raises(JSONTextError):
        parse_json_text('{"a": ' * 5000)
    assert parse_json_text("Use {braces {like {this: " + '{"ok": true}') == {"ok": True}
    assert time.perf_counter() - started < 2


# -- strict schemas (pure) -----------------------------------------------------------------------------


class Inner(BaseModel):
    label: str = Field(min_length=1, max_length=20)


class Outer(BaseModel):
    inner: Inner = Field(description="described, so pydantic puts $ref beside a description")
    when: str | None = Field(default=None, json_schema_extra={"format": "date"})
    items: list[Inner] = Field(default_factory=list)


def test_strict_schema_closes_objects_inlines_refs_and_drops_unsupported_keywords() -> None:
    schema = strict_schema(Outer.model_json_schema())
    assert strict_problems(schema) == []
    inner = schema["properties"]["inner"]
    assert "$ref" not in inner and inner["description"].startswith("described")
    assert inner["additionalProperties"] is False and inner["required"] == ["label"]
    text = json.dumps(schema)
    assert "minLength" not in text and "maxLength" not in text and "default" not in text
    assert schema["required"] == ["inner", "when", "items"]


def test_strict_problems_name_what_cannot_be_strict() -> None:
    problems = strict_problems(strict_schema(Tagged.model_json_schema()))
    assert any(p.startswith("properties.tags") for p in problems)

    class Loose(BaseModel):
        anything: Any

    assert any("no type" in p for p in strict_problems(strict_schema(Loose.model_json_schema())))
    assert strict_problems(strict_schema(Extraction.model_json_schema())) == []
