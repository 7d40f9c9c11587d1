"""Shared fixtures: one real Neo4j per test session, one embedder, one Memory per test.

Where Neo4j comes from, in order: ``NEO4J_URI`` (with ``NEO4J_USER``/``NEO4J_PASSWORD``); a
testcontainers ``neo4j:<version>`` container when a Docker engine answers; else the project's own
local launcher in a temporary folder (built from Maven Central on first use). The version is
``MEM0G_NEO4J_VERSION`` (default 5.26.x; CI also runs the Neo4j tests on 2026.09.0). Neo4j tests
never skip.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mem0g import Memory
from mem0g.config import load_settings
from mem0g.embeddings import SentenceTransformerEmbedder

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# A door's background warm-up runs queries beside the test's own, which the tests that record
# what a search ran would see: off here, on where a test asks for it (test_warm_up.py).
os.environ.setdefault("MEM0G_WARM_UP", "false")


@dataclass(frozen=True)
class Neo4jServer:
    uri: str
    user: str
    password: str | None
    origin: str


def _docker_answers() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.fixture(scope="session")
def neo4j_server() -> Iterator[Neo4jServer]:
    if os.environ.get("NEO4J_URI"):
        yield Neo4jServer(
            os.environ["NEO4J_URI"],
            os.environ.get("NEO4J_USER", "neo4j"),
            os.environ.get("NEO4J_PASSWORD"),
            "NEO4J_URI",
        )
        return
    if _docker_answers():
        from testcontainers.neo4j import Neo4jContainer

        from mem0g.tools.launcher import default_version

        # The image of the version the launcher would run (MEM0G_NEO4J_VERSION, default 5.26).
        with Neo4jContainer(f"neo4j:{default_version()}") as container:
            yield Neo4jServer(container.get_connection_url(), "neo4j", container.password, "testcontainers")
        return
    from mem0g.tools.launcher import LocalNeo4j

    home = Path(tempfile.mkdtemp(prefix="mem0g-test-neo4j-"))
    local = LocalNeo4j(home=home, heap="1g", pagecache="512m")
    status = local.start()
    assert status.bolt_uri is not None
    try:
        yield Neo4jServer(status.bolt_uri, "neo4j", None, "local launcher")
    finally:
        local.stop()
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def embedder() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder()


@pytest.fixture(scope="session")
def settings_kwargs(neo4j_server: Neo4jServer) -> dict[str, object]:
    return {
        "neo4j_uri": neo4j_server.uri,
        "neo4j_user": neo4j_server.user,
        "neo4j_password": neo4j_server.password,
    }


@pytest.fixture(scope="session")
def session_memory(
    settings_kwargs: dict[str, object], embedder: SentenceTransformerEmbedder
) -> Iterator[Memory]:
    memory = Memory(settings=load_settings(**settings_kwargs), embedder=embedder)
    memory.init()
    yield memory
    memory.close()


@pytest.fixture
def memory(session_memory: Memory) -> Memory:
    return session_memory


@pytest.fixture
def user(session_memory: Memory) -> Iterator[str]:
    """A fresh user id per test; its data is forgotten afterwards."""
    user_id = f"test-{uuid.uuid4().hex[:12]}"
    yield user_id
    session_memory.forget(user_id)


@pytest.fixture
def make_user(session_memory: Memory) -> Iterator[object]:
    created: list[str] = []

    def make(prefix: str = "u") -> str:
        user_id = f"{prefix}-{uuid.uuid4().hex[:10]}"
        created.append(user_id)
        return user_id

    yield make
    for user_id in created:
        session_memory.forget(user_id)


@pytest.fixture
def llm_stub() -> Iterator[Any]:
    """A local OpenAI-compatible HTTP server on 127.0.0.1, scripted by the test (mem0g.testing)."""
    from mem0g.testing import LLMStub

    with LLMStub() as stub:
        yield stub


@pytest.fixture
def openai_stub(llm_stub: Any) -> Any:
    """The same stub under the name the conversation tests use."""
    return llm_stub
