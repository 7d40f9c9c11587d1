"""The agents' door without a database: argument checks (no user_id anywhere), the text rendering of
hits, the small graph, error statuses, and the MCP server driven in-process by the SDK's client over
a fake memory (tool errors are the error's own message, an unexpected failure never shows its
traceback, the tenant comes from the server)."""

from __future__ import annotations

import asyncio
from typing import Any

import networkx as nx
import pytest
from mcp import Client
from scripted import utc

from mem0g.errors import (
    ConfigError,
    InvalidInputError,
    LLMUnavailableError,
    Neo4jClientError,
    Neo4jUnavailableError,
    NotFoundError,
)
from mem0g.models import Hit, SearchResult, SupersededFact
from mem0g.tools.agents import (
    TENANT_REFUSED,
    AddFactsArgs,
    AddMemoryArgs,
    AgentDoor,
    ListArgs,
    SearchArgs,
    error_status,
    graph_summary,
    parse_args,
    render_search,
)
from mem0g.tools.mcp_server import TOOL_NAMES, build_server


def hit(fact_id: str, fact: str, *, status: str = "current", **extra: Any) -> Hit:
    subject, _, obj = fact.partition(" lives in ")
    return Hit(
        id=fact_id,
        fact=fact,
        subject=subject,
        predicate="lives_in",
        object=obj or fact,
        valid_from=extra.pop("valid_from", None),
        valid_until=extra.pop("valid_until", None),
        recorded_at=utc(2025, 5, 1),
        status=status,  # type: ignore[arg-type]
        cardinality="one",
        user_id="alice",
        score=0.5,
        hops=0,
        **extra,
    )


# -- arguments ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "arguments", "where"),
    [
        (SearchArgs, {"query": "x", "user_id": "bob"}, ""),
        (SearchArgs, {"query": "x", "filters": {"user_id": "bob"}}, "filters: "),
        (SearchArgs, {"query": "x", "filters": {"user_id": "alice"}}, "filters: "),
        (
            AddFactsArgs,
            {"facts": [{"subject": "a", "predicate": "b", "object": "c", "user_id": "bob"}]},
            "facts[0]: ",
        ),
        (AddMemoryArgs, {"messages": [{"role": "user", "content": "x", "user_id": "bob"}]}, "messages[0]: "),
        (ListArgs, {"user_id": "bob"}, ""),
    ],
)
def test_a_user_id_is_refused_wherever_it_is_put(model: Any, arguments: dict[str, Any], where: str) -> None:
    with pytest.raises(InvalidInputError) as refused:
        parse_args(model, arguments)
    assert str(refused.value) == where + TENANT_REFUSED


def test_argument_problems_are_one_line_naming_each_field() -> None:
    with pytest.raises(InvalidInputError) as problems:
        parse_args(SearchArgs, {"query": "", "limit": 500, "colour": "red"})
    assert str(problems.value) == (
        "query: String should have at least 1 character; limit: Input should be less than or equal to 100; "
        "colour: unknown argument"
    )
    assert parse_args(SearchArgs, {"query": "x"}).limit is None
    assert parse_args(ListArgs, {}).limit == 100
    assert parse_args(AddMemoryArgs, {"messages": ["hi", "hello"]}).wait is True


def test_no_schema_mentions_a_user_id() -> None:
    for model in (SearchArgs, AddFactsArgs, AddMemoryArgs, ListArgs):
        schema = model.model_json_schema()
        assert "user_id" not in str(schema) and schema["additionalProperties"] is False
    facts = AddFactsArgs.model_json_schema()["properties"]["facts"]
    assert facts["maxItems"] == 1000 and {"subject", "predicate", "object"} <= set(facts["items"]["required"])


# -- rendering ---------------------------------------------------------------------------------------


def test_current_facts_come_first_and_a_replaced_one_reads_previously_since() -> None:
    old = hit(
        "F1",
        "Sarah lives in Shibuya",
        status="superseded",
        valid_from=utc(2025, 4, 1),
        valid_until=utc(2025, 4, 24),
    )
    new = hit(
        "F2",
        "Sarah lives in Shinjuku",
        valid_from=utc(2025, 4, 24),
        supersedes=[
            SupersededFact(
                id="F1",
                fact="Sarah lives in Shibuya",
                object="Shibuya",
                valid_from=utc(2025, 4, 1),
                valid_until=utc(2025, 4, 24),
                status="superseded",
            )
        ],
    )
    ended = hit(
        "F3",
        "Rex lives in the garden",
        status="ended",
        valid_from=utc(2020, 1, 1),
        valid_until=utc(2024, 1, 1),
    )
    plain = hit("F4", "Sarah lives in Tokyo")
    text = render_search(SearchResult(results=[old, ended, new, plain]))
    assert text.splitlines() == [
        "- previously Sarah lives in Shibuya; since 2025-04-24, Sarah lives in Shinjuku [F2]",
        "- Sarah lives in Tokyo [F4]",
        "No longer holds:",
        "- Rex lives in the garden (ended, 2020-01-01 to 2024-01-01) [F3]",
    ]
    assert render_search(SearchResult(results=[old]), as_of="2025-04-10").splitlines() == [
        "As of 2025-04-10:",
        "Held then, no longer holds now:",
        "- Sarah lives in Shibuya (superseded, 2025-04-01 to 2025-04-24) [F1]",
    ]
    assert render_search(SearchResult()) == "No matching memories."


def test_the_small_graph_keeps_holding_facts_first_and_says_when_it_is_cut() -> None:
    g = nx.MultiDiGraph(user_id="alice")
    for node in ("s", "a", "b"):
        g.add_node(node, name=node.upper(), type=None)
    g.add_edge(
        "s", "a", key="old", predicate="p", fact="s p a", status="superseded", recorded_at=utc(2025, 5, 2)
    )
    g.add_edge(
        "s", "b", key="new", predicate="p", fact="s p b", status="current", recorded_at=utc(2025, 5, 1)
    )
    whole = graph_summary(g, limit=10)
    assert [e["id"] for e in whole["edges"]] == ["new", "old"] and not whole["truncated"]
    assert whole["edges"][0]["recorded_at"] == "2025-05-01T00:00:00Z" and len(whole["nodes"]) == 3
    cut = graph_summary(g, limit=1)
    assert cut["truncated"] and cut["total_edges"] == 2 and {n["id"] for n in cut["nodes"]} == {"s", "b"}


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (InvalidInputError("x"), 400, "invalid_input"),
        (NotFoundError("x"), 404, "not_found"),
        (Neo4jUnavailableError("x"), 503, "neo4j_unavailable"),
        (LLMUnavailableError("x"), 503, "llm_unavailable"),
        (ConfigError("x"), 503, "not_configured"),
        (Neo4jClientError("x"), 500, "server_error"),
        (RuntimeError("x"), 500, "internal_error"),
    ],
)
def test_error_statuses(error: Exception, status: int, code: str) -> None:
    assert error_status(error) == (status, code)


# -- the MCP server, in-process over a fake memory ----------------------------------------------------


class FakeMemory:
    """What AgentDoor calls on an AsyncMemory, answering from a script; records the user ids."""

    def __init__(self, raises: BaseException | None = None) -> None:
        self.raises = raises
        self.users: list[str] = []

    async def search(self, query: str, *, user_id: str, **kwargs: Any) -> SearchResult:
        self.users.append(user_id)
        if self.raises is not None:
            raise self.raises
        return SearchResult(results=[hit("F9", "Sarah lives in Kyoto")])

    async def forget(self, user_id: str) -> int:
        self.users.append(user_id)
        return 7

    async def init(self) -> None:
        return None


def _call(server: Any, name: str, arguments: dict[str, Any]) -> Any:
    async def run() -> Any:
        async with Client(server) as client:
            return await client.call_tool(name, arguments)

    return asyncio.run(run())


def _tools(server: Any) -> list[str]:
    async def run() -> list[str]:
        async with Client(server) as client:
            return [t.name for t in (await client.list_tools()).tools]

    return asyncio.run(run())


def test_the_server_answers_for_the_user_it_decides() -> None:
    memory = FakeMemory()
    server = build_server(AgentDoor(memory), lambda ctx: "alice")  # type: ignore[arg-type]
    result = _call(server, "search_memory", {"query": "Where does Sarah live?"})
    assert not result.is_error and memory.users == ["alice"]
    assert result.content[0].text == "- Sarah lives in Kyoto [F9]"
    assert result.structured_content["results"][0]["id"] == "F9"
    assert _tools(server) == list(TOOL_NAMES[:-1])
    nobody = build_server(AgentDoor(memory), lambda ctx: None)  # type: ignore[arg-type]
    refused = _call(nobody, "search_memory", {"query": "x"})
    assert refused.is_error and refused.content[0].text.startswith("not authenticated")
    assert memory.users == ["alice"]


@pytest.mark.parametrize(
    "error",
    [
        InvalidInputError("as_of: 'yesterday' is not an ISO 8601 date"),
        Neo4jUnavailableError("cannot reach Neo4j at bolt://x: connection refused; start it"),
        LLMUnavailableError("the model is down"),
    ],
)
def test_a_tool_error_is_the_errors_own_message(error: Exception) -> None:
    server = build_server(AgentDoor(FakeMemory(raises=error)), lambda ctx: "alice")  # type: ignore[arg-type]
    result = _call(server, "search_memory", {"query": "x"})
    assert result.is_error and result.content[0].text == str(error)


def test_an_unexpected_failure_shows_no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    server = build_server(AgentDoor(FakeMemory(raises=KeyError("secret internals"))), lambda ctx: "alice")  # type: ignore[arg-type]
    result = _call(server, "search_memory", {"query": "x"})
    assert result.is_error
    assert result.content[0].text == "search_memory failed unexpectedly; the server's log has the details"
    assert "secret internals" not in result.content[0].text
    assert "secret internals" in caplog.text  # it is in the server's log


def test_forget_user_exists_only_when_allowed() -> None:
    memory = FakeMemory()
    closed = build_server(AgentDoor(memory), lambda ctx: "alice")  # type: ignore[arg-type]
    assert "forget_user" not in _tools(closed)
    assert _call(closed, "forget_user", {"confirm": True}).is_error and memory.users == []
    opened = build_server(AgentDoor(memory, allow_forget=True), lambda ctx: "alice")  # type: ignore[arg-type]
    assert _tools(opened)[-1] == "forget_user"
    assert _call(opened, "forget_user", {"confirm": False}).is_error
    done = _call(opened, "forget_user", {"confirm": True})
    assert done.structured_content == {"removed": 7} and memory.users == ["alice"]


def test_a_fixed_agent_id_is_applied_and_another_refused() -> None:
    door = AgentDoor(FakeMemory(), agent_id="helper")  # type: ignore[arg-type]
    assert door._agent(None) == "helper" and door._agent("helper") == "helper"
    with pytest.raises(InvalidInputError, match="differs from the server's agent id 'helper'"):
        door._agent("other")
    with pytest.raises(NotFoundError, match="no task with id 'x'"):
        door.task_status("alice", "x")


# -- the HTTP app, in-process (starlette's TestClient: no socket) over a fake memory ----------------


class KeyedMemory(FakeMemory):
    """A fake memory whose only key is ``m0g-<16 a>-<64 b>`` of alice; ``down`` makes Neo4j unreachable."""

    KEY = "m0g-" + "a" * 16 + "-" + "b" * 64

    def __init__(self, raises: BaseException | None = None, *, down: bool = False) -> None:
        super().__init__(raises)
        self.down = down

    async def tenant_for_key(self, secret: str) -> str | None:
        if self.down:
            raise Neo4jUnavailableError("cannot reach Neo4j at bolt://127.0.0.1:1: connection refused")
        return "alice" if secret == self.KEY else None


def _client(memory: KeyedMemory, **options: Any) -> Any:
    from starlette.testclient import TestClient

    from mem0g.tools.http_api import create_app

    return TestClient(create_app(AgentDoor(memory), **options), raise_server_exceptions=False)  # type: ignore[arg-type]


def test_http_keys_statuses_and_the_error_shape() -> None:
    memory = KeyedMemory()
    auth = {"Authorization": f"Bearer {KeyedMemory.KEY}"}
    with _client(memory) as client:
        assert client.get("/healthz").json()["status"] == "ok"
        missing = client.post("/v1/search", json={"query": "x"})
        assert missing.status_code == 401 and missing.json()["error"]["code"] == "unauthorized"
        assert client.post("/mcp", json={}).status_code == 401
        found = client.post("/v1/search", json={"query": "x"}, headers=auth)
        assert (
            found.status_code == 200
            and found.json()["results"][0]["id"] == "F9"
            and memory.users == ["alice"]
        )
        assert client.get("/v1/whoami", headers=auth).json() == {"user_id": "alice"}
    with _client(KeyedMemory(raises=KeyError("internals"))) as client:
        crashed = client.post("/v1/search", json={"query": "x"}, headers=auth)
        assert crashed.status_code == 500 and crashed.json() == {
            "error": {
                "code": "internal_error",
                "message": "the request failed unexpectedly; the server's log has the details",
            }
        }
    with _client(KeyedMemory(down=True)) as client:
        for response in (
            client.post("/v1/search", json={"query": "x"}, headers=auth),
            client.post("/mcp", json={}, headers=auth),
        ):
            assert response.status_code == 503, response.text
            assert "cannot reach Neo4j" in response.json()["error"]["message"]


def test_http_bodies_over_the_limit_are_413_with_or_without_a_length() -> None:
    auth = {"Authorization": f"Bearer {KeyedMemory.KEY}"}
    with _client(KeyedMemory(), max_body=200) as client:
        sized = client.post("/v1/search", json={"query": "x" * 300}, headers=auth)
        assert sized.status_code == 413 and sized.json()["error"]["code"] == "too_large"

        def chunks() -> Any:
            yield b'{"query": "'
            yield b"x" * 300
            yield b'"}'

        streamed = client.post(
            "/v1/search", content=chunks(), headers={**auth, "content-type": "application/json"}
        )
        assert streamed.status_code == 413
        assert client.post("/v1/search", json={"query": "small"}, headers=auth).status_code == 200
