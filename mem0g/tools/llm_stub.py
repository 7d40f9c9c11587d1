"""A local OpenAI-compatible server for tests and benchmarks: real HTTP on 127.0.0.1 (a free port),
answering the real ``openai`` SDK (and so mem0g's LLM client) with scripted answers, never a model.
Use ``with LLMStub() as stub:`` and point ``MEM0G_LLM_BASE_URL`` (or ``LLMConfig.base_url``) at
``stub.url``. mem0g's own suite uses it through the ``llm_stub`` fixture.

``POST .../chat/completions`` (also Azure's ``/openai/deployments/<name>/chat/completions``) takes,
in order: the first matching *route* (:meth:`LLMStub.route`), else the next item of the *script*
queue (:meth:`LLMStub.script`), else HTTP 500 "the stub has no scripted answer" with
``x-should-retry: false`` (so a test can never pass on an answer it did not write, and the SDK
fails at once instead of backing off).

Script items:

* ``str``: the assistant's message content, e.g. ``'{"name": "Rex"}'`` or messy text;
* ``dict`` / ``list``: sent as the JSON text of the assistant's message;
* ``(status, headers, body)``: a raw HTTP answer (``body`` a dict/list sent as JSON, or text);
* :class:`Delay` ``(seconds, then)``: wait, then answer ``then`` (client timeouts);
* :class:`Reply`: full control (status, content, raw body, headers, delay, usage, finish_reason);
* a callable taking the request's JSON body and returning any of the above.

``POST .../embeddings`` answers deterministic unit vectors (:func:`vector`, from a hash of each
text; ``embedding_dims`` or the request's ``dimensions``), unless :meth:`LLMStub.script_embeddings`
queued something else (a list of vectors, a raw answer, a callable).

Every request is recorded (:class:`Recorded`: path, query, lower-cased headers, parsed body).
``usage`` carries real cl100k token counts (:func:`mem0g.llm.count_tokens`): the prompt by the
OpenAI cookbook's chat formula (3 tokens per message plus its role and content, 3 to prime the
reply), the completion over the answer's text.
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
from types import EllipsisType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from mem0g.llm import count_tokens

__all__ = ["Delay", "LLMStub", "OpenAIStub", "Recorded", "Reply", "chat_prompt_tokens", "purpose", "vector"]

Body = dict[str, Any]
NO_ANSWER = "the stub has no scripted answer for this request"


@dataclass
class Reply:
    """One answer, fully specified. ``body`` (anything but ``None``) replaces the generated
    chat-completion JSON; otherwise ``content`` is the assistant's text."""

    status: int = 200
    content: str | None = None
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    usage: bool = True  # False: no usage in the answer (some local servers omit it)
    finish_reason: str = "stop"


@dataclass(frozen=True)
class Delay:
    """Wait ``seconds`` before answering ``then`` (default: the content ``{}``)."""

    seconds: float
    then: Any = None


Item = Any  # str | dict | list | tuple[int, dict[str, str], Any] | Reply | Delay | Callable[[Body], Item]


@dataclass
class Recorded:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Body

    @property
    def is_chat(self) -> bool:
        return self.path.rstrip("/").endswith("/chat/completions")

    @property
    def is_embeddings(self) -> bool:
        return self.path.rstrip("/").endswith("/embeddings")

    @property
    def messages(self) -> list[dict[str, str]]:
        return list(self.body.get("messages", []))

    @property
    def text(self) -> str:
        """Every message's content, joined (for assertions on the prompt)."""
        return "\n".join(str(m.get("content") or "") for m in self.messages)

    @property
    def response_format(self) -> dict[str, Any] | None:
        fmt = self.body.get("response_format")
        return fmt if isinstance(fmt, dict) else None

    @property
    def format_type(self) -> str | None:
        """``json_schema``, ``json_object`` or ``None`` (no ``response_format`` sent)."""
        return None if self.response_format is None else self.response_format.get("type")

    @property
    def schema_name(self) -> str | None:
        return ((self.response_format or {}).get("json_schema") or {}).get("name")

    @property
    def schema(self) -> dict[str, Any] | None:
        return ((self.response_format or {}).get("json_schema") or {}).get("schema")

    @property
    def retry_count(self) -> int:
        """The SDK's ``x-stainless-retry-count``: 0 for a first attempt, 1 for the first retry..."""
        return int(self.headers.get("x-stainless-retry-count", "0"))


def purpose(body: Body) -> str:
    """``extraction`` or ``summary``: which mem0g call a request is, whatever the structured mode."""
    name = ((body.get("response_format") or {}).get("json_schema") or {}).get("name")
    if name:
        return str(name).removeprefix("mem0g_")
    system = next((m["content"] for m in body.get("messages", []) if m.get("role") == "system"), "")
    return "summary" if "running summary" in system else "extraction"


def vector(text: str, dims: int) -> list[float]:
    """The stub's deterministic unit vector for ``text``."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    raw = [((digest[i % len(digest)] + i * 31) % 251) / 125.0 - 1.0 for i in range(dims)]
    norm = math.sqrt(sum(x * x for x in raw)) or 1.0
    return [x / norm for x in raw]


def chat_prompt_tokens(messages: list[dict[str, Any]]) -> int:
    """cl100k prompt tokens of chat ``messages`` by the OpenAI cookbook's formula."""
    total = 3
    for message in messages:
        total += 3
        for key, value in message.items():
            total += count_tokens(str(value or ""))
            if key == "name":
                total += 1
    return total


@dataclass
class _Answer:
    status: int
    body: Any
    headers: dict[str, str]
    delay: float = 0.0


class LLMStub:
    """The server. ``url`` is the OpenAI-style base URL (``http://127.0.0.1:<port>/v1``);
    ``root_url`` the bare origin (an Azure endpoint)."""

    def __init__(self, *, embedding_dims: int = 384, embedding_order: str = "index") -> None:
        self.embedding_dims = embedding_dims
        self.embedding_order = embedding_order  # "reversed": data items out of order, as servers may
        self._requests: list[Recorded] = []
        self._script: deque[Item] = deque()
        self._embedding_script: deque[Item] = deque()
        self._routes: list[tuple[Callable[[Body], bool], Item]] = []
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="llm-stub", daemon=True
        )
        self._thread.start()

    # -- lifecycle --------------------------------------------------------------------------------

    @property
    def root_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def url(self) -> str:
        return self.root_url + "/v1"

    def close(self) -> None:
        self._closing.set()  # releases answers still waiting on a Delay
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> LLMStub:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- scripting --------------------------------------------------------------------------------

    def script(self, *items: Item) -> None:
        """Queue chat answers, consumed one per request in order."""
        with self._lock:
            self._script.extend(items)

    def script_embeddings(self, *items: Item) -> None:
        """Queue embedding answers: a list of vectors, ``(status, headers, body)``, :class:`Reply`,
        or a callable taking the request body."""
        with self._lock:
            self._embedding_script.extend(items)

    def route(self, predicate: Callable[[Body], bool], item: Item) -> None:
        """Answer every chat request matching ``predicate`` with ``item`` (before the script)."""
        with self._lock:
            self._routes.append((predicate, item))

    def reset(self) -> None:
        with self._lock:
            self._script.clear()
            self._embedding_script.clear()
            self._routes.clear()
            self._requests.clear()

    # -- what was asked ---------------------------------------------------------------------------

    @property
    def requests(self) -> list[Recorded]:
        """Every request so far, in arrival order (a copy)."""
        with self._lock:
            return list(self._requests)

    def chat_requests(self, kind: str | None = None) -> list[Recorded]:
        """Chat requests, optionally only mem0g's ``extraction`` or ``summary`` ones."""
        return [r for r in self.requests if r.is_chat and (kind is None or purpose(r.body) == kind)]

    def embedding_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.is_embeddings]

    def count(self, *, response_format: str | EllipsisType | None = ..., marker: str | None = None) -> int:
        """Chat requests with this ``response_format`` type (``None``: none sent) and/or whose
        messages contain ``marker``."""
        found = self.chat_requests()
        if response_format is not ...:
            found = [r for r in found if r.format_type == response_format]
        if marker is not None:
            found = [r for r in found if marker in r.text]
        return len(found)

    # -- answers ----------------------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = {"_raw": raw.decode("utf-8", "replace")}
                parts = urlsplit(self.path)
                record = Recorded(
                    path=parts.path,
                    query={k: v[-1] for k, v in parse_qs(parts.query).items()},
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body if isinstance(body, dict) else {"_json": body},
                )
                with stub._lock:
                    stub._requests.append(record)
                if record.is_chat:
                    answer = stub._chat(record.body)
                elif record.is_embeddings:
                    answer = stub._embeddings(record.body)
                else:
                    answer = _Answer(404, {"error": {"message": f"the stub has no route {parts.path}"}}, {})
                if answer.delay and stub._closing.wait(answer.delay):
                    return
                self._send(answer)

            def _send(self, answer: _Answer) -> None:
                if isinstance(answer.body, bytes):
                    data, kind = answer.body, "application/octet-stream"
                elif isinstance(answer.body, str):
                    data, kind = answer.body.encode("utf-8"), "text/plain; charset=utf-8"
                else:
                    data, kind = json.dumps(answer.body).encode("utf-8"), "application/json"
                try:
                    self.send_response(answer.status)
                    self.send_header("content-type", kind)
                    self.send_header("content-length", str(len(data)))
                    for key, value in answer.headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
                    pass

        return Handler

    def _next_chat(self, body: Body) -> Item | None:
        with self._lock:
            for predicate, item in self._routes:
                if predicate(body):
                    return item
            return self._script.popleft() if self._script else None

    def _chat(self, body: Body) -> _Answer:
        item = self._next_chat(body)
        delay = 0.0
        while True:
            if callable(item) and not isinstance(item, (Reply, Delay)):
                item = item(body)
            elif isinstance(item, Delay):
                delay += item.seconds
                item = "{}" if item.then is None else item.then
            else:
                break
        if item is None:
            message = {"error": {"message": NO_ANSWER, "type": "stub_error"}}
            return _Answer(500, message, {"x-should-retry": "false"}, delay)
        if isinstance(item, tuple):
            status, headers, raw = item
            return _Answer(status, raw, dict(headers), delay)
        if isinstance(item, Reply):
            if item.status != 200 or item.body is not None:
                body_out = item.body if item.body is not None else {}
                return _Answer(item.status, body_out, item.headers, delay + item.delay)
            return _Answer(200, self._completion(body, item), item.headers, delay + item.delay)
        content = item if isinstance(item, str) else json.dumps(item)
        return _Answer(200, self._completion(body, Reply(content=content)), {}, delay)

    def _completion(self, body: Body, reply: Reply) -> dict[str, Any]:
        content = reply.content or ""
        with self._lock:
            number = len(self._requests)
        payload: dict[str, Any] = {
            "id": f"chatcmpl-stub-{number}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "stub"),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": reply.finish_reason,
                }
            ],
        }
        if reply.usage:
            prompt = chat_prompt_tokens(body.get("messages", []))
            completion = count_tokens(content)
            payload["usage"] = {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
            }
        return payload

    def _embeddings(self, body: Body) -> _Answer:
        inputs = body.get("input")
        texts = [inputs] if isinstance(inputs, str) else list(inputs or [])
        with self._lock:
            item = self._embedding_script.popleft() if self._embedding_script else None
        if callable(item):
            item = item(body)
        if isinstance(item, tuple):
            status, headers, raw = item
            return _Answer(status, raw, dict(headers))
        if isinstance(item, Reply):
            return _Answer(item.status, item.body if item.body is not None else {}, item.headers, item.delay)
        if isinstance(item, list):
            vectors = item
        else:
            dims = int(body.get("dimensions") or self.embedding_dims)
            vectors = [vector(t, dims) for t in texts]
        data = [{"object": "embedding", "index": i, "embedding": v} for i, v in enumerate(vectors)]
        if self.embedding_order == "reversed":
            data.reverse()
        tokens = sum(count_tokens(str(t)) for t in texts)
        payload = {
            "object": "list",
            "model": body.get("model", "stub"),
            "data": data,
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }
        return _Answer(200, payload, {})


#: The name this module first had.
OpenAIStub = LLMStub
