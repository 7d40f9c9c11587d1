"""The ``mem0g`` command line: data on stdout, messages on stderr, ``--json`` for machines.

Exit codes: 0 ok, 1 unexpected error, 2 usage, 3 Neo4j unreachable, 4 bad input (some or all input
rejected), 5 configuration, 6 schema or embedding mismatch, 7 local Neo4j launcher, 8 not found,
9 LLM unreachable or unusable, 10 another Neo4j failure (a transaction still failing after the
driver's retries, a request the server refused, a server error).
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, ClassVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from mem0g._engine.args import check_user_id, to_fact
from mem0g.config import Settings, load_settings
from mem0g.errors import (
    ConfigError,
    InvalidInputError,
    LLMError,
    LocalNeo4jError,
    Mem0gError,
    Neo4jError,
    Neo4jUnavailableError,
    NotFoundError,
    SchemaError,
)
from mem0g.llm import LLMUsage
from mem0g.memory import Memory
from mem0g.models import ApiKey, FactIn, FactRecord, SearchResult
from mem0g.tools.export import to_cypher, to_graphml, to_json
from mem0g.tools.jsonl import json_lines

__all__ = ["EXIT_CODES", "app", "main"]

EXIT_CODES: dict[type[Mem0gError], int] = {
    Neo4jUnavailableError: 3,
    InvalidInputError: 4,
    ConfigError: 5,
    SchemaError: 6,
    LocalNeo4jError: 7,
    NotFoundError: 8,
    LLMError: 9,
    Neo4jError: 10,  # after Neo4jUnavailableError: any other failure of a Neo4j request
}

app = typer.Typer(
    name="mem0g",
    help="Temporally-aware graph memory for LLM agents, on Neo4j.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
ingest_app = typer.Typer(help="Ingest structured facts or conversations.", no_args_is_help=True)
neo4j_app = typer.Typer(help="The project-managed local Neo4j server.", no_args_is_help=True)
keys_app = typer.Typer(
    help="API keys of the HTTP API (mem0g serve) and the MCP server over HTTP.", no_args_is_help=True
)
app.add_typer(ingest_app, name="ingest")
app.add_typer(neo4j_app, name="neo4j")
app.add_typer(keys_app, name="keys")

# markup=False: messages and tables carry user data (ids, facts, file names) in which "[...]" is text,
# not Rich markup (an id like "x[/y]" used to crash the command with a MarkupError).
out = Console(soft_wrap=True, markup=False)
err = Console(stderr=True, soft_wrap=True, markup=False)


class _Options:
    overrides: ClassVar[dict[str, Any]] = {}


@app.callback()
def _global(
    neo4j_uri: Annotated[
        str | None, typer.Option(help="Neo4j URI (else NEO4J_URI, else the local server).")
    ] = None,
    config: Annotated[Path | None, typer.Option(help="TOML config file (else MEM0G_CONFIG).")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress to stderr.")] = False,
) -> None:
    if config is not None:
        os.environ["MEM0G_CONFIG"] = str(config)
    _Options.overrides = {"neo4j_uri": neo4j_uri}
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(message)s"
    )
    if not verbose:  # the driver's "Transaction failed and will be retried" lines: one error is enough
        logging.getLogger("neo4j").setLevel(logging.ERROR)


def _settings(**extra: Any) -> Settings:
    return load_settings(**_Options.overrides, **extra)


@contextmanager
def _memory(**extra: Any) -> Iterator[Memory]:
    # A command runs its operation at once: a background warm-up would only compete with it.
    with Memory(settings=_settings(**{"warm_up": False, **extra})) as memory:
        yield memory


def _progress() -> Progress:
    """The ingest progress bar: on stderr, only on a terminal, gone when done."""
    return Progress(
        TextColumn("ingesting"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def _date(value: datetime | None) -> str:
    return value.date().isoformat() if value else "…"


def _interval(record: FactRecord) -> str:
    return f"{_date(record.valid_from)} → {_date(record.valid_until) if record.valid_until else 'now'}"


# -- init / doctor ---------------------------------------------------------------------------------


@app.command()
def init(
    reindex: Annotated[
        bool, typer.Option(help="Drop and rebuild vector indexes of another dimension.")
    ] = False,
) -> None:
    """Create mem0g's constraints and indexes (idempotent)."""
    with _memory() as memory:
        memory.init(reindex=reindex)
        err.print(f"schema ready ({memory.embedder.dimensions}-dimensional vectors)")


@app.command()
def doctor(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Check connectivity, server version, indexes and the embedding model."""
    with _memory() as memory:
        report = memory.doctor()
    if as_json:
        _print_json(report)
    else:
        for key, value in report.items():
            out.print(f"{key}: {value}")
    if not report["ok"]:
        raise typer.Exit(6)


# -- ingest ----------------------------------------------------------------------------------------


def _read_facts(path: Path, user: str | None) -> tuple[list[tuple[int, FactIn]], list[InvalidInputError]]:
    good: list[tuple[int, FactIn]] = []
    bad: list[InvalidInputError] = []
    for number, data in json_lines(path):
        if isinstance(data, InvalidInputError):
            bad.append(data)
            continue
        try:
            fact = to_fact(data, line=number)
            if fact.user_id is None and user is None:
                raise InvalidInputError("no user_id on the line and no --user given", line=number)
            if user is not None and fact.user_id is not None and fact.user_id != user:
                raise InvalidInputError(
                    f"user_id {fact.user_id!r} differs from --user {user!r}", line=number, field="user_id"
                )
            good.append((number, fact))
        except InvalidInputError as exc:
            bad.append(exc)
    return good, bad


@ingest_app.command("facts")
def ingest_facts(
    file: Annotated[
        Path, typer.Argument(help="Facts JSONL: one {subject, predicate, object, ...} per line.")
    ],
    user: Annotated[str | None, typer.Option("--user", "-u", help="User the facts belong to.")] = None,
    strict: Annotated[
        bool, typer.Option(help="All or nothing: any bad line and nothing is written.")
    ] = False,
    agent: Annotated[str | None, typer.Option(help="agent_id for facts that carry none.")] = None,
    run: Annotated[str | None, typer.Option(help="run_id for facts that carry none.")] = None,
    batch_size: Annotated[int | None, typer.Option(help="Facts per transaction.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the ingest report as JSON.")] = False,
) -> None:
    """Ingest a facts JSONL file.

    By default bad lines are skipped and reported (with line number and reason) and the good ones are
    written; the exit code is then 4. With --strict the whole file is checked first and nothing is
    written if any line is bad. Each batch is one transaction, and re-running a file is harmless:
    restated facts add provenance, never copies.
    """
    if user is not None:
        check_user_id(user, what="--user")
    good, bad = _read_facts(file, user)
    for problem in bad:
        err.print(Text.assemble((f"{file}:", "red"), f" {problem}"), highlight=False)
    if bad and strict:
        err.print(f"{len(bad)} bad line(s); --strict: nothing was written")
        raise typer.Exit(4)
    report = None
    if good:
        with (
            _memory(batch_size=batch_size) as memory,
            _progress() as progress,
        ):
            task = progress.add_task("facts", total=len(good))
            report = memory.add_facts(
                [fact for _, fact in good],
                user_id=user,
                agent_id=agent,
                run_id=run,
                on_batch=lambda n: progress.advance(task, n),
            )
    summary = {
        "lines_ok": len(good),
        "lines_rejected": len(bad),
        "added": len(report.added) if report else 0,
        "restated": len(report.restated) if report else 0,
        "superseded": len(report.superseded) if report else 0,
        "ended": len(report.ended) if report else 0,
        "history": len(report.history) if report else 0,
        "entities_created": report.entities_created if report else 0,
    }
    if as_json:
        _print_json(summary)
    else:
        err.print(", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in summary.items()))
    if bad:
        raise typer.Exit(4)


# -- conversations (LLM) ---------------------------------------------------------------------------

LLMBaseUrl = Annotated[
    str | None, typer.Option("--llm-base-url", help="OpenAI-compatible base URL (else MEM0G_LLM_BASE_URL).")
]
LLMModel = Annotated[str | None, typer.Option("--llm-model", help="Model name (else MEM0G_LLM_MODEL).")]


def _llm_overrides(base_url: str | None, model: str | None) -> dict[str, Any]:
    return {"llm_base_url": base_url, "llm_model": model}


def _usage_line(usage: LLMUsage) -> str:
    return (
        f"LLM: {usage.calls} call(s), {usage.prompt_tokens} prompt + {usage.completion_tokens} "
        f"completion tokens"
    )


def _parse_metadata(pairs: list[str]) -> dict[str, Any]:
    metadata: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise InvalidInputError(f"--metadata {pair!r} is not KEY=VALUE (VALUE may be JSON)")
        try:
            metadata[key] = json.loads(raw)
        except json.JSONDecodeError:
            metadata[key] = raw
    return metadata


@app.command()
def add(
    text: Annotated[str, typer.Argument(help="What was said (one message).")],
    user: Annotated[str, typer.Option("--user", "-u", help="Whose memory.")],
    at: Annotated[str | None, typer.Option("--at", help="When it was said (ISO 8601; default now).")] = None,
    role: Annotated[str, typer.Option(help="Who said it: user or assistant.")] = "user",
    agent: Annotated[str | None, typer.Option(help="agent_id")] = None,
    run: Annotated[str | None, typer.Option(help="run_id")] = None,
    metadata: Annotated[
        list[str] | None, typer.Option("--metadata", "-m", help="KEY=VALUE stored on the facts (repeatable).")
    ] = None,
    infer: Annotated[bool, typer.Option(help="Extract facts with the LLM (--no-infer: store only).")] = True,
    llm_base_url: LLMBaseUrl = None,
    llm_model: LLMModel = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the AddResult as JSON.")] = False,
) -> None:
    """Remember one message: one LLM call extracts its facts and what they replace."""
    check_user_id(user, what="--user")
    with _memory(**_llm_overrides(llm_base_url, llm_model)) as memory:
        result = memory.add(
            [{"role": role, "content": text}],
            user_id=user,
            agent_id=agent,
            run_id=run,
            metadata=_parse_metadata(metadata or []),
            timestamp=at,
            infer=infer,
        )
        memory.flush(summarize=False)
    if as_json:
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")
        return
    for event in result.results:
        out.print(f"{event.event:<10} {event.fact}")
    for warning in result.warnings:
        err.print(f"warning: {warning}")
    err.print(_usage_line(result.usage))


class ChatFormat(str, Enum):
    auto = "auto"
    jsonl = "jsonl"
    locomo = "locomo"


class LocomoPer(str, Enum):
    speaker = "speaker"
    conversation = "conversation"


@ingest_app.command("chat")
def ingest_chat(
    file: Annotated[
        Path, typer.Argument(help="Chat JSONL ({role, content, timestamp} per line) or LoCoMo JSON.")
    ],
    user: Annotated[
        str | None,
        typer.Option("--user", "-u", help="Whose memory (JSONL); for LoCoMo, a prefix (default 'locomo-')."),
    ] = None,
    fmt: Annotated[
        ChatFormat, typer.Option("--format", help="File format (auto: by content).")
    ] = ChatFormat.auto,
    per: Annotated[
        LocomoPer, typer.Option(help="LoCoMo: one memory per speaker (Mem0's protocol) or per conversation.")
    ] = LocomoPer.speaker,
    sample: Annotated[
        list[str] | None, typer.Option("--sample", help="LoCoMo: only these sample ids (repeatable).")
    ] = None,
    batch: Annotated[int, typer.Option(min=1, max=100, help="Messages per add (Mem0's protocol: 2).")] = 2,
    infer: Annotated[
        bool, typer.Option(help="Extract facts with the LLM (--no-infer: store messages only).")
    ] = True,
    llm_base_url: LLMBaseUrl = None,
    llm_model: LLMModel = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Ingest a conversation, `batch` messages per add, in order. Re-running skips what is stored
    (messages are identified by their id, or by line content), so an interrupted run resumes."""
    from mem0g.tools.chats import chat_adds, detect_format, locomo_adds, read_chat_jsonl, read_locomo

    if not file.is_file():
        raise InvalidInputError(f"cannot read {file}: no such file")
    kind = detect_format(file) if fmt is ChatFormat.auto else fmt.value
    if kind == "jsonl":
        if user is None:
            raise InvalidInputError("--user is required for a chat JSONL file")
        check_user_id(user, what="--user")
        adds = chat_adds(read_chat_jsonl(file), user_id=user, batch=batch)
    else:
        samples = read_locomo(file)
        if sample:
            unknown = set(sample) - {s.sample_id for s in samples}
            if unknown:
                raise InvalidInputError(f"no sample {sorted(unknown)} in {file}")
            samples = [s for s in samples if s.sample_id in sample]
        adds = [
            a for s in samples for a in locomo_adds(s, per=per.value, prefix=user or "locomo-", batch=batch)
        ]
    totals = {
        "adds": len(adds),
        "skipped": 0,
        "messages": sum(len(a.messages) for a in adds),
        "added": 0,
        "restated": 0,
        "superseded": 0,
        "ended": 0,
        "history": 0,
        "episodes": 0,
        "warnings": 0,
    }
    with (
        _memory(**_llm_overrides(llm_base_url, llm_model)) as memory,
        _progress() as progress,
    ):
        task = progress.add_task("adds", total=len(adds))
        for item in adds:
            result = memory.add(item.messages, user_id=item.user_id, timestamp=item.timestamp, infer=infer)
            totals["skipped"] += int(result.skipped)
            for key in ("added", "restated", "superseded", "ended", "history", "episodes"):
                totals[key] += len(getattr(result, key))
            totals["warnings"] += len(result.warnings)
            progress.advance(task)
        memory.flush()
        usage = memory.usage
        failures = memory.failures()
    for failure in failures:
        err.print(f"warning: background {failure.kind} for {failure.user_id!r} failed: {failure.error}")
    summary = {
        **totals,
        "users": sorted({a.user_id for a in adds}),
        "llm": usage.model_dump(),
        "background_failures": len(failures),
    }
    if as_json:
        _print_json(summary)
    else:
        err.print(", ".join(f"{k}: {v}" for k, v in totals.items()))
        err.print(_usage_line(usage) + " (including summary refreshes)")


# -- search / history / graph ----------------------------------------------------------------------


def _parse_filters(pairs: list[str]) -> dict[str, Any]:
    filters: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise InvalidInputError(
                f"--filter {pair!r} is not KEY=VALUE (VALUE may be JSON, or a|b for any of)"
            )
        try:
            value: Any = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        if isinstance(value, str) and "|" in value:
            value = {"in": value.split("|")}
        filters[key] = value
    return filters


def _results_table(result: SearchResult) -> Table:
    table = Table(show_lines=False)
    for col in ("score", "fact", "status", "valid", "hops", "via"):
        table.add_column(col)
    for hit in result.results:
        via = " → ".join(f"{p.subject} {p.predicate} {p.object}" for p in hit.path[:-1]) or "-"
        table.add_row(f"{hit.score:.3f}", hit.fact, hit.status, _interval(hit), str(hit.hops), via)
    return table


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="Natural-language question.")],
    user: Annotated[str, typer.Option("--user", "-u", help="Whose memory to search.")],
    limit: Annotated[int, typer.Option("--limit", "-k", min=1, help="Most hits to return.")] = 10,
    as_of: Annotated[str | None, typer.Option(help="Answer as the world was at this ISO date/time.")] = None,
    include_history: Annotated[bool, typer.Option(help="Also return superseded and ended facts.")] = False,
    hops: Annotated[int | None, typer.Option(min=0, max=5, help="Graph expansion depth (default 2).")] = None,
    agent: Annotated[str | None, typer.Option(help="Only facts of this agent_id.")] = None,
    run: Annotated[str | None, typer.Option(help="Only facts of this run_id.")] = None,
    filter_: Annotated[
        list[str] | None,
        typer.Option("--filter", help="Metadata filter KEY=VALUE (repeatable; a|b = any of)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result's model_dump() as JSON.")] = False,
) -> None:
    """Search a user's memory (no LLM involved)."""
    with _memory() as memory:
        result = memory.search(
            query,
            user_id=user,
            limit=limit,
            as_of=as_of,
            include_history=include_history,
            hops=hops,
            agent_id=agent,
            run_id=run,
            filters=_parse_filters(filter_ or []),
        )
    if as_json:
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")
    elif result.results:
        out.print(_results_table(result))
    else:
        err.print("no matching facts")


@app.command()
def history(
    entity: Annotated[str, typer.Argument(help="Entity name or alias (any case).")],
    user: Annotated[str, typer.Option("--user", "-u")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Every fact about an entity, with its validity interval and status."""
    with _memory() as memory:
        records = memory.history(entity, user_id=user)
    if not records:
        raise NotFoundError(f"no entity {entity!r} with facts for user {user!r}")
    if as_json:
        _print_json([r.model_dump(mode="json") for r in records])
        return
    table = Table()
    for col in ("fact", "predicate", "status", "valid", "recorded"):
        table.add_column(col)
    for r in records:
        table.add_row(r.fact, r.predicate, r.status, _interval(r), r.recorded_at.date().isoformat())
    out.print(table)


class GraphFormat(str, Enum):
    json = "json"
    graphml = "graphml"
    cypher = "cypher"


@app.command()
def graph(
    user: Annotated[str, typer.Option("--user", "-u")],
    as_of: Annotated[str | None, typer.Option(help="Only facts holding at this instant.")] = None,
    fmt: Annotated[GraphFormat, typer.Option("--format", "-f")] = GraphFormat.json,
) -> None:
    """Export a user's graph as JSON, GraphML or a Cypher script."""
    with _memory() as memory:
        g = memory.graph(user, as_of=as_of)
    render = {GraphFormat.json: to_json, GraphFormat.graphml: to_graphml, GraphFormat.cypher: to_cypher}[fmt]
    sys.stdout.write(render(g) + ("\n" if fmt is GraphFormat.json else ""))


@app.command("list")
def list_facts(
    user: Annotated[str, typer.Option("--user", "-u")],
    as_of: Annotated[str | None, typer.Option()] = None,
    current: Annotated[bool, typer.Option(help="Only facts that hold now.")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List a user's facts (get_all)."""
    with _memory() as memory:
        records = memory.get_all(user_id=user, as_of=as_of, current_only=current)
    if as_json:
        _print_json([r.model_dump(mode="json") for r in records])
        return
    table = Table()
    for col in ("id", "fact", "status", "valid"):
        table.add_column(col)
    for r in records:
        table.add_row(r.id, r.fact, r.status, _interval(r))
    out.print(table)


@app.command()
def delete(
    fact_id: Annotated[str, typer.Argument(help="Fact id (from search or list).")],
    user: Annotated[str, typer.Option("--user", "-u")],
) -> None:
    """Hard-delete one fact of a user."""
    with _memory() as memory:
        memory.delete(fact_id, user_id=user)
    err.print(f"deleted fact {fact_id}")


@app.command()
def forget(
    user: Annotated[str, typer.Option("--user", "-u", help="The user to erase.")],
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: erase everything of this user.")] = False,
) -> None:
    """Erase every entity, fact and episode of one user (and nothing of anyone else)."""
    check_user_id(user, what="--user")
    if not yes:
        err.print(f"this erases all memory of user {user!r}; add --yes to confirm")
        raise typer.Exit(2)
    with _memory() as memory:
        removed = memory.forget(user)
    err.print(f"forgot user {user!r}: {removed} node(s) removed")


@app.command()
def users(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List the users with data, and how much each holds."""
    with _memory() as memory:
        rows = memory.users()
    if as_json:
        _print_json(rows)
        return
    for row in rows:
        out.print(f"{row['user_id']}\t{row['facts']} facts\t{row['entities']} entities")


# -- API keys and the agents' door (mem0g.tools.mcp_server, mem0g.tools.http_api) ------------------


def _key_row(key: ApiKey) -> str:
    state = f"revoked {key.revoked_at.isoformat()}" if key.revoked_at else "active"
    return f"{key.id}\t{key.name or '-'}\t{key.created_at.isoformat()}\t{state}"


@keys_app.command("create")
def keys_create(
    user: Annotated[str, typer.Option("--user", "-u", help="The user the key acts as.")],
    name: Annotated[str | None, typer.Option("--name", "-n", help="A label, e.g. the agent's name.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the key and its record as JSON.")] = False,
) -> None:
    """Make an API key for a user. The key is printed once (the last word of stdout); only a salted
    hash is stored, so it cannot be shown again."""
    check_user_id(user, what="--user")
    with _memory() as memory:
        record, secret = memory.create_key(user, name=name)
    if as_json:
        _print_json({**record.model_dump(mode="json"), "key": secret})
        return
    err.print(f"API key {record.id} for user {user!r}; it is shown only now, store it safely:")
    out.print(secret)


@keys_app.command("list")
def keys_list(
    user: Annotated[str, typer.Option("--user", "-u", help="Whose keys.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """A user's API keys (id, name, created, revoked), never their secrets."""
    check_user_id(user, what="--user")
    with _memory() as memory:
        keys = memory.list_keys(user)
    if as_json:
        _print_json([k.model_dump(mode="json") for k in keys])
        return
    if not keys:
        err.print(f"user {user!r} has no API keys")
    for key in keys:
        out.print(_key_row(key))


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id (as `keys list` shows it), or the key itself.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the revoked key's record as JSON.")] = False,
) -> None:
    """Revoke an API key: it never authenticates again (at once, on every running server)."""
    from mem0g._engine.keys import parse_key

    with _memory() as memory:
        record = memory.revoke_key(parse_key(key_id) or key_id)
    if as_json:
        _print_json(record.model_dump(mode="json"))
        return
    err.print(f"revoked API key {record.id} of user {record.user_id!r}")


class Transport(str, Enum):
    stdio = "stdio"
    http = "http"


def _server_extra(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ConfigError(
            f"this command needs the server extra ({exc.name} is missing): pip install 'mem0g[server]'"
        ) from exc


@app.command("mcp")
def mcp_command(
    user: Annotated[
        str | None,
        typer.Option(
            "--user", "-u", envvar="MEM0G_USER", help="stdio: the one user served (else MEM0G_USER)."
        ),
    ] = None,
    agent_id: Annotated[
        str | None, typer.Option("--agent-id", help="stdio: agent_id put on every write and search.")
    ] = None,
    transport: Annotated[Transport, typer.Option(help="stdio (for an MCP host) or http.")] = Transport.stdio,
    host: Annotated[str, typer.Option(help="http: address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="http: port.")] = 8765,
    allow_forget: Annotated[
        bool, typer.Option("--allow-forget", help="Offer the forget_user tool (erases the user).")
    ] = False,
    max_body: Annotated[int, typer.Option(min=1, help="http: largest request body, in bytes.")] = 1_000_000,
    llm_base_url: LLMBaseUrl = None,
    llm_model: LLMModel = None,
) -> None:
    """Serve memory over the Model Context Protocol: stdio for one user (an MCP host starts this
    command), or streamable HTTP at /mcp where each request's API key decides the user."""
    import asyncio

    settings = _settings(**_llm_overrides(llm_base_url, llm_model))
    if transport is Transport.stdio:
        if user is None:
            raise InvalidInputError("mem0g mcp over stdio serves one user: give --user U (or MEM0G_USER)")
        check_user_id(user, what="--user")
        server = _server_extra("mem0g.tools.mcp_server")
        asyncio.run(server.run_stdio(settings, user_id=user, agent_id=agent_id, allow_forget=allow_forget))
        return
    if user is not None or agent_id is not None:
        raise InvalidInputError(
            "over HTTP each request's API key decides the user: drop --user/--agent-id "
            "(or MEM0G_USER), and create keys with `mem0g keys create --user U`"
        )
    http = _server_extra("mem0g.tools.http_api")
    err.print(f"mem0g MCP over streamable HTTP at http://{host}:{port}/mcp (Bearer API keys)")
    asyncio.run(
        http.serve(settings, host=host, port=port, max_body=max_body, allow_forget=allow_forget, rest=False)
    )


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to bind (127.0.0.1: this machine only).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port.")] = 8000,
    max_body: Annotated[int, typer.Option(min=1, help="Largest request body, in bytes.")] = 1_000_000,
    allow_forget: Annotated[
        bool, typer.Option("--allow-forget", help="Offer the forget_user tool on /mcp.")
    ] = False,
    mcp: Annotated[bool, typer.Option(help="Mount the MCP streamable HTTP endpoint at /mcp.")] = True,
    log_level: Annotated[str, typer.Option(help="uvicorn's log level.")] = "warning",
    llm_base_url: LLMBaseUrl = None,
    llm_model: LLMModel = None,
) -> None:
    """Serve the HTTP API (OpenAPI at /docs; Bearer API keys from `mem0g keys create`)."""
    import asyncio

    settings = _settings(**_llm_overrides(llm_base_url, llm_model))
    http = _server_extra("mem0g.tools.http_api")
    err.print(f"mem0g HTTP API at http://{host}:{port} (docs: /docs{', MCP: /mcp' if mcp else ''})")
    asyncio.run(
        http.serve(
            settings,
            host=host,
            port=port,
            max_body=max_body,
            allow_forget=allow_forget,
            mcp=mcp,
            log_level=log_level,
        )
    )


# -- the local server ------------------------------------------------------------------------------


def _local(
    home: Path | None,
    bolt_port: int | None,
    http_port: int | None,
    heap: str,
    pagecache: str,
    version: str | None = None,
) -> Any:
    from mem0g.tools.launcher import LocalNeo4j

    settings_home = home or _settings().neo4j_home
    return LocalNeo4j(
        home=settings_home,
        bolt_port=bolt_port,
        http_port=http_port,
        heap=heap,
        pagecache=pagecache,
        version=version,
        notify=err.print,
    )


HomeOpt = Annotated[
    Path | None,
    typer.Option(
        help="Data folder (default: MEM0G_NEO4J_HOME, else ~/.local/share/mem0g/neo4j for 5.26 and "
        "~/.local/share/mem0g/neo4j-YYYY.MM for a calendar release)."
    ),
]
VersionOpt = Annotated[
    str | None,
    typer.Option(
        "--version",
        help="Neo4j version: 5.26.x or a calendar release such as 2026.09.0 "
        "(default: MEM0G_NEO4J_VERSION, else the pinned 5.26).",
    ),
]


@neo4j_app.command("start")
def neo4j_start(
    home: HomeOpt = None,
    bolt_port: Annotated[int | None, typer.Option(help="Bolt port (default: a free one).")] = None,
    http_port: Annotated[int | None, typer.Option(help="HTTP/Browser port (default: a free one).")] = None,
    heap: Annotated[str, typer.Option(help="JVM heap, e.g. 2g.")] = "2g",
    pagecache: Annotated[str, typer.Option(help="Page cache, e.g. 2g.")] = "2g",
    version: VersionOpt = None,
) -> None:
    """Build (first time: the jars from Maven Central) and start the local Neo4j; harmless when
    already running."""
    status = _local(home, bolt_port, http_port, heap, pagecache, version).start()
    err.print(status.message)
    out.print(f"bolt: {status.bolt_uri}\nbrowser: {status.browser_url}")


@neo4j_app.command("stop")
def neo4j_stop(home: HomeOpt = None, version: VersionOpt = None) -> None:
    """Stop the local Neo4j (harmless when it is not running)."""
    status = _local(home, None, None, "2g", "2g", version).stop()
    err.print(status.message)


@neo4j_app.command("status")
def neo4j_status(
    home: HomeOpt = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    version: VersionOpt = None,
) -> None:
    """Is the local Neo4j running, and where."""
    status = _local(home, None, None, "2g", "2g", version).status()
    if as_json:
        _print_json({k: str(v) if isinstance(v, Path) else v for k, v in status.__dict__.items()})
    else:
        out.print(
            f"running: {status.running}\nbolt: {status.bolt_uri}\n"
            f"browser: {status.browser_url}\nhome: {status.home}"
        )
        if status.message:
            err.print(status.message)
    if not status.running:
        raise typer.Exit(3)


# -- demo ------------------------------------------------------------------------------------------


@app.command()
def demo(
    user: Annotated[
        str, typer.Option("--user", "-u", help="Demo user (erased and re-created).")
    ] = "demo-alice",
    facts_file: Annotated[
        Path | None, typer.Option("--facts", help="Facts JSONL (default: the seed scenario).")
    ] = None,
    yes: Annotated[
        bool, typer.Option("--yes", help="Erase --user's existing memories (not needed for demo-alice).")
    ] = False,
) -> None:
    """Run the seed article's scenario: ingest, then current, historical, as-of and multi-hop answers."""
    from mem0g.tools.demo import run_demo

    with _memory() as memory:
        # The demo formats its own output with Rich markup (and escapes the data it prints).
        run_demo(
            memory,
            user=user,
            facts_file=facts_file,
            erase=yes,
            out=Console(soft_wrap=True),
            err=Console(stderr=True, soft_wrap=True),
        )


def main() -> None:
    try:
        app()
    except Mem0gError as exc:
        code = next((c for cls, c in EXIT_CODES.items() if isinstance(exc, cls)), 1)
        err.print(f"mem0g: error: {exc}", highlight=False, markup=False)
        sys.exit(code)
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
