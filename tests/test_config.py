"""Configuration precedence: arguments > environment > config file > defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from mem0g import ConfigError
from mem0g.config import load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for var in (
        "NEO4J_URI",
        "NEO4J_USER",
        "NEO4J_USERNAME",
        "NEO4J_PASSWORD",
        "NEO4J_DATABASE",
        "MEM0G_HOPS",
        "MEM0G_CONFIG",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))


def test_defaults() -> None:
    s = load_settings()
    assert s.neo4j_uri is None and s.hops == 2 and s.neo4j_database == "neo4j" and s.token_budget == 2000


def test_file_then_env_then_arguments(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "mem0g.toml").write_text(
        'neo4j_uri = "bolt://file:7687"\nhops = 1\n[cardinality]\n"Drives A" = "one"\n'
    )
    s = load_settings()
    assert (s.neo4j_uri, s.hops, s.cardinality) == ("bolt://file:7687", 1, {"drives_a": "one"})
    monkeypatch.setenv("NEO4J_URI", "bolt://env:7687")
    monkeypatch.setenv("MEM0G_HOPS", "3")
    s = load_settings()
    assert (s.neo4j_uri, s.hops) == ("bolt://env:7687", 3)
    s = load_settings(neo4j_uri="bolt://arg:7687", hops=4)
    assert (s.neo4j_uri, s.hops) == ("bolt://arg:7687", 4)


def test_explicit_config_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "other.toml"
    path.write_text("limit = 7\n")
    monkeypatch.setenv("MEM0G_CONFIG", str(path))
    assert load_settings().limit == 7
    monkeypatch.setenv("MEM0G_CONFIG", str(tmp_path / "missing.toml"))
    with pytest.raises(ConfigError, match=r"missing\.toml"):
        load_settings()


def test_bad_values_name_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEM0G_HOPS", "many")
    with pytest.raises(ConfigError, match="hops"):
        load_settings()
