"""Configuration: keyword arguments > ``MEM0G_*`` / ``NEO4J_*`` environment > config file > defaults.

The config file is TOML, found at ``$MEM0G_CONFIG``, else ``./mem0g.toml``, else
``~/.config/mem0g/config.toml``. Its keys are the field names below, e.g.::

    neo4j_uri = "bolt://localhost:7687"
    hops = 2
    [cardinality]
    visits = "many"
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
    TomlConfigSettingsSource,
)

from mem0g.errors import ConfigError
from mem0g.vocab import ENTITY_TYPES, Cardinality, predicate_key

__all__ = ["Settings", "config_file_path", "load_settings"]


def config_file_path() -> Path | None:
    explicit = os.environ.get("MEM0G_CONFIG")
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise ConfigError(f"MEM0G_CONFIG points at {path}, which is not a file")
        return path
    for candidate in (Path("mem0g.toml"), Path.home() / ".config" / "mem0g" / "config.toml"):
        if candidate.is_file():
            return candidate
    return None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MEM0G_", extra="forbid", populate_by_name=True)

    # Neo4j. No URI means: the project-managed local server (``mem0g neo4j start``).
    neo4j_uri: str | None = Field(default=None, validation_alias=AliasChoices("neo4j_uri", "NEO4J_URI"))
    neo4j_user: str = Field(
        default="neo4j", validation_alias=AliasChoices("neo4j_user", "NEO4J_USER", "NEO4J_USERNAME")
    )
    neo4j_password: str | None = Field(
        default=None, validation_alias=AliasChoices("neo4j_password", "NEO4J_PASSWORD")
    )
    neo4j_database: str = Field(
        default="neo4j", validation_alias=AliasChoices("neo4j_database", "NEO4J_DATABASE")
    )
    neo4j_home: Path | None = Field(default=None, description="data folder of the local server")

    # Embeddings.
    embedder: Literal["auto", "onnx", "sentence-transformers", "openai"] = "auto"
    embedding_model: str | None = None
    embedding_dims: int | None = Field(default=None, gt=0)
    embedding_base_url: str | None = None
    openai_api_key: str | None = Field(
        default=None, validation_alias=AliasChoices("openai_api_key", "OPENAI_API_KEY")
    )

    # Retrieval.
    hops: int = Field(default=2, ge=0, le=5)
    limit: int = Field(default=10, ge=1, le=1000)
    token_budget: int = Field(default=2000, ge=50)
    exact_search_max_facts: int = Field(
        # Exact cosine in Cypher costs ~25 us per fact here (7,157 facts: 168 ms); the index path
        # with its share-sized over-fetch took ~10 ms, and falls back to exact for a small share.
        default=1000,
        ge=0,
        description="up to this many facts (entities) a user is searched by exact cosine",
    )
    warm_up: bool = Field(
        default=True,
        description="a new Memory prepares the server for searches in the background (schema, query plans)",
    )
    vector_cache_mb: int = Field(
        # A 1k-fact user's facts and entities take about 1.5 MB (384 float32 each); 256 MB hold a
        # 100k-fact user's (170 MB), who thrashed 128 MB (2.4 reads of stored embeddings a search).
        default=256,
        ge=0,
        description="megabytes of stored embeddings a Memory keeps to score searches (0: none kept)",
    )

    # Temporal rules.
    cardinality: dict[str, Cardinality] = Field(default_factory=dict)
    batch_size: int = Field(default=500, ge=1, le=10000)

    # The LLM of Memory.add (any OpenAI-compatible server; see mem0g.llm.LLMConfig). No base URL
    # and no key: no LLM. The key is MEM0G_LLM_API_KEY, else OPENAI_API_KEY (the field name still
    # works as an argument and in the config file; an unprefixed LLM_API_KEY is not read).
    llm_base_url: str | None = None
    llm_api_key: str | None = Field(
        default=None,
        repr=False,
        validation_alias=AliasChoices("MEM0G_LLM_API_KEY", "OPENAI_API_KEY"),
    )
    llm_model: str = "gpt-4o-mini"
    llm_summary_model: str | None = Field(default=None, description="cheaper model for summaries")
    llm_timeout: float = Field(default=60.0, gt=0)
    llm_max_retries: int = Field(default=4, ge=0, le=20)
    llm_extra_headers: dict[str, str] = Field(default_factory=dict)
    llm_structured_output: Literal["auto", "json_schema", "json_object", "prompt"] = "auto"
    llm_temperature: float = Field(default=0.0, ge=0, le=2)
    llm_azure_api_version: str | None = None

    # Conversation ingestion (Memory.add).
    recent_messages: int = Field(default=10, ge=0, le=200, description="last m messages shown to the LLM")
    candidate_facts: int = Field(default=10, ge=0, le=100, description="existing facts shown to the LLM")
    summary_every: int = Field(
        default=20, ge=1, description="refresh a thread's rolling summary after this many new messages"
    )
    entity_types: list[str] = Field(
        default_factory=lambda: list(ENTITY_TYPES), description="entity types offered to the extractor"
    )
    background_concurrency: int = Field(default=4, ge=1, le=64, description="users ingested in parallel")

    @field_validator("cardinality")
    @classmethod
    def _normalise_predicates(cls, value: dict[str, Cardinality]) -> dict[str, Cardinality]:
        return {predicate_key(k): v for k, v in value.items()}

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        path = config_file_path()
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if path is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)


def load_settings(**overrides: Any) -> Settings:
    """Build settings, turning validation failures into one readable :class:`ConfigError`."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**clean)
    except SettingsError as exc:  # e.g. MEM0G_LLM_EXTRA_HEADERS that is not a JSON object
        raise ConfigError(f"invalid configuration: {exc}; dict and list settings take JSON") from exc
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'settings'}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(f"invalid configuration: {problems}") from exc
