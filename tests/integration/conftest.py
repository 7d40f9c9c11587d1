"""Fixtures shared by the integration tests that drive the CLI in-process."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from typer.testing import CliRunner, Result

import mem0g.memory as memory_module
from mem0g.embeddings import SentenceTransformerEmbedder
from mem0g.tools.cli import app

Invoke = Callable[..., Result]


def cli_env(settings_kwargs: dict[str, object]) -> dict[str, str | None]:
    """Environment for the CLI: the test server, the offline model, no config file."""
    password = settings_kwargs["neo4j_password"]
    return {
        "NEO4J_URI": str(settings_kwargs["neo4j_uri"]),
        "NEO4J_USER": str(settings_kwargs["neo4j_user"]),
        "NEO4J_PASSWORD": None if password is None else str(password),
        "HF_HUB_OFFLINE": "1",
        "MEM0G_CONFIG": None,
    }


@pytest.fixture(scope="module")
def cli(settings_kwargs: dict[str, object], embedder: SentenceTransformerEmbedder) -> Iterator[Invoke]:
    """``cli("search", "q", "--user", u, NEO4J_DATABASE="x")`` runs the typer app in-process (with
    the session's loaded model, and extra environment variables as keywords)."""
    env = cli_env(settings_kwargs)
    runner = CliRunner()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(memory_module, "make_embedder", lambda settings: embedder)

        def invoke(*args: object, **env_extra: str) -> Result:
            return runner.invoke(app, [str(a) for a in args], env={**env, **env_extra})

        yield invoke
