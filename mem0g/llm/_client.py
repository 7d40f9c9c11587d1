"""Structured calls to any OpenAI-compatible chat model, sync and async, through the ``openai`` SDK.

Retries are the SDK's own, configured by ``LLMConfig.max_retries`` (behaviour read from the source
of ``openai`` 3.54, ``openai/_base_client.py``: ``_should_retry``, ``_calculate_retry_timeout``):

* retried: timeouts, connection errors, HTTP 408, 409, 429 and every 5xx; also any answer carrying
  ``x-should-retry: true``, and never one carrying ``x-should-retry: false``;
* the wait: the server's ``retry-after-ms`` or ``Retry-After`` (seconds or an HTTP date) when it is
  above 0 and at most 120 s; an answer asking for more than 120 s is not retried at all; otherwise
  (no header, or ``Retry-After: 0``) exponential backoff: 0.5 s doubling per retry up to 8 s,
  minus a random 0-25 % jitter;
* ``timeout`` bounds each attempt, so the worst case is about ``(max_retries + 1) * timeout`` plus
  the waits; every attempt of one request carries the same idempotency key.

What this module adds on top (the protocol itself is :mod:`mem0g.llm._steps`, shared by both
clients):

* structured output: the pydantic model's JSON schema as ``response_format`` (strict where the
  schema allows it), else JSON mode or a plain prompt with the schema in the system message;
  ``auto`` steps down when the server says it does not support a format, and remembers;
* tolerant parsing (:func:`~mem0g.llm.parse_json_text`), validation, and one repair round trip
  that shows the model its validation errors;
* models that refuse ``temperature`` or ``max_tokens`` (reasoning models) are sent the request
  again without ``temperature`` or with ``max_completion_tokens``, and that too is remembered;
* errors that name the provider, the model, the cause and the fix
  (:class:`~mem0g.errors.LLMUnavailableError`, :class:`~mem0g.errors.LLMOutputError`), never the
  API key.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import openai
from pydantic import BaseModel

from mem0g.llm._config import OPENAI_URL, LLMConfig
from mem0g.llm._steps import ClientState, Reply, StructuredResult, structured_steps

if TYPE_CHECKING:
    import httpx2

__all__ = ["AsyncLLMClient", "LLMClient"]

T = TypeVar("T", bound=BaseModel)


def _sdk_options(config: LLMConfig) -> dict[str, Any]:
    options: dict[str, Any] = {
        "api_key": config.resolved_api_key(),
        "timeout": config.timeout,
        "max_retries": config.max_retries,
        "default_headers": dict(config.extra_headers) or None,
    }
    if config.azure_api_version:
        options.update(azure_endpoint=config.base_url, api_version=config.azure_api_version)
    else:
        # Explicit, so that OPENAI_BASE_URL in the environment cannot redirect a configured client.
        options["base_url"] = config.base_url or OPENAI_URL
    return options


def _reply(response: Any, started: float) -> Reply:
    choice = response.choices[0] if getattr(response, "choices", None) else None
    message = getattr(choice, "message", None)
    usage = getattr(response, "usage", None)
    return Reply(
        text=getattr(message, "content", None) or "",
        prompt_tokens=getattr(usage, "prompt_tokens", None),
        completion_tokens=getattr(usage, "completion_tokens", None),
        duration_ms=(time.perf_counter() - started) * 1000,
        finish_reason=getattr(choice, "finish_reason", None),
        refusal=getattr(message, "refusal", None),
    )


class LLMClient:
    """Structured calls on the sync ``openai`` client (``openai.AzureOpenAI`` for Azure).

    ``http_client`` replaces the SDK's own ``httpx2.Client`` (proxies, custom transports, tests);
    :meth:`close` closes it too, as the SDK does. One client may be shared by threads.
    """

    def __init__(self, config: LLMConfig, *, http_client: httpx2.Client | None = None) -> None:
        self.config = config
        self._state = ClientState(config)
        cls = openai.AzureOpenAI if config.azure_api_version else openai.OpenAI
        self._sdk: Any = cls(**_sdk_options(config), http_client=http_client)

    @property
    def provider(self) -> str:
        return self.config.provider

    def close(self) -> None:
        self._sdk.close()

    def __enter__(self) -> LLMClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
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
        """Ask for one JSON object matching ``schema`` (a pydantic model); parse it tolerantly,
        validate it, and repair it once if needed.

        ``name`` names the schema for the server (letters, digits, ``_`` and ``-``); ``model``
        overrides the configured one for this call. Raises
        :class:`~mem0g.errors.LLMUnavailableError` when the server cannot answer and
        :class:`~mem0g.errors.LLMOutputError` when its answers stay unusable.
        """
        model = model or self.config.model
        steps = structured_steps(
            self._state, messages, schema=schema, name=name, model=model, max_tokens=max_tokens
        )
        request = next(steps)
        while True:
            started = time.perf_counter()
            try:
                response = self._sdk.chat.completions.create(**request.params)
            except openai.OpenAIError as exc:
                request = steps.throw(exc)  # the next request to try, or the error to raise
                continue
            try:
                request = steps.send(_reply(response, started))
            except StopIteration as stop:
                result: StructuredResult[T] = stop.value
                return result


class AsyncLLMClient:
    """:class:`LLMClient` on ``openai.AsyncOpenAI`` (``AsyncAzureOpenAI`` for Azure): no threads.

    ``http_client`` replaces the SDK's own ``httpx2.AsyncClient``; :meth:`aclose` closes it too.
    """

    def __init__(self, config: LLMConfig, *, http_client: httpx2.AsyncClient | None = None) -> None:
        self.config = config
        self._state = ClientState(config)
        cls = openai.AsyncAzureOpenAI if config.azure_api_version else openai.AsyncOpenAI
        self._sdk: Any = cls(**_sdk_options(config), http_client=http_client)

    @property
    def provider(self) -> str:
        return self.config.provider

    async def aclose(self) -> None:
        await self._sdk.close()

    async def __aenter__(self) -> AsyncLLMClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
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
        steps = structured_steps(
            self._state, messages, schema=schema, name=name, model=model, max_tokens=max_tokens
        )
        request = next(steps)
        while True:
            started = time.perf_counter()
            try:
                response = await self._sdk.chat.completions.create(**request.params)
            except openai.OpenAIError as exc:
                request = steps.throw(exc)
                continue
            try:
                request = steps.send(_reply(response, started))
            except StopIteration as stop:
                result: StructuredResult[T] = stop.value
                return result
