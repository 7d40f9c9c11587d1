"""``mem0g mcp``: mem0g as a Model Context Protocol server (the official ``mcp`` SDK, low-level
``Server``), over stdio (default) or streamable HTTP.

The tools (names are a contract: hosts and scripts depend on them): ``add_memory``, ``add_facts``,
``search_memory``, ``get_history``, ``list_memories``, ``delete_memory``, ``get_graph``,
``task_status``, and ``forget_user`` only when the server is started with ``--allow-forget``.

Whose memory a call reads and writes is decided by the server, never by the model: over stdio the
one user of ``--user`` / ``MEM0G_USER``; over HTTP the user of the request's API key
(``Authorization: Bearer <key>``, checked on every request). No tool takes a user id, and a
``user_id`` in the arguments or in ``filters`` is refused (:mod:`mem0g.tools.agents`).

A failed call comes back as a tool error (``isError``) whose text is the one-line message the CLI
prints for the same error; an unexpected failure is logged on the server and the model is told only
that the call failed, never a traceback.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import mcp_types as types
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel import Server
from mcp.server.streamable_http_manager import StreamableHTTPASGIApp, StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from pydantic import BaseModel
from starlette.types import ASGIApp, Receive, Scope, Send

import mem0g
from mem0g._engine.keys import parse_key
from mem0g.errors import InvalidInputError, Mem0gError
from mem0g.tools.agents import (
    AddFactsArgs,
    AddMemoryArgs,
    AgentDoor,
    DeleteArgs,
    ForgetArgs,
    GraphArgs,
    HistoryArgs,
    ListArgs,
    SearchArgs,
    TaskArgs,
    parse_args,
    render_facts,
    render_search,
)

__all__ = [
    "INSTRUCTIONS",
    "TOOL_NAMES",
    "USER_SCOPE_KEY",
    "KeyAuth",
    "build_server",
    "mcp_http_app",
    "run_stdio",
]

log = logging.getLogger(__name__)

#: Where :class:`KeyAuth` leaves the authenticated user in the ASGI scope of a request.
USER_SCOPE_KEY = "mem0g.user_id"

INSTRUCTIONS = (
    "Long-term memory of one user, as a temporal graph of facts. Call search_memory before answering "
    "anything that may depend on what you were told earlier (it is cheap: no LLM call). Call "
    "add_memory with the conversation's new messages when the user tells you something worth "
    "remembering (it makes one LLM call; pass wait=false to not wait for it). When something "
    "changes (a move, a new job), just add it: the old fact is kept as dated history, not lost."
)

Result = tuple[dict[str, Any], str]  # structured content, text for the model


@dataclass(frozen=True)
class _Tool:
    name: str
    title: str
    description: str
    args: type[BaseModel]
    run: Callable[[AgentDoor, str, Any], Awaitable[Result]]
    read_only: bool = False
    destructive: bool = False
    idempotent: bool = False

    def listing(self) -> types.Tool:
        return types.Tool(
            name=self.name,
            title=self.title,
            description=self.description,
            input_schema=self.args.model_json_schema(),
            annotations=types.ToolAnnotations(
                title=self.title,
                read_only_hint=self.read_only,
                destructive_hint=self.destructive,
                idempotent_hint=self.idempotent,
                open_world_hint=False,
            ),
        )


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, default=str)


def _changes(data: dict[str, Any]) -> str:
    events = data.get("results") or []
    if not events:
        return "Nothing changed." if not data.get("episodes") else "Messages stored; no new facts."
    return "\n".join(f"- {e['event']}: {e.get('fact') or e['id']} [{e['id']}]" for e in events)


async def _add_memory(door: AgentDoor, user: str, args: AddMemoryArgs) -> Result:
    data = await door.add_memory(user, args)
    if "task_id" in data:
        return data, f"Queued as task {data['task_id']}; call task_status with this task_id for the result."
    return data, _changes(data)


async def _add_facts(door: AgentDoor, user: str, args: AddFactsArgs) -> Result:
    report = (await door.add_facts(user, args)).model_dump(mode="json")
    counts = ", ".join(
        f"{k}: {len(report[k])}" for k in ("added", "restated", "superseded", "ended", "history")
    )
    return report, f"Stored {len(args.facts)} fact(s) ({counts})."


async def _search(door: AgentDoor, user: str, args: SearchArgs) -> Result:
    result = await door.search(user, args)
    text = render_search(result, as_of=args.as_of)
    return {**result.model_dump(mode="json"), "text": text}, text


async def _history(door: AgentDoor, user: str, args: HistoryArgs) -> Result:
    records = await door.history(user, args.entity)
    facts = [r.model_dump(mode="json") for r in records]
    return {"entity": args.entity, "facts": facts}, render_facts(
        records, empty=f"No facts about {args.entity!r}."
    )


async def _list(door: AgentDoor, user: str, args: ListArgs) -> Result:
    records = await door.list_facts(user, args)
    return {"facts": [r.model_dump(mode="json") for r in records]}, render_facts(
        records, empty="No memories stored."
    )


async def _delete(door: AgentDoor, user: str, args: DeleteArgs) -> Result:
    try:
        await door.delete(user, args.fact_id)
    except mem0g.NotFoundError as exc:
        return {"id": args.fact_id, "deleted": False, "reason": str(exc)}, f"Not found: {exc}"
    return {"id": args.fact_id, "deleted": True}, f"Deleted fact {args.fact_id}."


async def _graph(door: AgentDoor, user: str, args: GraphArgs) -> Result:
    graph = await door.graph(user, args)
    return graph, _json(graph)


async def _task(door: AgentDoor, user: str, args: TaskArgs) -> Result:
    data = door.task_status(user, args.task_id)
    if data["state"] == "done" and data["result"] is not None:
        return data, f"Done.\n{_changes(data['result'])}"
    if data["state"] == "failed":
        return data, f"Failed: {data['error']}"
    return data, f"Task {args.task_id} is {data['state']}."


async def _forget(door: AgentDoor, user: str, args: ForgetArgs) -> Result:
    removed = await door.forget(user)
    return {"removed": removed}, f"Forgot everything: {removed} node(s) removed."


TOOLS: tuple[_Tool, ...] = (
    _Tool(
        "add_memory",
        "Remember a conversation",
        "Remember what was said. mem0g makes ONE LLM call (typically 1-10 s, depending on the model) "
        "to extract facts and decides what they change, in one transaction: new facts are 'added', "
        "repeated ones 'restated' (no copy), a newer value 'supersedes' the old one (kept as dated "
        "history), 'ended' facts stop holding. Returns results[] (event, fact, id) and the LLM usage. "
        "With wait=false it returns {task_id} at once: check it with task_status. When you already "
        "have structured facts, add_facts is cheaper (no LLM).",
        AddMemoryArgs,
        _add_memory,
    ),
    _Tool(
        "add_facts",
        "Store structured facts",
        "Store facts you already have as subject/predicate/object (no LLM call; the cost is embedding "
        "them, tens of milliseconds). Re-adding a fact changes nothing but its provenance. A fact "
        "with cardinality 'one' (lives_in, works_at, ...) replaces the previous value from its "
        "valid_from on. Returns the ids of facts added, restated, superseded, ended, or stored as "
        "history (an older statement that arrived late).",
        AddFactsArgs,
        _add_facts,
        idempotent=True,
    ),
    _Tool(
        "search_memory",
        "Search memory",
        "Search this user's memory: no LLM call, typically 0.1-0.5 s. Returns the facts most relevant "
        "to the query, following the graph (e.g. 'restaurants near Sarah' finds where Sarah lives). "
        "By default only facts that hold now; as_of answers as things were at a date; "
        "include_history adds facts that no longer hold. The text lists holding facts first; one "
        "that replaced another reads 'previously X; since DATE, Y'; each line ends with the fact's "
        "[id]. structuredContent.results holds the full hits (dates, status, score, path).",
        SearchArgs,
        _search,
        read_only=True,
        idempotent=True,
    ),
    _Tool(
        "get_history",
        "History of an entity",
        "Every fact about one entity (a person, place, thing; 'I' means the user), any status, in "
        "time order, with the dates each held. No LLM call. Use it for 'what changed about X'.",
        HistoryArgs,
        _history,
        read_only=True,
        idempotent=True,
    ),
    _Tool(
        "list_memories",
        "List memories",
        "List this user's stored facts, oldest first (100 by default, at most 1000), with status, "
        "dates and ids. current_only: only facts that hold now; as_of: facts that held at a date. "
        "No LLM call.",
        ListArgs,
        _list,
        read_only=True,
        idempotent=True,
    ),
    _Tool(
        "delete_memory",
        "Delete a fact",
        "Permanently delete one fact by its id (from search_memory or list_memories). Returns "
        "deleted: true, or deleted: false when this user has no fact with that id. When something "
        "merely changed, prefer add_memory with the news: that keeps the history.",
        DeleteArgs,
        _delete,
        destructive=True,
        idempotent=True,
    ),
    _Tool(
        "get_graph",
        "Memory as a graph",
        "A small JSON graph of this user's memory: nodes (entities: id, name, type) and edges (facts: "
        "subject_id, object_id, predicate, sentence, status, dates); facts that hold first, at most "
        "limit edges (200 by default); truncated says whether some were left out. No LLM call.",
        GraphArgs,
        _graph,
        read_only=True,
        idempotent=True,
    ),
    _Tool(
        "task_status",
        "Status of a background add",
        "The state of an add_memory started with wait=false: queued, running, done (with what it "
        "changed) or failed (with the error). Tasks live as long as the server process.",
        TaskArgs,
        _task,
        read_only=True,
        idempotent=True,
    ),
)

FORGET = _Tool(
    "forget_user",
    "Forget everything",
    "Erase ALL memories of this user: entities, facts, stored messages and API keys. Irreversible. "
    "Only for an explicit request of the user; confirm must be true.",
    ForgetArgs,
    _forget,
    destructive=True,
    idempotent=True,
)

TOOL_NAMES = (*(t.name for t in TOOLS), FORGET.name)


def _error(message: str) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(type="text", text=message)], is_error=True)


Tenant = Callable[[ServerRequestContext[Any, Any]], str | None]


def build_server(door: AgentDoor, tenant: Tenant, *, name: str = "mem0g") -> Server[Any]:
    """The MCP server over ``door``; ``tenant(ctx)`` says whose memory a request may use (``None``:
    nobody's, and the call is refused)."""
    tools = {t.name: t for t in TOOLS}
    if door.allow_forget:
        tools[FORGET.name] = FORGET

    async def list_tools(
        ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=[t.listing() for t in tools.values()])

    async def call_tool(
        ctx: ServerRequestContext[Any, Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        tool = tools.get(params.name)
        if tool is None:
            return _error(f"unknown tool {params.name!r}; the tools are: {', '.join(tools)}")
        try:
            user = tenant(ctx)
            if user is None:
                return _error("not authenticated: send Authorization: Bearer <key> (mem0g keys create)")
            args = parse_args(tool.args, params.arguments)
            data, text = await tool.run(door, user, args)
        except Mem0gError as exc:
            return _error(str(exc))
        except Exception:
            log.exception("mem0g mcp: %s failed", tool.name)
            return _error(f"{tool.name} failed unexpectedly; the server's log has the details")
        return types.CallToolResult(
            content=[types.TextContent(type="text", text=text)], structured_content=data
        )

    return Server(
        name,
        version=mem0g.__version__,
        title="mem0g memory",
        instructions=INSTRUCTIONS,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
    )


# -- stdio -------------------------------------------------------------------------------------------


async def run_stdio(
    settings: mem0g.Settings, *, user_id: str, agent_id: str | None = None, allow_forget: bool = False
) -> None:
    """Serve ``user_id``'s memory over stdin/stdout until the host closes the pipe."""
    from mcp.server.stdio import stdio_server

    memory = await mem0g.AsyncMemory.create(settings=settings)
    try:
        door = AgentDoor(memory, agent_id=agent_id, allow_forget=allow_forget)
        server = build_server(door, lambda ctx: user_id)
        warm = asyncio.create_task(door.warm_up())
        async with stdio_server() as (read_stream, write_stream):
            await server.run(read_stream, write_stream, server.create_initialization_options())
        warm.cancel()
    finally:
        await memory.aclose()


# -- streamable HTTP ---------------------------------------------------------------------------------


def _scope_user(ctx: ServerRequestContext[Any, Any]) -> str | None:
    request = ctx.request
    scope = getattr(request, "scope", None)
    if not isinstance(scope, dict):
        return None
    user = scope.get(USER_SCOPE_KEY)
    return user if isinstance(user, str) else None


async def send_json(
    send: Send, status: int, body: dict[str, Any], headers: list[tuple[bytes, bytes]]
) -> None:
    payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode("ascii")),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


UNAUTHORIZED = {
    "error": {
        "code": "unauthorized",
        "message": "a valid API key is required: send Authorization: Bearer <key> (create one with "
        "`mem0g keys create --user U`)",
    }
}


class KeyAuth:
    """ASGI middleware: every HTTP request must carry ``Authorization: Bearer <key>`` of a key that
    is not revoked; the key's user goes into the request's scope (``USER_SCOPE_KEY``, and ``user``
    as the SDK's :class:`AuthenticatedUser`). Anything else answers 401 and reaches nothing."""

    def __init__(self, app: ASGIApp, door: AgentDoor) -> None:
        self.app = app
        self.door = door

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        authorization = next(
            (v.decode("latin-1") for k, v in scope.get("headers", []) if k.lower() == b"authorization"), None
        )
        try:
            user = await self.door.authenticate(authorization)
        except Mem0gError as exc:
            await send_json(send, 503, {"error": {"code": "unavailable", "message": str(exc)}}, [])
            return
        if user is None:
            await send_json(send, 401, UNAUTHORIZED, [(b"www-authenticate", b'Bearer realm="mem0g"')])
            return
        token = authorization.strip().partition(" ")[2].strip() if authorization else ""
        key_id = parse_key(token) or ""
        scope = {
            **scope,
            USER_SCOPE_KEY: user,
            "user": AuthenticatedUser(AccessToken(token=key_id, client_id=user, scopes=[], subject=key_id)),
        }
        await self.app(scope, receive, send)


_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def mcp_http_app(
    door: AgentDoor, *, host: str = "127.0.0.1", max_body: int = 1_000_000
) -> tuple[ASGIApp, StreamableHTTPSessionManager]:
    """The streamable HTTP endpoint (stateless, JSON answers) behind :class:`KeyAuth`, and its
    session manager, whose ``run()`` must be entered while the app serves."""
    if max_body < 1:
        raise InvalidInputError("the request size limit must be at least 1 byte", field="max_body")
    security = None
    if host in _LOOPBACK:  # as the SDK does: refuse other Host/Origin headers (DNS rebinding)
        security = TransportSecuritySettings(
            enable_dns_rebinding_protection=True,
            allowed_hosts=["127.0.0.1:*", "localhost:*", "[::1]:*"],
            allowed_origins=["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"],
        )
    server = build_server(door, _scope_user)
    manager = StreamableHTTPSessionManager(
        app=server,
        json_response=True,
        stateless=True,
        security_settings=security,
        max_request_body_size=max_body,
    )
    return KeyAuth(StreamableHTTPASGIApp(manager), door), manager
