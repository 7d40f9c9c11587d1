"""A local OpenAI-compatible chat server that answers a peer's query-time LLM call deterministically.

    python bench/peers/stub_llm.py --names NAMES.json [--port 0]   # prints "READY http://127.0.0.1:PORT/v1"

Stdlib only (it runs with any virtualenv's Python, in its own process, so its CPU time is not spent in
the timed peer process's interpreter). Real HTTP on 127.0.0.1; ``POST /v1/chat/completions`` (and
``/chat/completions``); ``GET /stats`` returns how many requests it answered and the total time spent
inside its handler.

What it answers (and nothing else):

* a request offering the ``extract_entities`` tool (Mem0's graph search, ``MemoryGraph.
  _retrieve_nodes_from_data``): one tool call ``extract_entities`` with ``{"entities": [{"entity",
  "entity_type"}, ...]}`` computed by :func:`extract_entities` from the last user message: the known
  entity names of that user (``--names``: ``{user_id: {name: type}}``; the user id is read from Mem0's
  system prompt "... use USER as the source entity ...") that occur in the text, case-insensitively, on
  word boundaries, longest first and without overlap, with their types; if none occurs, every run of
  capitalised words (question words like "Who", "Where" excluded) with type ``entity``. This is what a
  perfect extractor would say for the benchmark's questions: it is generous to the peer.
* any other request: a plain assistant message with empty content and no tool call.

The same function is imported by the Mem0 runner to list the texts it will embed at query time.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_STOP = {
    "who",
    "what",
    "where",
    "when",
    "which",
    "whom",
    "whose",
    "why",
    "how",
    "is",
    "was",
    "does",
    "did",
    "do",
    "in",
    "on",
    "at",
    "the",
    "a",
    "an",
    "and",
    "of",
    "to",
    "for",
    "with",
    "has",
    "have",
    "had",
    "are",
    "were",
    "tell",
    "list",
    "give",
    "name",
}
_USER = re.compile(r"use (.+?) as the source entity")
_CAPS = re.compile(r"[A-Z][\w'.-]*(?:\s+[A-Z][\w'.-]*)*")


def extract_entities(text: str, names: dict[str, str]) -> list[dict[str, str]]:
    """Known names (``{name: type}``) found in ``text``; else capitalised word runs. Deterministic."""
    lowered = text.casefold()
    taken: list[tuple[int, int]] = []
    found: list[tuple[int, dict[str, str]]] = []
    for name in sorted(names, key=lambda n: (-len(n), n)):
        key = name.casefold()
        if not key or key not in lowered:  # a plain substring test first: 14k names per query at 100k
            continue
        for m in re.finditer(r"(?<!\w)" + re.escape(key) + r"(?!\w)", lowered):
            span = (m.start(), m.end())
            if any(not (span[1] <= a or span[0] >= b) for a, b in taken):
                continue
            taken.append(span)
            found.append((m.start(), {"entity": name, "entity_type": (names[name] or "entity").lower()}))
    if found:
        found.sort(key=lambda x: x[0])
        seen: set[str] = set()
        out = []
        for _, e in found:
            if e["entity"] not in seen:
                seen.add(e["entity"])
                out.append(e)
        return out
    out = []
    for m in _CAPS.finditer(text):
        words = [w for w in m.group(0).split() if w.casefold().strip("?.,'") not in _STOP]
        phrase = " ".join(words).rstrip("?.,").removesuffix("'s").removesuffix("’s")
        if phrase and phrase not in {e["entity"] for e in out}:
            out.append({"entity": phrase, "entity_type": "entity"})
    return out


def answer(request: dict[str, Any], names_by_user: dict[str, dict[str, str]]) -> dict[str, Any]:
    messages = request.get("messages") or []
    tools = [t.get("function", {}).get("name") for t in request.get("tools") or []]
    message: dict[str, Any] = {"role": "assistant", "content": ""}
    finish = "stop"
    if "extract_entities" in tools:
        system = " ".join(str(m.get("content", "")) for m in messages if m.get("role") == "system")
        user_text = next(
            (str(m.get("content", "")) for m in reversed(messages) if m.get("role") == "user"), ""
        )
        m = _USER.search(system)
        user = m.group(1) if m else ""
        entities = extract_entities(user_text, names_by_user.get(user, {}))
        message = {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_stub_0",
                    "type": "function",
                    "function": {"name": "extract_entities", "arguments": json.dumps({"entities": entities})},
                }
            ],
        }
        finish = "tool_calls"
    return {
        "id": "chatcmpl-stub",
        "object": "chat.completion",
        "created": 0,
        "model": str(request.get("model") or "stub"),
        "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
    }


class _Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests = 0
        self.handler_ms = 0.0


def serve(names_by_user: dict[str, dict[str, str]], port: int = 0) -> tuple[ThreadingHTTPServer, _Stats]:
    stats = _Stats()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall

        def log_message(self, *args: Any) -> None:  # quiet
            pass

        def _send(self, code: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path.rstrip("/").endswith("/stats"):
                with stats.lock:
                    self._send(200, {"requests": stats.requests, "handler_ms": round(stats.handler_ms, 3)})
            else:
                self._send(404, {"error": "not found"})

        def do_POST(self) -> None:
            start = time.perf_counter()
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b"{}"
            if not self.path.rstrip("/").endswith("/chat/completions"):
                self._send(404, {"error": {"message": f"no route {self.path}"}})
                return
            body = answer(json.loads(raw or b"{}"), names_by_user)
            self._send(200, body)
            with stats.lock:
                stats.requests += 1
                stats.handler_ms += (time.perf_counter() - start) * 1000

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    return server, stats


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--names", required=True, help="JSON {user_id: {entity name: type}}")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    with open(args.names, encoding="utf-8") as fh:
        names = json.load(fh)
    server, _ = serve(names, args.port)
    print(f"READY http://127.0.0.1:{server.server_address[1]}/v1", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        sys.stdout.flush()


if __name__ == "__main__":
    main()
