"""The agents' door, shared by the MCP server (:mod:`mem0g.tools.mcp_server`) and the HTTP API
(:mod:`mem0g.tools.http_api`): the arguments of each tool (one pydantic model, also the HTTP body),
the tenant-scoped calls on an :class:`~mem0g.AsyncMemory`, the text rendering of search hits for a
model's context, and how errors are told to a caller.

Tenancy is decided by the server, never by a caller: every call here takes the ``user_id`` the
server chose (``mem0g mcp --user``, or the user of the request's API key) as its own argument, and
no argument model has a ``user_id`` field. A ``user_id`` in the arguments, inside ``filters``, on a
fact or in a message is refused (:func:`refuse_tenant_arguments`) before anything runs.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, WithJsonSchema

from mem0g.errors import (
    ConfigError,
    InvalidInputError,
    LLMError,
    Mem0gError,
    Neo4jTransientError,
    Neo4jUnavailableError,
    NotFoundError,
)
from mem0g.models import (
    AddResult,
    FactIn,
    FactRecord,
    IngestReport,
    MetadataValue,
    SearchResult,
)

if TYPE_CHECKING:
    import networkx as nx

    from mem0g import AsyncMemory, AsyncTaskHandle

__all__ = [
    "MAX_FACTS_PER_CALL",
    "TENANT_REFUSED",
    "AddFactsArgs",
    "AddMemoryArgs",
    "AgentDoor",
    "DeleteArgs",
    "ForgetArgs",
    "GraphArgs",
    "HistoryArgs",
    "ListArgs",
    "MemoriesBody",
    "SearchArgs",
    "TaskArgs",
    "error_status",
    "graph_summary",
    "parse_args",
    "refuse_tenant_arguments",
    "render_facts",
    "render_search",
]

log = logging.getLogger(__name__)

A = TypeVar("A", bound=BaseModel)

#: The message of every refused ``user_id``: the server, not the caller, decides whose memory it is.
TENANT_REFUSED = (
    "user_id is not accepted: this server decides whose memory is used (the API key of the request, "
    "or `mem0g mcp --user`); remove user_id"
)
MAX_FACTS_PER_CALL = 1000
_KEEP_TASKS = 10_000


# -- arguments ---------------------------------------------------------------------------------------


class _Args(BaseModel):
    """Arguments of one tool: unknown keys are refused (a typo is reported, not ignored)."""

    model_config = ConfigDict(extra="forbid")


class MessageItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: str = Field(default="user", description="Who said it: 'user' or 'assistant'.", max_length=64)
    content: str = Field(description="What was said.", min_length=1)
    name: str | None = Field(default=None, description="The speaker's name, if known.")
    id: str | None = Field(
        default=None,
        description="Your id for the message: adding a message with the same id again changes nothing.",
    )
    timestamp: str | None = Field(default=None, description="When it was said (ISO 8601).")


Instant = Annotated[
    str | None,
    Field(
        description="ISO 8601 date or datetime, e.g. '2025-04-10' or '2025-04-10T09:00:00Z' (naive = UTC)."
    ),
]


class AddMemoryArgs(_Args):
    """add_memory: remember a conversation (one LLM call)."""

    messages: str | list[MessageItem | str] = Field(
        description=(
            "What was said: one string (a user message), or a list of {role, content} objects in "
            "order (a list of strings alternates user and assistant)."
        )
    )
    timestamp: Instant = Field(
        default=None,
        description="When the messages were said (ISO 8601; default now); 'last week' is read from it.",
    )
    metadata: dict[str, MetadataValue] | None = Field(
        default=None,
        description="Flat key/value labels stored on the facts drawn from these messages (search filters).",
    )
    agent_id: str | None = Field(default=None, description="The agent that took part (optional).")
    run_id: str | None = Field(default=None, description="The session or run (optional).")
    infer: bool = Field(
        default=True, description="false: store the messages only, with no LLM call and no facts."
    )
    wait: bool = Field(
        default=True,
        description=(
            "true: wait for the LLM and return what changed. false: return a task_id at once "
            "(check it with task_status)."
        ),
    )


class MemoriesBody(AddMemoryArgs):
    """POST /v1/memories: as add_memory, in the background unless ``wait`` is true."""

    wait: bool = Field(
        default=False,
        description="false (default): answer 202 with a task id at once. true: wait for the result.",
    )


def _facts_schema() -> dict[str, Any]:
    item = FactIn.model_json_schema()
    properties = item.get("properties", {})
    properties.pop("user_id", None)
    for name in ("valid_from", "valid_until", "observed_at"):  # a date is as good as a datetime
        properties[name] = {
            "anyOf": [{"type": "string"}, {"type": "null"}],
            "default": None,
            "description": "ISO 8601 date or datetime, e.g. '2025-04-24' (naive = UTC).",
        }
    properties["source"] = {
        "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
        "description": "Where the fact comes from: an id or a list of ids.",
    }
    item["description"] = (
        "One fact. Required: subject, predicate (snake_case verb, e.g. lives_in), object. "
        "valid_from/valid_until (ISO 8601) say when it held; cardinality 'one' means a newer value "
        "replaces the old one."
    )
    return {"type": "array", "items": item, "minItems": 1, "maxItems": MAX_FACTS_PER_CALL}


class AddFactsArgs(_Args):
    """add_facts: store structured facts (no LLM)."""

    facts: Annotated[
        list[dict[str, Any]],
        Field(min_length=1, max_length=MAX_FACTS_PER_CALL),
        WithJsonSchema(_facts_schema()),
    ]


class SearchArgs(_Args):
    """search_memory (and the body of POST /v1/search)."""

    query: str = Field(min_length=1, description="A natural-language question or keywords.")
    limit: int | None = Field(default=None, ge=1, le=100, description="Most hits to return (default 10).")
    as_of: Instant = Field(default=None, description="Answer as things were at this instant (ISO 8601).")
    include_history: bool = Field(
        default=False, description="Also return facts that no longer hold (superseded or ended), with dates."
    )
    hops: int | None = Field(
        default=None, ge=0, le=5, description="How far to follow the graph from direct matches (default 2)."
    )
    filters: dict[str, Any] | None = Field(
        default=None,
        description=(
            "Metadata filters: {'category': 'food'} (equality) or {'priority': {'in': ['high', 'low']}}; "
            "agent_id and run_id may be given here too."
        ),
    )


class HistoryArgs(_Args):
    entity: str = Field(
        min_length=1, description="An entity's name or alias (any case), e.g. 'Sarah' or 'I'."
    )


class ListArgs(_Args):
    current_only: bool = Field(default=False, description="Only facts that hold now.")
    as_of: Instant = Field(default=None, description="Only facts that held at this instant.")
    limit: int = Field(
        default=100, ge=1, le=1000, description="Most facts to return, oldest first (default 100)."
    )


class DeleteArgs(_Args):
    fact_id: str = Field(
        min_length=1, description="The id of the fact (from search_memory or list_memories)."
    )


class GraphArgs(_Args):
    as_of: Instant = Field(
        default=None, description="Only facts that held at this instant (default: every fact)."
    )
    limit: int = Field(default=200, ge=1, le=2000, description="Most edges (facts) to return (default 200).")


class TaskArgs(_Args):
    task_id: str = Field(min_length=1, description="The task_id add_memory returned with wait=false.")


class ForgetArgs(_Args):
    confirm: Literal[True] = Field(description="Must be true: erases every memory of this user, for good.")


def refuse_tenant_arguments(arguments: Mapping[str, Any]) -> None:
    """Refuse a ``user_id`` anywhere a caller could try to name a tenant: as an argument, inside
    ``filters``, on a fact, or in a message."""
    if "user_id" in arguments:
        raise InvalidInputError(TENANT_REFUSED, field="user_id")
    filters = arguments.get("filters")
    if isinstance(filters, Mapping) and "user_id" in filters:
        raise InvalidInputError(f"filters: {TENANT_REFUSED}", field="filters")
    for name in ("facts", "messages"):
        items = arguments.get(name)
        if isinstance(items, list):
            for index, item in enumerate(items):
                if isinstance(item, Mapping) and "user_id" in item:
                    raise InvalidInputError(f"{name}[{index}]: {TENANT_REFUSED}", field=name)


def _problem(err: Mapping[str, Any]) -> str:
    loc = ".".join(str(p) for p in err.get("loc", ()))
    if err.get("type") == "extra_forbidden":
        return f"{loc}: unknown argument"
    message = str(err.get("msg", "invalid")).removeprefix("Value error, ")
    return f"{loc}: {message}" if loc else message


def parse_args(model: type[A], arguments: Mapping[str, Any] | None) -> A:
    """The arguments of a tool, checked: an :class:`InvalidInputError` with one line naming each
    problem (``limit: Input should be less than or equal to 100``)."""
    raw = dict(arguments or {})
    refuse_tenant_arguments(raw)
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise InvalidInputError("; ".join(_problem(e) for e in exc.errors())) from exc


# -- rendering ---------------------------------------------------------------------------------------


def _day(value: datetime | None) -> str:
    return value.date().isoformat() if value else "?"


def _span(record: FactRecord) -> str:
    if record.valid_until is None:
        return f"since {_day(record.valid_from)}" if record.valid_from else ""
    return f"{_day(record.valid_from) if record.valid_from else '?'} to {_day(record.valid_until)}"


def render_search(result: SearchResult, *, as_of: datetime | str | None = None) -> str:
    """The hits as compact lines for a model's context: facts that hold first, then the others.

    A current fact that replaced another reads ``previously X; since DATE, Y``; a fact that no
    longer holds says when it held. Each line ends with the fact's id (for ``delete_memory``).
    """
    hits = result.results
    if not hits:
        return "No matching memories."
    replaced: set[str] = {old.id for hit in hits for old in hit.supersedes}
    holding = [h for h in hits if h.status == "current"]
    other = [h for h in hits if h.status != "current" and h.id not in replaced]
    lines: list[str] = []
    if as_of is not None:
        lines.append(f"As of {as_of}:")
    for hit in holding:
        if hit.supersedes:
            old = hit.supersedes[0]
            lines.append(f"- previously {old.fact}; since {_day(hit.valid_from)}, {hit.fact} [{hit.id}]")
        else:
            span = _span(hit)
            lines.append(f"- {hit.fact}{f' ({span})' if span else ''} [{hit.id}]")
    if other:
        lines.append("No longer holds:" if as_of is None else "Held then, no longer holds now:")
        for hit in other:
            span = _span(hit)
            lines.append(f"- {hit.fact} ({hit.status}{f', {span}' if span else ''}) [{hit.id}]")
    return "\n".join(lines)


def render_facts(records: list[FactRecord], *, empty: str) -> str:
    """Facts as one line each: sentence, status, interval, id."""
    if not records:
        return empty
    lines = []
    for r in records:
        span = _span(r)
        lines.append(f"- {r.fact} ({r.status}{f', {span}' if span else ''}) [{r.id}]")
    return "\n".join(lines)


def _iso(value: datetime) -> str:
    """An instant as the models dump it (UTC as ``Z``)."""
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


_EDGE_KEYS = ("predicate", "fact", "status", "valid_from", "valid_until", "recorded_at")


def graph_summary(graph: nx.MultiDiGraph, *, limit: int) -> dict[str, Any]:
    """A small JSON graph: at most ``limit`` edges (facts that hold first, then the most recently
    recorded) and the entities they touch; ``truncated`` says whether edges were left out."""
    edges = [
        {
            "id": key,
            "subject_id": u,
            "object_id": v,
            **{k: _plain(d.get(k)) for k in _EDGE_KEYS},
        }
        for u, v, key, d in graph.edges(keys=True, data=True)
    ]
    current = [e for e in edges if e["status"] == "current"]
    older = [e for e in edges if e["status"] != "current"]
    current.sort(key=lambda e: str(e["recorded_at"] or ""), reverse=True)
    older.sort(key=lambda e: str(e["recorded_at"] or ""), reverse=True)
    kept = (current + older)[:limit]
    touched = {e["subject_id"] for e in kept} | {e["object_id"] for e in kept}
    nodes = [
        {"id": n, "name": d.get("name"), "type": d.get("type")}
        for n, d in graph.nodes(data=True)
        if n in touched or len(kept) == len(edges)
    ]
    return {"nodes": nodes, "edges": kept, "truncated": len(kept) < len(edges), "total_edges": len(edges)}


# -- errors ------------------------------------------------------------------------------------------


def error_status(exc: BaseException) -> tuple[int, str]:
    """The HTTP status and error code of an error (the MCP server reports the message only)."""
    if isinstance(exc, InvalidInputError):
        return 400, "invalid_input"
    if isinstance(exc, NotFoundError):
        return 404, "not_found"
    if isinstance(exc, Neo4jUnavailableError | Neo4jTransientError):
        return 503, "neo4j_unavailable"
    if isinstance(exc, LLMError):
        return 503, "llm_unavailable"
    if isinstance(exc, ConfigError):
        return 503, "not_configured"
    if isinstance(exc, Mem0gError):
        return 500, "server_error"
    return 500, "internal_error"


# -- the calls ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskInfo:
    user_id: str
    handle: AsyncTaskHandle[AddResult]


class AgentDoor:
    """Tenant-scoped operations on one :class:`~mem0g.AsyncMemory`, for the MCP server and the HTTP
    API. Every method takes the ``user_id`` the server decided; ``agent_id`` (``mem0g mcp
    --agent-id``) is applied to every write, search and listing."""

    def __init__(
        self, memory: AsyncMemory, *, agent_id: str | None = None, allow_forget: bool = False
    ) -> None:
        self.memory = memory
        self.agent_id = agent_id
        self.allow_forget = allow_forget
        self._tasks: OrderedDict[str, TaskInfo] = OrderedDict()

    def _agent(self, given: str | None) -> str | None:
        if self.agent_id is not None and given is not None and given != self.agent_id:
            raise InvalidInputError(
                f"agent_id {given!r} differs from the server's agent id {self.agent_id!r}; omit it",
                field="agent_id",
            )
        return self.agent_id if self.agent_id is not None else given

    async def authenticate(self, authorization: str | None) -> str | None:
        """The user of ``Authorization: Bearer <key>``, or ``None`` (missing, malformed, unknown or
        revoked key)."""
        if not authorization:
            return None
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        user_id: str | None = await self.memory.tenant_for_key(token.strip())
        return user_id

    async def warm_up(self) -> None:
        """Create the schema and load the embedding model before the first call needs them."""
        try:
            await self.memory.init()
        except Exception as exc:  # reported again by the first call that needs the database
            log.warning("mem0g: warm-up failed: %s", exc)

    # -- writes -------------------------------------------------------------------------------------

    async def add_memory(self, user_id: str, args: AddMemoryArgs) -> dict[str, Any]:
        """What the add changed (``wait``), or ``{"task_id", "state"}`` of the queued add."""
        messages: Any = (
            args.messages
            if isinstance(args.messages, str)
            else [m if isinstance(m, str) else m.model_dump(exclude_none=True) for m in args.messages]
        )
        common: dict[str, Any] = {
            "user_id": user_id,
            "agent_id": self._agent(args.agent_id),
            "run_id": args.run_id,
            "metadata": args.metadata,
            "timestamp": args.timestamp,
            "infer": args.infer,
        }
        if args.wait:
            result: AddResult = await self.memory.add(messages, **common)
            return result.model_dump(mode="json")
        handle: AsyncTaskHandle[AddResult] = await self.memory.add(messages, wait=False, **common)
        self._tasks[handle.id] = TaskInfo(user_id, handle)
        while len(self._tasks) > _KEEP_TASKS:
            self._tasks.popitem(last=False)
        return {"task_id": handle.id, "state": handle.status.state}

    async def add_facts(self, user_id: str, args: AddFactsArgs) -> IngestReport:
        agent_id = self.agent_id
        if agent_id is not None:
            for index, fact in enumerate(args.facts):
                given = fact.get("agent_id")
                if given is not None and given != agent_id:
                    raise InvalidInputError(
                        f"facts[{index}]: agent_id {given!r} differs from the server's agent id {agent_id!r}",
                        field="facts",
                    )
        report: IngestReport = await self.memory.add_facts(args.facts, user_id=user_id, agent_id=agent_id)
        return report

    async def delete(self, user_id: str, fact_id: str) -> None:
        """Delete one of the user's facts (:class:`NotFoundError` for any other id)."""
        await self.memory.delete(fact_id, user_id=user_id)

    async def forget(self, user_id: str) -> int:
        if not self.allow_forget:
            raise ConfigError("forget_user is disabled on this server (start it with --allow-forget)")
        removed: int = await self.memory.forget(user_id)
        self._tasks = OrderedDict((k, v) for k, v in self._tasks.items() if v.user_id != user_id)
        return removed

    # -- reads --------------------------------------------------------------------------------------

    async def search(self, user_id: str, args: SearchArgs) -> SearchResult:
        filters = dict(args.filters or {})
        agent_id = self._agent(filters.pop("agent_id", None))
        result: SearchResult = await self.memory.search(
            args.query,
            user_id=user_id,
            limit=args.limit,
            as_of=args.as_of,
            include_history=args.include_history,
            hops=args.hops,
            agent_id=agent_id,
            filters=filters,
        )
        return result

    async def history(self, user_id: str, entity: str) -> list[FactRecord]:
        records: list[FactRecord] = await self.memory.history(entity, user_id=user_id)
        return records

    async def list_facts(self, user_id: str, args: ListArgs) -> list[FactRecord]:
        records: list[FactRecord] = await self.memory.get_all(
            user_id=user_id,
            as_of=args.as_of,
            current_only=args.current_only,
            agent_id=self.agent_id,
            limit=args.limit,
        )
        return records

    async def graph(self, user_id: str, args: GraphArgs) -> dict[str, Any]:
        graph = await self.memory.graph(user_id, as_of=args.as_of)
        return graph_summary(graph, limit=args.limit)

    def task_status(self, user_id: str, task_id: str) -> dict[str, Any]:
        """A queued add of this user: its state, and its result or error once finished. Another
        user's task answers exactly as an unknown one."""
        info = self._tasks.get(task_id)
        if info is None or info.user_id != user_id:
            raise NotFoundError(f"no task with id {task_id!r}")
        status = info.handle.status
        data: dict[str, Any] = {
            "task_id": status.id,
            "kind": status.kind,
            "state": status.state,
            "submitted_at": _iso(status.submitted_at),
            "finished_at": _iso(status.finished_at) if status.finished_at else None,
            "error": None,
            "result": None,
        }
        if info.handle.done():
            try:
                data["result"] = info.handle.result().model_dump(mode="json")
            except Exception as exc:  # the add's error, as the CLI would print it
                data["error"] = str(exc)
        return data
