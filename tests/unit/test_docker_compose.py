"""docker/docker-compose.yml stays consistent with the project's own launcher: same Neo4j line
(5.26), same memory defaults, same auth, the documented ports. No Docker engine is needed: this
checks the file, it does not start it (the Neo4j tests use testcontainers when Docker answers)."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import yaml

from mem0g.tools.launcher import NEO4J_VERSION, LocalNeo4j

COMPOSE = Path(__file__).resolve().parents[2] / "docker" / "docker-compose.yml"


def service() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text("utf-8"))
    neo4j: dict[str, Any] = data["services"]["neo4j"]
    return neo4j


def test_same_neo4j_line_as_the_launcher() -> None:
    image = service()["image"]
    name, _, tag = image.partition(":")
    assert name == "neo4j"
    major_minor = ".".join(NEO4J_VERSION.split(".")[:2])
    assert tag.split("-")[0] == major_minor and tag.endswith("community")


def test_memory_and_auth_match_the_launcher_defaults() -> None:
    defaults = inspect.signature(LocalNeo4j.__init__).parameters
    env = service()["environment"]
    assert env["NEO4J_server_memory_heap_max__size"] == defaults["heap"].default
    assert env["NEO4J_server_memory_heap_initial__size"] == defaults["heap"].default
    assert env["NEO4J_server_memory_pagecache_size"] == defaults["pagecache"].default
    assert env["NEO4J_AUTH"] == "none"  # the launcher runs with dbms.security.auth_enabled=false


def test_ports_are_the_documented_ones_on_loopback() -> None:
    assert sorted(service()["ports"]) == ["127.0.0.1:7474:7474", "127.0.0.1:7687:7687"]
    readme = (COMPOSE.parent / "README.md").read_text("utf-8")
    assert "bolt://127.0.0.1:7687" in readme and "http://127.0.0.1:7474/browser/" in readme


def test_data_persists_in_a_named_volume_and_readiness_is_checked() -> None:
    data = yaml.safe_load(COMPOSE.read_text("utf-8"))
    (volume,) = service()["volumes"]
    name, _, target = volume.partition(":")
    assert target == "/data" and name in data["volumes"]  # a named volume, not a host path
    check = service()["healthcheck"]
    assert "7474" in " ".join(check["test"]) and check["retries"] >= 10


def test_the_2026_service_runs_the_version_ci_tests_beside_the_default_one() -> None:
    import re

    data = yaml.safe_load(COMPOSE.read_text("utf-8"))
    newer = data["services"]["neo4j-2026"]
    makefile = (COMPOSE.parents[1] / "Makefile").read_text("utf-8")
    (ci_version,) = re.findall(r"^NEO4J_2026 \?= (\S+)$", makefile, re.MULTILINE)
    assert newer["image"] == f"neo4j:{ci_version}-community"
    assert newer["profiles"] == ["2026"]  # `up -d` alone starts only the 5.26 service
    assert newer["environment"] == service()["environment"]
    assert sorted(newer["ports"]) == ["127.0.0.1:7475:7474", "127.0.0.1:7688:7687"]
    (volume,) = newer["volumes"]
    assert volume.partition(":")[0] in data["volumes"] and volume != service()["volumes"][0]
