"""Structured calls to any OpenAI-compatible chat model, sync and async, through the ``openai`` SDK.

Retries are the SDK's own (``max_retries``): it retries HTTP 408, 409, 429 and 5xx, timeouts and
connection errors with exponential backoff (0.5 s doubling up to 8 s, minus up to 25 % jitter)
and honours ``Retry-After`` / ``retry-after-ms`` up to 60 s. What this module adds:

* structured output: the pydantic model's JSON schema as ``response_format`` where the server takes
  it, else JSON mode or a plain prompt with the schema in it (``auto`` steps down on HTTP 400/422
  and remembers what worked);
* tolerant parsing (:func:`~mem0g.llm.parse_json_text`), validation, and one repair round trip that
  shows the model its validation errors;
* errors that name the provider, the model, the cause and the fix (:class:`LLMUnavailableError`,
  :class:`LLMOutputError`), never the API key.

The control flow is written once as a generator (:func:`_structured_steps`) and driven by the sync
and the async client, as the database steps are.
"""

from __future__ import annotations

import json
import time
from collections.abc import Generator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

import openai
from pydantic import BaseModel, ValidationError

from mem0g.errors import LLMOutputError, LLMUnavailableError
from mem0g.llm._config import LLMCall, LLMConfig, LLMUsage
from mem0g.llm._parse import JSONTextError, parse_json_text
from mem0g.llm._tokens import count_tokens

__all__ = ["AsyncLLMClient", "LLMClient", "StructuredResult", "strict_schema"]

T = TypeVar("T", bound=BaseModel)
Mode = Literal["json_schema", "json_object", "prompt"]
_NEXT_MODE: dict[Mode, Mode | None] = {"json_schema": "json_object", "json_object": "prompt", "prompt": None}
_MAX_ERROR_CHARS = 300


@dataclass
class StructuredResult(Generic[T]):
    """A validated answer, with what it cost."""

    value: T
    usage: LLMUsage
    calls: list[LLMCall] = field(default_factory=list)


def strict_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A copy of a pydantic JSON schema that OpenAI's strict structured outputs accept: every
    object closed (``additionalProperties: false``) with all its properties required, no
    ``default`` keywords. Optional fields are already nullable in pydantic's schema."""

    def fix(node: Any) -> Any:
        if isinstance(node, dict):
            out = {k: fix(v) for k, v in node.items() if k != "default"}
            if out.get("type") == "object" and "properties" in out:
                out["additionalProperties"] = False
                out["required"] = list(out["properties"])
            return out
        if isinstance(node, list):
            return [fix(v) for v in node]
        return node

    fixed: dict[str, Any] = fix(schema)
    return fixed


@dataclass(frozen=True)
class _Request:
    messages: list[dict[str, str]]
    mode: Mode
    response_format: dict[str, Any] | None
    repair: bool


@dataclass(frozen=True)
class _Reply:
    text: str
    prompt_tokens: int | None
    completion_tokens: int | None
    duration_ms: float


class _FormatRefusedError(Exception):
    """The server refused the request's ``response_format`` (HTTP 400/422)."""


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_ERROR_CHARS else text[:_MAX_ERROR_CHARS] + "..."


def _errors(exc: ValidationError | JSONTextError) -> str:
    if isinstance(exc, JSONTextError):
        return str(exc)
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'answer'}: {e['msg']}" for e in exc.errors()[:10])


class _State:
    """What a client remembers between calls: the structured-output mode that works."""

    def __init__(self, config: LLMConfig) -> None:
        self.config = config
        self.mode: Mode = "json_schema" if config.structured_output == "auto" else config.structured_output

    @property
    def can_step_down(self) -> bool:
        return self.config.structured_output == "auto"


def _request(
    state: _State, messages: Sequence[Mapping[str, str]], schema: type[BaseModel], name: str, repair: bool
) -> _Request:
    base = [dict(m) for m in messages]
    mode = state.mode
    if mode == "json_schema":
        fmt: dict[str, Any] | None = {
            "type": "json_schema",
            "json_schema": {
                "name": name,
                "schema": strict_schema(schema.model_json_schema()),
                "strict": True,
            },
        }
    else:
        fmt = {"type": "json_object"} if mode == "json_object" else None
        instruction = (
            "Answer with one JSON object that matches this JSON schema, and nothing else:\n"
            + json.dumps(schema.model_json_schema(), ensure_ascii=False)
        )
        if base and base[0]["role"] == "system":
            base[0] = {**base[0], "content": base[0]["content"] + "\n\n" + instruction}
        else:
            base.insert(0, {"role": "system", "content": instruction})
    return _Request(messages=base, mode=mode, response_format=fmt, repair=repair)


def _structured_steps(
    state: _State, messages: Sequence[Mapping[str, str]], schema: type[T], name: str, model: str
) -> Generator[_Request, _Reply, StructuredResult[T]]:
    usage = LLMUsage()
    calls: list[LLMCall] = []
    conversation = list(messages)
    repair = False
    while True:
        request = _request(state, conversation, schema, name, repair)
        try:
            reply = yield request
        except _FormatRefusedError:
            following = _NEXT_MODE[state.mode]
            if not state.can_step_down or following is None:
                raise LLMUnavailableError(
                    f"{state.config.provider} (model {model}) refused structured output mode "
                    f"{state.mode!r}; set MEM0G_LLM_STRUCTURED_OUTPUT to another mode "
                    "(json_schema, json_object, prompt) or 'auto'"
                ) from None
            state.mode = following
            continue
        reported = reply.prompt_tokens is not None and reply.completion_tokens is not None
        prompt_tokens = reply.prompt_tokens
        if prompt_tokens is None:
            prompt_tokens = sum(count_tokens(m["content"]) for m in request.messages)
        completion_tokens = reply.completion_tokens
        if completion_tokens is None:
            completion_tokens = count_tokens(reply.text)
        calls.append(
            LLMCall(
                model=model,
                mode=request.mode,
                prompt_tokens=prompt_tokens,
                completion_tokens=completion_tokens,
                duration_ms=round(reply.duration_ms, 1),
                repair=repair,
                usage_reported=reported,
            )
        )
        usage += LLMUsage(calls=1, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens)
        try:
            value = schema.model_validate(parse_json_text(reply.text))
        except (JSONTextError, ValidationError) as exc:
            problem = _errors(exc)
            if repair:
                raise LLMOutputError(
                    f"{state.config.provider} (model {model}) gave no valid {name} answer, even after "
                    f"being shown its errors: {_short(problem)}; answer began {_short(reply.text)[:120]!r}. "
                    "Try a larger model, or MEM0G_LLM_STRUCTURED_OUTPUT=json_schema if the server "
                    "supports it"
                ) from exc
            conversation = [
                *messages,
                {"role": "assistant", "content": reply.text},
                {
                    "role": "user",
                    "content": "Your answer could not be used: "
                    + problem
                    + "\nAnswer again with only the corrected JSON object.",
                },
            ]
            repair = True
            continue
        return StructuredResult(value=value, usage=usage, calls=calls)


def _unavailable(config: LLMConfig, model: str, exc: openai.OpenAIError) -> LLMUnavailableError:
    where = f"LLM call to {config.provider} (model {model})"
    tries = config.max_retries + 1
    if isinstance(exc, openai.APITimeoutError):
        return LLMUnavailableError(
            f"{where} timed out after {config.timeout:g} s ({tries} attempt(s)); raise MEM0G_LLM_TIMEOUT "
            "or check that the server is up"
        )
    if isinstance(exc, openai.APIConnectionError):
        return LLMUnavailableError(
            f"{where} could not connect ({tries} attempt(s)): {_short(str(exc.__cause__ or exc))}; "
            "check MEM0G_LLM_BASE_URL and that the server runs"
        )
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        detail = _short(exc.message)
        if status in (401, 403):
            fix = "check MEM0G_LLM_API_KEY / OPENAI_API_KEY"
        elif status == 404:
            fix = "check MEM0G_LLM_MODEL and MEM0G_LLM_BASE_URL (a /v1 suffix is usually needed)"
        elif status == 429 or status >= 500:
            fix = f"gave up after {tries} attempt(s); retry later or raise MEM0G_LLM_MAX_RETRIES"
        else:
            fix = "check the request settings"
        return LLMUnavailableError(f"{where} failed with HTTP {status}: {detail}; {fix}")
    return LLMUnavailableError(f"{where} failed: {_short(str(exc))}")


def _is_format_refusal(exc: openai.APIStatusError, request: _Request) -> bool:
    return request.response_format is not None and exc.status_code in (400, 422)


def _reply(response: Any, started: float) -> _Reply:
    choice = response.choices[0] if response.choices else None
    text = (choice.message.content if choice is not None else None) or ""
    usage = getattr(response, "usage", None)
    return _Reply(
        text=text,
        prompt_tokens=getattr(usage, "prompt_tokens", None),
        completion_tokens=getattr(usage, "completion_tokens", None),
        duration_ms=(time.perf_counter() - started) * 1000,
    )


def _params(config: LLMConfig, request: _Request, model: str, max_tokens: int | None) -> dict[str, Any]:
    params: dict[str, Any] = {"model": model, "messages": request.messages, "temperature": config.temperature}
    if request.response_format is not None:
        params["response_format"] = request.response_format
    if max_tokens is not None:
        params["max_tokens"] = max_tokens
    return params


def _sdk_kwargs(config: LLMConfig) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "api_key": config.key(),
        "timeout": config.timeout,
        "max_retries": config.max_retries,
        "default_headers": config.extra_headers or None,
    }
    if config.azure_api_version:
        kwargs.update(azure_endpoint=config.base_url, api_version=config.azure_api_version)
    else:
        kwargs["base_url"] = config.base_url
    return kwargs


class LLMClient:
    """Structured calls on the sync ``openai`` client (``openai.AzureOpenAI`` for Azure)."""

    def __init__(self, config: LLMConfig, *, http_client: Any = None) -> None:
        self.config = config
        self._state = _State(config)
        cls = openai.AzureOpenAI if config.azure_api_version else openai.OpenAI
        self._client: Any = cls(**_sdk_kwargs(config), http_client=http_client)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> LLMClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def structured(
        self,
        messages: Sequence[Mapping[str, str]],
        *,
        schema: type[T],
        name: str,
        model: str | None = None,
        max_tokens: int | None = None,
    ) -> StructuredResult[T]:
        """Ask for one JSON object matching ``schema``; validated, repaired once if needed."""
        model = model or self.config.model
        steps = _structured_steps(self._state, messages, schema, name, model)
        request = next(steps)
        while True:
            started = time.perf_counter()
            try:
                response = self._client.chat.completions.create(
                    **_params(self.config, request, model, max_tokens)
                )
            except openai.APIStatusError as exc:
                if _is_format_refusal(exc, request):
                    request = steps.throw(_FormatRefusedError())  # the next mode's request, or an error
                    continue
                raise _unavailable(self.config, model, exc) from exc
            except openai.OpenAIError as exc:
                raise _unavailable(self.config, model, exc) from exc
            try:
                request = steps.send(_reply(response, started))
            except StopIteration as stop:
                return stop.value  # type: ignore[no-any-return]


class AsyncLLMClient:
    """:class:`LLMClient` on ``openai.AsyncOpenAI`` (``AsyncAzureOpenAI`` for Azure): no threads."""

    def __init__(self, config: LLMConfig, *, http_client: Any = None) -> None:
        self.config = config
        self._state = _State(config)
        cls = openai.AsyncAzureOpenAI if config.azure_api_version else openai.AsyncOpenAI
        self._client: Any = cls(**_sdk_kwargs(config), http_client=http_client)

    async def aclose(self) -> None:
        await self._client.close()

    async def __aenter__(self) -> AsyncLLMClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def structured(
        self,
        messages: Sequence[Mapping[str, str]],
        *,
        schema: type[T],
        name: str,
        model: str | None = None,
        max_tokens: int | None = None,
    ) -> StructuredResult[T]:
        """See :meth:`LLMClient.structured`."""
        model = model or self.config.model
        steps = _structured_steps(self._state, messages, schema, name, model)
        request = next(steps)
        while True:
            started = time.perf_counter()
            try:
                response = await self._client.chat.completions.create(
                    **_params(self.config, request, model, max_tokens)
                )
            except openai.APIStatusError as exc:
                if _is_format_refusal(exc, request):
                    request = steps.throw(_FormatRefusedError())
                    continue
                raise _unavailable(self.config, model, exc) from exc
            except openai.OpenAIError as exc:
                raise _unavailable(self.config, model, exc) from exc
            try:
                request = steps.send(_reply(response, started))
            except StopIteration as stop:
                return stop.value  # type: ignore[no-any-return]
