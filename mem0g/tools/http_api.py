"""``mem0g serve``: an HTTP API (FastAPI on uvicorn) over the same engine, for services in any
language, with the MCP streamable HTTP endpoint mounted at ``/mcp`` behind the same keys.

Every request but ``GET /healthz`` (and the OpenAPI pages ``/docs``, ``/openapi.json``) needs
``Authorization: Bearer <key>`` of a key that is not revoked (``mem0g keys create --user U``); the
key decides the user. No endpoint takes a user id: a ``user_id`` in a body, a query or ``filters``
is refused, and a fact id of another user answers 404 and changes nothing.

Errors are JSON, ``{"error": {"code": ..., "message": ...}}``, the message being the one the CLI
prints: 400 bad input, 401 no valid key, 404 not found, 413 body over the size limit (1 MB by
default, ``--max-body``), 422 a body or query that does not fit the endpoint's schema, 503 Neo4j or
the LLM unreachable or no LLM configured.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import mem0g
from mem0g.errors import Mem0gError, NotFoundError
from mem0g.tools.agents import (
    TENANT_REFUSED,
    AddFactsArgs,
    AgentDoor,
    GraphArgs,
    ListArgs,
    MemoriesBody,
    SearchArgs,
    error_status,
    refuse_tenant_arguments,
)
from mem0g.tools.mcp_server import UNAUTHORIZED, mcp_http_app, send_json

__all__ = ["DEFAULT_MAX_BODY", "BodyLimit", "create_app", "serve"]

log = logging.getLogger(__name__)

DEFAULT_MAX_BODY = 1_000_000


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


class _UnauthorizedError(Exception):
    """No valid API key: answered 401 by the app's handler."""


_BEARER = HTTPBearer(auto_error=False, description="An API key from `mem0g keys create --user U`.")


async def _user_of(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)]
) -> str:
    door: AgentDoor = request.app.state.door
    user = await door.authenticate(request.headers.get("authorization"))
    if user is None:
        raise _UnauthorizedError()
    return user


#: The user of the request's API key (401 without a valid one).
UserId = Annotated[str, Depends(_user_of)]


class BodyLimit:
    """ASGI middleware: a request body over ``max_bytes`` answers 413 before the app sees it (by its
    Content-Length, or once the bytes streamed in pass the limit)."""

    def __init__(self, app: ASGIApp, max_bytes: int = DEFAULT_MAX_BODY) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_large = {
            "error": {"code": "too_large", "message": f"the request body is over {self.max_bytes} bytes"}
        }
        length = next((v for k, v in scope.get("headers", []) if k.lower() == b"content-length"), None)
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await send_json(send, 413, too_large, [(b"connection", b"close")])
            return
        if scope.get("method") in ("GET", "HEAD", "DELETE", "OPTIONS") and length is None:
            await self.app(scope, receive, send)
            return
        # Read the whole body (at most max_bytes) before the app runs, then replay it.
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([], message, receive), send)
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await send_json(send, 413, too_large, [(b"connection", b"close")])
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        await self.app(scope, _replay(chunks, None, receive), send)


def _replay(chunks: list[bytes], pending: Message | None, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            if pending is not None:
                return pending
            return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        return await receive()

    return replay


def _validation_message(exc: RequestValidationError) -> tuple[int, str, str]:
    problems = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path")]
        if err.get("type") == "extra_forbidden" and loc and loc[-1] == "user_id":
            return 400, "invalid_input", TENANT_REFUSED
        where = ".".join(loc)
        message = "unknown field" if err.get("type") == "extra_forbidden" else str(err.get("msg", "invalid"))
        message = message.removeprefix("Value error, ")
        problems.append(f"{where}: {message}" if where else message)
    return 422, "invalid_request", "; ".join(problems) or "the request does not fit this endpoint"


DESCRIPTION = """mem0g's memory of one user per API key: a temporal graph of facts.

Authenticate with `Authorization: Bearer <key>` (`mem0g keys create --user U` prints one). The key
decides whose memory is read and written; no endpoint takes a user id. `POST /v1/search` answers
exactly what `mem0g search --json` prints. Searching never calls an LLM; `POST /v1/memories` makes one
LLM call per request (in the background unless `wait` is true). The MCP streamable HTTP endpoint is
at `/mcp`, behind the same keys.
"""


def create_app(
    door: AgentDoor,
    *,
    host: str = "127.0.0.1",
    max_body: int = DEFAULT_MAX_BODY,
    rest: bool = True,
    mcp: bool = True,
) -> FastAPI:
    """The HTTP API over ``door`` (whose memory the caller owns and closes): the REST endpoints
    (``rest``), the MCP endpoint at ``/mcp`` (``mcp``) and ``/healthz``."""
    mcp_app, manager = mcp_http_app(door, host=host, max_body=max_body)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with manager.run():
            warm = asyncio.create_task(door.warm_up())
            try:
                yield
            finally:
                warm.cancel()

    app = FastAPI(title="mem0g", version=mem0g.__version__, description=DESCRIPTION, lifespan=lifespan)
    app.state.door = door

    @app.exception_handler(_UnauthorizedError)
    async def unauthorized(request: Request, exc: _UnauthorizedError) -> JSONResponse:
        body = UNAUTHORIZED["error"]
        return _error(401, body["code"], body["message"], {"WWW-Authenticate": 'Bearer realm="mem0g"'})

    @app.exception_handler(Mem0gError)
    async def mem0g_error(request: Request, exc: Mem0gError) -> JSONResponse:
        status, code = error_status(exc)
        return _error(status, code, str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        status, code, message = _validation_message(exc)
        return _error(status, code, message)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return _error(exc.status_code, code, str(exc.detail), dict(exc.headers or {}))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("mem0g serve: %s %s failed", request.method, request.url.path)
        return _error(
            500, "internal_error", "the request failed unexpectedly; the server's log has the details"
        )

    @app.get("/healthz", tags=["service"], summary="Liveness (no key needed)")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "version": mem0g.__version__}

    if rest:
        app.include_router(_rest_router(door))
    if mcp:
        app.router.routes.append(Route("/mcp", endpoint=mcp_app, include_in_schema=False))
    app.add_middleware(BodyLimit, max_bytes=max_body)
    return app


def _rest_router(door: AgentDoor) -> APIRouter:
    """The ``/v1`` endpoints; each answers for the user of the request's API key."""
    router = APIRouter()

    @router.get("/v1/whoami", tags=["service"], summary="The user your key acts as")
    async def whoami(user: UserId) -> dict[str, str]:
        return {"user_id": user}

    @router.post(
        "/v1/search",
        tags=["memory"],
        summary="Search memory (no LLM)",
        response_description="Exactly what `mem0g search --json` prints: {results: [hit, ...]}",
    )
    async def search(body: SearchArgs, user: UserId) -> Response:
        refuse_tenant_arguments(body.model_dump(exclude_unset=True))
        result = await door.search(user, body)
        return Response(result.model_dump_json(), media_type="application/json")

    @router.post("/v1/facts", tags=["memory"], summary="Store structured facts (no LLM)")
    async def add_facts(body: AddFactsArgs, user: UserId) -> dict[str, Any]:
        refuse_tenant_arguments(body.model_dump(exclude_unset=True))
        report = await door.add_facts(user, body)
        return report.model_dump(mode="json")

    @router.post(
        "/v1/memories",
        tags=["memory"],
        summary="Remember a conversation (one LLM call; background by default)",
        status_code=202,
        responses={200: {"description": "with wait=true: the AddResult"}},
    )
    async def add_memory(body: MemoriesBody, user: UserId) -> Response:
        refuse_tenant_arguments(body.model_dump(exclude_unset=True))
        data = await door.add_memory(user, body)
        if "task_id" in data:
            data["status_url"] = f"/v1/tasks/{data['task_id']}"
            return JSONResponse(data, status_code=202)
        return JSONResponse(data, status_code=200)

    @router.get("/v1/tasks/{task_id}", tags=["memory"], summary="A background add: state, result or error")
    async def task(task_id: str, user: UserId) -> dict[str, Any]:
        return door.task_status(user, task_id)

    @router.get(
        "/v1/history/{entity:path}", tags=["memory"], summary="Every fact about an entity, in time order"
    )
    async def history(entity: str, user: UserId) -> Response:
        records = await door.history(user, entity)
        if not records:
            raise NotFoundError(f"no entity {entity!r} with facts for user {user!r}")
        return _json_list([r.model_dump(mode="json") for r in records])

    @router.get("/v1/facts", tags=["memory"], summary="List facts (as `mem0g list --json`)")
    async def list_facts(query: Annotated[ListArgs, Query()], user: UserId) -> Response:
        records = await door.list_facts(user, query)
        return _json_list([r.model_dump(mode="json") for r in records])

    @router.delete("/v1/facts/{fact_id}", tags=["memory"], summary="Delete one fact (404: not this user's)")
    async def delete_fact(fact_id: str, user: UserId) -> dict[str, Any]:
        await door.delete(user, fact_id)
        return {"id": fact_id, "deleted": True}

    @router.get("/v1/graph", tags=["memory"], summary="A small JSON graph (nodes, edges) of the memory")
    async def graph(query: Annotated[GraphArgs, Query()], user: UserId) -> dict[str, Any]:
        return await door.graph(user, query)

    return router


def _json_list(items: list[dict[str, Any]]) -> Response:
    return Response(json.dumps(items, ensure_ascii=False), media_type="application/json")


async def serve(
    settings: mem0g.Settings,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    max_body: int = DEFAULT_MAX_BODY,
    allow_forget: bool = False,
    rest: bool = True,
    mcp: bool = True,
    log_level: str = "warning",
) -> None:
    """Run the HTTP API until interrupted (SIGINT/SIGTERM), then finish queued adds, close and
    return (exit status 0)."""
    import uvicorn

    class Server(uvicorn.Server):
        """uvicorn's server, except that after a graceful shutdown on a signal it does not raise the
        signal again (that would kill the process before the queued adds are written)."""

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            if threading.current_thread() is not threading.main_thread():
                yield
                return
            handled = (signal.SIGINT, signal.SIGTERM)
            original = {sig: signal.signal(sig, self.handle_exit) for sig in handled}
            try:
                yield
            finally:
                for sig, handler in original.items():
                    signal.signal(sig, handler)

    memory = await mem0g.AsyncMemory.create(settings=settings)
    try:
        door = AgentDoor(memory, allow_forget=allow_forget)
        app = create_app(door, host=host, max_body=max_body, rest=rest, mcp=mcp)
        config = uvicorn.Config(app, host=host, port=port, log_level=log_level, access_log=False)
        await Server(config).serve()
    finally:
        await memory.aclose()
