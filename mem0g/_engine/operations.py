"""Every public operation of mem0g, written once.

Each method checks its arguments and returns the *program* that carries the operation out (see
:mod:`mem0g._engine.effects`). :class:`mem0g.Memory` runs these programs with sync I/O and
:class:`mem0g.AsyncMemory` with asyncio; each door publishes the methods here under the same names,
signatures and docstrings (the ``mem0g._door.op`` descriptor; ``add``, whose result type is the
door's own handle, through ``sync_op`` / ``async_op``), so the two cannot drift apart.

``H`` is the door's task handle type (:class:`~mem0g.TaskHandle` or :class:`~mem0g.AsyncTaskHandle`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any, Generic, Literal, TypeVar, overload

import networkx as nx

from mem0g._checks import INT64_MAX, check_int, check_text
from mem0g._engine.add import add_facts_program, add_program, flush_program
from mem0g._engine.args import check_optional_id, check_user_id, entity_key, search_params
from mem0g._engine.effects import Program, autocommit, embed, model_info, read, single, spawn, write
from mem0g._engine.env import Env
from mem0g._engine.graph import graph_from_rows
from mem0g._engine.keys import (
    create_key_steps,
    list_keys_steps,
    lookup_key_steps,
    new_key,
    parse_key,
    revoke_key_steps,
    tenant_of,
)
from mem0g._engine.messages import make_request, thread_key
from mem0g._engine.reads import (
    delete_fact_steps,
    entity_history_steps,
    facts_all_steps,
    forget_steps,
    graph_rows_steps,
    server_info_steps,
    tenant_stats_steps,
    users_steps,
)
from mem0g._engine.schema import VECTOR_INDEXES, ensure_schema, init_program, vector_index_dimensions_steps
from mem0g._engine.search import episode_search_steps, search_steps
from mem0g._engine.warm import warm_up_queries, warm_up_steps
from mem0g._time import parse_instant, utcnow
from mem0g.errors import ConfigError, Neo4jError, NotFoundError
from mem0g.models import (
    AddResult,
    ApiKey,
    EpisodeHit,
    FactIn,
    FactRecord,
    IngestReport,
    MetadataValue,
    SearchResult,
)

__all__ = ["NO_LLM_MESSAGE", "Operations"]

H = TypeVar("H")

#: Longest accepted API key name (and key id).
MAX_KEY_NAME = 256

NO_LLM_MESSAGE = (
    "no LLM is configured for add(): set MEM0G_LLM_BASE_URL (any OpenAI-compatible server, e.g. "
    "http://localhost:11434/v1 for Ollama) and MEM0G_LLM_MODEL, or OPENAI_API_KEY for OpenAI; "
    "add_facts() and add(..., infer=False) need no LLM"
)


class Operations(Generic[H]):
    """The public operations as programs, over one door's :class:`~mem0g._engine.env.Env`."""

    def __init__(self, env: Env) -> None:
        self.env = env

    def init(self, *, reindex: bool = False) -> Program[None]:
        """Create constraints and indexes (idempotent).

        ``reindex`` re-embeds everything stored with the configured model and rebuilds the vector
        indexes: the way out after changing embedding models (every user: indexes span the database).
        """
        return init_program(self.env, reindex=reindex)

    def warm_up(self) -> Program[None]:
        """Prepare the server for this door's first search: the schema in place, and every query of
        a search run once (for a user who has nothing), so that Neo4j has planned them. A new
        ``Memory`` does this in the background unless ``warm_up=False``."""
        yield from ensure_schema(self.env)
        _, dimensions = yield from model_info()
        graph, indexes = warm_up_queries(
            now=utcnow(),
            dimensions=dimensions,
            in_index=self.env.state.vector_in_index,
            exact_max=self.env.settings.exact_search_max_facts,
        )
        yield from read(lambda: warm_up_steps(graph), "warming up")
        for one in indexes:
            try:
                yield from read(functools.partial(warm_up_steps, [one]), "warming up")
            except Neo4jError:
                continue  # see warm_up_queries: a real search plans it when it needs it

    # -- writes -----------------------------------------------------------------------------------

    def add_facts(
        self,
        facts: Iterable[FactIn | Mapping[str, Any]],
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        metadata: Mapping[str, MetadataValue] | None = None,
        now: datetime | str | None = None,
        on_batch: Callable[[int], None] | None = None,
    ) -> Program[IngestReport]:
        """Store structured facts (no LLM). All are validated before anything is written.

        A fact's own ``user_id`` must match ``user_id`` when both are given; without ``user_id``
        every fact must carry one. Each batch (``settings.batch_size`` facts of one user) is one
        transaction; re-adding the same facts changes nothing but provenance. ``on_batch`` is
        called with the number of facts of each batch once it is written.
        """
        return add_facts_program(
            self.env,
            facts,
            user_id=user_id,
            agent_id=agent_id,
            run_id=run_id,
            metadata=metadata,
            now=now,
            on_batch=on_batch,
        )

    @overload
    def add(
        self,
        messages: Any,
        *,
        user_id: str,
        agent_id: str | None = ...,
        run_id: str | None = ...,
        metadata: Mapping[str, MetadataValue] | None = ...,
        timestamp: datetime | str | None = ...,
        infer: bool = ...,
        wait: Literal[True] = ...,
    ) -> Program[AddResult]: ...

    @overload
    def add(
        self,
        messages: Any,
        *,
        user_id: str,
        agent_id: str | None = ...,
        run_id: str | None = ...,
        metadata: Mapping[str, MetadataValue] | None = ...,
        timestamp: datetime | str | None = ...,
        infer: bool = ...,
        wait: Literal[False],
    ) -> Program[H]: ...

    def add(
        self,
        messages: Any,
        *,
        user_id: str,
        agent_id: str | None = None,
        run_id: str | None = None,
        metadata: Mapping[str, MetadataValue] | None = None,
        timestamp: datetime | str | None = None,
        infer: bool = True,
        wait: bool = True,
    ) -> Program[AddResult] | Program[H]:
        """Remember a conversation: one LLM call turns the messages into entities, facts and
        decisions about existing facts, applied in one transaction with the raw messages.

        ``messages``: a string, a list of strings (alternating user, assistant) or a list of
        ``{role, content[, name, id, timestamp]}``. ``timestamp`` is when they were said (default:
        ``metadata["timestamp"]``, else now); relative dates ("last week") are resolved against it.
        ``infer=False`` stores the messages as episodes only (no LLM). ``wait=False`` queues the add
        and returns a task handle at once: each user's adds run in order, users in parallel.
        Arguments are validated before anything is queued.
        """
        check_user_id(user_id)
        check_optional_id(agent_id, what="agent_id")
        check_optional_id(run_id, what="run_id")
        request = make_request(
            messages,
            user_id=user_id,
            agent_id=agent_id,
            run_id=run_id,
            metadata=metadata,
            timestamp=timestamp,
            infer=infer,
        )
        if infer and not self.env.llm_configured:  # reported now, not in the background
            raise ConfigError(NO_LLM_MESSAGE)
        if wait:
            return add_program(self.env, request)
        return spawn(user_id, lambda: add_program(self.env, request), "add")

    def flush(self, *, summarize: bool = True, timeout: float | None = None) -> Program[None]:
        """Wait for queued adds; with ``summarize``, also refresh the summary of every thread this
        instance wrote to that has messages the summary does not cover yet."""
        return flush_program(self.env, summarize=summarize, timeout=timeout)

    def delete(self, fact_id: str, *, user_id: str) -> Program[None]:
        """Hard-delete one fact of one user."""
        check_user_id(user_id)
        check_text(fact_id, field="fact_id", allow_empty=False)
        if not (yield from write(lambda: delete_fact_steps(user_id, fact_id), "a delete")):
            raise NotFoundError(f"no fact with id {fact_id!r} for user {user_id!r}")

    def forget(self, user_id: str) -> Program[int]:
        """Remove every node and fact of ``user_id`` (and nothing else). Returns the nodes removed."""
        check_user_id(user_id)
        removed: int = yield from autocommit(lambda: forget_steps(user_id), "forget")
        return removed

    # -- API keys (the agents' door: mem0g.tools.http_api, mem0g.tools.mcp_server) ----------------

    def create_key(self, user_id: str, *, name: str | None = None) -> Program[tuple[ApiKey, str]]:
        """Make an API key for ``user_id``: returns its record and the key itself, which is shown
        only now (Neo4j keeps a salted HMAC of it, never the key). Whoever holds the key acts as
        ``user_id`` on the HTTP API and the MCP server over HTTP."""
        check_user_id(user_id)
        if name is not None:
            check_text(name, field="name", max_length=MAX_KEY_NAME)
        key = new_key()
        record: ApiKey = yield from write(
            lambda: create_key_steps(user_id, key, name, utcnow()), "creating an API key"
        )
        return record, key.secret

    def list_keys(self, user_id: str) -> Program[list[ApiKey]]:
        """The API keys of ``user_id``, revoked ones included, oldest first (never their secrets)."""
        check_user_id(user_id)
        keys: list[ApiKey] = yield from read(lambda: list_keys_steps(user_id), "listing API keys")
        return keys

    def revoke_key(self, key_id: str, *, user_id: str | None = None) -> Program[ApiKey]:
        """Revoke an API key by its id (the ``m0g-<id>-...`` part; of ``user_id`` only, when given).
        It never authenticates again; revoking it twice keeps the first time."""
        check_text(key_id, field="key_id", allow_empty=False, max_length=MAX_KEY_NAME)
        if user_id is not None:
            check_user_id(user_id)
        record: ApiKey | None = yield from write(
            lambda: revoke_key_steps(key_id.strip(), user_id, utcnow()), "revoking an API key"
        )
        if record is None:
            owner = "" if user_id is None else f" of user {user_id!r}"
            raise NotFoundError(f"no API key with id {key_id!r}{owner} (`mem0g keys list --user U` has ids)")
        return record

    def tenant_for_key(self, secret: str) -> Program[str | None]:
        """The user an API key belongs to, or ``None`` for a malformed, unknown or revoked key (the
        secret is compared in constant time)."""
        key_id = parse_key(secret)
        if key_id is None:
            return None
        rows = yield from read(lambda: lookup_key_steps(key_id), "checking an API key")
        return tenant_of(secret, rows)

    # -- reads ------------------------------------------------------------------------------------

    def search(
        self,
        query: str,
        *,
        user_id: str,
        limit: int | None = None,
        as_of: datetime | str | None = None,
        include_history: bool = False,
        hops: int | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        filters: Mapping[str, Any] | None = None,
        token_budget: int | None = None,
    ) -> Program[SearchResult]:
        """Facts relevant to ``query``: current by default, as they held at ``as_of``, or all
        (``include_history``). No LLM is called. ``filters`` match metadata keys by equality
        (``{"category": "preference"}``) or membership (``{"priority": {"in": ["high", "low"]}}``);
        ``agent_id`` and ``run_id`` may also be given there.
        """
        params = search_params(
            self.env.settings,
            query,
            user_id=user_id,
            limit=limit,
            as_of=as_of,
            include_history=include_history,
            hops=hops,
            agent_id=agent_id,
            run_id=run_id,
            filters=filters,
            token_budget=token_budget,
        )
        yield from ensure_schema(self.env)
        params = replace(params, vector_in_index=self.env.state.vector_in_index)
        [vector] = yield from embed([query])
        cache, facts = self.env.state.vectors, self.env.state.facts
        result: SearchResult = yield from read(lambda: search_steps(params, vector, cache, facts), "a search")
        return result

    def search_episodes(
        self,
        query: str,
        *,
        user_id: str,
        limit: int = 10,
        as_of: datetime | str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
    ) -> Program[list[EpisodeHit]]:
        """Raw stored messages most related to ``query`` (what ``add`` kept, also with infer=False)."""
        params = search_params(
            self.env.settings,
            query,
            user_id=user_id,
            limit=limit,
            as_of=as_of,
            hops=0,
            agent_id=agent_id,
            run_id=run_id,
        )
        yield from ensure_schema(self.env)
        [vector] = yield from embed([query])
        hits: list[EpisodeHit] = yield from read(
            lambda: episode_search_steps(
                query,
                vector,
                user_id=user_id,
                limit=params.limit,
                as_of=params.as_of,
                agent_id=params.agent_id,
                run_id=params.run_id,
                exact_max=params.exact_max_facts,
                in_index=self.env.state.vector_in_index,
            ),
            "an episode search",
        )
        return hits

    def summary(
        self, user_id: str, *, agent_id: str | None = None, run_id: str | None = None
    ) -> Program[str | None]:
        """The rolling summary of a conversation thread (``None`` until the first refresh)."""
        check_user_id(user_id)
        check_optional_id(agent_id, what="agent_id")
        check_optional_id(run_id, what="run_id")
        thread = thread_key(agent_id, run_id)
        rows = yield from read(
            lambda: single("conversation_context", user_id=user_id, thread=thread, recent=0)
        )
        return rows[0]["summary"] if rows else None

    def get_all(
        self,
        *,
        user_id: str,
        as_of: datetime | str | None = None,
        current_only: bool = False,
        agent_id: str | None = None,
        run_id: str | None = None,
        limit: int | None = None,
    ) -> Program[list[FactRecord]]:
        """Every fact of the user (any status) unless ``current_only`` or ``as_of`` narrow it."""
        check_user_id(user_id)
        check_optional_id(agent_id, what="agent_id")
        check_optional_id(run_id, what="run_id")
        if limit is not None:
            check_int(limit, field="limit", minimum=1, maximum=INT64_MAX)
        when = parse_instant(as_of, field="as_of")
        records: list[FactRecord] = yield from read(
            lambda: facts_all_steps(
                user_id,
                now=utcnow(),
                as_of=when,
                current_only=current_only,
                agent_id=agent_id,
                run_id=run_id,
                limit=limit or 1_000_000,
            )
        )
        return records

    def history(self, entity: str, *, user_id: str) -> Program[list[FactRecord]]:
        """Every fact about ``entity`` (name or alias, any case), any status, in time order."""
        check_user_id(user_id)
        key = entity_key(entity)
        records: list[FactRecord] = yield from read(lambda: entity_history_steps(user_id, key))
        return records

    def graph(self, user_id: str, *, as_of: datetime | str | None = None) -> Program[nx.MultiDiGraph]:
        """The user's graph: entity ids as nodes, facts as keyed edges (all statuses unless as_of)."""
        check_user_id(user_id)
        when = parse_instant(as_of, field="as_of")
        rows = yield from read(lambda: graph_rows_steps(user_id, when))
        return graph_from_rows(user_id, rows)

    def users(self) -> Program[list[dict[str, Any]]]:
        """Every user with data in this database, with their counts."""
        rows: list[dict[str, Any]] = yield from read(users_steps)
        return rows

    def stats(self, user_id: str) -> Program[dict[str, int]]:
        """How many facts, entities and episodes ``user_id`` has, and the database in all."""
        check_user_id(user_id)
        counts: dict[str, int] = yield from read(lambda: tenant_stats_steps(user_id))
        return counts

    def doctor(self) -> Program[dict[str, Any]]:
        """Connectivity, server version, vector indexes against the embedding model: a report whose
        ``ok`` is false (with a ``hint``) when mem0g cannot work with this database as it is."""
        server = yield from read(server_info_steps)
        indexes: dict[str, int | None] = yield from read(vector_index_dimensions_steps)
        name, dimensions = yield from model_info()
        report: dict[str, Any] = {
            "server": server,
            "vector_indexes": indexes,
            "embedding_model": name,
            "embedding_dimensions": dimensions,
        }
        mismatched = {k: v for k, v in indexes.items() if v is not None and v != dimensions}
        report["ok"] = not mismatched and len(indexes) == len(VECTOR_INDEXES)
        if len(indexes) < len(VECTOR_INDEXES):
            missing = sorted(set(VECTOR_INDEXES) - set(indexes))
            report["hint"] = f"missing vector indexes ({', '.join(missing)}): run `mem0g init`"
        elif mismatched:
            report["hint"] = "vector index dimension differs from the model: run `mem0g init --reindex`"
        return report
