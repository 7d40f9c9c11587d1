"""The LLM client: structured calls to any OpenAI-compatible chat model (OpenAI, Azure OpenAI,
Ollama, vLLM, llama.cpp server, LM Studio), sync and async, with tolerant parsing, one repair round
trip and the SDK's retries. See :mod:`mem0g.llm._client` for the exact behaviour."""

from __future__ import annotations

from mem0g.llm._client import AsyncLLMClient, LLMClient, StructuredResult, strict_schema
from mem0g.llm._config import LLMCall, LLMConfig, LLMUsage, StructuredMode, llm_config_from_settings
from mem0g.llm._parse import JSONTextError, parse_json_text
from mem0g.llm._tokens import count_tokens

__all__ = [
    "AsyncLLMClient",
    "JSONTextError",
    "LLMCall",
    "LLMClient",
    "LLMConfig",
    "LLMUsage",
    "StructuredMode",
    "StructuredResult",
    "count_tokens",
    "llm_config_from_settings",
    "parse_json_text",
    "strict_schema",
]
