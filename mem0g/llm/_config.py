"""LLM settings and usage records (pydantic)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from mem0g.errors import ConfigError

if TYPE_CHECKING:
    from mem0g.config import Settings

__all__ = ["LLMCall", "LLMConfig", "LLMUsage", "StructuredMode", "llm_config_from_settings"]

StructuredMode = Literal["auto", "json_schema", "json_object", "prompt"]
OPENAI_URL = "https://api.openai.com/v1"
#: Sent as the API key to servers that need none (Ollama, vLLM, llama.cpp): the SDK requires one.
PLACEHOLDER_KEY = "not-needed"


class LLMConfig(BaseModel):
    """How to reach one OpenAI-compatible chat model.

    ``structured_output``: ``json_schema`` sends the answer's JSON schema as ``response_format``;
    ``json_object`` asks for JSON mode and puts the schema in the prompt; ``prompt`` sends no
    ``response_format`` at all; ``auto`` starts with ``json_schema`` and steps down when the server
    refuses it (HTTP 400/422), remembering what worked for the client's lifetime.
    ``azure_api_version`` switches to Azure OpenAI (``base_url`` is then the Azure endpoint and
    ``model`` the deployment name).
    """

    model: str = Field(min_length=1)
    base_url: str | None = None
    api_key: str | None = Field(default=None, repr=False)
    timeout: float = Field(default=60.0, gt=0)
    max_retries: int = Field(default=4, ge=0, le=20)
    extra_headers: dict[str, str] = Field(default_factory=dict)
    structured_output: StructuredMode = "auto"
    temperature: float = Field(default=0.0, ge=0, le=2)
    azure_api_version: str | None = None

    @property
    def provider(self) -> str:
        """A human label for messages (never includes the key)."""
        if self.azure_api_version:
            return f"Azure OpenAI at {self.base_url}"
        if self.base_url is None or self.base_url.rstrip("/") == OPENAI_URL:
            return "OpenAI"
        return f"the OpenAI-compatible server at {self.base_url}"

    def key(self) -> str:
        if self.api_key:
            return self.api_key
        if self.base_url is None and not self.azure_api_version:
            raise ConfigError(
                "OpenAI needs an API key: set OPENAI_API_KEY (or MEM0G_LLM_API_KEY), or point "
                "MEM0G_LLM_BASE_URL at another OpenAI-compatible server"
            )
        return PLACEHOLDER_KEY


class LLMUsage(BaseModel):
    """Calls and tokens; add them up with ``+`` or ``+=``."""

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: LLMUsage) -> LLMUsage:
        return LLMUsage(
            calls=self.calls + other.calls,
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
        )


class LLMCall(BaseModel):
    """One HTTP round trip to the model (retries of the same request are not counted apart)."""

    model: str
    mode: Literal["json_schema", "json_object", "prompt"]
    prompt_tokens: int
    completion_tokens: int
    duration_ms: float
    repair: bool = False
    usage_reported: bool = True  # False: the server sent no usage; tokens were counted locally


def llm_config_from_settings(settings: Settings, *, summary: bool = False) -> LLMConfig | None:
    """The configured LLM, or ``None`` when neither a base URL nor an API key is set."""
    if not settings.llm_base_url and not settings.llm_api_key:
        return None
    model = (settings.llm_summary_model if summary else None) or settings.llm_model
    return LLMConfig(
        model=model,
        base_url=settings.llm_base_url,
        api_key=settings.llm_api_key,
        timeout=settings.llm_timeout,
        max_retries=settings.llm_max_retries,
        extra_headers=dict(settings.llm_extra_headers),
        structured_output=settings.llm_structured_output,
        temperature=settings.llm_temperature,
        azure_api_version=settings.llm_azure_api_version,
    )
