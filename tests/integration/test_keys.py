"""API keys against the real Neo4j: made, listed, checked, revoked and forgotten through both doors
and the CLI; Neo4j never holds a key, only its salted HMAC; a key answers only for its own user.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from agent_servers import ROOT, server_env
from typer.testing import CliRunner, Result

import mem0g.memory as memory_module
from mem0g import AsyncMemory, Memory
from mem0g.config import load_settings
from mem0g.embeddings import SentenceTransformerEmbedder
from mem0g.errors import InvalidInputError, NotFoundError
from mem0g.tools.cli import app

pytestmark = pytest.mark.neo4j

KEY = re.compile(r"m0g-[0-9a-f]{16}-[0-9a-f]{64}")
Invoke = Callable[..., Result]


def _stored(memory: Memory, user: str) -> list[dict[str, Any]]:
    with memory.store.driver.session(database=memory.store.database) as s:
        return [dict(r["k"]) for r in s.run("MATCH (k:ApiKey {user_id: $u}) RETURN k", u=user)]


def test_a_key_names_its_user_and_only_a_hash_is_stored(session_memory: Memory, make_user: Any) -> None:
    alice, bob = make_user("keys-a"), make_user("keys-b")
    record, secret = session_memory.create_key(alice, name="claude desktop")
    assert KEY.fullmatch(secret) and secret.split("-")[1] == record.id
    assert (record.user_id, record.name, record.revoked_at) == (alice, "claude desktop", None)
    assert record.active
    assert session_memory.tenant_for_key(secret) == alice
    assert session_memory.tenant_for_key(f"  {secret}\n") == alice  # pasted with whitespace
    [node] = _stored(session_memory, alice)
    assert set(node) == {"id", "user_id", "name", "salt", "hash", "created_at"}
    assert secret not in json.dumps(node, default=str) and secret.split("-")[2] not in str(node.values())
    assert len(node["hash"]) == 64 and len(node["salt"]) == 32
    assert session_memory.list_keys(bob) == []
    assert [k.id for k in session_memory.list_keys(alice)] == [record.id]


@pytest.mark.parametrize(
    "mangle",
    [
        lambda s: s[:-1] + ("0" if s[-1] != "0" else "1"),  # a wrong secret of the right form
        lambda s: s.upper(),
        lambda s: s[:-2],
        lambda s: "Bearer " + s,
        lambda s: s.replace("m0g-", "m0g_"),
        lambda s: "m0g-0000000000000000-" + s.split("-")[2],  # an unknown id
        lambda s: "",
        lambda s: "x" * 5000,
    ],
)
def test_anything_but_the_exact_key_names_nobody(
    session_memory: Memory, make_user: Any, mangle: Callable[[str], str]
) -> None:
    user = make_user("keys-m")
    _, secret = session_memory.create_key(user)
    assert session_memory.tenant_for_key(mangle(secret)) is None


def test_revoked_keys_stop_at_once_and_other_users_cannot_revoke(
    session_memory: Memory, make_user: Any
) -> None:
    alice, bob = make_user("keys-r"), make_user("keys-r")
    first, one = session_memory.create_key(alice, name="one")
    second, two = session_memory.create_key(alice, name="two")
    with pytest.raises(NotFoundError, match="no API key with id"):
        session_memory.revoke_key(first.id, user_id=bob)
    assert session_memory.tenant_for_key(one) == alice
    revoked = session_memory.revoke_key(first.id, user_id=alice)
    assert revoked.revoked_at is not None and not revoked.active
    assert session_memory.tenant_for_key(one) is None
    assert session_memory.tenant_for_key(two) == alice
    again = session_memory.revoke_key(first.id)  # idempotent: the first revocation time stays
    assert again.revoked_at == revoked.revoked_at
    listed = {k.id: k for k in session_memory.list_keys(alice)}
    assert listed[first.id].revoked_at == revoked.revoked_at and listed[second.id].active
    with pytest.raises(NotFoundError):
        session_memory.revoke_key("0123456789abcdef")
    with pytest.raises(InvalidInputError):
        session_memory.revoke_key("")


def test_forget_removes_the_users_keys_and_nobody_elses(session_memory: Memory, make_user: Any) -> None:
    alice, bob = make_user("keys-f"), make_user("keys-f")
    session_memory.add_facts(
        [{"subject": "Sarah", "predicate": "lives_in", "object": "Lisbon"}], user_id=alice
    )
    _, a_key = session_memory.create_key(alice)
    _, b_key = session_memory.create_key(bob)
    removed = session_memory.forget(alice)
    assert removed == 4  # two entities, the :Tenant node, the key
    assert session_memory.tenant_for_key(a_key) is None and session_memory.list_keys(alice) == []
    assert session_memory.tenant_for_key(b_key) == bob


def test_bad_arguments_are_refused_before_any_write(session_memory: Memory, make_user: Any) -> None:
    user = make_user("keys-bad")
    with pytest.raises(InvalidInputError, match="user_id"):
        session_memory.create_key("")
    with pytest.raises(InvalidInputError, match="name"):
        session_memory.create_key(user, name="x" * 300)
    with pytest.raises(InvalidInputError, match="user_id"):
        session_memory.list_keys("  ")
    assert _stored(session_memory, user) == []


def test_the_async_door_runs_the_same_operations(
    settings_kwargs: dict[str, object], embedder: SentenceTransformerEmbedder, make_user: Any
) -> None:
    user = make_user("keys-async")

    async def run() -> None:
        async with await AsyncMemory.create(
            settings=load_settings(**settings_kwargs), embedder=embedder
        ) as m:
            record, secret = await m.create_key(user, name="async")
            assert await m.tenant_for_key(secret) == user
            assert [k.id for k in await m.list_keys(user)] == [record.id]
            await m.revoke_key(record.id, user_id=user)
            assert await m.tenant_for_key(secret) is None

    asyncio.run(run())


# -- the CLI -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cli(settings_kwargs: dict[str, object], embedder: SentenceTransformerEmbedder) -> Iterator[Invoke]:
    env = {k: v for k, v in server_env(settings_kwargs).items() if k.startswith(("NEO4J_", "MEM0G_", "HF_"))}
    runner = CliRunner()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(memory_module, "make_embedder", lambda settings: embedder)
        yield lambda *args: runner.invoke(app, [str(a) for a in args], env=env)


def test_cli_create_prints_the_key_once_as_the_last_word(
    cli: Invoke, session_memory: Memory, make_user: Any
) -> None:
    user = make_user("keys-cli")
    made = cli("keys", "create", "--user", user, "--name", "vs code")
    assert made.exit_code == 0, made.output
    secret = made.stdout.split()[-1]
    assert KEY.fullmatch(secret) and session_memory.tenant_for_key(secret) == user
    as_json = cli("keys", "create", "--user", user, "--json")
    data = json.loads(as_json.stdout)
    assert data["user_id"] == user and KEY.fullmatch(data["key"]) and data["revoked_at"] is None
    listed = cli("keys", "list", "--user", user, "--json")
    keys = json.loads(listed.stdout)
    assert [k["id"] for k in keys] == [secret.split("-")[1], data["id"]]
    assert "key" not in keys[0] and secret not in listed.stdout
    table = cli("keys", "list", "--user", user)
    assert table.exit_code == 0 and "vs code" in table.stdout and "active" in table.stdout
    revoked = cli("keys", "revoke", secret)  # the key itself names its id too
    assert revoked.exit_code == 0 and session_memory.tenant_for_key(secret) is None
    assert "revoked" in cli("keys", "list", "--user", user).stdout
    missing = cli("keys", "revoke", "0123456789abcdef")
    assert isinstance(missing.exception, NotFoundError)


def test_cli_process_prints_the_key_last_and_exits_0(
    settings_kwargs: dict[str, object], make_user: Any
) -> None:
    user = make_user("keys-proc")
    done = subprocess.run(
        [sys.executable, "-m", "mem0g", "keys", "create", "--user", user],
        env=server_env(settings_kwargs),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert KEY.fullmatch(done.stdout.split()[-1])
    assert "shown only now" in done.stderr
    gone = subprocess.run(
        [sys.executable, "-m", "mem0g", "keys", "revoke", "0123456789abcdef"],
        env=server_env(settings_kwargs),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert gone.returncode == 8 and "mem0g: error: no API key with id" in gone.stderr
