"""``mem0g mcp`` with a real MCP client from the SDK: over stdio (``python -m mem0g mcp --user U`` as
the client's subprocess) and over streamable HTTP (``mem0g mcp --transport http``, API keys), on the
test Neo4j, with the LLM stub answering ``add_memory``. Every tool, the error paths, keys, and the
tenancy property: two users with the same entity names, hostile arguments on every tool, and
neither ever sees or changes the other's memory.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx2
import pytest
from agent_servers import (
    ROOT,
    McpClient,
    ServerProcess,
    extraction,
    http_client_for,
    mentions,
    server_env,
    stdio_client_for,
    text,
)
from mcp_types import CallToolResult

from mem0g import Hit, Memory
from mem0g.errors import InvalidInputError
from mem0g.testing import LLMStub
from mem0g.tools.agents import TENANT_REFUSED

pytestmark = pytest.mark.neo4j

TOOLS = [
    "add_memory",
    "add_facts",
    "search_memory",
    "get_history",
    "list_memories",
    "delete_memory",
    "get_graph",
    "task_status",
]


def facts_of(label: str, home: str, work: str) -> list[dict[str, Any]]:
    """One user's seed: Sarah moved (history), works somewhere, and the user likes something."""
    return [
        {
            "subject": "Sarah",
            "predicate": "lives_in",
            "object": f"Shibuya {label}",
            "valid_from": "2025-04-01",
        },
        {"subject": "Sarah", "predicate": "lives_in", "object": home, "valid_from": "2025-04-24"},
        {"subject": "Sarah", "predicate": "works_at", "object": work, "valid_from": "2024-01-01"},
        {"subject": "I", "predicate": "likes", "object": f"ramen {label}"},
    ]


@pytest.fixture(scope="module")
def stub() -> Iterator[LLMStub]:
    with LLMStub() as server:
        yield server


@pytest.fixture(scope="module")
def tenants(session_memory: Memory) -> Iterator[dict[str, str]]:
    """Two users with overlapping entity names (both know a Sarah who moved), seeded through the API."""
    run = uuid.uuid4().hex[:8]
    users = {"alice": f"mcp-alice-{run}", "bob": f"mcp-bob-{run}", "carol": f"mcp-carol-{run}"}
    session_memory.add_facts(facts_of("A", "Shinjuku", "Acme"), user_id=users["alice"])
    session_memory.add_facts(facts_of("B", "Osaka", "Globex"), user_id=users["bob"])
    yield users
    for user in users.values():
        session_memory.forget(user)


@pytest.fixture(scope="module")
def env(settings_kwargs: dict[str, object], stub: LLMStub) -> dict[str, str]:
    return server_env(settings_kwargs, MEM0G_LLM_BASE_URL=stub.url, MEM0G_LLM_MODEL="stub-model")


@pytest.fixture(scope="module")
def alice(env: dict[str, str], tenants: dict[str, str]) -> Iterator[McpClient]:
    client = stdio_client_for(["--user", tenants["alice"]], env)
    yield client
    client.close()


@pytest.fixture(scope="module")
def bob(env: dict[str, str], tenants: dict[str, str]) -> Iterator[McpClient]:
    client = stdio_client_for([], dict(env, MEM0G_USER=tenants["bob"]))  # the user from the environment
    yield client
    client.close()


@pytest.fixture(scope="module")
def carol(env: dict[str, str], tenants: dict[str, str]) -> Iterator[McpClient]:
    """A stdio server with a fixed agent id and the forget_user tool."""
    client = stdio_client_for(["--user", tenants["carol"], "--agent-id", "helper", "--allow-forget"], env)
    yield client
    client.close()


@pytest.fixture(scope="module")
def http_server(env: dict[str, str]) -> Iterator[ServerProcess]:
    server = ServerProcess(["mcp", "--transport", "http"], env).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def keys(session_memory: Memory, tenants: dict[str, str]) -> dict[str, str]:
    return {name: session_memory.create_key(user, name=f"test {name}")[1] for name, user in tenants.items()}


@pytest.fixture(scope="module")
def http_alice(http_server: ServerProcess, keys: dict[str, str]) -> Iterator[McpClient]:
    client = http_client_for(http_server.url + "/mcp", keys["alice"])
    yield client
    client.close()


@pytest.fixture(scope="module")
def http_bob(http_server: ServerProcess, keys: dict[str, str]) -> Iterator[McpClient]:
    client = http_client_for(http_server.url + "/mcp", keys["bob"])
    yield client
    client.close()


def ok(result: CallToolResult) -> dict[str, Any]:
    assert not result.is_error, text(result)
    assert isinstance(result.structured_content, dict)
    return result.structured_content


def refused(result: CallToolResult) -> str:
    assert result.is_error, result
    message = text(result)
    assert "\n" not in message and "Traceback" not in message
    return message


def without_scores(hits: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in h.items() if k != "score"} for h in hits]


# -- the contract ------------------------------------------------------------------------------------


def test_tools_are_listed_with_names_schemas_and_costs(alice: McpClient, carol: McpClient) -> None:
    tools = alice.tools()
    assert [t.name for t in tools] == TOOLS  # no forget_user without --allow-forget
    for tool in tools:
        schema = tool.input_schema
        assert schema["type"] == "object" and schema.get("additionalProperties") is False, tool.name
        assert "user_id" not in json.dumps(schema), tool.name
        assert tool.description and len(tool.description) > 100, tool.name
        assert tool.annotations is not None and tool.annotations.open_world_hint is False
    described = {t.name: t.description or "" for t in tools}
    assert "ONE LLM call" in described["add_memory"] and "no LLM call" in described["search_memory"]
    assert "no LLM call" in described["add_facts"]
    read_only = {t.name for t in tools if t.annotations and t.annotations.read_only_hint}
    assert read_only == {"search_memory", "get_history", "list_memories", "get_graph", "task_status"}
    assert alice.instructions and "search_memory" in alice.instructions
    assert [t.name for t in carol.tools()] == [*TOOLS, "forget_user"]


def test_search_memory_returns_the_python_api_hits_and_a_text_for_the_model(
    alice: McpClient, session_memory: Memory, tenants: dict[str, str]
) -> None:
    result = alice.call("search_memory", {"query": "Where does Sarah live?", "limit": 5})
    data = ok(result)
    expected = session_memory.search("Where does Sarah live?", user_id=tenants["alice"], limit=5)
    assert set(data) == {"results", "text"}
    api = expected.model_dump(mode="json")["results"]
    assert without_scores(data["results"]) == without_scores(api)
    assert [h["score"] for h in data["results"]] == pytest.approx([h["score"] for h in api], abs=1e-4)
    assert all(Hit.model_validate(h).user_id == tenants["alice"] for h in data["results"])
    assert data["text"] == text(result)
    first = data["text"].splitlines()[0]
    assert first.startswith(
        "- previously Sarah lives in Shibuya A; since 2025-04-24, Sarah lives in Shinjuku"
    )
    assert first.endswith(f"[{data['results'][0]['id']}]")


def test_search_memory_time_modes(alice: McpClient) -> None:
    then = ok(alice.call("search_memory", {"query": "Where does Sarah live?", "as_of": "2025-04-10"}))
    assert then["results"][0]["object"] == "Shibuya A" and then["text"].startswith("As of 2025-04-10:")
    assert "Shinjuku" not in then["text"]
    history = ok(alice.call("search_memory", {"query": "Where does Sarah live?", "include_history": True}))
    objects = [h["object"] for h in history["results"]]
    assert "Shinjuku" in objects and "Shibuya A" in objects
    narrow = ok(alice.call("search_memory", {"query": "ramen", "hops": 0, "limit": 1}))
    assert len(narrow["results"]) == 1
    none = ok(alice.call("search_memory", {"query": "Where does Sarah live?", "as_of": "1990-01-01"}))
    assert none == {"results": [], "text": "No matching memories."}


def test_add_memory_makes_one_llm_call_and_says_what_changed(
    alice: McpClient, stub: LLMStub, session_memory: Memory, tenants: dict[str, str]
) -> None:
    marker = f"marker-{uuid.uuid4().hex[:6]}"
    stub.route(mentions(marker), extraction(("I", "plays", "cello", f"I play the cello {marker}")))
    result = alice.call(
        "add_memory",
        {
            "messages": [{"role": "user", "content": f"I play the cello ({marker})"}, "Nice!"],
            "timestamp": "2025-05-01T10:00:00Z",
            "metadata": {"topic": "music"},
        },
    )
    data = ok(result)
    assert [e["event"] for e in data["results"]] == ["added"] and data["usage"]["calls"] == 1
    assert stub.count(marker=marker) == 1
    assert text(result) == f"- added: I play the cello {marker} [{data['results'][0]['id']}]"
    [stored] = [f for f in session_memory.get_all(user_id=tenants["alice"]) if marker in f.fact]
    assert stored.metadata == {"topic": "music"} and stored.valid_from is not None
    found = ok(alice.call("search_memory", {"query": "cello", "filters": {"topic": "music"}}))
    assert found["results"][0]["id"] == stored.id
    assert stub.count(marker=marker) == 1  # searching made no LLM call
    stored_only = ok(alice.call("add_memory", {"messages": f"just a note {marker}", "infer": False}))
    assert stored_only["results"] == [] and len(stored_only["episodes"]) == 1
    assert stub.count(marker=marker) == 1


def test_add_memory_in_the_background_and_task_status(
    alice: McpClient, bob: McpClient, stub: LLMStub
) -> None:
    marker = f"bg-{uuid.uuid4().hex[:6]}"
    stub.route(mentions(marker), extraction(("I", "owns", "a kayak", f"I own a kayak {marker}")))
    queued = ok(alice.call("add_memory", {"messages": f"I bought a kayak {marker}", "wait": False}))
    task_id = queued["task_id"]
    assert queued["state"] in ("queued", "running")
    deadline = time.monotonic() + 60
    status = ok(alice.call("task_status", {"task_id": task_id}))
    while status["state"] not in ("done", "failed") and time.monotonic() < deadline:
        time.sleep(0.2)
        status = ok(alice.call("task_status", {"task_id": task_id}))
    assert status["state"] == "done", status
    assert [e["event"] for e in status["result"]["results"]] == ["added"] and status["error"] is None, (
        json.dumps(status)
    )
    assert refused(bob.call("task_status", {"task_id": task_id})) == f"no task with id {task_id!r}"
    assert refused(alice.call("task_status", {"task_id": "nope"})) == "no task with id 'nope'"


def test_a_failing_llm_is_a_one_line_tool_error(alice: McpClient, stub: LLMStub) -> None:
    marker = f"fail-{uuid.uuid4().hex[:6]}"
    stub.route(mentions(marker), (500, {"x-should-retry": "false"}, {"error": {"message": "model exploded"}}))
    message = refused(alice.call("add_memory", {"messages": f"anything {marker}"}))
    assert "stub-model" in message
    queued = ok(alice.call("add_memory", {"messages": f"again {marker}", "wait": False}))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = ok(alice.call("task_status", {"task_id": queued["task_id"]}))
        if status["state"] == "failed":
            break
        time.sleep(0.2)
    assert status["state"] == "failed" and "stub-model" in status["error"], status
    assert "\n" not in status["error"] and "Traceback" not in status["error"]


def test_history_list_and_graph(alice: McpClient, session_memory: Memory, tenants: dict[str, str]) -> None:
    history = ok(alice.call("get_history", {"entity": "sarah"}))
    api = session_memory.history("Sarah", user_id=tenants["alice"])
    assert history["facts"] == [r.model_dump(mode="json") for r in api]
    assert [f["status"] for f in history["facts"] if f["predicate"] == "lives_in"] == [
        "superseded",
        "current",
    ]
    assert "Sarah lives in Shibuya A (superseded, 2025-04-01 to 2025-04-24)" in text(
        alice.call("get_history", {"entity": "Sarah"})
    )
    assert ok(alice.call("get_history", {"entity": "Nobody"})) == {"entity": "Nobody", "facts": []}
    everything = ok(alice.call("list_memories", {}))["facts"]
    assert [f["id"] for f in everything] == [
        r.id for r in session_memory.get_all(user_id=tenants["alice"], limit=100)
    ]
    current = ok(alice.call("list_memories", {"current_only": True}))["facts"]
    assert all(f["status"] == "current" for f in current) and len(current) < len(everything)
    then = ok(alice.call("list_memories", {"as_of": "2025-04-10"}))["facts"]
    assert "Shibuya A" in [f["object"] for f in then] and "Shinjuku" not in [f["object"] for f in then]
    assert len(ok(alice.call("list_memories", {"limit": 2}))["facts"]) == 2
    graph = ok(alice.call("get_graph", {}))
    names = {n["name"] for n in graph["nodes"]}
    assert {"Sarah", "Shinjuku", "Acme"} <= names and graph["truncated"] is False
    assert graph["total_edges"] == len(graph["edges"]) == len(everything)
    small = ok(alice.call("get_graph", {"limit": 1, "as_of": "2025-04-30"}))
    assert (
        small["truncated"] is True and len(small["edges"]) == 1 and small["edges"][0]["status"] == "current"
    )
    assert {n["id"] for n in small["nodes"]} == {
        small["edges"][0]["subject_id"],
        small["edges"][0]["object_id"],
    }


def test_delete_memory_only_deletes_the_servers_users_facts(
    alice: McpClient, bob: McpClient, session_memory: Memory, tenants: dict[str, str]
) -> None:
    made = ok(alice.call("add_facts", {"facts": [{"subject": "I", "predicate": "owns", "object": "a drum"}]}))
    [fact_id] = made["added"]
    before_bob = session_memory.get_all(user_id=tenants["bob"])
    stolen = ok(bob.call("delete_memory", {"fact_id": fact_id}))
    assert (
        stolen["deleted"] is False
        and stolen["reason"] == f"no fact with id {fact_id!r} for user {tenants['bob']!r}"
    )
    assert fact_id in {f.id for f in session_memory.get_all(user_id=tenants["alice"])}
    assert session_memory.get_all(user_id=tenants["bob"]) == before_bob
    assert ok(alice.call("delete_memory", {"fact_id": fact_id})) == {"id": fact_id, "deleted": True}
    assert fact_id not in {f.id for f in session_memory.get_all(user_id=tenants["alice"])}
    assert ok(alice.call("delete_memory", {"fact_id": fact_id}))["deleted"] is False


def test_errors_are_the_cli_messages_and_never_a_traceback(
    alice: McpClient, session_memory: Memory, tenants: dict[str, str]
) -> None:
    with pytest.raises(InvalidInputError) as bad_date:
        session_memory.search("Sarah", user_id=tenants["alice"], as_of="yesterday")
    assert refused(alice.call("search_memory", {"query": "Sarah", "as_of": "yesterday"})) == str(
        bad_date.value
    )
    with pytest.raises(InvalidInputError) as bad_fact:
        session_memory.add_facts([{"subject": "x", "predicate": "y"}], user_id=tenants["alice"])
    assert refused(alice.call("add_facts", {"facts": [{"subject": "x", "predicate": "y"}]})) == str(
        bad_fact.value
    )
    assert refused(alice.call("search_memory", {"query": "Sarah", "limit": 0})) == (
        "limit: Input should be greater than or equal to 1"
    )
    assert (
        refused(alice.call("search_memory", {"query": "Sarah", "colour": "red"}))
        == "colour: unknown argument"
    )
    assert refused(alice.call("search_memory", {})) == "query: Field required"
    assert refused(alice.call("no_such_tool", {})).startswith(
        "unknown tool 'no_such_tool'; the tools are: add_memory"
    )
    assert refused(alice.call("forget_user", {"confirm": True})).startswith("unknown tool 'forget_user'")


def test_user_id_is_refused_in_arguments_filters_facts_and_messages(
    alice: McpClient, session_memory: Memory, tenants: dict[str, str], stub: LLMStub
) -> None:
    other = tenants["bob"]
    before = {u: session_memory.stats(u) for u in (tenants["alice"], other)}
    hostile: list[tuple[str, dict[str, Any]]] = [
        ("search_memory", {"query": "Sarah", "user_id": other}),
        ("search_memory", {"query": "Sarah", "filters": {"user_id": other}}),
        ("search_memory", {"query": "Sarah", "filters": {"user_id": tenants["alice"]}}),
        ("list_memories", {"user_id": other}),
        ("get_history", {"entity": "Sarah", "user_id": other}),
        ("get_graph", {"user_id": other}),
        ("delete_memory", {"fact_id": "x", "user_id": other}),
        ("task_status", {"task_id": "x", "user_id": other}),
        ("add_facts", {"facts": [{"subject": "a", "predicate": "b", "object": "c", "user_id": other}]}),
        ("add_facts", {"facts": [{"subject": "a", "predicate": "b", "object": "c"}], "user_id": other}),
        ("add_memory", {"messages": "hello", "user_id": other}),
        ("add_memory", {"messages": [{"role": "user", "content": "hello", "user_id": other}]}),
    ]
    for name, arguments in hostile:
        message = refused(alice.call(name, arguments))
        assert message.endswith(TENANT_REFUSED), (name, message)
    assert {u: session_memory.stats(u) for u in before} == before
    assert stub.count(marker="hello") == 0


def test_a_fixed_agent_id_and_forget_user(
    carol: McpClient, session_memory: Memory, tenants: dict[str, str], keys: dict[str, str]
) -> None:
    user = tenants["carol"]
    written = ok(
        carol.call("add_facts", {"facts": [{"subject": "I", "predicate": "likes", "object": "tea"}]})
    )
    [fact] = session_memory.get_all(user_id=user)
    assert fact.id == written["added"][0] and fact.agent_id == "helper"
    assert ok(carol.call("search_memory", {"query": "tea"}))["results"][0]["id"] == fact.id
    assert refused(
        carol.call("search_memory", {"query": "tea", "filters": {"agent_id": "other"}})
    ).startswith("agent_id 'other' differs from the server's agent id 'helper'")
    assert refused(
        carol.call(
            "add_facts", {"facts": [{"subject": "I", "predicate": "likes", "object": "x", "agent_id": "b"}]}
        )
    ).startswith("facts[0]: agent_id 'b' differs")
    assert session_memory.tenant_for_key(keys["carol"]) == user
    assert refused(carol.call("forget_user", {})) == "confirm: Field required"
    gone = ok(carol.call("forget_user", {"confirm": True}))
    assert gone["removed"] >= 3
    assert session_memory.get_all(user_id=user) == [] and session_memory.tenant_for_key(keys["carol"]) is None
    assert session_memory.get_all(user_id=tenants["alice"]) != []


# -- over streamable HTTP ----------------------------------------------------------------------------

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "t", "version": "1"},
    },
}


def _post_mcp(server: ServerProcess, authorization: str | None) -> httpx2.Response:
    headers = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
    if authorization is not None:
        headers["Authorization"] = authorization
    return httpx2.post(server.url + "/mcp", json=INITIALIZE, headers=headers, timeout=30)


def test_http_needs_a_valid_key_on_every_request(
    http_server: ServerProcess, session_memory: Memory, tenants: dict[str, str], keys: dict[str, str]
) -> None:
    _, revoked = session_memory.create_key(tenants["alice"], name="to revoke")
    session_memory.revoke_key(revoked.split("-")[1])
    wrong = keys["alice"][:-1] + ("0" if keys["alice"][-1] != "0" else "1")
    for authorization in (
        None,
        "",
        "Bearer",
        f"Basic {keys['alice']}",
        f"Bearer {wrong}",
        f"Bearer {revoked}",
    ):
        response = _post_mcp(http_server, authorization)
        assert response.status_code == 401, (authorization, response.text)
        assert response.json()["error"]["code"] == "unauthorized"
        assert response.headers["www-authenticate"].startswith("Bearer")
    assert _post_mcp(http_server, f"Bearer {keys['alice']}").status_code == 200
    assert httpx2.get(http_server.url + "/healthz").json()["status"] == "ok"
    assert httpx2.post(http_server.url + "/v1/search", json={"query": "x"}).status_code == 404  # MCP only
    with pytest.raises(Exception):  # noqa: B017, PT011 - the SDK client cannot connect without a key
        http_client_for(http_server.url + "/mcp", wrong)


def test_http_serves_each_key_its_own_user(
    http_alice: McpClient, http_bob: McpClient, tenants: dict[str, str]
) -> None:
    assert [t.name for t in http_alice.tools()] == TOOLS
    mine = ok(http_alice.call("search_memory", {"query": "Where does Sarah live?", "limit": 3}))
    theirs = ok(http_bob.call("search_memory", {"query": "Where does Sarah live?", "limit": 3}))
    assert mine["results"][0]["object"] == "Shinjuku" and theirs["results"][0]["object"] == "Osaka"
    assert {h["user_id"] for h in mine["results"]} == {tenants["alice"]}
    assert {h["user_id"] for h in theirs["results"]} == {tenants["bob"]}
    assert refused(http_alice.call("list_memories", {"user_id": tenants["bob"]})).endswith(TENANT_REFUSED)


def test_http_refuses_a_user_flag(settings_kwargs: dict[str, object]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mem0g", "mcp", "--transport", "http", "--user", "someone"],
        env=server_env(settings_kwargs),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 4 and "each request's API key decides the user" in done.stderr
    done = subprocess.run(
        [sys.executable, "-m", "mem0g", "mcp"], env=server_env(settings_kwargs), cwd=ROOT, capture_output=True,
        text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 4 and "give --user U" in done.stderr


# -- the tenancy property ----------------------------------------------------------------------------

Call = Callable[[str, dict[str, Any]], CallToolResult]
ENTITIES = ["Sarah", "sarah", "I", "Acme", "Globex", "Shinjuku", "Osaka", "ramen A", "ramen B", "Nobody"]
QUERIES = ["Where does Sarah live?", "work", "ramen", "what do I like", "Osaka", "Shinjuku", "Acme Globex"]


def _hostile_call(
    rng: random.Random, me: str, other: str, other_facts: list[str]
) -> tuple[str, dict[str, Any]]:
    """One random tool call, often with an argument aimed at the other user."""
    kind = rng.choice(["search", "list", "history", "graph", "delete", "task", "add_facts", "inject"])
    if kind == "search":
        args: dict[str, Any] = {"query": rng.choice(QUERIES), "include_history": rng.random() < 0.5}
        if rng.random() < 0.3:
            args["as_of"] = rng.choice(["2025-04-10", "2025-05-01", "2030-01-01"])
        if rng.random() < 0.3:
            args["filters"] = rng.choice([{"user_id": other}, {"user_id": me}, {"agent_id": other}, {}])
        return "search_memory", args
    if kind == "list":
        return "list_memories", {"current_only": rng.random() < 0.5, "limit": rng.randint(1, 50)}
    if kind == "history":
        return "get_history", {"entity": rng.choice(ENTITIES)}
    if kind == "graph":
        return "get_graph", {"limit": rng.randint(1, 30)}
    if kind == "delete":
        return "delete_memory", {"fact_id": rng.choice(other_facts)}
    if kind == "task":
        return "task_status", {"task_id": rng.choice([*other_facts, uuid.uuid4().hex])}
    if kind == "add_facts":
        fact: dict[str, Any] = {"subject": "Sarah", "predicate": "visits", "object": rng.choice(ENTITIES)}
        if rng.random() < 0.5:
            fact["user_id"] = other
        return "add_facts", {"facts": [fact]}
    name = rng.choice(["search_memory", "list_memories", "get_history", "get_graph", "delete_memory"])
    base: dict[str, dict[str, Any]] = {
        "search_memory": {"query": "Sarah"},
        "get_history": {"entity": "Sarah"},
        "delete_memory": {"fact_id": rng.choice(other_facts)},
    }
    return name, {**base.get(name, {}), "user_id": rng.choice([other, me])}


def check_tenancy(session_memory: Memory, callers: dict[str, Call], seed: int, steps: int = 25) -> None:
    """Both users call every tool with hostile arguments, interleaved: each sees only their own
    facts, and each one's memory changes only by their own writes."""
    rng = random.Random(seed)
    users = list(callers)
    before = {u: {f.id for f in session_memory.get_all(user_id=u)} for u in users}
    written: dict[str, set[str]] = {u: set() for u in users}
    for _ in range(steps):
        for me in users:
            other = next(u for u in users if u != me)
            name, args = _hostile_call(rng, me, other, sorted(before[other]))
            result = callers[me](name, args)
            seen = json.dumps(result.structured_content or {}) + text(result)
            assert other not in seen, (me, name, args, seen[:500])
            if name != "delete_memory":  # its answer echoes the id it was given
                assert not (before[other] & set(_ids(result.structured_content))), (me, name, args)
            if "user_id" in json.dumps(args):
                assert result.is_error and text(result).endswith(TENANT_REFUSED), (name, args)
            if name == "delete_memory":
                assert result.is_error or result.structured_content == {
                    "id": args["fact_id"],
                    "deleted": False,
                    "reason": f"no fact with id {args['fact_id']!r} for user {me!r}",
                }
            if name == "add_facts" and not result.is_error:
                assert isinstance(result.structured_content, dict)
                written[me] |= set(result.structured_content["added"]) | set(
                    result.structured_content["superseded"]
                )
    for user in users:
        after = session_memory.get_all(user_id=user)
        assert {f.user_id for f in after} <= {user}
        assert before[user] <= {f.id for f in after}, f"{user} lost facts"
        assert {f.id for f in after} <= before[user] | written[user], f"{user} gained facts it did not write"


def _ids(data: Any) -> list[str]:
    if isinstance(data, dict):
        return [v for k, v in data.items() if k == "id" and isinstance(v, str)] + [
            i for v in data.values() for i in _ids(v)
        ]
    if isinstance(data, list):
        return [i for v in data for i in _ids(v)]
    return []


@pytest.mark.parametrize("seed", [1, 2])
def test_tenancy_property_over_stdio(
    alice: McpClient, bob: McpClient, session_memory: Memory, tenants: dict[str, str], seed: int
) -> None:
    check_tenancy(session_memory, {tenants["alice"]: alice.call, tenants["bob"]: bob.call}, seed)


@pytest.mark.parametrize("seed", [3, 4])
def test_tenancy_property_over_http(
    http_alice: McpClient, http_bob: McpClient, session_memory: Memory, tenants: dict[str, str], seed: int
) -> None:
    check_tenancy(session_memory, {tenants["alice"]: http_alice.call, tenants["bob"]: http_bob.call}, seed)
