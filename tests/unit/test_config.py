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
        "MEM0G_WARM_UP",
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


def test_warm_up_is_on_unless_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().warm_up is True and load_settings().vector_cache_mb == 256
    monkeypatch.setenv("MEM0G_WARM_UP", "false")
    assert load_settings().warm_up is False
    assert load_settings(warm_up=True).warm_up is True


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


def _no_llm_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in (
        "OPENAI_API_KEY",
        "LLM_API_KEY",
        "MEM0G_LLM_API_KEY",
        "MEM0G_LLM_BASE_URL",
        "MEM0G_LLM_MODEL",
        "MEM0G_LLM_SUMMARY_MODEL",
        "MEM0G_LLM_TIMEOUT",
        "MEM0G_LLM_MAX_RETRIES",
        "MEM0G_LLM_EXTRA_HEADERS",
        "MEM0G_LLM_STRUCTURED_OUTPUT",
        "MEM0G_LLM_TEMPERATURE",
        "MEM0G_LLM_AZURE_API_VERSION",
    ):
        monkeypatch.delenv(var, raising=False)


def test_no_llm_is_configured_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    from mem0g.llm import llm_config_from_settings

    _no_llm_env(monkeypatch)
    s = load_settings()
    assert (s.llm_base_url, s.llm_api_key, s.llm_model, s.llm_summary_model) == (
        None,
        None,
        "gpt-4o-mini",
        None,
    )
    assert (s.llm_timeout, s.llm_max_retries, s.llm_structured_output, s.llm_temperature) == (
        60,
        4,
        "auto",
        0,
    )
    assert llm_config_from_settings(s) is None


def test_llm_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from mem0g.llm import llm_config_from_settings

    _no_llm_env(monkeypatch)
    monkeypatch.setenv("MEM0G_LLM_BASE_URL", "http://localhost:11434/v1")
    monkeypatch.setenv("MEM0G_LLM_MODEL", "qwen2.5:7b")
    monkeypatch.setenv("MEM0G_LLM_SUMMARY_MODEL", "qwen2.5:1.5b")
    monkeypatch.setenv("MEM0G_LLM_TIMEOUT", "12.5")
    monkeypatch.setenv("MEM0G_LLM_MAX_RETRIES", "1")
    monkeypatch.setenv("MEM0G_LLM_EXTRA_HEADERS", '{"X-Team": "memory"}')
    monkeypatch.setenv("MEM0G_LLM_STRUCTURED_OUTPUT", "json_object")
    monkeypatch.setenv("MEM0G_LLM_TEMPERATURE", "0.2")
    s = load_settings()
    config = llm_config_from_settings(s)
    assert config is not None
    assert (config.base_url, config.model, config.api_key) == (
        "http://localhost:11434/v1",
        "qwen2.5:7b",
        None,
    )
    assert (config.timeout, config.max_retries, config.temperature) == (12.5, 1, 0.2)
    assert config.extra_headers == {"X-Team": "memory"} and config.structured_output == "json_object"
    assert config.provider == "OpenAI-compatible server at http://localhost:11434/v1"
    summary = llm_config_from_settings(s, summary=True)
    assert summary is not None and summary.model == "qwen2.5:1.5b" and summary.base_url == config.base_url


def test_llm_api_key_sources_and_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from mem0g.llm import llm_config_from_settings

    _no_llm_env(monkeypatch)
    monkeypatch.setenv("LLM_API_KEY", "unprefixed-is-ignored")
    assert load_settings().llm_api_key is None
    (tmp_path / "mem0g.toml").write_text('llm_api_key = "from-file"\n')
    assert load_settings().llm_api_key == "from-file"
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai")
    s = load_settings()
    assert s.llm_api_key == "sk-openai" and s.openai_api_key == "sk-openai"
    monkeypatch.setenv("MEM0G_LLM_API_KEY", "sk-mem0g")
    assert load_settings().llm_api_key == "sk-mem0g"
    assert load_settings(llm_api_key="sk-arg").llm_api_key == "sk-arg"
    assert "sk-mem0g" not in repr(load_settings())
    config = llm_config_from_settings(load_settings())  # a key alone means OpenAI
    assert config is not None and config.provider == "OpenAI" and config.model == "gpt-4o-mini"


def test_azure_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from mem0g.llm import llm_config_from_settings

    _no_llm_env(monkeypatch)
    s = load_settings(
        llm_base_url="https://res.openai.azure.com",
        llm_api_key="k",
        llm_model="my-deployment",
        llm_azure_api_version="2024-10-21",
    )
    config = llm_config_from_settings(s)
    assert config is not None and config.azure_api_version == "2024-10-21"
    assert config.provider == "Azure OpenAI at https://res.openai.azure.com"


def test_bad_llm_settings_are_config_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    _no_llm_env(monkeypatch)
    monkeypatch.setenv("MEM0G_LLM_EXTRA_HEADERS", "X-Team: memory")
    with pytest.raises(ConfigError, match="llm_extra_headers"):
        load_settings()
    monkeypatch.delenv("MEM0G_LLM_EXTRA_HEADERS")
    monkeypatch.setenv("MEM0G_LLM_STRUCTURED_OUTPUT", "xml")
    with pytest.raises(ConfigError, match="llm_structured_output"):
        load_settings()
