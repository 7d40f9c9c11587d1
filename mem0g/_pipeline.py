"""The parts of ``add`` that ``Memory`` and ``AsyncMemory`` share: input normalisation, episode ids,
the context read (as steps) and the assembly of the result. Orchestration (embed, read, one LLM
call, one write) lives in each facade; everything here is pure or a steps generator.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from mem0g._ops import FactFilter, WriteOutcome, py, record_to_fact
from mem0g._prepare import EpisodeSpec
from mem0g._steps import Query, Steps
from mem0g._time import parse_instant, utcnow
from mem0g.errors import InvalidInputError
from mem0g.models import AddResult, Hit, MemoryEvent, Message, MetadataValue, RejectedInvalidation
from mem0g.retrieval import SearchOptions, search_steps

__all__ = [
    "AddRequest",
    "Context",
    "context_steps",
    "episode_id",
    "episode_specs",
    "events_steps",
    "fill_result",
    "make_request",
    "normalize_messages",
    "thread_key",
]


def normalize_messages(messages: Any) -> list[Message]:
    """A string is one user message; a list of strings alternates user and assistant, starting with
    the user (the seed article's ``[user_message, assistant_response]``); dicts are
    ``{role, content[, name, id, timestamp]}``."""
    if isinstance(messages, str | Message | Mapping):
        messages = [messages]
    if not isinstance(messages, Sequence) or not messages:
        raise InvalidInputError(
            "messages must be a non-empty string, a list of strings, or a list of {role, content} objects",
            field="messages",
        )
    out: list[Message] = []
    for index, item in enumerate(messages):
        try:
            if isinstance(item, Message):
                out.append(item)
            elif isinstance(item, str):
                out.append(Message(role="user" if index % 2 == 0 else "assistant", content=item))
            elif isinstance(item, Mapping):
                out.append(Message.model_validate(dict(item)))
            else:
                raise InvalidInputError(
                    f"messages[{index}] is a {type(item).__name__}; "
                    "give a string or a {role, content} object",
                    field="messages",
                )
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'message'}: {e['msg'].removeprefix('Value error, ')}"
                for e in exc.errors()
            )
            raise InvalidInputError(f"messages[{index}]: {problems}", field="messages") from exc
    return out


def thread_key(agent_id: str | None, run_id: str | None) -> str:
    """One conversation thread per (agent_id, run_id) of a user; readable in the Browser."""
    return json.dumps([agent_id, run_id], ensure_ascii=False)


def episode_id(user_id: str, thread: str, message_id: str | None) -> str:
    """Deterministic for a message the caller identified (re-adding it is a no-op), random otherwise."""
    if message_id is None:
        return uuid.uuid4().hex
    return hashlib.sha256("\u0000".join((user_id, thread, message_id)).encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class AddRequest:
    messages: list[Message]
    user_id: str
    agent_id: str | None
    run_id: str | None
    metadata: dict[str, MetadataValue]
    timestamp: datetime  # when the messages were said: the "now" for relative dates
    infer: bool

    @property
    def thread(self) -> str:
        return thread_key(self.agent_id, self.run_id)

    @property
    def user_name(self) -> str | None:
        """The user's display name, when a user message carries one."""
        return next((m.name for m in self.messages if m.role == "user" and m.name), None)


def make_request(
    messages: Any,
    *,
    user_id: str,
    agent_id: str | None,
    run_id: str | None,
    metadata: Mapping[str, MetadataValue] | None,
    timestamp: datetime | str | None,
    infer: bool,
) -> AddRequest:
    """Validate an add's arguments (before anything is queued, so errors reach the caller at once).

    The time of the messages is ``timestamp``, else ``metadata["timestamp"]`` (the seed article's
    spelling), else the latest message timestamp, else the wall clock read now.
    """
    msgs = normalize_messages(messages)
    meta = dict(metadata or {})
    if not all(isinstance(k, str) for k in meta):
        raise InvalidInputError("metadata keys must be strings", field="metadata")
    when = parse_instant(timestamp, field="timestamp")
    if when is None and "timestamp" in meta:
        when = parse_instant(meta["timestamp"], field="metadata.timestamp")
    if when is None:
        stamps = [m.timestamp for m in msgs if m.timestamp is not None]
        when = max(stamps) if stamps else utcnow()
    return AddRequest(
        messages=msgs,
        user_id=user_id,
        agent_id=agent_id,
        run_id=run_id,
        metadata=meta,
        timestamp=when,
        infer=infer,
    )


def episode_specs(request: AddRequest, *, prompt_version: str | None) -> list[EpisodeSpec]:
    thread = request.thread
    return [
        EpisodeSpec(
            id=episode_id(request.user_id, thread, m.id),
            role=m.role,
            content=m.content,
            observed_at=m.timestamp or request.timestamp,
            seq=index,
            thread=thread,
            name=m.name,
            agent_id=request.agent_id,
            run_id=request.run_id,
            source_id=m.id,
            metadata=request.metadata,
            prompt_version=prompt_version,
        )
        for index, m in enumerate(request.messages)
    ]


@dataclass
class Context:
    """What the extraction call sees besides the new messages."""

    summary: str | None = None
    recent: list[dict[str, Any]] = field(default_factory=list)
    candidates: list[Hit] = field(default_factory=list)


def context_steps(
    *,
    user_id: str,
    thread: str,
    recent: int,
    vector: list[float],
    query: str,
    candidates: int,
    exact_max_facts: int,
) -> Steps[Context]:
    """One read transaction: the thread's summary and last messages, and the current facts most
    related to the new messages (found without an LLM: similarity, keywords and one hop)."""
    rows = yield Query("conversation_context", {"user_id": user_id, "thread": thread, "recent": recent})
    row = rows[0] if rows else {}
    context = Context(
        summary=row.get("summary"),
        recent=[{k: py(v) for k, v in m.items()} for m in reversed(row.get("recent") or [])],
    )
    if candidates > 0:
        found = yield from search_steps(
            query,
            vector,
            user_id=user_id,
            flt=FactFilter(now=utcnow()),
            options=SearchOptions(
                limit=candidates, hops=1, token_budget=10**9, exact_max_facts=exact_max_facts
            ),
        )
        context.candidates = list(found.results)
    return context


def events_steps(user_id: str, outcome: WriteOutcome) -> Steps[list[MemoryEvent]]:
    """The facts an add touched, as Mem0-style events (one extra read after the write)."""
    report = outcome.report
    kinds: dict[str, str] = {}
    for kind, ids in (
        ("added", report.added),
        ("history", report.history),
        ("restated", report.restated),
        ("ended", report.ended),
        ("superseded", report.superseded),
    ):
        for fact_id in ids:
            kinds.setdefault(fact_id, kind)
    if not kinds:
        return []
    rows = yield Query("facts_by_ids", {"user_id": user_id, "ids": list(kinds)})
    records = {r["f"]["id"]: record_to_fact(r) for r in rows}
    events = []
    for fact_id, kind in kinds.items():
        record = records.get(fact_id)
        events.append(
            MemoryEvent(
                id=fact_id,
                event=kind,  # type: ignore[arg-type]
                fact=record.fact if record else None,
                subject=record.subject if record else None,
                predicate=record.predicate if record else None,
                object=record.object if record else None,
                valid_from=record.valid_from if record else None,
                valid_until=record.valid_until if record else None,
            )
        )
    return events


def rejected(outcome: WriteOutcome) -> list[RejectedInvalidation]:
    return [RejectedInvalidation(fact_id=f, reason=r) for f, r in outcome.invalidations.rejected]


def fill_result(result: AddResult, outcome: WriteOutcome, *, warnings: Sequence[str] = ()) -> None:
    """Copy what the write did into an add's result."""
    report = outcome.report
    result.added, result.restated, result.history = report.added, report.restated, report.history
    result.superseded, result.ended = report.superseded, report.ended
    result.entities_created = report.entities_created
    result.episodes = outcome.episodes_written
    result.rejected_invalidations = rejected(outcome)
    result.warnings = list(warnings)


def py_value(value: Any) -> Any:
    return py(value)


def py_datetime(value: Any) -> datetime:
    converted = py(value)
    assert isinstance(converted, datetime)
    return converted
