"""Unit tests: no Neo4j, no HTTP server, no JVM, no model download.

Engine programs run under the scripted interpreter of ``scripted.py``. A unit test that asks for
one of the integration fixtures of ``tests/conftest.py`` is refused at collection.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from scripted import make_env

from mem0g._engine.env import Env
from mem0g._engine.operations import Operations

HERE = Path(__file__).resolve().parent

#: Fixtures of tests/conftest.py that start or reach a server, or load the real model.
INTEGRATION_FIXTURES = frozenset(
    {
        "neo4j_server",
        "settings_kwargs",
        "session_memory",
        "memory",
        "user",
        "make_user",
        "embedder",
        "llm_stub",
        "openai_stub",
    }
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            used = INTEGRATION_FIXTURES & set(getattr(item, "fixturenames", ()))
            if used:
                raise pytest.UsageError(f"{item.nodeid}: a unit test may not use {sorted(used)}")


@pytest.fixture
def env() -> Env:
    """An engine environment with an LLM configured and the schema already in place."""
    return make_env()


@pytest.fixture
def ops(env: Env) -> Operations[Any]:
    return Operations(env)
