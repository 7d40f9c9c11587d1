"""Pydantic models at mem0g's boundaries: what callers send in and what they get back."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from mem0g._checks import check_metadata, check_texts
from mem0g._time import parse_instant
from mem0g.errors import InvalidInputError
from mem0g.vocab import Cardinality

__all__ = [
    "MAX_ID_LENGTH",
    "AddResult",
    "ApiKey",
    "Entity",
    "EpisodeHit",
    "FactIn",
    "FactRecord",
    "FactStatus",
    "Hit",
    "IngestReport",
    "LLMCall",
    "LLMUsage",
    "MemoryEvent",
    "Message",
    "MetadataValue",
    "PathStep",
    "SearchResult",
    "SupersededFact",
    "TaskStatus",
]

FactStatus = Literal["current", "superseded", "ended"]
MetadataValue = str | int | float | bool | None | list[str | int | float | bool | None]

#: Longest accepted user/agent/run id: ids go into range indexes, whose entries have a size limit.
MAX_ID_LENGTH = 256


def _instant(value: Any) -> datetime | None:
    try:
        return parse_instant(value)
    except InvalidInputError as exc:  # pydantic names the field; drop the parser's generic one
        raise ValueError(str(exc).removeprefix("date: ")) from exc


Instant = Annotated[datetime | None, BeforeValidator(_instant)]


def _source_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple) and all(isinstance(v, str | int) for v in value):
        return [str(v) for v in value]
    raise ValueError("source must be a string or a list of strings")


def _metadata(value: Any) -> dict[str, Any]:
    try:
        return check_metadata(value, field="")
    except InvalidInputError as exc:
        raise ValueError(str(exc)) from exc


def _valid_texts(data: Any) -> Any:
    """Every string of an input object is valid Unicode, checked before any field's own rule."""
    if isinstance(data, dict):
        for key, value in data.items():
            try:
                check_texts(value, field=str(key))
            except InvalidInputError as exc:
                raise ValueError(str(exc)) from exc
    return data


def _check_id(value: str | None, what: str) -> str | None:
    if value is None:
        return None
    if not value.strip():
        raise ValueError(f"{what} must not be empty")
    if len(value) > MAX_ID_LENGTH:
        raise ValueError(f"{what} is {len(value)} characters long; at most {MAX_ID_LENGTH} are accepted")
    return value


class LLMUsage(BaseModel):
    """Calls and tokens. ``a + b`` makes a new record; ``total += b`` adds in place (like a list)."""

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: object) -> LLMUsage:
        if not isinstance(other, LLMUsage):
            return NotImplemented
        return LLMUsage(
            calls=self.calls + other.calls,
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
        )

    def __radd__(self, other: object) -> LLMUsage:
        # ``sum(usages)`` starts from the integer 0.
        if other == 0:
            return self.model_copy()
        return NotImplemented

    def __iadd__(self, other: object) -> LLMUsage:
        if not isinstance(other, LLMUsage):
            return NotImplemented
        self.calls += other.calls
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        return self


class LLMCall(BaseModel):
    """One answered HTTP round trip to the model (the SDK's retries of it are not counted apart;
    requests the server refused, such as an unsupported ``response_format``, are not counted)."""

    model: str
    mode: Literal["json_schema", "json_object", "prompt"]
    prompt_tokens: int
    completion_tokens: int
    duration_ms: float
    repair: bool = False
    #: False when the server sent no ``usage``: the tokens were then counted locally (cl100k).
    usage_reported: bool = True


class FactIn(BaseModel):
    """One structured fact: a line of the facts JSONL file, or an item given to ``add_facts``.

    Required: ``subject``, ``predicate``, ``object``. Dates are ISO 8601; a naive datetime means UTC.
    Unknown keys are refused so that a typo (``valid_form``) is reported instead of ignored.
    """

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _texts(cls, data: Any) -> Any:
        return _valid_texts(data)

    subject: str = Field(min_length=1)
    predicate: str = Field(min_length=1)
    object: str = Field(min_length=1)
    subject_type: str | None = None
    object_type: str | None = None
    fact: str | None = None
    valid_from: Instant = None
    valid_until: Instant = None
    observed_at: Instant = None
    source: Annotated[list[str], BeforeValidator(_source_list)] = Field(default_factory=list)
    cardinality: Cardinality | None = None
    user_id: str | None = None
    agent_id: str | None = None
    run_id: str | None = None
    metadata: Annotated[dict[str, MetadataValue], BeforeValidator(_metadata)] = Field(default_factory=dict)
    subject_aliases: list[str] = Field(default_factory=list)
    object_aliases: list[str] = Field(default_factory=list)

    @field_validator("user_id", "agent_id", "run_id")
    @classmethod
    def _ids(cls, value: str | None, info: Any) -> str | None:
        return _check_id(value, info.field_name)

    @field_validator("subject", "predicate", "object", "subject_type", "object_type", "fact", mode="before")
    @classmethod
    def _strip(cls, value: Any) -> Any:
        # Names and sentences lose surrounding whitespace; metadata, sources and ids stay verbatim.
        return value.strip() if isinstance(value, str) else value

    @field_validator("subject_aliases", "object_aliases", mode="before")
    @classmethod
    def _strip_aliases(cls, value: Any) -> Any:
        return [v.strip() if isinstance(v, str) else v for v in value] if isinstance(value, list) else value

    @field_validator("fact")
    @classmethod
    def _blank_fact(cls, value: str | None) -> str | None:
        return value or None

    @model_validator(mode="after")
    def _interval(self) -> FactIn:
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise ValueError(
                f"valid_until ({self.valid_until.isoformat()}) is before valid_from "
                f"({self.valid_from.isoformat()})"
            )
        return self

    def sentence(self) -> str:
        """The fact as a sentence: the given one, else ``subject predicate object``."""
        if self.fact:
            return self.fact
        return f"{self.subject} {self.predicate.replace('_', ' ')} {self.object}"


class PathStep(BaseModel):
    """One fact on the way from an entry point to a hit."""

    id: str
    subject: str
    predicate: str
    object: str


class SupersededFact(BaseModel):
    """A fact that a current fact replaced, with the interval it held."""

    id: str
    fact: str
    object: str
    valid_from: datetime | None
    valid_until: datetime | None
    status: FactStatus


class FactRecord(BaseModel):
    """A stored fact, as ``get_all`` and ``history`` return it."""

    id: str
    fact: str
    subject: str
    predicate: str
    object: str
    subject_type: str | None = None
    object_type: str | None = None
    valid_from: datetime | None
    valid_until: datetime | None
    recorded_at: datetime
    superseded_at: datetime | None = None
    status: FactStatus
    cardinality: Cardinality
    source: list[str] = Field(default_factory=list)
    user_id: str
    agent_id: str | None = None
    run_id: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)


class Hit(FactRecord):
    """A search result: a fact, how well it matched, and how the graph reached it.

    ``status`` is the fact's status today, also in an ``as_of`` search; ``valid_from`` and
    ``valid_until`` say when it held. ``hops`` is 0 for a fact matched directly by the query and
    ``n`` for a fact reached ``n`` facts away from an entry point; ``path`` lists those facts.
    """

    score: float
    hops: int
    fallback: bool = Field(
        default=False,
        description="a weak direct match, below the similarity thresholds, returned only to fill `limit`",
    )
    path: list[PathStep] = Field(default_factory=list)
    supersedes: list[SupersededFact] = Field(default_factory=list)


class SearchResult(BaseModel):
    """``model_dump()`` is exactly ``{"results": [hit, ...]}``."""

    results: list[Hit] = Field(default_factory=list)


class Entity(BaseModel):
    id: str
    name: str
    type: str | None = None
    label: str | None = None
    aliases: list[str] = Field(default_factory=list)
    is_self: bool = False


class IngestReport(BaseModel):
    """What one ``add_facts`` call (or one ingest run) changed."""

    added: list[str] = Field(default_factory=list, description="ids of facts created")
    restated: list[str] = Field(default_factory=list, description="ids of existing facts restated")
    superseded: list[str] = Field(default_factory=list, description="ids of facts superseded")
    ended: list[str] = Field(default_factory=list, description="ids of facts ended")
    history: list[str] = Field(default_factory=list, description="ids of late facts stored as history")
    entities_created: int = 0
    facts_in: int = 0

    def merge(self, other: IngestReport) -> None:
        self.added += other.added
        self.restated += other.restated
        self.superseded += other.superseded
        self.ended += other.ended
        self.history += other.history
        self.entities_created += other.entities_created
        self.facts_in += other.facts_in


def metadata_json(metadata: dict[str, Any]) -> str:
    return json.dumps(metadata, ensure_ascii=False, sort_keys=True)


class Message(BaseModel):
    """One message given to ``Memory.add``.

    ``timestamp`` is when it was said (defaults to the add's ``timestamp``); ``id`` is the caller's
    id for it (e.g. LoCoMo's ``"D1:3"``): it makes re-adding the same message a no-op and appears in
    the provenance (``source``) of the facts drawn from it.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _texts(cls, data: Any) -> Any:
        return _valid_texts(data)

    role: str = Field(default="user", min_length=1, max_length=64)
    content: str = Field(min_length=1)
    name: str | None = Field(default=None, max_length=MAX_ID_LENGTH)
    id: str | None = Field(default=None, min_length=1, max_length=MAX_ID_LENGTH)
    timestamp: Instant = None


MemoryEventKind = Literal["added", "restated", "superseded", "ended", "history"]


class MemoryEvent(BaseModel):
    """What an add did to one fact (the ``results`` of :class:`AddResult`, as in Mem0)."""

    id: str
    event: MemoryEventKind
    fact: str | None = None
    subject: str | None = None
    predicate: str | None = None
    object: str | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None


class RejectedInvalidation(BaseModel):
    fact_id: str
    reason: str


class AddResult(BaseModel):
    """What one ``Memory.add`` changed, and what it cost.

    ``skipped`` is true when every message was already stored (a resumed ingest): nothing was sent
    to the LLM and nothing changed.
    """

    results: list[MemoryEvent] = Field(default_factory=list)
    added: list[str] = Field(default_factory=list)
    restated: list[str] = Field(default_factory=list)
    superseded: list[str] = Field(default_factory=list)
    ended: list[str] = Field(default_factory=list)
    history: list[str] = Field(default_factory=list)
    entities_created: int = 0
    episodes: list[str] = Field(default_factory=list, description="ids of episodes stored")
    episodes_skipped: list[str] = Field(default_factory=list, description="already stored before")
    skipped: bool = False
    rejected_invalidations: list[RejectedInvalidation] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    usage: LLMUsage = Field(default_factory=LLMUsage)
    calls: list[LLMCall] = Field(default_factory=list)
    prompt_version: str | None = None


class EpisodeHit(BaseModel):
    """A stored raw message that matched a query (``Memory.search_episodes``)."""

    id: str
    content: str
    role: str
    name: str | None = None
    observed_at: datetime
    source_id: str | None = None
    agent_id: str | None = None
    run_id: str | None = None
    score: float


TaskState = Literal["queued", "running", "done", "failed"]


class TaskStatus(BaseModel):
    """The state of a background add (or summary refresh)."""

    id: str
    user_id: str
    kind: Literal["add", "summary"]
    state: TaskState
    error: str | None = None
    submitted_at: datetime
    finished_at: datetime | None = None


class ApiKey(BaseModel):
    """An API key of one user, as stored (never its secret, which is shown once, at creation).

    The secret has the form ``m0g-<id>-<64 hex digits>``: its ``id`` is the public part, the rest is
    checked against a salted HMAC-SHA256 in constant time. A revoked key never authenticates again.
    """

    id: str
    user_id: str
    name: str | None = None
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None
