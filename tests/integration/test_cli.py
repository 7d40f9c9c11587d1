"""The ``mem0g`` command line against the real Neo4j.

Most cases drive ``mem0g.tools.cli.app`` in-process with typer's ``CliRunner`` (fast: the session's
embedder is reused instead of loading the model per command). Exit codes of ``Mem0gError`` come from
the ``mem0g.tools.cli.main()`` wrapper, so those are checked on a real process (``python -m mem0g``, which
is what the ``mem0g`` console script runs); in-process, such an error surfaces as
``result.exception``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

import mem0g.memory as memory_module
from mem0g import Memory
from mem0g.embeddings import SentenceTransformerEmbedder
from mem0g.errors import InvalidInputError, Neo4jUnavailableError, NotFoundError
from mem0g.tools.cli import app

pytestmark = pytest.mark.neo4j

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "examples" / "seed_facts.jsonl"
SEED_LINES = sum(1 for line in SEED.read_text("utf-8").splitlines() if line.strip())

Invoke = Callable[..., Result]


def _env(settings_kwargs: dict[str, object]) -> dict[str, str | None]:
    """Environment for the CLI: the test server, offline model, no config file."""
    return {
        "NEO4J_URI": str(settings_kwargs["neo4j_uri"]),
        "NEO4J_USER": str(settings_kwargs["neo4j_user"]),
        "NEO4J_PASSWORD": None
        if settings_kwargs["neo4j_password"] is None
        else str(settings_kwargs["neo4j_password"]),
        "HF_HUB_OFFLINE": "1",
        "MEM0G_CONFIG": None,
    }


@pytest.fixture(scope="module")
def cli(settings_kwargs: dict[str, object], embedder: SentenceTransformerEmbedder) -> Iterator[Invoke]:
    """``cli("search", "q", "--user", u)`` runs the typer app in-process and returns the Result."""
    env = _env(settings_kwargs)
    runner = CliRunner()
    with pytest.MonkeyPatch.context() as patch:
        # Every CLI command opens its own Memory; give it the already loaded model.
        patch.setattr(memory_module, "make_embedder", lambda settings: embedder)

        def invoke(*args: object) -> Result:
            return runner.invoke(app, [str(a) for a in args], env=env)

        yield invoke


def _uid(prefix: str) -> str:
    return f"cli-{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="module")
def seeded(cli: Invoke, session_memory: Memory) -> Iterator[str]:
    """A user holding examples/seed_facts.jsonl, ingested through the CLI; forgotten at the end."""
    user = _uid("seed")
    result = cli("ingest", "facts", SEED, "--user", user, "--json")
    assert result.exit_code == 0, result.output
    yield user
    forgot = cli("forget", "--user", user, "--yes")
    assert forgot.exit_code == 0, forgot.output
    assert session_memory.get_all(user_id=user) == []


@pytest.fixture
def fresh(session_memory: Memory) -> Iterator[Callable[[str], str]]:
    """Unique user ids for one test, forgotten afterwards."""
    made: list[str] = []

    def make(prefix: str = "u") -> str:
        made.append(_uid(prefix))
        return made[-1]

    yield make
    for user in made:
        session_memory.forget(user)


def _json(result: Result) -> Any:
    """The command's stdout, which must be exactly one JSON document."""
    return json.loads(result.stdout)


def _without_scores(dump: dict[str, Any]) -> tuple[list[dict[str, Any]], list[float]]:
    hits = [{k: v for k, v in hit.items() if k != "score"} for hit in dump["results"]]
    return hits, [hit["score"] for hit in dump["results"]]


def _assert_same_search(cli_dump: dict[str, Any], api_dump: dict[str, Any]) -> None:
    """Identical hits; scores equal up to the recency term moving with the clock between the calls."""
    assert set(cli_dump) == {"results"}
    cli_hits, cli_scores = _without_scores(cli_dump)
    api_hits, api_scores = _without_scores(api_dump)
    assert cli_hits == api_hits
    assert cli_scores == pytest.approx(api_scores, abs=1e-4)


# -- ingest ----------------------------------------------------------------------------------------


def test_ingest_then_reingest_is_idempotent(cli: Invoke, fresh: Callable[[str], str]) -> None:
    user = fresh("ingest")
    first = cli("ingest", "facts", SEED, "--user", user, "--json")
    assert first.exit_code == 0, first.output
    report = _json(first)
    assert report["lines_ok"] == SEED_LINES and report["lines_rejected"] == 0
    assert report["added"] == SEED_LINES and report["superseded"] == 2
    listed = _json(cli("list", "--user", user, "--json"))

    again = cli("ingest", "facts", SEED, "--user", user, "--json")
    assert again.exit_code == 0, again.output
    report = _json(again)
    assert report["added"] == 0 and report["superseded"] == 0 and report["entities_created"] == 0
    assert report["restated"] == SEED_LINES
    assert _json(cli("list", "--user", user, "--json")) == listed


def test_ingest_without_json_prints_the_summary_on_stderr(cli: Invoke, fresh: Callable[[str], str]) -> None:
    result = cli("ingest", "facts", SEED, "--user", fresh("human"))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert f"lines ok: {SEED_LINES}" in result.stderr and f"added: {SEED_LINES}" in result.stderr


def _mixed_file(tmp_path: Path, user: str, other: str) -> Path:
    lines = [
        json.dumps({"subject": "Sarah", "predicate": "lives_in", "object": "Shibuya"}),
        '{"subject": "Sarah", "predicate": "likes", ',  # line 2: broken JSON
        json.dumps({"subject": "Sarah", "predicate": "likes"}),  # line 3: no object
        json.dumps({"subject": "Tom", "predicate": "likes", "object": "tea", "user_id": other}),  # line 4
        "",
        json.dumps({"subject": "Tom", "predicate": "likes", "object": "coffee", "user_id": user}),  # line 6
    ]
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_bad_lines_are_reported_and_good_ones_written(
    cli: Invoke, fresh: Callable[[str], str], tmp_path: Path
) -> None:
    user, other = fresh("mixed"), fresh("other")
    result = cli("ingest", "facts", _mixed_file(tmp_path, user, other), "--user", user, "--json")
    assert result.exit_code == 4
    errors = result.stderr
    assert "line 2: invalid JSON" in errors
    assert "line 3: object" in errors and "Field required" in errors
    assert f"line 4: user_id {other!r} differs from --user {user!r}" in errors
    assert "line 1:" not in errors and "line 6:" not in errors
    report = _json(result)  # stdout is still exactly the JSON report
    assert (report["lines_ok"], report["lines_rejected"], report["added"]) == (2, 3, 2)
    stored = _json(cli("list", "--user", user, "--json"))
    assert sorted(f["fact"] for f in stored) == ["Sarah lives in Shibuya", "Tom likes coffee"]
    assert {f["user_id"] for f in stored} == {user}
    assert _json(cli("list", "--user", other, "--json")) == []


def test_strict_writes_nothing(cli: Invoke, fresh: Callable[[str], str], tmp_path: Path) -> None:
    user, other = fresh("strict"), fresh("other")
    result = cli("ingest", "facts", _mixed_file(tmp_path, user, other), "--user", user, "--strict", "--json")
    assert result.exit_code == 4
    assert result.stdout == ""
    assert "line 2:" in result.stderr and "nothing was written" in result.stderr
    assert _json(cli("list", "--user", user, "--json")) == []
    assert _json(cli("list", "--user", other, "--json")) == []


def test_unreadable_file_is_bad_input(cli: Invoke, fresh: Callable[[str], str], tmp_path: Path) -> None:
    result = cli("ingest", "facts", tmp_path / "missing.jsonl", "--user", fresh("missing"))
    assert isinstance(result.exception, InvalidInputError)
    assert "cannot read" in str(result.exception)


def test_user_data_is_never_read_as_markup(cli: Invoke, fresh: Callable[[str], str], tmp_path: Path) -> None:
    """Ids and keys like ``[/red]`` used to crash the CLI (Rich markup errors)."""
    path = tmp_path / "markup.jsonl"
    path.write_text(json.dumps({"subject": "a", "predicate": "b", "object": "c", "[/red]": 1}) + "\n")
    result = cli("ingest", "facts", path, "--user", fresh("markup"), "--strict")
    assert result.exit_code == 4, result.output
    assert "line 1: [/red]: Extra inputs are not permitted" in result.stderr
    odd = fresh("x[/y]")
    result = cli("forget", "--user", odd)
    assert result.exit_code == 2, result.output
    assert odd in result.stderr


# -- search ----------------------------------------------------------------------------------------

SEARCHES: list[tuple[list[str], dict[str, Any]]] = [
    ([], {}),
    (["--limit", "3"], {"limit": 3}),
    (["--as-of", "2025-04-10"], {"as_of": "2025-04-10"}),
    (["--include-history"], {"include_history": True}),
    (["--hops", "0"], {"hops": 0}),
    (["--hops", "2", "--limit", "5"], {"hops": 2, "limit": 5}),
]


@pytest.mark.parametrize(
    ("flags", "kwargs"), SEARCHES, ids=lambda v: " ".join(v) if isinstance(v, list) else ""
)
def test_search_json_is_the_api_model_dump(
    cli: Invoke, seeded: str, memory: Memory, flags: list[str], kwargs: dict[str, Any]
) -> None:
    query = "Where does Sarah live?"
    result = cli("search", query, "--user", seeded, "--json", *flags)
    assert result.exit_code == 0, result.output
    expected = memory.search(query, user_id=seeded, **kwargs).model_dump(mode="json")
    _assert_same_search(_json(result), expected)
    assert _json(result)["results"], "the seed user has facts about Sarah"


def test_search_time_modes_answer_differently(cli: Invoke, seeded: str) -> None:
    def lives(*flags: str) -> list[tuple[str, str]]:
        dump = _json(cli("search", "Where does Sarah live?", "--user", seeded, "--json", *flags))
        return [(h["object"], h["status"]) for h in dump["results"] if h["predicate"] == "lives_in"]

    assert lives() == [("Shinjuku", "current")]
    # As of 2025-04-10 Sarah lived in Shibuya; status is still the fact's status today.
    assert lives("--as-of", "2025-04-10") == [("Shibuya", "superseded")]
    assert sorted(lives("--include-history")) == [("Shibuya", "superseded"), ("Shinjuku", "current")]
    hops0 = _json(cli("search", "ramen near Sarah", "--user", seeded, "--json", "--hops", "0"))
    assert all(h["hops"] == 0 for h in hops0["results"])


def test_search_filters(cli: Invoke, fresh: Callable[[str], str], memory: Memory, tmp_path: Path) -> None:
    user = fresh("filter")
    path = tmp_path / "tagged.jsonl"
    facts = [
        {"subject": "I", "predicate": "likes", "object": "ramen", "metadata": {"category": "food"}},
        {"subject": "I", "predicate": "likes", "object": "Kyoto", "metadata": {"category": "travel"}},
        {"subject": "I", "predicate": "likes", "object": "jazz", "metadata": {"category": "music"}},
    ]
    path.write_text("\n".join(json.dumps(f) for f in facts) + "\n", encoding="utf-8")
    assert cli("ingest", "facts", path, "--user", user).exit_code == 0

    def objects(*flags: str) -> set[str]:
        result = cli("search", "what do I like", "--user", user, "--json", *flags)
        assert result.exit_code == 0, result.output
        return {h["object"] for h in _json(result)["results"]}

    assert objects() == {"ramen", "Kyoto", "jazz"}
    assert objects("--filter", "category=food") == {"ramen"}
    assert objects("--filter", "category=food|travel") == {"ramen", "Kyoto"}
    assert objects("--filter", "category=sports") == set()
    dump = _json(cli("search", "what do I like", "--user", user, "--json", "--filter", "category=music"))
    api = memory.search("what do I like", user_id=user, filters={"category": "music"})
    _assert_same_search(dump, api.model_dump(mode="json"))
    bad = cli("search", "what do I like", "--user", user, "--filter", "category")
    assert isinstance(bad.exception, InvalidInputError) and "KEY=VALUE" in str(bad.exception)


def test_search_without_hits_says_so_on_stderr(cli: Invoke, fresh: Callable[[str], str]) -> None:
    user = fresh("empty")
    human = cli("search", "anything", "--user", user)
    assert human.exit_code == 0 and human.stdout == ""
    assert "no matching facts" in human.stderr
    assert _json(cli("search", "anything", "--user", user, "--json")) == {"results": []}


def test_search_table_goes_to_stdout(cli: Invoke, seeded: str) -> None:
    result = cli("search", "Where does Sarah live?", "--user", seeded)
    assert result.exit_code == 0 and result.stderr == ""
    assert "score" in result.stdout and "Shinjuku" in result.stdout


def test_bad_as_of_is_bad_input_everywhere(cli: Invoke, seeded: str) -> None:
    for args in (
        ["search", "q", "--user", seeded, "--as-of", "last tuesday"],
        ["list", "--user", seeded, "--as-of", "2025-13-01"],
        ["graph", "--user", seeded, "--as-of", "soon"],
    ):
        result = cli(*args)
        assert isinstance(result.exception, InvalidInputError), args
        assert "as_of" in str(result.exception) and "ISO 8601" in str(result.exception)
        assert result.stdout == ""


# -- history / list / graph ------------------------------------------------------------------------


def test_history_json(cli: Invoke, seeded: str, memory: Memory) -> None:
    result = cli("history", "sarah", "--user", seeded, "--json")
    assert result.exit_code == 0, result.output
    records = _json(result)
    assert records == [r.model_dump(mode="json") for r in memory.history("Sarah", user_id=seeded)]
    lives = [(r["object"], r["status"]) for r in records if r["predicate"] == "lives_in"]
    assert sorted(lives) == [("Shibuya", "superseded"), ("Shinjuku", "current")]
    assert all(r["user_id"] == seeded for r in records)
    missing = cli("history", "Nobody", "--user", seeded, "--json")
    assert isinstance(missing.exception, NotFoundError) and missing.stdout == ""


def test_list_json(cli: Invoke, seeded: str, memory: Memory) -> None:
    everything = _json(cli("list", "--user", seeded, "--json"))
    assert everything == [r.model_dump(mode="json") for r in memory.get_all(user_id=seeded)]
    assert len(everything) == SEED_LINES
    current = _json(cli("list", "--user", seeded, "--json", "--current"))
    assert {r["status"] for r in current} == {"current"}
    assert len(current) == SEED_LINES - 2
    then = _json(cli("list", "--user", seeded, "--json", "--as-of", "2025-04-10"))
    assert ("Sarah", "Shibuya") in {(r["subject"], r["object"]) for r in then}
    assert ("Sarah", "Shinjuku") not in {(r["subject"], r["object"]) for r in then}
    table = cli("list", "--user", seeded)
    assert table.exit_code == 0 and table.stderr == "" and "Shinjuku" in table.stdout


def _entity_count(cli: Invoke, user: str) -> int:
    return {row["user_id"]: row for row in _json(cli("users", "--json"))}[user]["entities"]


def test_graph_json(cli: Invoke, seeded: str) -> None:
    result = cli("graph", "--user", seeded, "--format", "json")
    if result.exception is not None:
        raise result.exception
    graph = _json(result)
    assert graph["user_id"] == seeded
    assert len(graph["edges"]) == SEED_LINES
    assert len(graph["nodes"]) == _entity_count(cli, seeded)
    assert {"Sarah", "Shibuya", "Shinjuku", "Tokyo"} <= {n["name"] for n in graph["nodes"]}
    node_ids = {n["id"] for n in graph["nodes"]}
    assert all(e["subject_id"] in node_ids and e["object_id"] in node_ids for e in graph["edges"])
    assert all(isinstance(e["source"], list) for e in graph["edges"])
    then = _json(cli("graph", "--user", seeded, "--as-of", "2025-04-10"))
    assert 0 < len(then["edges"]) < len(graph["edges"])


def test_graph_graphml(cli: Invoke, seeded: str) -> None:
    result = cli("graph", "--user", seeded, "--format", "graphml")
    if result.exception is not None:
        raise result.exception
    root = ET.fromstring(result.stdout)
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    assert root.tag == "{http://graphml.graphdrawing.org/xmlns}graphml"
    assert len(root.findall(".//g:node", ns)) == _entity_count(cli, seeded)
    assert len(root.findall(".//g:edge", ns)) == SEED_LINES


def test_graph_cypher(cli: Invoke, seeded: str) -> None:
    result = cli("graph", "--user", seeded, "--format", "cypher")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("// mem0g export of user")
    assert sum(line.startswith("CREATE (:Entity") for line in lines) == _entity_count(cli, seeded)
    assert sum("CREATE (s)-[:FACT" in line for line in lines) == SEED_LINES
    assert "Shinjuku" in result.stdout


# -- forget / users ----------------------------------------------------------------------------------


def test_forget_needs_yes(cli: Invoke, fresh: Callable[[str], str], memory: Memory) -> None:
    user, bystander = fresh("forget"), fresh("bystander")
    for who in (user, bystander):
        assert cli("ingest", "facts", SEED, "--user", who).exit_code == 0
    refused = cli("forget", "--user", user)
    assert refused.exit_code == 2
    assert "--yes" in refused.stderr and refused.stdout == ""
    assert len(memory.get_all(user_id=user)) == SEED_LINES

    done = cli("forget", "--user", user, "--yes")
    assert done.exit_code == 0, done.output
    assert "forgot user" in done.stderr and done.stdout == ""
    assert memory.get_all(user_id=user) == []
    assert len(memory.get_all(user_id=bystander)) == SEED_LINES
    users = {row["user_id"]: row for row in _json(cli("users", "--json"))}
    assert user not in users
    assert users[bystander]["facts"] == SEED_LINES


# -- usage errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["search", "q"],  # --user is required
        ["search", "q", "--user", "u", "--hops", "9"],
        ["search", "q", "--user", "u", "--limit", "0"],
        ["graph", "--user", "u", "--format", "xml"],
        ["ingest", "facts"],
        ["no-such-command"],
    ],
    ids=lambda a: " ".join(a),
)
def test_usage_errors_exit_2(cli: Invoke, args: list[str]) -> None:
    result = cli(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "Usage:" in result.stderr or "Error" in result.stderr


def test_neo4j_uri_option_overrides_the_environment(cli: Invoke) -> None:
    result = cli("--neo4j-uri", "bolt://127.0.0.1:1", "list", "--user", "anyone", "--json")
    assert isinstance(result.exception, Neo4jUnavailableError)
    assert result.stdout == ""


# -- the real process: exit codes of Mem0gError come from mem0g.tools.cli.main() ---------------------------


def _run(args: list[str], settings_kwargs: dict[str, object], **env: str) -> subprocess.CompletedProcess[str]:
    environ = dict(os.environ)
    for key, value in {**_env(settings_kwargs), **env}.items():
        if value is None:
            environ.pop(key, None)
        else:
            environ[key] = value
    return subprocess.run(
        [sys.executable, "-m", "mem0g", *args],
        env=environ,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_process_exit_3_when_neo4j_is_unreachable(settings_kwargs: dict[str, object]) -> None:
    done = _run(["list", "--user", "anyone", "--json"], settings_kwargs, NEO4J_URI="bolt://127.0.0.1:1")
    assert done.returncode == 3, done.stderr
    assert done.stdout == ""
    assert "mem0g: error: cannot reach Neo4j at bolt://127.0.0.1:1" in done.stderr
    assert "Traceback" not in done.stderr


def test_process_exit_4_for_a_bad_as_of(settings_kwargs: dict[str, object], seeded: str) -> None:
    done = _run(["search", "Sarah", "--user", seeded, "--as-of", "yesterday", "--json"], settings_kwargs)
    assert done.returncode == 4, done.stderr
    assert done.stdout == ""
    assert "mem0g: error: as_of: 'yesterday' is not an ISO 8601 date" in done.stderr


def test_process_exit_8_for_an_unknown_entity(settings_kwargs: dict[str, object], seeded: str) -> None:
    done = _run(["history", "Nobody", "--user", seeded], settings_kwargs)
    assert done.returncode == 8, done.stderr
    assert done.stdout == "" and "no entity 'Nobody'" in done.stderr


def test_process_exit_2_for_usage_errors(settings_kwargs: dict[str, object]) -> None:
    done = _run(["search", "Sarah"], settings_kwargs)
    assert done.returncode == 2
    assert done.stdout == "" and "--user" in done.stderr
    done = _run(["forget", "--user", "someone"], settings_kwargs)
    assert done.returncode == 2
    assert done.stdout == "" and "--yes" in done.stderr


def test_process_ingest_json_stays_clean_with_warnings(
    settings_kwargs: dict[str, object], fresh: Callable[[str], str], tmp_path: Path
) -> None:
    """The real entry point with a bad line: stderr gets the model-loading noise and the line report,
    stdout only the JSON report; the exit code is 4."""
    user, other = fresh("proc"), fresh("other")
    done = _run(
        ["ingest", "facts", str(_mixed_file(tmp_path, user, other)), "--user", user, "--json"],
        settings_kwargs,
    )
    assert done.returncode == 4, done.stderr
    report = json.loads(done.stdout)
    assert (report["lines_ok"], report["lines_rejected"], report["added"]) == (2, 3, 2)
    assert "line 2: invalid JSON" in done.stderr and "line 4: user_id" in done.stderr
