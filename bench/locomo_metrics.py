"""LoCoMo scoring as Mem0's evaluation code does it (pure functions, unit-tested).

* F1 over lowercased token *sets* (Mem0's ``simple_tokenize``: lower-case, ``. , ! ?`` to spaces,
  split on whitespace).
* BLEU-1: NLTK ``sentence_bleu`` with weights (1, 0, 0, 0) and smoothing method1 over lower-cased
  word tokens. Mem0 tokenised with ``nltk.word_tokenize``, which needs the punkt model, a separate
  download that no package on PyPI carries; we use the word tokenizer ``word_tokenize`` applies after
  punkt's sentence split (``NLTKWordTokenizer``). For the short answers of LoCoMo the two differ only
  when an answer has several sentences (then a period inside the text stays attached to its word).
* J: an LLM judge asked, generously, whether the generated answer is CORRECT or WRONG against the
  gold one, at temperature 0 (the prompt is adapted from Mem0's ``ACCURACY_PROMPT``).
"""

from __future__ import annotations

import functools
import statistics
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["JUDGE_PROMPT", "bleu1", "f1", "pct", "simple_tokenize", "summarize_by_category"]

JUDGE_PROMPT = """Your task is to label an answer to a question as "CORRECT" or "WRONG". You will be given \
the following data: (1) a question (posed by one user to another user), (2) a "gold" (ground truth) answer, \
(3) a generated answer which you will score as CORRECT or WRONG.

The point of the question is to ask about something one user should know about the other user based on \
their prior conversations. The gold answer will usually be a concise and short answer that includes the \
referenced topic, for example:
Question: Do you remember what I got the last time I went to Hawaii?
Gold answer: A shell necklace
The generated answer might be much longer, but you should be generous with your grading: as long as it \
touches on the same topic as the gold answer, it should be counted as CORRECT.

For time related questions, the gold answer will be a specific date, month, year, etc. The generated \
answer might be much longer or use relative time references (like "last Tuesday" or "next month"), but you \
should be generous with your grading: as long as it refers to the same date or time period as the gold \
answer, it should be counted as CORRECT. Even if the format differs (e.g., "May 7th" vs "7 May"), consider \
it CORRECT if it is the same date.

Now it is time for the real question:
Question: {question}
Gold answer: {gold}
Generated answer: {generated}

First, provide a short (one sentence) explanation of your reasoning, then finish with CORRECT or WRONG. Do \
NOT include both CORRECT and WRONG in your label. Answer with a JSON object {{"reasoning": "...", \
"label": "CORRECT" or "WRONG"}}."""


def simple_tokenize(text: Any) -> list[str]:
    value = str(text).lower()
    for mark in ".,!?":
        value = value.replace(mark, " ")
    return value.split()


def f1(prediction: Any, gold: Any) -> float:
    """F1 over the sets of lower-cased tokens (0 when either side is empty)."""
    predicted, reference = set(simple_tokenize(prediction)), set(simple_tokenize(gold))
    common = predicted & reference
    if not predicted or not reference or not common:
        return 0.0
    precision, recall = len(common) / len(predicted), len(common) / len(reference)
    return 2 * precision * recall / (precision + recall)


@functools.cache
def _tools() -> tuple[Any, Any, Any]:
    from nltk.tokenize import NLTKWordTokenizer
    from nltk.translate.bleu_score import SmoothingFunction, sentence_bleu

    return NLTKWordTokenizer(), sentence_bleu, SmoothingFunction().method1


def bleu1(prediction: Any, gold: Any) -> float:
    tokenizer, sentence_bleu, smoothing = _tools()
    predicted = tokenizer.tokenize(str(prediction).lower())
    reference = tokenizer.tokenize(str(gold).lower())
    if not predicted or not reference:
        return 0.0
    return float(sentence_bleu([reference], predicted, weights=(1, 0, 0, 0), smoothing_function=smoothing))


def pct(values: Sequence[float], q: float) -> float:
    """The q-quantile by nearest rank (q in 0..1); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def summarize_by_category(rows: Iterable[dict[str, Any]], keys: Sequence[str]) -> dict[str, dict[str, float]]:
    """Mean of each metric per LoCoMo category (1-4) and overall."""
    rows = list(rows)
    out: dict[str, dict[str, float]] = {}
    groups = {str(c): [r for r in rows if r["category"] == c] for c in (1, 2, 3, 4)}
    groups["overall"] = rows
    for name, group in groups.items():
        if group:
            out[name] = {"n": len(group), **{k: round(statistics.mean(r[k] for r in group), 4) for k in keys}}
    return out
