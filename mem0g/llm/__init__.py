"""The LLM client: structured calls to any OpenAI-compatible chat model (OpenAI, Azure OpenAI,
Ollama, vLLM, llama.cpp server, LM Studio), sync and async, with tolerant parsing, one repair round
trip and the ``openai`` SDK's retries.

::

    from mem0g.llm import LLMClient, LLMConfig

    config = LLMConfig(base_url="http://localhost:11434/v1", model="qwen2.5:7b")
    with LLMClient(config) as llm:
        result = llm.structured(messages, schema=MyAnswer, name="my_answer")
    result.value, result.usage, result.calls

Errors derive from :class:`mem0g.errors.LLMError`. The retry and step-down behaviour is described
in :mod:`mem0g.llm._client`.
"""

from __future__ import annotations

from mem0g.llm._client import AsyncLLMClient, LLMClient
from mem0g.llm._config import LLMCall, LLMConfig, LLMUsage, StructuredMode, llm_config_from_settings
from mem0g.llm._parse import JSONTextError, parse_json_text
from mem0g.llm._schema import strict_problems, strict_schema
from mem0g.llm._steps import StructuredResult
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
    "strict_problems",
    "strict_schema",
]
