"""Helpers of the agents' door tests (test_mcp.py, test_http_api.py): real server processes
(``python -m mem0g serve`` / ``mcp``) on the test Neo4j, and real MCP clients from the SDK, each
client kept open in a thread of its own (with its own event loop) so that one server and one client
serve a whole test module.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx2
from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp_types import CallToolResult, Tool

ROOT = Path(__file__).resolve().parents[2]


def server_env(settings_kwargs: dict[str, object], **extra: str) -> dict[str, str]:
    """Environment of a server process: the test Neo4j, the offline model (PyTorch, the backend of
    the session's embedder, so a server's vectors are the test process's), no inherited MEM0G_ setting."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MEM0G_", "NEO4J_", "OPENAI_"))}
    env.update(
        {
            "NEO4J_URI": str(settings_kwargs["neo4j_uri"]),
            "NEO4J_USER": str(settings_kwargs["neo4j_user"]),
            "HF_HUB_OFFLINE": "1",
            "TOKENIZERS_PARALLELISM": "false",
            "MEM0G_EMBEDDER": "sentence-transformers",
            "MEM0G_SUMMARY_EVERY": "1000",
            "MEM0G_LLM_MAX_RETRIES": "0",
            "MEM0G_LLM_TIMEOUT": "20",
        }
    )
    if settings_kwargs.get("neo4j_password") is not None:
        env["NEO4J_PASSWORD"] = str(settings_kwargs["neo4j_password"])
    env.update(extra)
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerProcess:
    """``python -m mem0g <args> --port P`` until :meth:`stop`; :meth:`start` waits for /healthz."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.args = [*args, "--port", str(self.port)]
        self.env = env
        self.log = tempfile.NamedTemporaryFile(prefix="mem0g-server-", suffix=".log", delete=False)  # noqa: SIM115
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 120.0) -> ServerProcess:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mem0g", *self.args],
            env=self.env,
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}:\n{self.output()}")
            with contextlib.suppress(httpx2.HTTPError):
                if httpx2.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return self
            time.sleep(0.2)
        raise RuntimeError(f"server did not answer /healthz in {timeout} s:\n{self.output()}")

    def output(self) -> str:
        if not self.log.closed:
            self.log.flush()
        return Path(self.log.name).read_text("utf-8", errors="replace")

    def stop(self) -> int | None:
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.log.close()
        return self.process.returncode


class McpClient:
    """One MCP ``ClientSession`` (from the SDK) on a transport, open in a thread of its own until
    :meth:`close`; :meth:`call` and :meth:`tools` are plain blocking calls for the tests."""

    def __init__(self, connect: Callable[[], contextlib.AbstractAsyncContextManager[Any]]) -> None:
        self._connect = connect
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._session: ClientSession | None = None
        self.instructions: str | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="mcp-client", daemon=True)
        self._thread.start()
        if not self._ready.wait(180):
            raise RuntimeError("the MCP client did not connect within 180 s")
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._main())

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        try:
            async with self._connect() as streams, ClientSession(streams[0], streams[1]) as session:
                init = await session.initialize()
                self.instructions = init.instructions
                self._session = session
                self._ready.set()
                await self._stop.wait()
        except BaseException as exc:
            self._error = exc
        finally:
            self._ready.set()

    def _do(self, coro: Any, timeout: float) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def call(
        self, name: str, arguments: dict[str, Any] | None = None, timeout: float = 120
    ) -> CallToolResult:
        assert self._session is not None
        result: CallToolResult = self._do(self._session.call_tool(name, arguments or {}), timeout)
        return result

    def tools(self) -> list[Tool]:
        assert self._session is not None
        return list(self._do(self._session.list_tools(), 60).tools)

    def close(self) -> None:
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(60)


def stdio_client_for(args: list[str], env: dict[str, str]) -> McpClient:
    """An MCP client of ``python -m mem0g mcp <args>`` over stdio (the server is its subprocess)."""
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "mem0g", "mcp", *args], env=env, cwd=ROOT
    )
    errlog = open(os.devnull, "w")  # noqa: SIM115 - the server's stderr (model loading, warnings)
    return McpClient(lambda: stdio_client(params, errlog=errlog))


def http_client_for(url: str, key: str | None) -> McpClient:
    """An MCP client of the streamable HTTP endpoint ``url`` with ``Authorization: Bearer key``."""

    @contextlib.asynccontextmanager
    async def connect() -> AsyncIterator[Any]:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        async with (
            httpx2.AsyncClient(headers=headers, timeout=120) as http,
            streamable_http_client(url, http_client=http) as streams,
        ):
            yield streams

    return McpClient(connect)


def text(result: CallToolResult) -> str:
    """The text the model reads of a tool result."""
    return "\n".join(getattr(block, "text", "") for block in result.content)


def extraction(*relations: tuple[str, str, str, str]) -> dict[str, Any]:
    """An extraction answer of the LLM stub: relations (subject, predicate, object, sentence)."""
    return {
        "entities": [],
        "relations": [{"subject": s, "predicate": p, "object": o, "fact": f} for s, p, o, f in relations],
        "invalidated": [],
    }


def mentions(marker: str) -> Callable[[dict[str, Any]], bool]:
    """A stub route predicate: an extraction request whose NEW MESSAGES carry ``marker`` (earlier
    messages come back in later prompts as context, before that heading)."""

    def predicate(body: dict[str, Any]) -> bool:
        messages = body.get("messages") or [{}]
        prompt = str(messages[-1].get("content", ""))
        return marker in prompt.rpartition("NEW MESSAGES")[2]

    return predicate
