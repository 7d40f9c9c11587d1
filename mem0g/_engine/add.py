"""The write programs: ``add_facts``, ``add`` (one LLM call, one write) and summary refreshes.

Each is written once, top to bottom, as a program (see :mod:`mem0g._engine.effects`): the doors
carry out its reads, writes, embeddings and LLM calls.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from mem0g._checks import check_metadata
from mem0g._engine.args import SearchParams, check_optional_id, group_by_user
from mem0g._engine.effects import (
    Program,
    Query,
    Steps,
    Vector,
    complete,
    drain,
    embed_unique,
    read,
    single,
    spawn,
    write,
)
from mem0g._engine.env import Env
from mem0g._engine.factcache import FactCache
from mem0g._engine.messages import AddRequest, episode_specs
from mem0g._engine.prepare import PreparedBatch, prepare_batch
from mem0g._engine.rows import py, record_to_fact
from mem0g._engine.schema import ensure_schema
from mem0g._engine.search import search_steps
from mem0g._engine.vectors import VectorCache
from mem0g._engine.write import VectorsNeeded, WriteOutcome, needed_texts_steps, write_steps
from mem0g._time import parse_instant, utcnow
from mem0g.extraction.compose import extraction_messages, summary_messages
from mem0g.extraction.mapping import map_extraction
from mem0g.extraction.schema import Extraction, SummaryOutput
from mem0g.models import (
    AddResult,
    FactIn,
    Hit,
    IngestReport,
    LLMUsage,
    MemoryEvent,
    MetadataValue,
    RejectedInvalidation,
)

__all__ = [
    "SUMMARY_BATCH",
    "Context",
    "add_facts_program",
    "add_program",
    "context_steps",
    "events_steps",
    "flush_program",
    "refresh_summary_program",
]

#: Unsummarised messages read by one summary refresh (older ones wait for the next refresh).
SUMMARY_BATCH = 200


def add_facts_program(
    env: Env,
    facts: Iterable[FactIn | Mapping[str, Any]],
    *,
    user_id: str | None,
    agent_id: str | None,
    run_id: str | None,
    metadata: Mapping[str, MetadataValue] | None,
    now: datetime | str | None,
    on_batch: Callable[[int], None] | None,
) -> Program[IngestReport]:
    """Validate every fact, then one write transaction per batch of one user."""
    recorded_at = parse_instant(now, field="now") or utcnow()
    defaults = check_metadata(metadata) if metadata is not None else None
    agent_id = check_optional_id(agent_id, what="agent_id")
    run_id = check_optional_id(run_id, what="run_id")
    by_user = group_by_user(facts, user_id)
    yield from ensure_schema(env)
    report = IngestReport()
    size = env.settings.batch_size
    for owner, owned in by_user.items():
        for start in range(0, len(owned), size):
            chunk = owned[start : start + size]
            batch = prepare_batch(
                chunk,
                user_id=owner,
                now=recorded_at,
                cardinality_overrides=env.settings.cardinality,
                default_agent_id=agent_id,
                default_run_id=run_id,
                default_metadata=defaults,
            )
            steps = functools.partial(write_steps, user_id=owner, now=recorded_at, batch=batch)
            outcome = yield from _embed_and_write(
                steps, user_id=owner, batch=batch, vectors={}, now=recorded_at, what="writing facts"
            )
            report.merge(outcome.report)
            if on_batch is not None:
                on_batch(len(chunk))
    return report


def _embed_and_write(
    steps: Callable[..., Steps[WriteOutcome]],
    *,
    user_id: str,
    batch: PreparedBatch | None,
    vectors: dict[str, Vector],
    now: datetime,
    what: str,
    look_first: bool = True,
) -> Program[WriteOutcome]:
    """Embed what the write of ``batch`` will create, then write. With ``look_first`` a read finds
    that first (a batch of structured facts mostly restates facts and names entities already
    stored); without, every text of the batch is embedded (an add's few facts: a read would cost
    more than it saves). When the write finds something to create that was not embedded (a
    concurrent writer changed the state after the read), it stops before committing anything
    (``VectorsNeeded``) and runs again with those texts embedded; each round adds vectors, so it
    ends."""
    if batch is not None and batch.statements:
        if look_first:
            needed = yield from read(
                lambda: needed_texts_steps(user_id, batch, now=now), "reading what to embed"
            )
        else:
            needed = batch.texts_to_embed()
        vectors.update((yield from embed_unique([t for t in needed if t not in vectors])))
    while True:
        try:
            outcome: WriteOutcome = yield from write(functools.partial(steps, vectors=vectors), what)
            return outcome
        except VectorsNeeded as need:
            vectors.update((yield from embed_unique([t for t in need.texts if t not in vectors])))


def add_program(env: Env, request: AddRequest) -> Program[AddResult]:
    """Store the new messages as episodes; with ``infer``, one LLM call over them and their context
    turns them into facts and decisions, written in the same transaction as the episodes."""
    yield from ensure_schema(env)
    user_id = request.user_id
    template = env.extract_template
    episodes = episode_specs(request, prompt_version=template.tag if request.infer else None)
    ids = [e.id for e in episodes]
    known = {
        r["id"] for r in (yield from read(lambda: single("episodes_existing", user_id=user_id, ids=ids)))
    }
    fresh = [e for e in episodes if e.id not in known]
    result = AddResult(episodes_skipped=[e.id for e in episodes if e.id in known])
    if not fresh:
        result.skipped = True
        return result
    write_episodes = functools.partial(
        write_steps,
        user_id=user_id,
        episodes=fresh,
        conversation=(request.thread, request.agent_id, request.run_id),
    )
    if not request.infer:
        vectors = yield from embed_unique([e.embedding_text for e in fresh])
        steps = functools.partial(write_episodes, now=utcnow(), batch=None, vectors=vectors)
        outcome = yield from write(steps, "storing messages")
        result.episodes = outcome.episodes_written
        return result

    query_text = "\n".join(e.content for e in fresh)
    vectors = yield from embed_unique([e.embedding_text for e in fresh] + [query_text])
    settings = env.settings
    context = yield from read(
        lambda: context_steps(
            user_id=user_id,
            thread=request.thread,
            recent=settings.recent_messages,
            vector=vectors[query_text],
            query=query_text,
            candidates=settings.candidate_facts,
            exact_max_facts=settings.exact_search_max_facts,
            cache=env.state.vectors,
            facts=env.state.facts,
        ),
        "reading the conversation context",
    )
    prompt = extraction_messages(
        template,
        new=fresh,
        summary=context.summary,
        recent=context.recent,
        candidates=context.candidates,
        now=request.timestamp,
        user_name=request.user_name,
        entity_types=settings.entity_types,
    )
    answer = yield from complete(prompt, Extraction, name="mem0g_extraction")
    env.state.spend(answer.usage)
    result.usage, result.calls, result.prompt_version = answer.usage, answer.calls, template.tag
    mapped = map_extraction(
        answer.value,
        episodes=fresh,
        candidate_ids=[hit.id for hit in context.candidates],
        now=request.timestamp,
        user_name=request.user_name,
        metadata=request.metadata,
        agent_id=request.agent_id,
        run_id=request.run_id,
    )
    recorded_at = utcnow()
    batch = None
    if mapped.facts:
        batch = prepare_batch(
            mapped.facts, user_id=user_id, now=recorded_at, cardinality_overrides=settings.cardinality
        )
    steps = functools.partial(
        write_episodes,
        now=recorded_at,
        batch=batch,
        invalidations=mapped.invalidations,
        extra_props={"prompt_version": result.prompt_version},
    )
    outcome = yield from _embed_and_write(
        steps,
        user_id=user_id,
        batch=batch,
        vectors=vectors,
        now=recorded_at,
        what="writing the extracted facts",
        look_first=False,
    )
    _fill_result(result, outcome, warnings=mapped.warnings)
    yield from _summary_when_due(env, request, outcome)
    result.results = yield from read(lambda: events_steps(user_id, outcome))
    return result


def _summary_when_due(env: Env, request: AddRequest, outcome: WriteOutcome) -> Program[None]:
    """Remember the thread for flush(), and refresh its summary off the hot path when due."""
    key = (request.user_id, request.thread)
    state = env.state
    with state.lock:
        state.threads[key] = (request.agent_id, request.run_id)
        due = outcome.pending_messages >= env.settings.summary_every
        if not due or key in state.summarizing:
            return  # a refresh already queued covers these messages too
        state.summarizing.add(key)
    refresh = functools.partial(
        refresh_summary_program, env, request.user_id, request.thread, request.user_name
    )
    yield from spawn(request.user_id, refresh, "summary")


def refresh_summary_program(env: Env, user_id: str, thread: str, user_name: str | None) -> Program[LLMUsage]:
    """Fold a thread's unsummarised messages into its rolling summary (one LLM call)."""
    try:
        rows = yield from read(
            lambda: single("conversation_unsummarized", user_id=user_id, thread=thread, limit=SUMMARY_BATCH)
        )
        if not rows or not rows[0]["messages"]:
            return LLMUsage()
        summary, messages = rows[0]["summary"], rows[0]["messages"]
        template = env.summary_template
        prompt = summary_messages(
            template,
            summary=summary,
            messages=[{k: py(v) for k, v in m.items()} for m in messages],
            now=max(py(m["observed_at"]) for m in messages),
            user_name=user_name,
        )
        answer = yield from complete(
            prompt,
            SummaryOutput,
            name="mem0g_summary",
            model=env.settings.llm_summary_model,
            purpose="summary",
        )
        env.state.spend(answer.usage)
        until = max(m["recorded_at"] for m in messages)
        text: str = answer.value.summary
        yield from write(
            lambda: single(
                "conversation_set_summary",
                user_id=user_id,
                thread=thread,
                summary=text,
                until=until,
                covered=len(messages),
                now=utcnow(),
                prompt_version=template.tag,
            ),
            "storing a conversation summary",
        )
        usage: LLMUsage = answer.usage
        return usage
    finally:
        with env.state.lock:
            env.state.summarizing.discard((user_id, thread))


def flush_program(env: Env, *, summarize: bool, timeout: float | None) -> Program[None]:
    """Wait for queued adds; with ``summarize``, refresh every thread written to, then wait again."""
    yield from drain(timeout)
    if not summarize:
        return
    with env.state.lock:
        threads = list(env.state.threads)
    for user_id, thread in threads:
        yield from spawn(
            user_id, functools.partial(refresh_summary_program, env, user_id, thread, None), "summary"
        )
    yield from drain(timeout)


# -- the add's read steps -------------------------------------------------------------------------


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
    cache: VectorCache,
    facts: FactCache | None = None,
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
        params = SearchParams(
            query=query,
            user_id=user_id,
            now=utcnow(),
            limit=candidates,
            hops=1,
            token_budget=10**9,
            exact_max_facts=exact_max_facts,
        )
        found = yield from search_steps(params, vector, cache, facts)
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


def _fill_result(result: AddResult, outcome: WriteOutcome, *, warnings: Sequence[str] = ()) -> None:
    """What the write did, in the add's result (the same lists as :class:`IngestReport`)."""
    changed = outcome.report.model_dump(exclude={"facts_in"})
    for name, value in changed.items():
        setattr(result, name, value)
    result.episodes = outcome.episodes_written
    result.rejected_invalidations = [
        RejectedInvalidation(fact_id=f, reason=r) for f, r in outcome.invalidations.rejected
    ]
    result.warnings = list(warnings)
