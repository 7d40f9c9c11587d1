"""An add's input: messages normalised and checked, the request, and its episodes (pure)."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from mem0g._checks import check_metadata
from mem0g._engine.prepare import EpisodeSpec
from mem0g._time import parse_instant, utcnow
from mem0g.errors import InvalidInputError
from mem0g.models import Message, MetadataValue

__all__ = ["AddRequest", "episode_id", "episode_specs", "make_request", "normalize_messages", "thread_key"]


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
    parts = (user_id, thread, message_id)
    # NUL-joined, as ids were first made (stored ids stay valid); a part holding NUL itself would make
    # the join ambiguous across users, so such ids hash an unambiguous JSON array instead.
    key = json.dumps(parts) if any("\u0000" in p for p in parts) else "\u0000".join(parts)
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


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
    meta = check_metadata(metadata)
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
