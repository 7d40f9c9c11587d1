"""The demo: the seed article's scenario through the public API, printed for a person to read."""

from __future__ import annotations

import json
import time
from importlib import resources
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from mem0g._engine.args import to_fact
from mem0g.errors import InvalidInputError
from mem0g.memory import Memory
from mem0g.models import Hit
from mem0g.tools.jsonl import json_lines

__all__ = ["example_facts_path", "run_demo"]


def example_facts_path() -> Path:
    """``examples/seed_facts.jsonl`` from a checkout, or its copy inside the wheel."""
    source = Path(__file__).resolve().parents[2] / "examples" / "seed_facts.jsonl"
    if source.is_file():
        return source
    return Path(str(resources.files("mem0g"))) / "_examples" / "seed_facts.jsonl"


def _when(hit: Hit) -> str:
    start = hit.valid_from.date().isoformat() if hit.valid_from else "?"
    end = hit.valid_until.date().isoformat() if hit.valid_until else "now"
    return f"{start} → {end}"


def _show(out: Console, title: str, hits: list[Hit], *, elapsed_ms: float) -> None:
    out.print(f"\n[bold]{title}[/bold]  [dim]({elapsed_ms:.0f} ms)[/dim]")
    for hit in hits:
        via = ""
        if hit.hops:
            via = "  via " + " → ".join(f"{p.subject} {p.predicate} {p.object}" for p in hit.path[:-1])
        out.print(
            escape(f"  {hit.score:.3f}  {hit.fact}  [{hit.status}, {_when(hit)}, hops={hit.hops}]{via}")
        )
        for old in hit.supersedes:
            until = old.valid_until.date().isoformat() if old.valid_until else "?"
            out.print(escape(f"         supersedes: {old.fact} (until {until})"))


#: The demo's own user: re-running the demo replaces its memories without asking.
DEMO_USER = "demo-alice"


def run_demo(
    memory: Memory, *, user: str, facts_file: Path | None, out: Console, err: Console, erase: bool = False
) -> None:
    path = facts_file or example_facts_path()
    facts, bad = [], []
    for number, data in json_lines(path):
        try:
            if isinstance(data, InvalidInputError):
                raise data
            facts.append(to_fact(data, line=number))
        except InvalidInputError as exc:
            bad.append(exc)
    if bad:  # the demo starts from a clean user: nothing is erased or written unless every line is good
        more = f" (and {len(bad) - 1} more bad lines)" if len(bad) > 1 else ""
        raise InvalidInputError(f"{path}: {bad[0]}{more}")
    if user != DEMO_USER and memory.stats(user)["user_facts"] and not erase:
        raise InvalidInputError(
            f"user {user!r} already has memories and the demo erases its user first; pass --yes to "
            f"erase them, or pick another --user (the default {DEMO_USER!r} is erased without asking)",
            field="user",
        )
    memory.forget(user)
    memory.init()
    report = memory.add_facts(facts, user_id=user, now="2025-05-04T00:00:00Z")
    out.print(
        f"[bold]Ingested {report.facts_in} facts[/bold] for user {user!r} from {path}: "
        f"{len(report.added)} added, "
        f"{len(report.superseded)} superseded, {len(report.history)} stored as history, "
        f"{report.entities_created} entities"
    )

    # A new database plans each search query the first time it sees it (seconds in all): the
    # demo times answers, so it has the server plan them first, as a new Memory does by itself.
    memory.warm_up()

    def ask(title: str, query: str, **kwargs: object) -> list[Hit]:
        start = time.perf_counter()
        hits = memory.search(query, user_id=user, **kwargs).results  # type: ignore[arg-type]
        _show(out, title, hits, elapsed_ms=(time.perf_counter() - start) * 1000)
        return hits

    ask("Where does Sarah live? (current)", "Where does Sarah live?", limit=2)
    ask("Where does Sarah live? (with history)", "Where does Sarah live?", limit=3, include_history=True)
    ask("Where did Sarah live on 2025-04-10? (as of)", "Where does Sarah live?", limit=2, as_of="2025-04-10")
    hits = ask(
        "Food recommendations (with history)", "food recommendations spicy", limit=4, include_history=True
    )
    for hit in hits:
        for old in hit.supersedes:
            since = hit.valid_from.strftime("%B %Y") if hit.valid_from else "recently"
            out.print(f"  → Previously: {old.fact}; now: {hit.fact} (since {since}).")
    ask("Ramen near Sarah (multi-hop)", "ramen near Sarah", limit=5, hops=2)

    history = memory.history("Sarah", user_id=user)
    out.print("\n[bold]History of Sarah[/bold]")
    for record in history:
        end = record.valid_until.date().isoformat() if record.valid_until else "now"
        start = record.valid_from.date().isoformat() if record.valid_from else "?"
        out.print(escape(f"  {record.fact}  [{record.status}, {start} → {end}]"))

    if memory.settings.neo4j_uri is None:
        from mem0g.tools.launcher import LocalNeo4j

        status = LocalNeo4j(home=memory.settings.neo4j_home).status()
        out.print(f"\nNeo4j Browser: {status.browser_url}  (Bolt {status.bolt_uri}, no auth)")
        # The server outlives the demo so the graph can be browsed; say how to free its memory.
        out.print("The local Neo4j keeps running for the Browser; stop it with: mem0g neo4j stop")
    else:
        out.print(f"\nNeo4j: {memory.settings.neo4j_uri}")
    out.print(
        "In the Browser, paste cypher/browser/user_current_graph.cypher with "
        f":param user_id => {json.dumps(user)}"
    )
    err.print("demo done")
