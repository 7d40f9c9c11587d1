"""Bad input, fed through the public API and the CLI: each case gets its own clear error (type or
exit code, one line naming the field or line) and the database stays byte for byte what it was.

The "database" of a user is checked by :func:`snapshot`: the tenant's counts and a checksum of every
stored fact (all statuses, every field), so a half-written batch or a changed fact shows.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import Result

from mem0g import Memory
from mem0g._engine.messages import thread_key
from mem0g.config import load_settings
from mem0g.embeddings import SentenceTransformerEmbedder
from mem0g.errors import ConfigError, InvalidInputError, Mem0gError, Neo4jClientError
from mem0g.testing import OpenAIStub, Reply
from mem0g.tools.cli import EXIT_CODES

pytestmark = pytest.mark.neo4j

ROOT = Path(__file__).resolve().parents[2]
LONE = "\ud800"  # a lone surrogate: a Python str, but not text UTF-8 (or Neo4j) can carry


def snapshot(memory: Memory, user: str) -> tuple[dict[str, int], str]:
    """The user's counts and a checksum of all their facts, every field."""
    records = sorted(memory.get_all(user_id=user), key=lambda r: r.id)
    digest = hashlib.sha256("\n".join(r.model_dump_json() for r in records).encode()).hexdigest()
    counts = memory.stats(user)
    return {k: v for k, v in counts.items() if k.startswith("user_")}, digest


def fact(subject: str = "Sarah", obj: str = "Shibuya", **extra: Any) -> dict[str, Any]:
    return {"subject": subject, "predicate": "lives_in", "object": obj, **extra}


@pytest.fixture
def seeded(memory: Memory, user: str) -> str:
    """A user holding two facts, so "unchanged" is a claim about real data."""
    memory.add_facts([fact(valid_from="2025-01-01"), fact("Sarah", "Ramen", predicate="likes")], user_id=user)
    return user


def exit_code(result: Result) -> int:
    """The exit code ``mem0g.tools.cli.main`` gives for what the in-process run raised."""
    if isinstance(result.exception, Mem0gError):
        return next(c for cls, c in EXIT_CODES.items() if isinstance(result.exception, cls))
    return result.exit_code


Invoke = Callable[..., Result]  # the `cli` fixture of tests/integration/conftest.py


def process(settings_kwargs: dict[str, object], *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``python -m mem0g ARGS`` as a real process (exit codes and stderr as a user sees them)."""
    full = {**os.environ, "HF_HUB_OFFLINE": "1", "NEO4J_URI": str(settings_kwargs["neo4j_uri"]), **env}
    full.pop("MEM0G_CONFIG", None)
    return subprocess.run(
        [sys.executable, "-m", "mem0g", *args], capture_output=True, text=True, env=full, timeout=180
    )


def write_lines(path: Path, lines: list[str | bytes]) -> Path:
    path.write_bytes(b"\n".join(x if isinstance(x, bytes) else x.encode() for x in lines) + b"\n")
    return path


# -- 1. strings UTF-8 cannot encode, in every fact field -------------------------------------------

FIELDS_WITH_A_LONE_SURROGATE = [
    {"source": LONE},
    {"metadata": {"k": LONE}},
    {"metadata": {LONE: "v"}},
    {"agent_id": f"a{LONE}"},
    {"run_id": LONE},
    {"subject_type": LONE},
    {"subject_aliases": [LONE]},
    {"fact": f"Sarah {LONE}"},
    {"subject": f"S{LONE}"},
]


@pytest.mark.parametrize("extra", FIELDS_WITH_A_LONE_SURROGATE, ids=lambda e: next(iter(e)))
def test_lone_surrogate_in_any_fact_field_is_refused_before_writing(
    memory: Memory, seeded: str, extra: dict[str, Any]
) -> None:
    before = snapshot(memory, seeded)
    with pytest.raises(InvalidInputError, match="not valid Unicode text") as info:
        memory.add_facts([fact("Kenji", "Osaka"), fact(**extra)], user_id=seeded)
    assert "\n" not in str(info.value)
    assert snapshot(memory, seeded) == before


def test_strict_ingest_with_a_bad_last_line_writes_nothing(
    cli: Invoke, memory: Memory, seeded: str, tmp_path: Path
) -> None:
    lines = [json.dumps(fact(f"Person{i}", f"City{i}")) for i in range(11)]
    lines.append('{"subject": "X", "predicate": "lives_in", "object": "Y", "source": "\\ud800"}')
    path = write_lines(tmp_path / "facts.jsonl", lines)  # type: ignore[arg-type]
    before = snapshot(memory, seeded)
    result = cli("ingest", "facts", path, "--user", seeded, "--strict", "--batch-size", "5")
    assert exit_code(result) == 4
    assert "line 12" in result.output and "not valid Unicode" in result.output
    assert snapshot(memory, seeded) == before


def test_default_ingest_keeps_the_good_lines_and_reports_the_bad_one(
    cli: Invoke, memory: Memory, seeded: str, tmp_path: Path
) -> None:
    lines = [json.dumps(fact(f"Person{i}", f"City{i}")) for i in range(6)]
    lines.append('{"subject": "X", "predicate": "lives_in", "object": "Y", "run_id": "\\udfff"}')
    path = write_lines(tmp_path / "facts.jsonl", lines)  # type: ignore[arg-type]
    before, _ = snapshot(memory, seeded)
    result = cli("ingest", "facts", path, "--user", seeded, "--batch-size", "5")
    assert exit_code(result) == 4, result.output
    assert "line 7" in result.output
    after, _ = snapshot(memory, seeded)
    assert after["user_facts"] == before["user_facts"] + 6


# -- 2./3. file lines that are not UTF-8, not representable, too deep; the BOM ---------------------

BAD_LINES: list[tuple[str, bytes, str]] = [
    (
        "latin-1",
        '{"subject": "caf\xe9", "predicate": "likes", "object": "tea"}'.encode("latin-1"),
        "not UTF-8",
    ),
    ("before year 1", json.dumps(fact(valid_from="0001-01-01T00:00:00+01:00")).encode(), "representable"),
    ("after year 9999", json.dumps(fact(valid_until="9999-12-31T23:59:59-01:00")).encode(), "representable"),
    (
        "5000 digits",
        b'{"subject": "a", "predicate": "p", "object": "o", "metadata": {"n": ' + b"9" * 5000 + b"}}",
        "invalid JSON",
    ),
    ("deep nesting", b"[" * 100_000 + b"]" * 100_000, "invalid JSON"),
    ("NaN", b'{"subject": "a", "predicate": "p", "object": "o", "metadata": {"n": NaN}}', "NaN"),
]


@pytest.mark.parametrize(("what", "bad", "says"), BAD_LINES, ids=[b[0] for b in BAD_LINES])
def test_one_bad_line_is_skipped_and_reported_with_its_number(
    cli: Invoke, memory: Memory, seeded: str, tmp_path: Path, what: str, bad: bytes, says: str
) -> None:
    path = write_lines(
        tmp_path / "f.jsonl", [json.dumps(fact("Ana", "Porto")), bad, json.dumps(fact("Bo", "Oslo"))]
    )
    before, _ = snapshot(memory, seeded)
    strict = cli("ingest", "facts", path, "--user", seeded, "--strict")
    assert exit_code(strict) == 4 and "line 2" in strict.output and says in strict.output, strict.output
    assert snapshot(memory, seeded)[0] == before
    lenient = cli("ingest", "facts", path, "--user", seeded)
    assert exit_code(lenient) == 4 and "line 2" in lenient.output
    assert snapshot(memory, seeded)[0]["user_facts"] == before["user_facts"] + 2


def test_a_byte_order_mark_is_accepted_in_facts_and_chat_files(
    cli: Invoke, memory: Memory, user: str, tmp_path: Path
) -> None:
    facts = tmp_path / "bom.jsonl"
    facts.write_bytes(b"\xef\xbb\xbf" + json.dumps(fact("Mia", "Rome")).encode() + b"\n")
    assert exit_code(cli("ingest", "facts", facts, "--user", user)) == 0
    assert [r.object for r in memory.get_all(user_id=user)] == ["Rome"]
    chat = tmp_path / "bom-chat.jsonl"
    chat.write_bytes(b"\xef\xbb\xbf" + json.dumps({"role": "user", "content": "I like tea"}).encode() + b"\n")
    result = cli("ingest", "chat", chat, "--user", user, "--no-infer")
    assert exit_code(result) == 0, result.output
    assert memory.stats(user)["user_episodes"] == 1


def test_a_locomo_file_with_a_bom_is_read_as_locomo(tmp_path: Path) -> None:
    from mem0g.tools.chats import detect_format, read_locomo

    sample = {
        "sample_id": "s1",
        "conversation": {
            "speaker_a": "A",
            "speaker_b": "B",
            "session_1_date_time": "1:56 pm on 8 May, 2023",
            "session_1": [{"speaker": "A", "dia_id": "D1:1", "text": "hi"}],
        },
    }
    path = tmp_path / "locomo.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps([sample]).encode())
    assert detect_format(path) == "locomo"
    assert read_locomo(path)[0].sample_id == "s1"


# -- 4. a misconfigured server ---------------------------------------------------------------------


def test_the_browser_url_as_neo4j_uri_is_one_clear_line(settings_kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigError, match="HTTP address") as info:
        Memory(settings=load_settings(neo4j_uri="http://127.0.0.1:7474"))
    assert "bolt://" in str(info.value)
    run = process(settings_kwargs, "search", "x", "--user", "u", NEO4J_URI="http://127.0.0.1:7474")
    assert run.returncode == 5, run.stderr
    assert run.stderr.strip().count("\n") == 0 and "Traceback" not in run.stderr


def test_a_database_that_does_not_exist_names_the_setting(
    settings_kwargs: dict[str, object], embedder: SentenceTransformerEmbedder
) -> None:
    with Memory(
        settings=load_settings(**settings_kwargs, neo4j_database="nosuchdb"), embedder=embedder
    ) as memory:
        with pytest.raises(Neo4jClientError, match="NEO4J_DATABASE") as info:
            memory.search("where", user_id="u")
        assert info.value.code == "Neo.ClientError.Database.DatabaseNotFound"
    run = process(settings_kwargs, "search", "where", "--user", "u", NEO4J_DATABASE="nosuchdb")
    assert run.returncode == 10, run.stderr
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "NEO4J_DATABASE" in lines[0]
    assert "Loading weights" not in run.stderr


# -- 5. forget while the same user is written --------------------------------------------------------


def test_forget_during_an_ingest_of_the_same_user_never_raises_a_driver_error(
    memory: Memory, user: str
) -> None:
    import threading

    errors: list[BaseException] = []

    def ingest() -> None:
        for round_ in range(8):
            try:
                memory.add_facts([fact(f"P{round_}-{i}", f"C{i}") for i in range(20)], user_id=user)
            except BaseException as exc:  # collected: the assertion below names them
                errors.append(exc)

    writer = threading.Thread(target=ingest)
    writer.start()
    for _ in range(8):
        try:
            memory.forget(user)
        except BaseException as exc:
            errors.append(exc)
    writer.join()
    assert all(isinstance(e, Mem0gError) for e in errors), errors
    memory.forget(user)
    assert memory.stats(user)["user_facts"] == 0


# -- 6./10. metadata -----------------------------------------------------------------------------

BAD_METADATA: list[tuple[str, Any, str]] = [
    ("datetime", {"when": datetime(2025, 1, 1)}, "datetime"),
    ("nested", {"a": {"b": 1}}, "dict"),
    ("set", {"tags": {"x"}}, "set"),
    ("nested list", {"tags": [["x"]]}, "nested list"),
    ("nan", {"n": math.nan}, "finite"),
    ("infinity", {"n": math.inf}, "finite"),
    ("int64", {"n": 2**70}, "64-bit"),
]


@pytest.mark.parametrize(("what", "metadata", "says"), BAD_METADATA, ids=[b[0] for b in BAD_METADATA])
def test_bad_metadata_is_refused_everywhere_before_any_work(
    memory: Memory,
    seeded: str,
    what: str,
    metadata: Any,
    says: str,
    settings_kwargs: dict[str, object],
    embedder: SentenceTransformerEmbedder,
    openai_stub: OpenAIStub,
) -> None:
    before = snapshot(memory, seeded)
    with pytest.raises(InvalidInputError, match=says):
        memory.add_facts([fact("Kai", "Kyoto")], user_id=seeded, metadata=metadata)
    with pytest.raises(InvalidInputError, match=says):
        memory.add_facts([fact("Kai", "Kyoto", metadata=metadata)], user_id=seeded)
    llm = load_settings(**settings_kwargs, llm_base_url=openai_stub.url, llm_model="stub")
    with Memory(settings=llm, embedder=embedder) as with_llm, pytest.raises(InvalidInputError, match=says):
        with_llm.add("Kai moved to Kyoto", user_id=seeded, metadata=metadata)
    assert openai_stub.chat_requests() == []  # refused before the LLM call was spent
    assert snapshot(memory, seeded) == before


# -- 7. agent_id given twice -----------------------------------------------------------------------


def test_agent_id_in_filters_and_as_argument(memory: Memory, user: str) -> None:
    memory.add_facts([fact(agent_id="bot")], user_id=user)
    both = memory.search("Where does Sarah live?", user_id=user, agent_id="bot", filters={"agent_id": "bot"})
    assert [h.object for h in both.results] == ["Shibuya"]
    with pytest.raises(InvalidInputError, match="agent_id is 'bot' but filters"):
        memory.search("Where does Sarah live?", user_id=user, agent_id="bot", filters={"agent_id": "other"})
    # Another user's id among the filters is ignored: the search stays within user_id's facts.
    other = memory.search("Where does Sarah live?", user_id=user, filters={"user_id": "someone-else"})
    assert [(h.object, h.user_id) for h in other.results] == [("Shibuya", user)]


# -- 8. wrong types, surrogates and overflows in arguments ------------------------------------------

BAD_CALLS: list[tuple[str, Callable[[Memory, str], Any], str]] = [
    ("user_id surrogate", lambda m, u: m.search("q", user_id=u + LONE), "user_id"),
    ("get_all user", lambda m, u: m.get_all(user_id=LONE), "user_id"),
    ("forget user", lambda m, u: m.forget(LONE), "user_id"),
    ("query surrogate", lambda m, u: m.search(f"where {LONE}", user_id=u), "query"),
    ("filter key", lambda m, u: m.search("q", user_id=u, filters={LONE: "x"}), "filters"),
    ("history surrogate", lambda m, u: m.history(LONE, user_id=u), "entity"),
    ("history None", lambda m, u: m.history(None, user_id=u), "entity"),  # type: ignore[arg-type]
    ("delete surrogate", lambda m, u: m.delete(LONE, user_id=u), "fact_id"),
    ("summary agent", lambda m, u: m.summary(u, agent_id=LONE), "agent_id"),
    (
        "as_of overflow",
        lambda m, u: m.search("q", user_id=u, as_of="9999-12-31T23:59:59-01:00"),
        "representable",
    ),
    (
        "as_of datetime",
        lambda m, u: m.get_all(user_id=u, as_of=datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1)))),
        "representable",
    ),
    ("limit huge", lambda m, u: m.search("q", user_id=u, limit=10**9), "limit"),
    ("limit 2**62", lambda m, u: m.search("q", user_id=u, limit=2**62), "limit"),
    ("limit str", lambda m, u: m.search("q", user_id=u, limit="5"), "whole number"),  # type: ignore[arg-type]
    ("hops", lambda m, u: m.search("q", user_id=u, hops=9), "hops"),
    ("get_all limit", lambda m, u: m.get_all(user_id=u, limit=2**64), "limit"),
]


@pytest.mark.parametrize(("what", "call", "says"), BAD_CALLS, ids=[b[0] for b in BAD_CALLS])
def test_bad_arguments_are_one_invalid_input_error(
    memory: Memory, seeded: str, what: str, call: Callable[[Memory, str], Any], says: str
) -> None:
    before = snapshot(memory, seeded)
    with pytest.raises(InvalidInputError, match=says) as info:
        call(memory, seeded)
    assert "\n" not in str(info.value)
    assert snapshot(memory, seeded) == before


def test_cli_as_of_overflow_exits_4(cli: Invoke, seeded: str) -> None:
    result = cli("search", "where", "--user", seeded, "--as-of", "0001-01-01T00:00:00+01:00")
    assert exit_code(result) == 4 and "representable" in str(result.exception)


# -- 8./9. what an LLM answers -----------------------------------------------------------------------


def _llm_memory(
    settings_kwargs: dict[str, object], embedder: SentenceTransformerEmbedder, stub: OpenAIStub
) -> Memory:
    options = load_settings(**settings_kwargs, llm_base_url=stub.url, llm_model="stub", llm_max_retries=0)
    return Memory(settings=options, embedder=embedder)


def test_dates_out_of_range_in_an_llm_answer_are_warnings_not_a_crash(
    settings_kwargs: dict[str, object],
    embedder: SentenceTransformerEmbedder,
    openai_stub: OpenAIStub,
    user: str,
) -> None:
    relation = {"subject": "Sarah", "predicate": "lives_in", "object": "Oslo", "fact": "Sarah lives in Oslo"}
    openai_stub.script(
        {
            "entities": [],
            "relations": [{**relation, "valid_from": "0001-01-01T00:00:00+01:00"}],
            "invalidated": [],
        }
    )
    with _llm_memory(settings_kwargs, embedder, openai_stub) as memory:
        result = memory.add("Sarah lives in Oslo", user_id=user, timestamp="2025-05-01")
    assert any("valid_from" in w for w in result.warnings)
    assert len(result.added) == 1


def test_an_answer_with_none_of_the_schema_keys_gets_the_repair_round(
    settings_kwargs: dict[str, object],
    embedder: SentenceTransformerEmbedder,
    openai_stub: OpenAIStub,
    user: str,
) -> None:
    good = {
        "entities": [],
        "relations": [{"subject": "Sarah", "predicate": "likes", "object": "tea", "fact": "Sarah likes tea"}],
        "invalidated": [],
    }
    openai_stub.script(Reply(content=json.dumps({"answer": "Sarah likes tea"})), good)
    with _llm_memory(settings_kwargs, embedder, openai_stub) as memory:
        result = memory.add("Sarah likes tea", user_id=user)
    assert len(openai_stub.chat_requests()) == 2  # the call and its repair
    assert "none of the expected keys" in openai_stub.chat_requests()[1].text
    assert len(result.added) == 1


# -- 11. the demo's user ------------------------------------------------------------------------------


def test_demo_does_not_erase_someone_s_memories_without_yes(cli: Invoke, memory: Memory, seeded: str) -> None:
    before = snapshot(memory, seeded)
    result = cli("demo", "--user", seeded)
    assert exit_code(result) == 4 and "--yes" in str(result.exception)
    assert snapshot(memory, seeded) == before


# -- 12. ids with NUL; instants rewritten by a later batch ---------------------------------------------


def test_message_ids_with_nul_do_not_collide_across_users(
    memory: Memory, make_user: Callable[[str], str]
) -> None:
    # Joined with NUL, (user "a", message "x\0T\0m") and (user "a\0T\0x", message "m") are one string.
    thread = thread_key(None, None)
    first, second = "nul-a", f"nul-a\x00{thread}\x00x"
    try:
        memory.add(
            [{"role": "user", "content": "hi", "id": f"x\x00{thread}\x00m"}], user_id=first, infer=False
        )
        memory.add([{"role": "user", "content": "hi", "id": "m"}], user_id=second, infer=False)
        assert memory.stats(first)["user_episodes"] == 1 and memory.stats(second)["user_episodes"] == 1
    finally:
        memory.forget(first)
        memory.forget(second)


def test_a_fact_rewritten_by_a_later_batch_keeps_offset_instants(memory: Memory, user: str) -> None:
    memory.add_facts([fact(obj="Shibuya", valid_from="2025-01-01")], user_id=user)
    memory.add_facts([fact(obj="Shinjuku", valid_from="2025-03-01")], user_id=user)
    records, _, _ = memory.store.driver.execute_query(
        "MATCH ()-[f:FACT]->() WHERE f.user_id = $user RETURN toString(f.valid_from) AS vf, "
        "toString(f.valid_until) AS vu, toString(f.superseded_at) AS sa",
        user=user,
    )
    stamps = [v for r in records for v in r.values() if v is not None]
    assert len(stamps) >= 4 and all(s.endswith("Z") for s in stamps), stamps


# -- generated: arbitrary values never escape as a raw exception or a partial write ---------------------

_text = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=12)
_scalars = st.one_of(
    _text,
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.datetimes(),
    st.dates(),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
    max_leaves=6,
)
_facts = st.fixed_dictionaries(
    {"subject": _text, "predicate": _text, "object": _text},
    optional={
        "valid_from": _values,
        "valid_until": _values,
        "metadata": _values,
        "source": _values,
        "agent_id": _values,
        "fact": _values,
        "cardinality": _values,
    },
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    facts=st.lists(_facts, min_size=1, max_size=3),
    query=_text,
    filters=st.dictionaries(_text, _values, max_size=2),
    as_of=_values,
)
def test_arbitrary_values_are_stored_or_refused_never_half_written(
    memory: Memory, seeded: str, facts: list[dict[str, Any]], query: str, filters: dict[str, Any], as_of: Any
) -> None:
    before = snapshot(memory, seeded)
    try:
        memory.add_facts(facts, user_id=seeded)
    except Mem0gError:
        assert snapshot(memory, seeded) == before
    else:
        assert snapshot(memory, seeded)[0]["user_facts"] >= before[0]["user_facts"]
    for call in (
        lambda: memory.search(query, user_id=seeded, filters=filters),
        lambda: memory.search(query or "q", user_id=seeded, as_of=as_of),
        lambda: memory.get_all(user_id=seeded, as_of=as_of),
    ):
        with contextlib.suppress(Mem0gError):
            call()


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    lines=st.lists(
        st.one_of(_facts.map(lambda f: json.dumps(f, default=str)), st.binary(max_size=40)),
        min_size=1,
        max_size=4,
    )
)
def test_arbitrary_files_ingest_or_exit_4_never_a_traceback(
    cli: Invoke, memory: Memory, seeded: str, tmp_path_factory: pytest.TempPathFactory, lines: list[Any]
) -> None:
    path = write_lines(tmp_path_factory.mktemp("gen") / "f.jsonl", lines)
    before = snapshot(memory, seeded)
    result = cli("ingest", "facts", path, "--user", seeded, "--strict")
    assert result.exception is None or isinstance(result.exception, (Mem0gError, SystemExit)), (
        result.exception
    )
    if exit_code(result) != 0:
        assert exit_code(result) == 4, result.output
        assert snapshot(memory, seeded) == before
