"""A scripted in-memory interpreter for mem0g's engine programs: no Neo4j, no model, no LLM.

The doors (:class:`mem0g.Memory`, :class:`mem0g.AsyncMemory`) answer a program's effects with real
I/O; :class:`Runner` answers them from a script, records everything the program asked for and fails
loudly on anything the script does not cover:

* ``Query``: answered by name from ``queries`` (a dict name -> rows, or name -> callable(params) ->
  rows, or one callable(name, params) -> rows that returns ``None`` for names it does not know).
  The name must be a real file of ``cypher/`` and the params must hold every ``$parameter`` that
  file uses (what the driver would refuse); extra params are allowed, as in Neo4j.
* ``Embed``: a deterministic fake embedder (hash-seeded unit vectors). Inside a read or write
  transaction it is refused, as the Neo4j adapter refuses it; auto-commit steps may embed.
* ``ModelInfo``: ``(model_name, dims)``.
* ``Complete``: the scripted pydantic value (one value, a list consumed in order, or a
  callable(Complete) -> value, which may raise), wrapped in a ``StructuredResult``.
* ``Spawn``: recorded as a :class:`Job` (the handle); with ``run_spawned`` the job also runs at once.
* ``Drain``: recorded; nothing else.
"""

from __future__ import annotations

import copy
import hashlib
import math
import random
import re
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, TypeVar

from pydantic import BaseModel

from mem0g._engine.effects import (
    Autocommit,
    Complete,
    Drain,
    Embed,
    ModelInfo,
    Query,
    Read,
    Spawn,
    Write,
    drive,
)
from mem0g._engine.env import Env
from mem0g._neo4j.queries import query, query_names
from mem0g.config import Settings
from mem0g.extraction import EXTRACT_TEMPLATE, SUMMARY_TEMPLATE, load_template
from mem0g.llm import StructuredResult
from mem0g.models import LLMUsage
from mem0g.vocab import name_key, normalize_name

__all__ = [
    "SCHEMA_SCRIPT",
    "USAGE",
    "Call",
    "FakeEmbedder",
    "Geometry",
    "Job",
    "Runner",
    "UnscriptedError",
    "exact_entries",
    "fact_row",
    "key",
    "make_env",
    "micros",
    "rank_fields",
    "search_start_row",
    "sequence",
    "stats_row",
    "stored_row",
    "utc",
    "write_script",
]

T = TypeVar("T")
Rows = list[dict[str, Any]]
QueryScript = (
    Mapping[str, "Rows | Callable[[dict[str, Any]], Rows]"] | Callable[[str, dict[str, Any]], Rows | None]
)

#: What every scripted LLM call reports spending.
USAGE = LLMUsage(calls=1, prompt_tokens=120, completion_tokens=30)

_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_KNOWN = frozenset(query_names())


class UnscriptedError(AssertionError):
    """The program asked for something the test did not script."""


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)  # type: ignore[misc]


def micros(when: datetime | None) -> int | None:
    """An instant as the fact read queries return it: integer microseconds since the epoch (UTC)."""
    if when is None:
        return None
    delta = when - datetime(1970, 1, 1, tzinfo=timezone.utc)
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def key(name: str) -> str:
    """The name key mem0g stores an entity under."""
    return name_key(normalize_name(name))


def query_params(name: str) -> set[str]:
    """The ``$parameters`` a Cypher file uses."""
    return set(_PARAM.findall(query(name)))


class FakeEmbedder:
    """Deterministic unit vectors seeded by the text's hash: equal texts, equal vectors."""

    def __init__(self, dims: int = 8, model_name: str = "fake-embedder") -> None:
        self.dimensions = dims
        self.model_name = model_name

    def vector(self, text: str) -> list[float]:
        seed = int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")
        rng = random.Random(seed)
        raw = [rng.gauss(0.0, 1.0) for _ in range(self.dimensions)]
        norm = math.sqrt(sum(x * x for x in raw)) or 1.0
        return [x / norm for x in raw]

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return [self.vector(t) for t in texts]


class Geometry:
    """Stored embeddings with chosen cosines: to a query vector, and optionally to one other stored
    vector (a via fact), so a search program scripted with them scores what the test says.

    ``place(id, sim)`` makes a unit vector at cosine ``sim`` to the query; ``place(id, sim,
    link_to=other, link=l)`` one at cosine ``l`` to ``other``'s vector as well.
    """

    def __init__(self, query: Sequence[float]) -> None:
        self.query = _unit([float(x) for x in query])
        self.vectors: dict[str, list[float]] = {}

    def _orthogonal(self, seed: str, *against: list[float]) -> list[float]:
        rng = random.Random(int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "big"))
        for _ in range(100):
            v = [rng.gauss(0.0, 1.0) for _ in self.query]
            for a in against:
                dot = sum(x * y for x, y in zip(v, a, strict=True))
                v = [x - dot * y for x, y in zip(v, a, strict=True)]
            if math.sqrt(sum(x * x for x in v)) > 1e-3:
                return _unit(v)
        raise AssertionError("no orthogonal direction left")

    def place(
        self, key: str, sim: float, *, link_to: str | None = None, link: float | None = None
    ) -> list[float]:
        q = self.query
        if link_to is None or link is None:
            u = self._orthogonal(key, q)
            rest = math.sqrt(max(0.0, 1.0 - sim * sim))
            vector = [sim * a + rest * b for a, b in zip(q, u, strict=True)]
        else:
            other = self.vectors[link_to]
            s_other = sum(a * b for a, b in zip(other, q, strict=True))
            w = [a - s_other * b for a, b in zip(other, q, strict=True)]
            w_norm = math.sqrt(sum(x * x for x in w))
            w_hat = [x / w_norm for x in w]
            t = (link - sim * s_other) / w_norm
            rest_sq = 1.0 - sim * sim - t * t
            assert rest_sq >= -1e-9, f"no unit vector has cosine {sim} to the query and {link} to {link_to}"
            u = self._orthogonal(key, q, w_hat)
            rest = math.sqrt(max(0.0, rest_sq))
            vector = [sim * a + t * b + rest * c for a, b, c in zip(q, w_hat, u, strict=True)]
        self.vectors[key] = vector
        return vector

    def fact_rows(
        self, params: Mapping[str, Any], ends: Mapping[str, tuple[str, str]]
    ) -> list[dict[str, Any]]:
        """The answer of ``facts_embeddings``: every asked fact (a null embedding where none was
        placed) with its two entity ids (``ends``, else ``s-<id>``/``o-<id>``)."""
        ids = list(params["ids"])
        pairs = [ends.get(i, (f"s-{i}", f"o-{i}")) for i in ids]
        return [
            {
                "ids": ids,
                "embeddings": [self.vectors.get(i) for i in ids],
                "subjects": [a for a, _ in pairs],
                "objects": [b for _, b in pairs],
            }
        ]

    def rows(self, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The answer of ``facts_embeddings`` / ``entities_embeddings``: one row of parallel lists."""
        ids = [i for i in params["ids"] if i in self.vectors]
        return [{"ids": ids, "embeddings": [self.vectors[i] for i in ids]}]


def search_start_row(
    stats: Mapping[str, int],
    params: Mapping[str, Any],
    *,
    facts: Sequence[str] = (),
    entities: Sequence[str] = (),
    fact_keywords: Sequence[str] = (),
    entity_keywords: Sequence[str] = (),
) -> dict[str, Any]:
    """The row ``search_start`` gives for these counters: the pools when the user is small enough
    for the exact path (``$exact_max``), the keyword matches when the query has words."""
    small = 0 < stats["user_facts"] <= params["exact_max"]
    entities_small = stats["user_facts"] > 0 and stats["user_entities"] <= params["exact_max"]
    return {
        "user_facts": stats["user_facts"],
        "user_entities": stats["user_entities"],
        "total_facts": stats["total_facts"],
        "total_entities": stats["total_entities"],
        "fact_pool": list(facts) if small else None,
        "entity_pool": list(entities) if entities_small else None,
        "fact_keywords": list(fact_keywords) if params["lucene_facts"] is not None else [],
        "entity_keywords": list(entity_keywords) if params["lucene_entities"] is not None else [],
    }


def exact_entries(
    query: Sequence[float],
    *,
    facts: Sequence[tuple[str, float]] = (),
    entities: Sequence[tuple[str, float]] = (),
    ends: Mapping[str, tuple[str, str]] | None = None,
    stats: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """Answers for a search's first step and its reads of stored embeddings: the pools, with
    embeddings at the given cosines to ``query`` (the query's embedding) and each fact's two
    entities (``ends``, else ``s-<id>``/``o-<id>``)."""
    fact_space, entity_space = Geometry(query), Geometry(query)
    for fact_id, cos in facts:
        fact_space.place(fact_id, cos)
    for entity_id, cos in entities:
        entity_space.place(entity_id, cos)
    counters = stats or stats_row(max(len(facts), 1), user_entities=len(entities))
    return {
        "search_start": lambda p: [
            search_start_row(counters, p, facts=[i for i, _ in facts], entities=[i for i, _ in entities])
        ],
        "facts_embeddings": lambda p: fact_space.fact_rows(p, ends or {}),
        "entities_embeddings": entity_space.rows,
    }


def _unit(v: list[float]) -> list[float]:
    norm = math.sqrt(sum(x * x for x in v)) or 1.0
    return [x / norm for x in v]


@dataclass
class Call:
    """One query the program ran: its name, a copy of its params and the transaction it ran in."""

    name: str
    params: dict[str, Any]
    tx: str  # "read", "write", "autocommit" or "steps" (steps driven directly)
    what: str


@dataclass
class Job:
    """A spawned background job (the handle the runner answers ``Spawn`` with)."""

    key: str
    kind: str
    program: Callable[[], Generator[Any, Any, Any]]
    result: Any = None
    error: BaseException | None = None
    ran: bool = False


@dataclass
class Transaction:
    tx: str
    what: str
    queries: list[str] = field(default_factory=list)


def sequence(*answers: Rows) -> Callable[[dict[str, Any]], Rows]:
    """Rows for successive calls of one query; one call too many fails loudly."""
    pending = list(answers)

    def answer(params: dict[str, Any]) -> Rows:
        if not pending:
            raise UnscriptedError(f"query called more than the {len(answers)} times scripted")
        return pending.pop(0)

    return answer


class Runner:
    """Drives programs and steps of mem0g's engine, answering every effect from the script."""

    def __init__(
        self,
        queries: QueryScript | None = None,
        *,
        complete: BaseModel | Sequence[BaseModel] | Callable[[Complete], BaseModel] | None = None,
        embedder: FakeEmbedder | None = None,
        run_spawned: bool = False,
        check_params: bool = True,
    ) -> None:
        self.queries: Any = dict(queries) if isinstance(queries, Mapping) else queries
        if self.queries is None:
            self.queries = {}
        self._complete = list(complete) if isinstance(complete, list | tuple) else complete
        self.embedder = embedder or FakeEmbedder()
        self.run_spawned = run_spawned
        self.check_params = check_params
        self.calls: list[Call] = []
        self.transactions: list[Transaction] = []
        #: Every effect in order: ("read", what), ("query", name), ("embed", n), ("complete", name), ...
        self.log: list[tuple[Any, ...]] = []
        self.embedded: list[tuple[str, ...]] = []
        self.completions: list[Complete] = []
        self.jobs: list[Job] = []
        self.drains: list[float | None] = []

    # -- scripting --------------------------------------------------------------------------------

    def script(self, name: str, rows: Rows | Callable[[dict[str, Any]], Rows]) -> Runner:
        assert isinstance(self.queries, dict), "script() needs a dict of queries"
        self.queries[name] = rows
        return self

    # -- driving ----------------------------------------------------------------------------------

    def run(self, program: Generator[Any, Any, T]) -> T:
        """Run a program to its end; its return value is the result."""
        return drive(program, self.answer)

    def run_steps(self, steps: Generator[Any, Any, T], *, tx: str = "steps", what: str = "steps") -> T:
        """Run transaction steps directly (as a read/write transaction would, embedding allowed
        only for ``tx="autocommit"`` or ``"steps"``)."""
        return drive(steps, self._step_answer(tx, what))

    def answer(self, effect: Any) -> Any:
        match effect:
            case Read(steps=steps, what=what):
                return self._transaction("read", what, steps)
            case Write(steps=steps, what=what):
                return self._transaction("write", what, steps)
            case Autocommit(steps=steps, what=what):
                return self._transaction("autocommit", what, steps)
            case Embed(texts=texts):
                return self._embed(texts)
            case ModelInfo():
                self.log.append(("model_info",))
                return self.embedder.model_name, self.embedder.dimensions
            case Complete():
                return self._answer_complete(effect)
            case Spawn(key=job_key, program=program, kind=kind):
                job = Job(job_key, kind, program)
                self.jobs.append(job)
                self.log.append(("spawn", job_key, kind))
                if self.run_spawned:
                    self.run_job(job)
                return job
            case Drain(timeout=timeout):
                self.drains.append(timeout)
                self.log.append(("drain", timeout))
                return None
        raise UnscriptedError(f"not an effect: {effect!r}")

    def run_job(self, job: Job) -> Any:
        """Run a spawned job as the background queue would: its error is kept, not raised."""
        job.ran = True
        try:
            job.result = self.run(job.program())
        except Exception as exc:
            job.error = exc
        return job.result

    # -- answers ----------------------------------------------------------------------------------

    def _transaction(self, tx: str, what: str, steps: Callable[[], Generator[Any, Any, T]]) -> T:
        self.log.append((tx, what))
        self.transactions.append(Transaction(tx, what))
        return drive(steps(), self._step_answer(tx, what))

    def _step_answer(self, tx: str, what: str) -> Callable[[Any], Any]:
        def answer(request: Any) -> Any:
            if isinstance(request, Embed):
                if tx in ("read", "write"):
                    raise TypeError("steps in a read or write transaction cannot embed")
                return self._embed(request.texts)
            if not isinstance(request, Query):
                raise UnscriptedError(f"steps may yield Query or Embed, not {request!r}")
            return self._query(request, tx, what)

        return answer

    def _query(self, request: Query, tx: str, what: str) -> Rows:
        name, params = request.name, dict(request.params)
        if name not in _KNOWN:
            raise UnscriptedError(
                f"no cypher/{name}.cypher: the engine asked for a query that does not exist"
            )
        if self.check_params:
            missing = query_params(name) - params.keys()
            if missing:
                raise UnscriptedError(f"query {name} is missing parameters {sorted(missing)}")
        self.calls.append(Call(name, copy.deepcopy(params), tx, what))
        self.log.append(("query", name))
        if self.transactions and tx != "steps":
            self.transactions[-1].queries.append(name)
        rows: Any
        if callable(self.queries):
            rows = self.queries(name, params)
            if rows is None:
                raise UnscriptedError(f"unscripted query {name!r} with params {sorted(params)}")
        else:
            if name not in self.queries:
                raise UnscriptedError(f"unscripted query {name!r} with params {sorted(params)}")
            rows = self.queries[name]
            if callable(rows):
                rows = rows(params)
        return copy.deepcopy(list(rows))

    def _embed(self, texts: tuple[str, ...]) -> list[list[float]]:
        assert isinstance(texts, tuple) and texts, f"Embed needs a non-empty tuple of texts, not {texts!r}"
        self.embedded.append(texts)
        self.log.append(("embed", len(texts)))
        return self.embedder.embed(texts)

    def _answer_complete(self, effect: Complete) -> StructuredResult[Any]:
        self.completions.append(effect)
        self.log.append(("complete", effect.name))
        script = self._complete
        if script is None:
            raise UnscriptedError(f"unscripted LLM call {effect.name!r}")
        if isinstance(script, list):
            if not script:
                raise UnscriptedError(f"LLM call {effect.name!r}: every scripted answer is used up")
            value = script.pop(0)
        elif callable(script) and not isinstance(script, BaseModel):
            value = script(effect)
        else:
            value = script
        assert isinstance(value, effect.schema), f"scripted {type(value).__name__}, asked {effect.schema}"
        return StructuredResult(value, usage=USAGE.model_copy(), calls=[])

    # -- reading what happened --------------------------------------------------------------------

    def names(self, tx: str | None = None) -> list[str]:
        """Query names in the order they ran (optionally of one kind of transaction)."""
        return [c.name for c in self.calls if tx is None or c.tx == tx]

    def params(self, name: str, tx: str | None = None) -> list[dict[str, Any]]:
        """The params of every call of ``name`` (optionally in one kind of transaction), in order."""
        return [c.params for c in self.calls if c.name == name and (tx is None or c.tx == tx)]

    def one(self, name: str, tx: str | None = None) -> dict[str, Any]:
        """The params of the one call of ``name`` (optionally in one kind of transaction; fails
        unless it ran exactly once there)."""
        found = self.params(name, tx)
        assert len(found) == 1, f"{name} ran {len(found)} times: {self.names()}"
        return found[0]

    def kinds(self) -> list[str]:
        """The effects in order, queries left out: ["model_info", "autocommit", "embed", "read", ...]."""
        return [entry[0] for entry in self.log if entry[0] != "query"]


# -- environments and rows ------------------------------------------------------------------------

#: Engine settings pinned for the unit tests, whatever the environment or a config file says.
DEFAULT_SETTINGS: dict[str, Any] = {
    "batch_size": 500,
    "exact_search_max_facts": 1000,
    "limit": 10,
    "hops": 2,
    "token_budget": 2000,
    "summary_every": 20,
    "recent_messages": 10,
    "candidate_facts": 10,
    "cardinality": {},
    "llm_summary_model": None,
}


def make_env(*, llm_configured: bool = True, schema_ready: bool = True, **settings: Any) -> Env:
    """An engine environment as the doors build it (``mem0g._door.Door``), with pinned settings."""
    env = Env(
        settings=Settings(**{**DEFAULT_SETTINGS, **settings}),
        extract_template=load_template(EXTRACT_TEMPLATE),
        summary_template=load_template(SUMMARY_TEMPLATE),
        llm_configured=llm_configured,
    )
    env.state.schema_ready = schema_ready
    return env


#: When a scripted fact was recorded, unless a test says otherwise.
RECORDED = datetime(2025, 1, 1, tzinfo=timezone.utc)


def stats_row(
    user_facts: int = 0,
    total_facts: int | None = None,
    *,
    user_entities: int | None = None,
    total_entities: int | None = None,
    user_episodes: int = 0,
    total_episodes: int | None = None,
) -> dict[str, int]:
    """A ``tenant_stats`` row; totals default to the user's own counts (a one-user database)."""
    user_entities = user_facts if user_entities is None else user_entities
    return {
        "user_facts": user_facts,
        "total_facts": user_facts if total_facts is None else total_facts,
        "user_entities": user_entities,
        "total_entities": user_entities if total_entities is None else total_entities,
        "user_episodes": user_episodes,
        "total_episodes": user_episodes if total_episodes is None else total_episodes,
    }


def rank_fields(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The answer of ``facts_rank_fields`` for these ``fact_row`` rows (one row of per-fact lists)."""
    keys = ("id", "status", "valid_from", "valid_until", "recorded_at", "superseded_by")
    return [{"facts": [[row["f"][k] for k in keys] for row in rows]}]


def fact_row(
    fact_id: str,
    subject: str = "Sarah",
    predicate: str = "lives_in",
    obj: str = "Shibuya",
    *,
    fact: str | None = None,
    user_id: str = "alice",
    status: str = "current",
    cardinality: str = "one",
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    recorded_at: datetime = RECORDED,
    superseded_at: datetime | None = None,
    superseded_by: str | None = None,
    source: Iterable[str] = (),
    metadata: str | None = None,
    agent_id: str | None = None,
    run_id: str | None = None,
    supersedes: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """A row of ``facts_by_ids`` / ``facts_all`` / ``entity_history`` (instants as microseconds)."""
    return {
        "f": {
            "id": fact_id,
            "fact": fact or f"{subject} {predicate.replace('_', ' ')} {obj}",
            "predicate": predicate,
            "superseded_by": superseded_by,
            "status": status,
            "cardinality": cardinality,
            "source": list(source),
            "user_id": user_id,
            "agent_id": agent_id,
            "run_id": run_id,
            "metadata": metadata,
            "valid_from": micros(valid_from),
            "valid_until": micros(valid_until),
            "recorded_at": micros(recorded_at),
            "superseded_at": micros(superseded_at),
        },
        "subject": subject,
        "subject_type": None,
        "subject_id": f"id-{key(subject)[:8]}",
        "object": obj,
        "object_type": None,
        "object_id": f"id-{key(obj)[:8]}",
        "supersedes": list(supersedes),
    }


def stored_row(
    fact_id: str,
    subject: str = "Sarah",
    predicate_key: str = "lives_in",
    obj: str = "Shibuya",
    *,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    status: str = "current",
    cardinality: str = "one",
    sources: Sequence[str] = (),
    superseded_at: datetime | None = None,
    superseded_by: str | None = None,
    supersedes: Sequence[str] = (),
    points: Sequence[datetime] | None = None,
) -> dict[str, Any]:
    """A row of ``facts_for_groups`` / ``facts_state_by_ids`` (the resolver's view of a fact)."""
    return {
        "id": fact_id,
        "subject_key": key(subject),
        "predicate_key": predicate_key,
        "object_key": key(obj),
        "valid_from": valid_from,
        "valid_until": valid_until,
        "status": status,
        "cardinality": cardinality,
        "sources": list(sources),
        "superseded_at": superseded_at,
        "superseded_by": superseded_by,
        "supersedes": list(supersedes),
        "points": list(points) if points is not None else ([valid_from] if valid_from else []),
    }


def write_script(
    *,
    stored: Sequence[dict[str, Any]] = (),
    found: Mapping[str, str] | None = None,
    aliases: Mapping[str, str] | None = None,
    states: Sequence[dict[str, Any]] = (),
    existing_episodes: Iterable[str] = (),
    pending: int = 1,
) -> dict[str, Any]:
    """Answers for the queries of one write transaction (``write_steps``), as Neo4j would give them.

    ``stored``: the user's stored facts (``stored_row``), filtered by group like facts_for_groups;
    ``found`` / ``aliases``: lookup key -> stored name key, by name and by alias; ``states``: rows of
    facts_state_by_ids; ``existing_episodes``: episode ids already stored; ``pending``: what
    conversation_touch reports.
    """
    found, aliases, known = dict(found or {}), dict(aliases or {}), set(existing_episodes)
    stored_keys = set(found.values()) | set(aliases.values())

    def lookup(table: Mapping[str, str]) -> Callable[[dict[str, Any]], Rows]:
        def answer(params: dict[str, Any]) -> Rows:
            return [
                {"key": k, "name_key": table[k], "id": f"id-{table[k][:8]}", "type": None}
                for k in params["keys"]
                if k in table
            ]

        return answer

    def groups(params: dict[str, Any]) -> Rows:
        wanted = {(g["subject_key"], g["predicate_key"]) for g in params["groups"]}
        return [r for r in stored if (r["subject_key"], r["predicate_key"]) in wanted]

    return {
        "tenant_lock": [{"fact_count": 0, "entity_count": 0}],
        "episodes_existing": lambda p: [{"id": i} for i in p["ids"] if i in known],
        "episodes_create": lambda p: [{"created": len(p["rows"])}],
        "tenant_episode_count": [],
        "conversation_touch": [{"pending": pending}],
        "entities_lookup": lookup(found),
        "entities_lookup_alias": lookup(aliases),
        "entities_merge": lambda p: [
            {"name_key": r["name_key"], "id": r["id"], "created": r["name_key"] not in stored_keys}
            for r in p["rows"]
        ],
        "facts_for_groups": groups,
        "facts_state_by_ids": lambda p: [r for r in states if r["id"] in p["ids"]],
        "facts_create": lambda p: [{"created": len(p["rows"])}],
        "facts_clone": lambda p: [{"created": len(p["rows"])}],
        "facts_update": lambda p: [{"updated": len(p["rows"])}],
        "facts_link_supersedes": lambda p: [{"linked": len(p["rows"])}],
        "episodes_mention": lambda p: [{"linked": len(p["rows"])}],
        "tenant_counts": [],
    }


#: Answers for the schema steps of a fresh database.
SCHEMA_SCRIPT: dict[str, Any] = {
    "server_info": [{"name": "Neo4j Kernel", "version": "5.26.30", "edition": "community"}],
    "schema_vector_indexes": [],
    "schema": [],
    "schema_await": [],
}
