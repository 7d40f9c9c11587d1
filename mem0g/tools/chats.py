"""Reading conversations from files and cutting them into adds (pure: no database, no model).

Two formats:

* chat JSONL: one message per line, ``{role, content, timestamp[, name, id]}``; a line without an
  ``id`` gets one derived from its content, timestamp and position, so re-ingesting the same file
  skips what is stored;
* LoCoMo (Maharana et al., ACL 2024): the ``locomo10.json`` structure, a list of samples with a
  ``conversation`` holding ``speaker_a``, ``speaker_b``, ``session_N`` turn lists and
  ``session_N_date_time`` strings. Cut as in Mem0's evaluation: memories per speaker (that speaker's
  turns are ``user`` messages, the other's ``assistant``), content prefixed with the speaker's
  name, ``batch`` turns per add, the session's date-time as the timestamp; the turn's ``dia_id``
  is the message id, so the facts' provenance names the turns (evidence recall).
"""

from __future__ import annotations

import codecs
import hashlib
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from mem0g._engine.args import validation_message
from mem0g.errors import InvalidInputError
from mem0g.models import Message
from mem0g.tools.jsonl import json_lines, read_json

__all__ = [
    "ChatAdd",
    "LocomoSample",
    "chat_adds",
    "detect_format",
    "locomo_adds",
    "locomo_user",
    "parse_locomo_datetime",
    "read_chat_jsonl",
    "read_locomo",
]

Per = Literal["speaker", "conversation"]


@dataclass(frozen=True)
class ChatAdd:
    """One future ``Memory.add``: whose memory, which messages, when they were said."""

    user_id: str
    messages: list[Message]
    timestamp: datetime | None
    label: str = ""  # where it came from, for progress and errors


def detect_format(path: Path) -> Literal["jsonl", "locomo"]:
    with path.open("rb") as handle:
        head = handle.read(4096).removeprefix(codecs.BOM_UTF8).lstrip()
    return "locomo" if head.startswith(b"[") else "jsonl"


def read_chat_jsonl(path: Path) -> list[Message]:
    """Messages of a chat JSONL file; any bad line is an error naming the line and the fix."""
    messages: list[Message] = []
    for number, data in json_lines(path):
        if isinstance(data, InvalidInputError):
            raise data
        if not isinstance(data, dict):
            raise InvalidInputError("a line must be a JSON object {role, content, timestamp}", line=number)
        if "id" not in data:
            digest = hashlib.sha256(
                json.dumps([number, data.get("role"), data.get("content"), data.get("timestamp")]).encode()
            ).hexdigest()[:16]
            data = {**data, "id": f"line-{number}-{digest}"}
        try:
            messages.append(Message.model_validate(data))
        except ValidationError as exc:
            raise InvalidInputError(validation_message(exc), line=number) from exc
        except InvalidInputError as exc:
            raise InvalidInputError(str(exc), line=number) from exc
    return messages


def chat_adds(messages: Sequence[Message], *, user_id: str, batch: int) -> list[ChatAdd]:
    """Consecutive messages, ``batch`` per add; each add's timestamp is its last message's."""
    adds = []
    for start in range(0, len(messages), batch):
        chunk = list(messages[start : start + batch])
        stamps = [m.timestamp for m in chunk if m.timestamp is not None]
        adds.append(
            ChatAdd(
                user_id=user_id,
                messages=chunk,
                timestamp=max(stamps) if stamps else None,
                label=f"messages {start + 1}-{start + len(chunk)}",
            )
        )
    return adds


_LOCOMO_TIME = re.compile(
    r"^\s*(\d{1,2}):(\d{2})\s*([ap]m)\s+on\s+(\d{1,2})\s+([A-Za-z]+),?\s+(\d{4})\s*$", re.I
)
_MONTHS = {
    m: i
    for i, m in enumerate(
        [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ],
        start=1,
    )
}


def parse_locomo_datetime(text: str) -> datetime:
    """``"1:56 pm on 8 May, 2023"`` -> 2023-05-08T13:56Z (LoCoMo gives no zone: taken as UTC)."""
    match = _LOCOMO_TIME.match(text)
    month = _MONTHS.get(match.group(5).lower()) if match else None
    if not match or month is None:
        raise InvalidInputError(f"session date {text!r} is not like '1:56 pm on 8 May, 2023'")
    hour = int(match.group(1)) % 12 + (12 if match.group(3).lower() == "pm" else 0)
    return datetime(
        int(match.group(6)), month, int(match.group(4)), hour, int(match.group(2)), tzinfo=timezone.utc
    )


@dataclass(frozen=True)
class Turn:
    speaker: str
    dia_id: str
    text: str


@dataclass(frozen=True)
class Session:
    number: int
    when: datetime
    turns: list[Turn]


@dataclass
class LocomoSample:
    sample_id: str
    speaker_a: str
    speaker_b: str
    sessions: list[Session]
    qa: list[dict[str, Any]] = field(default_factory=list)


def _turn_text(turn: dict[str, Any]) -> str:
    text = str(turn.get("text") or "").strip()
    caption = str(turn.get("blip_caption") or "").strip()
    if not text:
        return f"[shares an image: {caption}]" if caption else "[no text]"
    return text


def _sessions(conversation: dict[str, Any], sample_id: str) -> Iterator[Session]:
    numbers = sorted(
        int(m.group(1)) for k in conversation if (m := re.fullmatch(r"session_(\d+)", k)) is not None
    )
    for number in numbers:
        turns = conversation[f"session_{number}"]
        stamp = conversation.get(f"session_{number}_date_time")
        if not isinstance(turns, list) or not isinstance(stamp, str):
            raise InvalidInputError(
                f"{sample_id}: session_{number} needs a turn list and session_{number}_date_time"
            )
        yield Session(
            number=number,
            when=parse_locomo_datetime(stamp),
            turns=[Turn(str(t["speaker"]), str(t["dia_id"]), _turn_text(t)) for t in turns],
        )


def read_locomo(path: Path) -> list[LocomoSample]:
    """Samples of a LoCoMo-format file (``locomo10.json`` or any file of that structure)."""
    data = read_json(path)
    if not isinstance(data, list):
        raise InvalidInputError(f"{path}: a LoCoMo file is a JSON list of samples")
    samples = []
    for index, item in enumerate(data):
        try:
            conversation = item["conversation"]
            sample_id = str(item.get("sample_id", f"sample-{index}"))
            samples.append(
                LocomoSample(
                    sample_id=sample_id,
                    speaker_a=str(conversation["speaker_a"]),
                    speaker_b=str(conversation["speaker_b"]),
                    sessions=list(_sessions(conversation, sample_id)),
                    qa=list(item.get("qa", [])),
                )
            )
        except (KeyError, TypeError) as exc:
            raise InvalidInputError(f"{path}: sample {index} lacks {exc} (not the LoCoMo structure)") from exc
    return samples


def locomo_user(prefix: str, sample: LocomoSample, speaker: str | None) -> str:
    return f"{prefix}{sample.sample_id}" + (f"-{speaker}" if speaker else "")


def locomo_adds(
    sample: LocomoSample, *, per: Per = "speaker", prefix: str = "locomo-", batch: int = 2
) -> list[ChatAdd]:
    """The adds that ingest one sample, session by session, ``batch`` turns per add."""
    owners = [sample.speaker_a, sample.speaker_b] if per == "speaker" else [None]
    adds: list[ChatAdd] = []
    for owner in owners:
        user_id = locomo_user(prefix, sample, owner)
        me = owner or sample.speaker_a
        for session in sample.sessions:
            messages = [
                Message(
                    role="user" if turn.speaker == me else "assistant",
                    content=turn.text,  # the speaker's name travels in `name` ("Caroline: ..." when embedded)
                    name=turn.speaker,
                    id=turn.dia_id,
                    timestamp=session.when,
                )
                for turn in session.turns
            ]
            for start in range(0, len(messages), batch):
                chunk = messages[start : start + batch]
                adds.append(
                    ChatAdd(
                        user_id=user_id,
                        messages=chunk,
                        timestamp=session.when,
                        label=f"{sample.sample_id} s{session.number} {chunk[0].id}-{chunk[-1].id}",
                    )
                )
    return adds
