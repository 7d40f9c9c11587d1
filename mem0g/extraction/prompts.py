"""Prompt templates: versioned files in ``mem0g/prompts/``, rendered with :class:`string.Template`.

A template file starts with ``name:`` and ``version:`` lines (and ``#`` comments), then a
``[system]`` and a ``[user]`` section. The version (``extract/1``) is recorded on every fact and
episode that the prompt produced, so a change of prompt can be traced in the data.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from string import Template

__all__ = ["PromptTemplate", "load_template"]


@dataclass(frozen=True)
class PromptTemplate:
    name: str
    version: str
    system: Template
    user: Template

    @property
    def tag(self) -> str:
        """``name/version``, the value stored as ``prompt_version``."""
        return f"{self.name}/{self.version}"

    def render(self, **values: str) -> list[dict[str, str]]:
        """Chat messages; a missing value is a bug in mem0g, so it raises ``KeyError``."""
        return [
            {"role": "system", "content": self.system.substitute(values)},
            {"role": "user", "content": self.user.substitute(values)},
        ]


def _parse(text: str, *, file: str) -> PromptTemplate:
    header: dict[str, str] = {}
    sections: dict[str, list[str]] = {}
    current: str | None = None
    for line in text.splitlines():
        stripped = line.strip()
        if current is None:
            if stripped.startswith("#") or not stripped:
                continue
            if stripped in ("[system]", "[user]"):
                current = stripped[1:-1]
                sections[current] = []
                continue
            key, sep, value = stripped.partition(":")
            if not sep:
                raise ValueError(f"{file}: header line {line!r} is not 'key: value'")
            header[key.strip()] = value.strip()
        elif stripped in ("[system]", "[user]"):
            current = stripped[1:-1]
            sections[current] = []
        else:
            sections[current].append(line)
    missing = {"name", "version"} - header.keys() or {"system", "user"} - sections.keys()
    if missing:
        raise ValueError(f"{file}: missing {sorted(missing)}")
    return PromptTemplate(
        name=header["name"],
        version=header["version"],
        system=Template("\n".join(sections["system"]).strip()),
        user=Template("\n".join(sections["user"]).strip()),
    )


@functools.cache
def load_template(file: str) -> PromptTemplate:
    """Load ``mem0g/prompts/<file>`` (e.g. ``extract_v1.txt``)."""
    text = resources.files("mem0g").joinpath("prompts", file).read_text(encoding="utf-8")
    return _parse(text, file=file)
