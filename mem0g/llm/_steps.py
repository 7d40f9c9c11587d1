"""The structured-call protocol, written once as a generator and driven by the sync and the async
client (no I/O here): which request to send, how to read the answer, when to step down a
structured-output mode, when to repair, and what error to raise.

The generator yields :class:`Request` objects. The driver sends back a :class:`Reply`, or throws
the ``openai`` exception the SDK raised (after its own retries); the generator then either yields
the next request or raises a :class:`~mem0g.errors.LLMError`. Its return value is the
:class:`StructuredResult`.
"""

from __future__ import annotations

import functools
import json
import re
import threading
from collections.abc import Generator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

import openai
from pydantic import BaseModel, ValidationError

from mem0g.errors import LLMOutputError, LLMUnavailableError
from mem0g.llm._config import LLMCall, LLMConfig, LLMUsage
from mem0g.llm._parse import JSONTextError, parse_json_text
from mem0g.llm._schema import strict_problems, strict_schema
from mem0g.llm._tokens import count_tokens

__all__ = ["ClientState", "Reply", "Request", "StructuredResult", "structured_steps"]

T = TypeVar("T", bound=BaseModel)
Mode = Literal["json_schema", "json_object", "prompt"]
_NEXT_MODE: dict[Mode, Mode | None] = {"json_schema": "json_object", "json_object": "prompt", "prompt": None}
_MAX_DETAIL = 300
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9_-]")
_MAX_ERRORS = 8
# Words in a 400/422 answer that say the server does not take the response_format we sent.
_FORMAT_WORDS = (
    "response_format",
    "response format",
    "json_schema",
    "json schema",
    "json_object",
    "json mode",
    "schema",
    "structured output",
    "guided",
    "grammar",
)


@dataclass
class StructuredResult(Generic[T]):
    """A validated answer, with what it cost (``calls`` has one record per answered request)."""

    value: T
    usage: LLMUsage
    calls: list[LLMCall] = field(default_factory=list)


@dataclass(frozen=True)
class Request:
    """One chat-completions request: ``params`` are the SDK's keyword arguments."""

    params: dict[str, Any]
    mode: Mode
    repair: bool


@dataclass(frozen=True)
class Reply:
    text: str
    prompt_tokens: int | None
    completion_tokens: int | None
    duration_ms: float
    finish_reason: str | None = None
    refusal: str | None = None


class ClientState:
    """What one client learns about its server and keeps for its lifetime: the structured-output
    mode that works, and parameters the model refuses (``temperature`` on reasoning models,
    ``max_tokens`` where only ``max_completion_tokens`` is accepted). Thread-safe: the sync
    client may be shared by background workers."""

    def __init__(self, config: LLMConfig) -> None:
        self.config = config
        self.mode: Mode = "json_schema" if config.structured_output == "auto" else config.structured_output
        self.send_temperature = True
        self.max_tokens_param = "max_tokens"
        self._lock = threading.Lock()

    def step_down(self, refused: Mode) -> bool:
        """Move below ``refused`` (unless another call already did); False when nothing is left."""
        if self.config.structured_output != "auto":
            return False
        with self._lock:
            if self.mode == refused:
                following = _NEXT_MODE[refused]
                if following is None:
                    return False
                self.mode = following
            return True

    def adapt_parameters(self, exc: openai.APIStatusError, request: Request) -> bool:
        """Drop or rename a parameter the model refused; True when the request is worth resending."""
        if exc.status_code != 400:
            return False
        param, text = _error_param(exc), _error_text(exc).lower()
        unsupported = "unsupported" in text or "not support" in text
        with self._lock:
            if "temperature" in request.params and (
                param == "temperature" or ("temperature" in text and unsupported)
            ):
                self.send_temperature = False
                return True
            if "max_tokens" in request.params and (
                param == "max_tokens" or ("max_completion_tokens" in text and "max_tokens" in text)
            ):
                self.max_tokens_param = "max_completion_tokens"
                return True
        return False


@functools.lru_cache(maxsize=128)
def _schemas(schema: type[BaseModel]) -> tuple[dict[str, Any], dict[str, Any], bool, str]:
    """The model's JSON schema, its strict form, whether strict mode can take it, and the
    compact text shown in prompts."""
    plain = schema.model_json_schema()
    strict = strict_schema(plain)
    return plain, strict, not strict_problems(strict), json.dumps(plain, ensure_ascii=False)


def schema_instruction(schema: type[BaseModel]) -> str:
    """What JSON mode and prompt mode append to the system prompt."""
    return (
        "Answer with one JSON object, and nothing else, that matches this JSON schema:\n"
        + _schemas(schema)[3]
    )


def _request(
    state: ClientState,
    messages: Sequence[Mapping[str, str]],
    *,
    schema: type[BaseModel],
    name: str,
    model: str,
    max_tokens: int | None,
    repair: bool,
) -> Request:
    mode = state.mode
    conversation = [dict(m) for m in messages]
    params: dict[str, Any] = {"model": model, "messages": conversation}
    if state.send_temperature:
        params["temperature"] = state.config.temperature
    if max_tokens is not None:
        params[state.max_tokens_param] = max_tokens
    plain, strict, strict_ok, _ = _schemas(schema)
    if mode == "json_schema":
        # OpenAI takes names of at most 64 letters, digits, '_' and '-', and answers HTTP 400 otherwise
        # (which would read as a refusal of json_schema itself).
        safe = _UNSAFE_NAME.sub("_", name)[:64] or "answer"
        params["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": safe, "schema": strict if strict_ok else plain, "strict": strict_ok},
        }
    else:
        if mode == "json_object":
            params["response_format"] = {"type": "json_object"}
        instruction = schema_instruction(schema)
        if conversation and conversation[0].get("role") == "system":
            first = conversation[0]
            conversation[0] = {**first, "content": first["content"] + "\n\n" + instruction}
        else:
            conversation.insert(0, {"role": "system", "content": instruction})
    return Request(params=params, mode=mode, repair=repair)


def _short(text: str, limit: int = _MAX_DETAIL) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _problem(exc: ValidationError | JSONTextError) -> str:
    """Validation errors, compact: ``relations.0.fact: Field required; ...``."""
    if isinstance(exc, JSONTextError):
        return str(exc)
    errors = exc.errors(include_url=False)
    shown = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'answer'}: {e['msg']}" for e in errors[:_MAX_ERRORS])
    more = len(errors) - _MAX_ERRORS
    return shown + (f"; and {more} more" if more > 0 else "")


def _check_keys(data: Any, schema: type[BaseModel]) -> None:
    """An object that shares no key with the schema is another answer (``{"answer": ...}``), not an
    empty one, though every field has a default: ask for a repair instead of reading "nothing"."""
    fields = set(schema.model_fields)
    if isinstance(data, dict) and fields and data and not fields & set(data):
        raise JSONTextError(
            f"the answer has none of the expected keys ({', '.join(sorted(fields))}); "
            f"it has {', '.join(sorted(map(str, data))[:8])}"
        )


def _error_text(exc: openai.APIStatusError) -> str:
    """The server's own words: the error body as text (message, param, code)."""
    body = exc.body
    if isinstance(body, (dict, list)):
        return json.dumps(body, ensure_ascii=False)
    return str(body) if body is not None else ""


def _error_param(exc: openai.APIStatusError) -> str | None:
    param = getattr(exc, "param", None)
    return param if isinstance(param, str) else None


def _server_message(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict) and isinstance(body.get("message"), str) and body["message"]:
        return str(body["message"])
    if isinstance(body, dict) and body.get("detail") is not None:
        return str(body["detail"])
    if isinstance(body, str) and body.strip():
        return body
    return exc.message


def refuses_format(exc: openai.APIStatusError, request: Request) -> bool:
    """Did the server reject the ``response_format`` of ``request`` (rather than something else)?"""
    if "response_format" not in request.params or exc.status_code not in (400, 415, 422):
        return False
    if _error_param(exc) == "response_format":
        return True
    text = (_error_text(exc) + " " + exc.message).lower()
    return any(word in text for word in _FORMAT_WORDS)


def _redact(text: str, config: LLMConfig) -> str:
    if config.api_key and len(config.api_key) >= 4:
        text = text.replace(config.api_key, "***")
    return text


def unavailable(
    config: LLMConfig, model: str, exc: openai.OpenAIError, request: Request
) -> LLMUnavailableError:
    """The one-line error for a request the SDK gave up on: provider, model, cause and fix."""
    where = f"{config.provider} (model {model})"
    attempts = f"{config.max_retries + 1} attempt(s)"
    if isinstance(exc, openai.APITimeoutError):
        message = (
            f"{where} timed out: no answer within {config.timeout:g} s, {attempts}; raise "
            "MEM0G_LLM_TIMEOUT for slow models, or check that the server is up"
        )
    elif isinstance(exc, openai.APIConnectionError):
        cause = exc.__cause__ or exc
        message = (
            f"{where} could not be reached ({type(cause).__name__}: {_short(str(cause), 120)}; {attempts}); "
            "check MEM0G_LLM_BASE_URL and that the server is running"
        )
    elif isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        detail = _short(_server_message(exc)) or "(no message)"
        if status in (401, 403):
            fix = "check the API key (MEM0G_LLM_API_KEY or OPENAI_API_KEY) and its access to this model"
        elif status == 404:
            fix = "check MEM0G_LLM_MODEL and MEM0G_LLM_BASE_URL (compatible servers usually end in /v1)"
        elif status == 429 or status >= 500 or status in (408, 409):
            fix = f"gave up after {attempts}; retry later or raise MEM0G_LLM_MAX_RETRIES"
        elif "response_format" in request.params:
            fix = (
                "check MEM0G_LLM_MODEL; if the server cannot do structured output, set "
                "MEM0G_LLM_STRUCTURED_OUTPUT=json_object or prompt"
            )
        else:
            fix = "check MEM0G_LLM_MODEL and the request settings"
        message = f"{where} answered HTTP {status}: {detail}; {fix}"
    else:
        message = f"{where} failed: {type(exc).__name__}: {_short(str(exc))}"
    return LLMUnavailableError(_redact(message, config))


def _repair_message(problem: str) -> dict[str, str]:
    return {
        "role": "user",
        "content": "Your answer could not be used: "
        + problem
        + "\nAnswer again with only the corrected JSON object, nothing else.",
    }


def structured_steps(
    state: ClientState,
    messages: Sequence[Mapping[str, str]],
    *,
    schema: type[T],
    name: str,
    model: str,
    max_tokens: int | None,
) -> Generator[Request, Reply, StructuredResult[T]]:
    """See the module docstring. At most two answered requests: the call and one repair."""
    config = state.config
    usage = LLMUsage()
    calls: list[LLMCall] = []
    conversation: list[Mapping[str, str]] = list(messages)
    repair = False
    while True:
        request = _request(
            state, conversation, schema=schema, name=name, model=model, max_tokens=max_tokens, repair=repair
        )
        try:
            reply = yield request
        except openai.APIStatusError as exc:
            if state.adapt_parameters(exc, request):
                continue
            if refuses_format(exc, request):
                if state.step_down(request.mode):
                    continue
                if config.structured_output != "auto":
                    said = _short(_server_message(exc), 160)
                    raise LLMUnavailableError(
                        _redact(
                            f"{config.provider} (model {model}) refused structured output mode "
                            f"{request.mode!r} (HTTP {exc.status_code}: {said}); "
                            "set MEM0G_LLM_STRUCTURED_OUTPUT=auto to let mem0g find a mode it supports",
                            config,
                        )
                    ) from exc
            raise unavailable(config, model, exc, request) from exc
        except openai.OpenAIError as exc:
            raise unavailable(config, model, exc, request) from exc

        reported = reply.prompt_tokens is not None and reply.completion_tokens is not None
        prompt_tokens = reply.prompt_tokens
        if prompt_tokens is None:
            prompt_tokens = sum(count_tokens(str(m.get("content") or "")) for m in request.params["messages"])
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
            if reply.refusal and not reply.text.strip():
                raise JSONTextError(f"the model refused: {_short(reply.refusal, 160)}")
            data = parse_json_text(reply.text)
            _check_keys(data, schema)
            value = schema.model_validate(data)
        except (JSONTextError, ValidationError) as exc:
            problem = _problem(exc)
            if reply.finish_reason == "length":
                problem += " (the answer was cut off at the token limit)"
            if repair:
                cut = " Raise max_tokens;" if reply.finish_reason == "length" else ""
                raise LLMOutputError(
                    _redact(
                        f"{config.provider} (model {model}) gave no valid {name!r} answer, even after one "
                        f"repair round trip: {_short(problem, 240)}; answer (truncated): "
                        f"{_short(reply.text, 160)!r}.{cut} Try a stronger model, or "
                        "MEM0G_LLM_STRUCTURED_OUTPUT=json_schema if the server supports it",
                        config,
                    )
                ) from exc
            conversation = [
                *messages,
                {"role": "assistant", "content": reply.text},
                _repair_message(problem),
            ]
            repair = True
            continue
        return StructuredResult(value=value, usage=usage, calls=calls)
