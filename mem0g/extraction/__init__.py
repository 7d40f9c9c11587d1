"""From messages to memory: the extraction prompt, its answer schema and the mapping onto facts."""

from __future__ import annotations

from mem0g.extraction.compose import extraction_messages, summary_messages
from mem0g.extraction.mapping import Mapped, map_extraction
from mem0g.extraction.prompts import PromptTemplate, load_template
from mem0g.extraction.schema import (
    ExtractedEntity,
    ExtractedRelation,
    Extraction,
    Invalidated,
    SummaryOutput,
)

__all__ = [
    "EXTRACT_TEMPLATE",
    "SUMMARY_TEMPLATE",
    "ExtractedEntity",
    "ExtractedRelation",
    "Extraction",
    "Invalidated",
    "Mapped",
    "PromptTemplate",
    "SummaryOutput",
    "extraction_messages",
    "load_template",
    "map_extraction",
    "summary_messages",
]

EXTRACT_TEMPLATE = "extract_v1.txt"
SUMMARY_TEMPLATE = "summary_v1.txt"
