"""A local OpenAI-compatible server for tests and benchmarks: real HTTP on 127.0.0.1, answering
the real ``openai`` SDK (and so mem0g's LLM client) with scripted answers, never a model.

Each test scripts its answers. ``POST /v1/chat/completions`` takes, in order: a matching *route*
(a predicate on the request body and a responder), else the next item of the *script* queue, else
HTTP 500 "no scripted answer" (so a test can never pass on an answer it did not write).
``POST /v1/embeddings`` answers deterministic unit vectors derived from each text's hash.

Script items: a ``str`` (the assistant's text), a ``dict`` (sent as JSON text), a :class:`Reply`
(status, body, headers, delay), or a callable taking the request body and returning any of these.
``usage`` carries real cl100k token counts of the request's messages and the answer.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from mem0g.llm import count_tokens

__all__ = ["OpenAIStub", "Recorded", "Reply", "purpose"]

Body = dict[str, Any]


@dataclass
class Reply:
    status: int = 200
    content: str | None = None  # the assistant's text (status 200)
    body: Any = None  # a raw JSON body instead (errors, malformed answers)
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (timeouts)
    usage: bool = True  # False: no usage in the answer (some local servers)


Item = str | dict[str, Any] | Reply | Callable[[Body], Any]


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: Body

    @property
    def messages(self) -> list[dict[str, str]]:
        return list(self.body.get("messages", []))

    @property
    def text(self) -> str:
        """Every message's content, joined (for assertions on the prompt)."""
        return "\n".join(m.get("content", "") for m in self.messages)

    @property
    def schema_name(self) -> str | None:
        fmt = self.body.get("response_format") or {}
        return (fmt.get("json_schema") or {}).get("name")

    @property
    def format_type(self) -> str | None:
        fmt = self.body.get("response_format")
        return None if fmt is None else fmt.get("type")


def purpose(body: Body) -> str:
    """``extraction`` or ``summary``: which mem0g call a request is, whatever the structured mode."""
    fmt = body.get("response_format") or {}
    name = (fmt.get("json_schema") or {}).get("name")
    if name:
        return str(name).removeprefix("mem0g_")
    system = next((m["content"] for m in body.get("messages", []) if m["role"] == "system"), "")
    return "summary" if "running summary" in system else "extraction"


def _vector(text: str, dims: int) -> list[float]:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    raw = [((digest[i % len(digest)] + i * 31) % 251) / 125.0 - 1.0 for i in range(dims)]
    norm = math.sqrt(sum(x * x for x in raw)) or 1.0
    return [x / norm for x in raw]


class OpenAIStub:
    def __init__(self, *, embedding_dims: int = 384) -> None:
        self.requests: list[Recorded] = []
        self.embedding_dims = embedding_dims
        self._script: deque[Item] = deque()
        self._routes: list[tuple[Callable[[Body], bool], Item]] = []
        self._lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                record = Recorded(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                with stub._lock:
                    stub.requests.append(record)
                if self.path.rstrip("/").endswith("/embeddings"):
                    self._send(200, stub._embeddings(body), {})
                elif self.path.rstrip("/").endswith("/chat/completions"):
                    status, payload, headers, delay = stub._chat(body)
                    if delay:
                        time.sleep(delay)
                    self._send(status, payload, headers)
                else:
                    self._send(404, {"error": {"message": f"no route {self.path}"}}, {})

            def _send(self, status: int, payload: Any, headers: dict[str, str]) -> None:
                data = json.dumps(payload).encode("utf-8")
                try:
                    self.send_response(status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(data)))
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
                    pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    # -- scripting --------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        port = self._server.server_address[1]
        return f"http://127.0.0.1:{port}/v1"

    def script(self, *items: Item) -> None:
        with self._lock:
            self._script.extend(items)

    def route(self, predicate: Callable[[Body], bool], item: Item) -> None:
        """Answer every request matching ``predicate`` with ``item`` (checked before the script)."""
        with self._lock:
            self._routes.append((predicate, item))

    def reset(self) -> None:
        with self._lock:
            self._script.clear()
            self._routes.clear()
            self.requests.clear()

    def chat_requests(self, kind: str | None = None) -> list[Recorded]:
        """Chat requests, optionally only ``extraction`` or ``summary`` ones."""
        with self._lock:
            found = [r for r in self.requests if r.path.rstrip("/").endswith("/chat/completions")]
        return [r for r in found if kind is None or purpose(r.body) == kind]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- answers ----------------------------------------------------------------------------------

    def _next(self, body: Body) -> Item | None:
        with self._lock:
            for predicate, item in self._routes:
                if predicate(body):
                    return item
            return self._script.popleft() if self._script else None

    def _chat(self, body: Body) -> tuple[int, Any, dict[str, str], float]:
        item = self._next(body)
        while callable(item):
            item = item(body)
        if item is None:
            return 500, {"error": {"message": "the stub has no scripted answer for this request"}}, {}, 0.0
        reply = (
            item
            if isinstance(item, Reply)
            else Reply(content=item if isinstance(item, str) else json.dumps(item))
        )
        if reply.status != 200 or reply.body is not None:
            return reply.status, reply.body if reply.body is not None else {}, reply.headers, reply.delay
        content = reply.content or ""
        payload: dict[str, Any] = {
            "id": f"chatcmpl-{len(self.requests)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "stub"),
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
            ],
        }
        if reply.usage:
            # OpenAI's chat format adds about 3 tokens per message and 3 to prime the reply.
            prompt = sum(count_tokens(m.get("content", "")) + 3 for m in body.get("messages", [])) + 3
            completion = count_tokens(content)
            payload["usage"] = {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
            }
        return 200, payload, reply.headers, reply.delay

    def _embeddings(self, body: Body) -> Any:
        inputs = body.get("input")
        texts = [inputs] if isinstance(inputs, str) else list(inputs or [])
        dims = int(body.get("dimensions") or self.embedding_dims)
        return {
            "object": "list",
            "model": body.get("model", "stub"),
            "data": [
                {"object": "embedding", "index": i, "embedding": _vector(t, dims)}
                for i, t in enumerate(texts)
            ],
            "usage": {"prompt_tokens": sum(count_tokens(t) for t in texts), "total_tokens": 0},
        }
