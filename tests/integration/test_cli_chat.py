"""``mem0g add`` and ``mem0g ingest chat`` (JSONL and LoCoMo) against the real Neo4j and a local
OpenAI-compatible stub: output streams, usage totals, resumability, bad input and missing LLM."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

import mem0g.memory as memory_module
from mem0g import Memory
from mem0g.embeddings import SentenceTransformerEmbedder
from mem0g.errors import ConfigError, InvalidInputError
from mem0g.testing import OpenAIStub, purpose
from mem0g.tools.cli import app

pytestmark = pytest.mark.neo4j

Invoke = Callable[..., Result]


def _env(settings_kwargs: dict[str, object], stub: OpenAIStub | None) -> dict[str, str | None]:
    return {
        "NEO4J_URI": str(settings_kwargs["neo4j_uri"]),
        "NEO4J_USER": str(settings_kwargs["neo4j_user"]),
        "NEO4J_PASSWORD": None
        if settings_kwargs["neo4j_password"] is None
        else str(settings_kwargs["neo4j_password"]),
        "HF_HUB_OFFLINE": "1",
        "MEM0G_CONFIG": None,
        "MEM0G_LLM_BASE_URL": stub.url if stub else None,
        "MEM0G_LLM_MODEL": "stub-model",
        "MEM0G_LLM_MAX_RETRIES": "0",
        "OPENAI_API_KEY": None,
        "MEM0G_LLM_API_KEY": None,
    }


@pytest.fixture
def cli(
    settings_kwargs: dict[str, object], embedder: SentenceTransformerEmbedder, openai_stub: OpenAIStub
) -> Iterator[Invoke]:
    runner = CliRunner()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(memory_module, "make_embedder", lambda settings: embedder)

        def invoke(*args: object, stub: bool = True) -> Result:
            return runner.invoke(
                app, [str(a) for a in args], env=_env(settings_kwargs, openai_stub if stub else None)
            )

        yield invoke


@pytest.fixture
def users(session_memory: Memory) -> Iterator[list[str]]:
    """Collects user ids to forget after the test (LoCoMo ingests make several)."""
    made: list[str] = []
    yield made
    for user in made:
        session_memory.forget(user)


def extraction_echo(body: dict[str, Any]) -> dict[str, Any]:
    """A model that turns each 'X likes Y' in the new messages into a fact, citing its message."""
    new = str(body["messages"][-1]["content"]).split("NEW MESSAGES")[1]
    relations = []
    for number, line in re.findall(r"^\((\d+)\) (.*)$", new, re.MULTILINE):
        for who, what in re.findall(r"(\w+) likes (\w+)", line):
            relations.append(
                {
                    "subject": who,
                    "predicate": "likes",
                    "object": what,
                    "fact": f"{who} likes {what}",
                    "evidence": [int(number)],
                }
            )
    return {"entities": [], "relations": relations, "invalidated": []}


def test_add_prints_events_and_usage(cli: Invoke, openai_stub: OpenAIStub, users: list[str]) -> None:
    users.append(user := f"cli-add-{uuid.uuid4().hex[:8]}")
    openai_stub.route(lambda b: purpose(b) == "extraction", extraction_echo)
    result = cli("add", "Tom likes jazz", "--user", user, "--at", "2025-02-01T10:00:00Z")
    assert result.exit_code == 0, result.output
    assert result.stdout.split() == ["added", "Tom", "likes", "jazz"]
    assert "LLM: 1 call(s)" in result.stderr
    as_json = cli("add", "Ann likes tea", "--user", user, "--json", "--metadata", "topic=drinks")
    dump = json.loads(as_json.stdout)
    assert dump["usage"]["calls"] == 1 and dump["results"][0]["fact"] == "Ann likes tea"
    assert len(openai_stub.chat_requests("extraction")) == 2


def test_add_without_an_llm_names_the_settings(cli: Invoke, users: list[str]) -> None:
    users.append(user := f"cli-nollm-{uuid.uuid4().hex[:8]}")
    result = cli("add", "hello", "--user", user, stub=False)
    assert isinstance(result.exception, ConfigError)
    assert "MEM0G_LLM_BASE_URL" in str(result.exception) and "OPENAI_API_KEY" in str(result.exception)
    stored = cli("add", "hello", "--user", user, "--no-infer", stub=False)
    assert stored.exit_code == 0, stored.output


def test_process_exit_5_without_an_llm(settings_kwargs: dict[str, object]) -> None:
    environ = dict(os.environ)
    for key, value in _env(settings_kwargs, None).items():
        if value is None:
            environ.pop(key, None)
        else:
            environ[key] = value
    done = subprocess.run(
        [sys.executable, "-m", "mem0g", "add", "hello", "--user", "nobody-llm"],
        env=environ,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 5, done.stderr
    assert done.stdout == "" and "MEM0G_LLM_BASE_URL" in done.stderr and "Traceback" not in done.stderr


def test_ingest_chat_jsonl_resumes(
    cli: Invoke, openai_stub: OpenAIStub, tmp_path: Path, users: list[str]
) -> None:
    users.append(user := f"cli-chat-{uuid.uuid4().hex[:8]}")
    openai_stub.route(lambda b: purpose(b) == "extraction", extraction_echo)
    openai_stub.route(lambda b: purpose(b) == "summary", {"summary": "Tom and Ann like things."})
    lines = [
        {"role": "user", "content": "Tom likes jazz", "timestamp": "2025-01-01T10:00:00Z"},
        {"role": "assistant", "content": "Nice!", "timestamp": "2025-01-01T10:00:05Z"},
        {"role": "user", "content": "Ann likes tea", "timestamp": "2025-01-02T10:00:00Z"},
        {"role": "assistant", "content": "Noted.", "timestamp": "2025-01-02T10:00:05Z"},
        {"role": "user", "content": "Bo likes chess", "timestamp": "2025-01-03T10:00:00Z"},
    ]
    chat = tmp_path / "chat.jsonl"
    chat.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    first = cli("ingest", "chat", chat, "--user", user, "--json")
    assert first.exit_code == 0, first.output
    summary = json.loads(first.stdout)
    assert (summary["adds"], summary["added"], summary["episodes"], summary["skipped"]) == (3, 3, 5, 0)
    extraction_calls = len(openai_stub.chat_requests("extraction"))
    assert extraction_calls == 3 and summary["llm"]["calls"] >= 3 and summary["background_failures"] == 0
    again = json.loads(cli("ingest", "chat", chat, "--user", user, "--json").stdout)
    assert (again["skipped"], again["added"], again["episodes"]) == (3, 0, 0)
    assert len(openai_stub.chat_requests("extraction")) == extraction_calls  # nothing re-sent


def test_ingest_chat_bad_line_is_bad_input(cli: Invoke, tmp_path: Path, users: list[str]) -> None:
    users.append(user := f"cli-bad-{uuid.uuid4().hex[:8]}")
    chat = tmp_path / "bad.jsonl"
    chat.write_text('{"role": "user", "content": "ok"}\n{"role": "user"}\n', encoding="utf-8")
    result = cli("ingest", "chat", chat, "--user", user)
    assert isinstance(result.exception, InvalidInputError)
    assert str(result.exception).startswith("line 2: content")


LOCOMO = [
    {
        "sample_id": "conv-x",
        "conversation": {
            "speaker_a": "Caroline",
            "speaker_b": "Melanie",
            "session_1_date_time": "1:56 pm on 8 May, 2023",
            "session_1": [
                {"speaker": "Caroline", "dia_id": "D1:1", "text": "Caroline likes painting"},
                {"speaker": "Melanie", "dia_id": "D1:2", "text": "Melanie likes pottery"},
                {"speaker": "Caroline", "dia_id": "D1:3", "text": "", "blip_caption": "a photo of a sunset"},
            ],
            "session_2_date_time": "10:04 am on 20 June, 2023",
            "session_2": [{"speaker": "Melanie", "dia_id": "D2:1", "text": "Melanie likes camping"}],
        },
        "qa": [
            {"question": "What does Melanie like?", "answer": "pottery", "evidence": ["D1:2"], "category": 1}
        ],
    }
]


def test_ingest_locomo_per_speaker_with_turn_provenance(
    cli: Invoke, openai_stub: OpenAIStub, tmp_path: Path, users: list[str], session_memory: Memory
) -> None:
    prefix = f"cli-loco-{uuid.uuid4().hex[:6]}-"
    users += [f"{prefix}conv-x-Caroline", f"{prefix}conv-x-Melanie"]
    openai_stub.route(lambda b: purpose(b) == "extraction", extraction_echo)
    openai_stub.route(lambda b: purpose(b) == "summary", {"summary": "s"})
    data = tmp_path / "locomo.json"
    data.write_text(json.dumps(LOCOMO), encoding="utf-8")
    result = cli("ingest", "chat", data, "--user", prefix, "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["users"] == sorted(users) and summary["episodes"] == 8  # 4 turns, 2 memories
    caroline = session_memory.get_all(user_id=users[0])
    melanie_likes = {f.object: f.source for f in caroline if f.subject == "Melanie"}
    assert melanie_likes == {"pottery": ["D1:2"], "camping": ["D2:1"]}
    first = next(r for r in openai_stub.chat_requests("extraction") if "Caroline likes painting" in r.text)
    assert "2023-05-08T13:56:00+00:00" in first.messages[0]["content"]
    assert "user (Caroline): Caroline likes painting" in first.text
    assert "assistant (Melanie): Melanie likes pottery" in first.text
    episodes = session_memory.search_episodes("sunset photo", user_id=users[1], limit=1)
    assert episodes[0].source_id == "D1:3" and "sunset" in episodes[0].content


def test_ingest_locomo_without_llm_stores_turns(
    cli: Invoke, tmp_path: Path, users: list[str], session_memory: Memory
) -> None:
    prefix = f"cli-loco-raw-{uuid.uuid4().hex[:6]}-"
    users.append(f"{prefix}conv-x")
    data = tmp_path / "locomo.json"
    data.write_text(json.dumps(LOCOMO), encoding="utf-8")
    result = cli(
        "ingest", "chat", data, "--user", prefix, "--per", "conversation", "--no-infer", "--json", stub=False
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["llm"]["calls"] == 0 and summary["background_failures"] == 0
    hits = session_memory.search_episodes("What does Melanie like?", user_id=users[0], limit=2)
    assert {h.source_id for h in hits} & {"D1:2", "D2:1"}
