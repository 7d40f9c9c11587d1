"""Tests for the project-managed local Neo4j (mem0g.tools.launcher).

Tests marked ``neo4j`` really build (Maven, cached in ``default_cache_dir()``) and start Neo4j
Community in a temporary home; one server is shared by the module. The others need neither.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from neo4j import GraphDatabase

from mem0g.errors import LocalNeo4jError
from mem0g.tools.launcher import (
    NEO4J_VERSION,
    LocalNeo4j,
    LocalNeo4jStatus,
    default_cache_dir,
    default_home,
)

REPO = Path(__file__).resolve().parents[2]

needs_java = pytest.mark.skipif(
    shutil.which("java") is None or shutil.which("mvn") is None,
    reason="needs java (17+) and mvn on PATH: apt-get install maven openjdk-17-jre-headless",
)


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
@needs_java
def test_start_gives_a_bolt_uri_that_answers(server: LocalNeo4j) -> None:
    status = _running(server)
    assert status.version == NEO4J_VERSION
    assert status.home == server.home
    assert status.bolt_uri is not None
    assert re.fullmatch(r"bolt://127\.0\.0\.1:\d+", status.bolt_uri)
    assert _return_1(status.bolt_uri) == 1
    state = json.loads(server.state_file.read_text())
    assert state["pid"] == status.pid
    assert {"bolt_port", "http_port", "version", "started_at"} <= state.keys()


@pytest.mark.neo4j
@needs_java
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
    assert discovery["neo4j_version"] == NEO4J_VERSION


@pytest.mark.neo4j
@needs_java
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
@needs_java
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
@needs_java
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
    bogus = {"pid": os.getpid(), "bolt_port": 1, "http_port": 2, "version": NEO4J_VERSION}
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
    version = 'if [ "$1" = -version ]; then echo \'openjdk version "17.0.9"\' >&2; exit 0; fi'
    script.write_text(f"#!/bin/sh\n{version}\n{body}\n")
    script.chmod(0o755)
    return str(script)


@pytest.mark.neo4j
@needs_java
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
@needs_java
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


def test_status_of_a_fresh_home_is_not_running(tmp_path: Path) -> None:
    status = LocalNeo4j(home=tmp_path / "home", cache_dir=tmp_path / "cache").status()
    assert status == LocalNeo4jStatus(
        running=False,
        pid=None,
        bolt_uri=None,
        browser_url=None,
        home=(tmp_path / "home").resolve(),
        version=NEO4J_VERSION,
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
    for var in ("MEM0G_NEO4J_HOME", "XDG_DATA_HOME", "MEM0G_CACHE_DIR", "XDG_CACHE_HOME"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_home() == tmp_path / ".local" / "share" / "mem0g" / "neo4j"
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
