"""Pure assembly of the extraction and summary prompts (no I/O, no model)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from mem0g._engine.prepare import EpisodeSpec
from mem0g.extraction.prompts import PromptTemplate
from mem0g.models import Hit

__all__ = ["extraction_messages", "summary_messages"]

#: A single message longer than this is cut in the prompt (the episode keeps the whole text).
MAX_MESSAGE_CHARS = 4000


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "?"


def _clip(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    return text if len(text) <= limit else text[:limit] + " [...]"


def _speaker(role: str, name: str | None) -> str:
    return f"{role} ({name})" if name else role


def _history_line(m: Mapping[str, Any]) -> str:
    speaker = _speaker(str(m.get("role")), m.get("name"))
    return f"- {_when(m.get('observed_at'))} {speaker}: {_clip(str(m.get('content')))}"


def _user_name_clause(user_name: str | None) -> str:
    return f', who is called "{user_name}"' if user_name else ""


def _candidate_line(number: int, hit: Hit) -> str:
    since = f"since {hit.valid_from.date().isoformat()}" if hit.valid_from else "since an unknown date"
    until = f", until {hit.valid_until.date().isoformat()}" if hit.valid_until else ""
    return f"[{number}] {hit.fact} ({hit.subject} -{hit.predicate}-> {hit.object}; {since}{until})"


def extraction_messages(
    template: PromptTemplate,
    *,
    new: Sequence[EpisodeSpec],
    summary: str | None,
    recent: Sequence[Mapping[str, Any]],
    candidates: Sequence[Hit],
    now: datetime,
    user_name: str | None,
    entity_types: Sequence[str],
) -> list[dict[str, str]]:
    """The chat messages of one extraction call. Candidates are numbered from 1 in the given order."""
    recent_lines = [_history_line(m) for m in recent]
    message_lines = [
        f"({i}) {_when(e.observed_at)} {_speaker(e.role, e.name)}: {_clip(e.content)}"
        for i, e in enumerate(new, 1)
    ]
    return template.render(
        user_name_clause=_user_name_clause(user_name),
        entity_types=", ".join(entity_types),
        now=now.isoformat(timespec="seconds"),
        weekday=now.strftime("%A"),
        summary=summary or "(none yet)",
        recent="\n".join(recent_lines) or "(none)",
        candidates="\n".join(_candidate_line(i, h) for i, h in enumerate(candidates, 1)) or "(none)",
        messages="\n".join(message_lines),
    )


def summary_messages(
    template: PromptTemplate,
    *,
    summary: str | None,
    messages: Sequence[Mapping[str, Any]],
    now: datetime,
    user_name: str | None,
    max_words: int = 250,
) -> list[dict[str, str]]:
    lines = [_history_line(m) for m in messages]
    return template.render(
        user_name_clause=_user_name_clause(user_name),
        now=now.isoformat(timespec="seconds"),
        max_words=str(max_words),
        summary=summary or "(none yet)",
        messages="\n".join(lines) or "(none)",
    )
