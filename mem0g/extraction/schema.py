"""What the extraction call must answer: a pydantic model whose JSON schema is sent to the LLM.

Numbers, not ids: existing facts are shown to the model as ``[1]``, ``[2]``, ... and new messages as
``(1)``, ``(2)``, ...; the model refers to them by those small integers, so it can never name a fact
that was not shown to it (mem0g maps the numbers back to ids, and drops numbers it did not give).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ExtractedEntity", "ExtractedRelation", "Extraction", "Invalidated", "SummaryOutput"]


class ExtractedEntity(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str = Field(description="The entity's name as written, e.g. 'Sarah', 'Shinjuku', 'ramen'.")
    type: str | None = Field(default=None, description="One of the listed entity types.")
    aliases: list[str] = Field(default_factory=list, description="Other names used for it here.")


class ExtractedRelation(BaseModel):
    model_config = ConfigDict(extra="ignore")

    subject: str = Field(description="An entity name; 'I' for the user.")
    predicate: str = Field(description="Short snake_case verb phrase, e.g. lives_in, works_at, likes.")
    object: str = Field(description="An entity name; 'I' for the user.")
    fact: str = Field(description="One self-contained sentence with names and dates resolved.")
    valid_from: str | None = Field(default=None, description="ISO 8601 date it started to hold, if said.")
    valid_until: str | None = Field(default=None, description="ISO 8601 date it stopped holding, if said.")
    cardinality: Literal["one", "many"] | None = Field(
        default=None, description="'one' if the subject holds a single value at a time."
    )
    evidence: list[int] = Field(default_factory=list, description="Numbers of the new messages stating it.")


class Invalidated(BaseModel):
    model_config = ConfigDict(extra="ignore")

    fact: int = Field(description="The number of an EXISTING FACT.")
    action: Literal["contradicted", "updated", "ended"]
    replaced_by: int | None = Field(
        default=None, description="1-based number of the relation in `relations` that replaces it."
    )
    ended_at: str | None = Field(default=None, description="ISO 8601 date it stopped holding, if said.")


class Extraction(BaseModel):
    """The whole answer of one extraction call."""

    model_config = ConfigDict(extra="ignore")

    entities: list[ExtractedEntity] = Field(default_factory=list)
    relations: list[ExtractedRelation] = Field(default_factory=list)
    invalidated: list[Invalidated] = Field(default_factory=list)


class SummaryOutput(BaseModel):
    """The answer of a summary refresh."""

    model_config = ConfigDict(extra="ignore")

    summary: str
