"""Test doubles for code that uses mem0g: a local OpenAI-compatible HTTP server (``LLMStub``, also
called ``OpenAIStub``) that a test scripts with replies. Tooling, not imported by mem0g itself; the
implementation lives in :mod:`mem0g.tools.llm_stub`."""

from __future__ import annotations

from mem0g.tools.llm_stub import *  # noqa: F403
from mem0g.tools.llm_stub import __all__ as __all__
