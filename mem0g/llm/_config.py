"""LLM settings and usage records (pydantic), and the bridge from :class:`mem0g.config.Settings`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, Field

from mem0g.errors import ConfigError
from mem0g.models import LLMCall, LLMUsage

if TYPE_CHECKING:
    from mem0g.config import Settings

__all__ = [
    "OPENAI_URL",
    "PLACEHOLDER_KEY",
    "LLMCall",
    "LLMConfig",
    "LLMUsage",
    "StructuredMode",
    "llm_config_from_settings",
]

#: ``auto`` tries ``json_schema``, then ``json_object``, then ``prompt`` (see :class:`LLMConfig`).
StructuredMode = Literal["auto", "json_schema", "json_object", "prompt"]
OPENAI_URL = "https://api.openai.com/v1"
#: Sent as the API key to servers that need none (Ollama, vLLM, llama.cpp): the SDK requires one.
PLACEHOLDER_KEY = "not-needed"


def _public_url(url: str) -> str:
    """``url`` without user:password (labels end up in logs and error messages)."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit(parts._replace(netloc=netloc))


class LLMConfig(BaseModel):
    """How to reach one OpenAI-compatible chat model.

    * ``base_url``: ``None`` is OpenAI itself; otherwise any OpenAI-compatible server, e.g.
      ``http://localhost:11434/v1`` (Ollama), ``http://localhost:8000/v1`` (vLLM).
    * ``api_key``: required by OpenAI and Azure; other servers get a placeholder when it is unset.
    * ``timeout`` (seconds) applies to each HTTP attempt; ``max_retries`` counts the SDK's retries.
    * ``structured_output``: ``json_schema`` sends the answer's JSON schema as ``response_format``;
      ``json_object`` asks for JSON mode and puts the schema in the system prompt; ``prompt`` sends
      no ``response_format`` and relies on the prompt alone (for servers that refuse both);
      ``auto`` starts with ``json_schema`` and steps down when the server says it does not support
      a format, remembering what worked for the client's lifetime.
    * ``azure_api_version`` switches to Azure OpenAI: ``base_url`` is then the resource endpoint
      (``https://<resource>.openai.azure.com``) and ``model`` the deployment name.
    """

    base_url: str | None = None
    api_key: str | None = Field(default=None, repr=False)
    model: str = Field(min_length=1)
    timeout: float = Field(default=60.0, gt=0)
    max_retries: int = Field(default=4, ge=0, le=20)
    extra_headers: dict[str, str] = Field(default_factory=dict)
    structured_output: StructuredMode = "auto"
    temperature: float = Field(default=0.0, ge=0, le=2)
    azure_api_version: str | None = None

    @property
    def is_openai(self) -> bool:
        """True for OpenAI's own API (not Azure, not another server)."""
        if self.azure_api_version:
            return False
        return self.base_url is None or self.base_url.rstrip("/") == OPENAI_URL

    @property
    def provider(self) -> str:
        """A human label for messages, e.g. ``OpenAI-compatible server at http://localhost:11434/v1``.

        It never contains the API key (nor a password embedded in the URL)."""
        if self.azure_api_version:
            return f"Azure OpenAI at {_public_url(self.base_url or '?')}"
        if self.is_openai:
            return "OpenAI"
        assert self.base_url is not None
        return f"OpenAI-compatible server at {_public_url(self.base_url)}"

    def resolved_api_key(self) -> str:
        """The key to send: the configured one, or a placeholder for servers that need none.

        Raises :class:`~mem0g.errors.ConfigError` for OpenAI or Azure without a key, and for Azure
        without an endpoint."""
        if self.azure_api_version and not self.base_url:
            raise ConfigError(
                "Azure OpenAI needs its endpoint: set MEM0G_LLM_BASE_URL to "
                "https://<resource>.openai.azure.com (and MEM0G_LLM_MODEL to the deployment name)"
            )
        if self.api_key:
            return self.api_key
        if self.azure_api_version:
            raise ConfigError("Azure OpenAI needs an API key: set MEM0G_LLM_API_KEY")
        if self.is_openai:
            raise ConfigError(
                "OpenAI needs an API key: set OPENAI_API_KEY (or MEM0G_LLM_API_KEY), or point "
                "MEM0G_LLM_BASE_URL at another OpenAI-compatible server"
            )
        return PLACEHOLDER_KEY


def llm_config_from_settings(settings: Settings, *, summary: bool = False) -> LLMConfig | None:
    """The configured LLM, or ``None`` when neither a base URL nor an API key is set.

    ``summary=True`` gives the model of summary refreshes (``llm_summary_model``, else ``llm_model``).
    """
    if not settings.llm_base_url and not settings.llm_api_key:
        return None
    model = (settings.llm_summary_model if summary else None) or settings.llm_model
    return LLMConfig(
        base_url=settings.llm_base_url,
        api_key=settings.llm_api_key,
        model=model,
        timeout=settings.llm_timeout,
        max_retries=settings.llm_max_retries,
        extra_headers=dict(settings.llm_extra_headers),
        structured_output=settings.llm_structured_output,
        temperature=settings.llm_temperature,
        azure_api_version=settings.llm_azure_api_version,
    )
