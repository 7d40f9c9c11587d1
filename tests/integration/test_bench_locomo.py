"""The LoCoMo benchmark code: Mem0's scoring functions, and both parts run on a tiny sample.

The LLM part runs here against the local stub to check its mechanics (ingest with one call per two
turns, answering, judging, scoring, evidence from provenance); its numbers are never reported.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

import pytest

from bench.locomo import Answer, run_llm, run_raw
from bench.locomo_metrics import bleu1, f1, simple_tokenize, summarize_by_category
from mem0g import Memory
from mem0g.config import load_settings
from mem0g.embeddings import SentenceTransformerEmbedder
from mem0g.llm import LLMClient, LLMConfig
from mem0g.testing import OpenAIStub, purpose
from mem0g.tools.chats import read_locomo


def test_f1_is_over_lowercased_token_sets() -> None:
    assert simple_tokenize("Hello, World! How? ok.") == ["hello", "world", "how", "ok"]
    assert f1("7 May 2023", "7 may, 2023") == 1.0
    assert f1("May 2023 May", "7 May 2023") == pytest.approx(2 * 1.0 * (2 / 3) / (1 + 2 / 3))
    assert f1("", "x") == 0.0 and f1("a", "b") == 0.0


def test_bleu1_with_smoothing() -> None:
    assert bleu1("pottery", "pottery") == pytest.approx(1.0)
    assert 0 < bleu1("she likes pottery", "pottery") < 1  # brevity is fine, extra words cost precision
    assert bleu1("camping", "pottery") == pytest.approx(0.0, abs=1e-6)


def test_summary_per_category_and_overall() -> None:
    rows = [{"category": 1, "x": 1.0}, {"category": 1, "x": 0.0}, {"category": 4, "x": 1.0}]
    summary = summarize_by_category(rows, ["x"])
    assert summary["1"] == {"n": 2, "x": 0.5} and summary["4"] == {"n": 1, "x": 1.0}
    assert summary["overall"]["n"] == 3 and "2" not in summary


SAMPLE = [
    {
        "sample_id": "conv-t",
        "conversation": {
            "speaker_a": "Caroline",
            "speaker_b": "Melanie",
            "session_1_date_time": "1:56 pm on 8 May, 2023",
            "session_1": [
                {
                    "speaker": "Caroline",
                    "dia_id": "D1:1",
                    "text": "I went to the LGBTQ support group yesterday.",
                },
                {
                    "speaker": "Melanie",
                    "dia_id": "D1:2",
                    "text": "I painted a sunrise last year, pottery too.",
                },
                {"speaker": "Caroline", "dia_id": "D1:3", "text": "Nice! I'm researching adoption agencies."},
                {"speaker": "Melanie", "dia_id": "D1:4", "text": "Good luck with that."},
            ],
        },
        "qa": [
            {
                "question": "When did Caroline go to the LGBTQ support group?",
                "answer": "7 May 2023",
                "evidence": ["D1:1"],
                "category": 2,
            },
            {
                "question": "What did Melanie paint?",
                "answer": "a sunrise",
                "evidence": ["D1:2"],
                "category": 1,
            },
            {
                "question": "Is it adversarial?",
                "adversarial_answer": "x",
                "evidence": ["D1:4"],
                "category": 5,
            },
        ],
    }
]


@pytest.fixture
def sample(tmp_path: Path) -> Any:
    path = tmp_path / "locomo.json"
    path.write_text(json.dumps(SAMPLE), encoding="utf-8")
    return read_locomo(path)


@pytest.mark.neo4j
def test_raw_part_on_a_tiny_sample(memory: Memory, sample: Any) -> None:
    prefix = f"bench-raw-{uuid.uuid4().hex[:6]}-"
    try:
        report = run_raw(memory, sample, prefix=prefix, k=10, log=lambda _: None)
    finally:
        for speaker in ("Caroline", "Melanie"):
            memory.forget(f"{prefix}conv-t-{speaker}")
    assert report["questions"] == 2  # category 5 excluded
    overall = report["by_category"]["overall"]
    for key, value in overall.items():
        if "recall" in key or "hit" in key:
            assert 0.0 <= value <= 1.0
    assert overall["mem0g_recall_2000"] == 1.0 and overall["naive_recall_2000"] == 1.0  # 4 turns fit


@pytest.mark.neo4j
def test_llm_part_mechanics_on_the_stub(
    settings_kwargs: dict[str, object],
    embedder: SentenceTransformerEmbedder,
    openai_stub: OpenAIStub,
    sample: Any,
) -> None:
    def extract(body: dict[str, Any]) -> dict[str, Any]:
        new = str(body["messages"][-1]["content"]).split("NEW MESSAGES")[1]
        relations = []
        if "support group" in new:
            relations.append(
                {
                    "subject": "Caroline",
                    "predicate": "attended",
                    "object": "LGBTQ support group",
                    "fact": "Caroline attended an LGBTQ support group on 2023-05-07",
                    "valid_from": "2023-05-07",
                    "evidence": [1],
                }
            )
        if "sunrise" in new:
            relations.append(
                {
                    "subject": "Melanie",
                    "predicate": "painted",
                    "object": "a sunrise",
                    "fact": "Melanie painted a sunrise in 2022",
                    "evidence": [2],
                }
            )
        return {"entities": [], "relations": relations, "invalidated": []}

    def answer(body: dict[str, Any]) -> dict[str, Any]:
        text = str(body["messages"][-1]["content"])
        return {"answer": "7 May 2023" if "support group?" in text else "a sunset"}

    def judge(body: dict[str, Any]) -> dict[str, Any]:
        text = str(body["messages"][-1]["content"])
        gold = re.findall(r"Gold answer: (.*)", text)[-1]  # the last one: the prompt shows an example first
        generated = re.findall(r"Generated answer: (.*)", text)[-1]
        return {"reasoning": "compared", "label": "CORRECT" if gold == generated else "WRONG"}

    openai_stub.route(lambda b: purpose(b) == "extraction", extract)
    openai_stub.route(lambda b: purpose(b) == "summary", {"summary": "s"})
    openai_stub.route(lambda b: purpose(b) == "locomo_answer", answer)
    openai_stub.route(lambda b: purpose(b) == "locomo_judge", judge)
    prefix = f"bench-llm-{uuid.uuid4().hex[:6]}-"
    settings = load_settings(**settings_kwargs, llm_base_url=openai_stub.url, llm_model="stub")
    with (
        Memory(settings=settings, embedder=embedder) as memory,
        LLMClient(LLMConfig(model="stub", base_url=openai_stub.url)) as llm,
    ):
        try:
            report = run_llm(memory, llm, sample, prefix=prefix, k=5, log=lambda _: None)
        finally:
            for speaker in ("Caroline", "Melanie"):
                memory.forget(f"{prefix}conv-t-{speaker}")
    assert len(openai_stub.chat_requests("extraction")) == 4  # 2 speakers x 4 turns / 2 per add
    cat2, cat1 = report["by_category"]["2"], report["by_category"]["1"]
    assert cat2["j"] == 1.0 and cat2["f1"] == 1.0 and cat2["evidence_recall"] == 1.0
    assert cat1["j"] == 0.0 and cat1["f1"] == pytest.approx(0.5) and cat1["evidence_recall"] == 1.0
    assert report["questions"] == 2 and Answer(answer="x").answer == "x"
