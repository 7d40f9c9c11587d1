"""LoCoMo (Maharana et al., ACL 2024; CC BY-NC 4.0) with Mem0's evaluation protocol.

    .venv/bin/python -m bench.locomo [--data ../shared/data/locomo/locomo-dev.json] [--sample conv-26]

Two parts, both written to docs/benchmarks/locomo.{json,md}:

* **No LLM (always run).** Every turn is stored as an episode with ``add(..., infer=False)``, one
  memory per speaker, two turns per add, the session date-time as the timestamp (Mem0's protocol).
  For each question of categories 1-4, mem0g's episode search (``search_episodes`` on both speakers'
  memories, merged) and a naive vector RAG over the same turns with the same embedder fill the same
  token budget (cl100k) in rank order; we report evidence recall (share of the gold ``evidence``
  turns in the context), the share of questions with at least one gold turn, context tokens, and
  search latency. No answer is generated, so no answer accuracy is claimed.
* **With an LLM (run only when one is configured).** Ingestion with ``infer=True`` (one LLM call per
  two turns), ``search`` top-k facts on both speakers' memories, an answer from the LLM, and scores:
  F1, BLEU-1 and the LLM judge J (see ``bench/locomo_metrics.py``), per category and overall, with
  search and total latency and context tokens. Without ``MEM0G_LLM_BASE_URL`` or ``OPENAI_API_KEY``
  this part is reported as not run, with the reason.

Category 5 (adversarial) is excluded, as in Mem0's paper. Accepts any file of the LoCoMo format.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
from pydantic import BaseModel

from bench.locomo_metrics import JUDGE_PROMPT, bleu1, f1, pct, summarize_by_category
from mem0g import Memory
from mem0g.llm import LLMClient, count_tokens, llm_config_from_settings
from mem0g.tools.chats import LocomoSample, locomo_adds, locomo_user, read_locomo

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "locomo" / "locomo-dev.json"
OUT = ROOT / "docs" / "benchmarks"
BUDGETS = (500, 1000, 2000)
_EVIDENCE = re.compile(r"D\d+:\d+")

ANSWER_PROMPT = """You are an intelligent memory assistant answering a question from the memories of a \
conversation between two people. The memories carry dates: when a memory mentions a relative time ("last \
year", "two months ago"), work out the actual date from the memory's date. If memories contradict each \
other, prefer the most recent one. Answer in at most six words, using only the memories.

Memories of {speaker_a}:
{memories_a}

Memories of {speaker_b}:
{memories_b}

Question: {question}
Answer with a JSON object {{"answer": "..."}}."""


class Answer(BaseModel):
    answer: str


class Judgement(BaseModel):
    reasoning: str = ""
    label: str


def gold_turns(qa: dict[str, Any]) -> set[str]:
    return set(_EVIDENCE.findall(" ".join(str(e) for e in qa.get("evidence", []))))


def questions(sample: LocomoSample) -> list[dict[str, Any]]:
    return [q for q in sample.qa if q.get("category") in (1, 2, 3, 4) and "answer" in q]


def fill(lines: Sequence[tuple[str, str]], budget: int) -> tuple[list[str], int]:
    """(turn id, line) in rank order until the next line would pass ``budget`` tokens."""
    ids, used = [], 0
    for turn_id, line in lines:
        cost = count_tokens(line) + 1
        if used + cost > budget:
            break
        ids.append(turn_id)
        used += cost
    return ids, used


def machine() -> dict[str, Any]:
    import importlib.metadata as md

    import psutil

    versions = {}
    for package in ("mem0g", "neo4j", "sentence-transformers", "torch", "openai", "nltk", "tiktoken"):
        try:
            versions[package] = md.version(package)
        except md.PackageNotFoundError:
            versions[package] = None
    cpu = (
        next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            platform.processor(),
        )
        if Path("/proc/cpuinfo").exists()
        else platform.processor()
    )
    return {
        "cores": os.cpu_count(),
        "ram_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "cpu": cpu,
        "python": platform.python_version(),
        "versions": versions,
    }


# -- no LLM: raw turns ---------------------------------------------------------------------------


def ingest_raw(
    memory: Memory, samples: Sequence[LocomoSample], prefix: str, log: Callable[[str], None]
) -> None:
    for sample in samples:
        adds = locomo_adds(sample, per="speaker", prefix=prefix, batch=2)
        started, skipped = time.perf_counter(), 0
        for item in adds:
            result = memory.add(item.messages, user_id=item.user_id, timestamp=item.timestamp, infer=False)
            skipped += int(result.skipped)
        log(
            f"{sample.sample_id}: {len(adds)} adds ({skipped} already stored) in {time.perf_counter() - started:.1f} s"
        )


def run_raw(
    memory: Memory, samples: Sequence[LocomoSample], *, prefix: str, k: int, log: Callable[[str], None]
) -> dict[str, Any]:
    ingest_raw(memory, samples, prefix, log)
    embed = memory.embedder.embed
    rows: list[dict[str, Any]] = []
    for sample in samples:
        turns = [
            (
                turn.dia_id,
                f"{session.when:%Y-%m-%d %H:%M} {turn.speaker}: {turn.text}",
                f"{turn.speaker}: {turn.text}",
            )
            for session in sample.sessions
            for turn in session.turns
        ]
        matrix = np.array(embed([t[2] for t in turns]))
        users = [locomo_user(prefix, sample, s) for s in (sample.speaker_a, sample.speaker_b)]
        for qa in questions(sample):
            gold = gold_turns(qa)
            if not gold:
                continue
            started = time.perf_counter()
            hits = [h for u in users for h in memory.search_episodes(qa["question"], user_id=u, limit=k)]
            mem0g_ms = (time.perf_counter() - started) * 1000
            hits.sort(key=lambda h: -h.score)
            seen: set[str] = set()
            mem0g_lines: list[tuple[str, str]] = []
            for hit in hits:
                if hit.source_id and hit.source_id not in seen:
                    seen.add(hit.source_id)
                    mem0g_lines.append(
                        (hit.source_id, f"{hit.observed_at:%Y-%m-%d %H:%M} {hit.name}: {hit.content}")
                    )
            started = time.perf_counter()
            query = np.array(embed([qa["question"]])[0])
            order = np.argsort(-(matrix @ query))
            naive_ms = (time.perf_counter() - started) * 1000
            naive_lines = [(turns[i][0], turns[i][1]) for i in order[:k]]
            row: dict[str, Any] = {"category": qa["category"], "mem0g_ms": mem0g_ms, "naive_ms": naive_ms}
            for budget in BUDGETS:
                for name, lines in (("mem0g", mem0g_lines), ("naive", naive_lines)):
                    ids, used = fill(lines, budget)
                    found = gold & set(ids)
                    row[f"{name}_recall_{budget}"] = len(found) / len(gold)
                    row[f"{name}_hit_{budget}"] = float(bool(found))
                    row[f"{name}_tokens_{budget}"] = used
            rows.append(row)
    keys = [f"{n}_{m}_{b}" for b in BUDGETS for n in ("mem0g", "naive") for m in ("recall", "hit", "tokens")]
    return {
        "questions": len(rows),
        "k_per_memory": k,
        "by_category": summarize_by_category(rows, keys),
        "latency_ms": {
            "mem0g_episode_search_p50": round(pct([r["mem0g_ms"] for r in rows], 0.5), 1),
            "mem0g_episode_search_p95": round(pct([r["mem0g_ms"] for r in rows], 0.95), 1),
            "naive_rag_p50": round(pct([r["naive_ms"] for r in rows], 0.5), 1),
            "naive_rag_p95": round(pct([r["naive_ms"] for r in rows], 0.95), 1),
            "note": "mem0g: two searches (one per speaker) on Neo4j, query embedding included; naive: numpy over "
            "the conversation's turns held in memory, query embedding included",
        },
    }


# -- with an LLM ---------------------------------------------------------------------------------


def memory_lines(hits: Sequence[Any]) -> str:
    lines = []
    for hit in hits:
        when = hit.valid_from.date().isoformat() if hit.valid_from else "unknown date"
        end = f" (until {hit.valid_until.date().isoformat()})" if hit.valid_until else ""
        lines.append(f"- [{when}] {hit.fact}{end}")
    return "\n".join(lines) or "(none)"


def run_llm(
    memory: Memory,
    llm: LLMClient,
    samples: Sequence[LocomoSample],
    *,
    prefix: str,
    k: int,
    log: Callable[[str], None],
) -> dict[str, Any]:
    """Ingest with the LLM, answer every question from retrieved facts, and score it."""
    for sample in samples:
        adds = locomo_adds(sample, per="speaker", prefix=prefix, batch=2)
        for index, item in enumerate(adds, 1):
            memory.add(item.messages, user_id=item.user_id, timestamp=item.timestamp)
            if index % 50 == 0:
                log(f"{sample.sample_id}: {index}/{len(adds)} adds")
        memory.flush()
    ingest_usage = memory.usage
    rows = []
    for sample in samples:
        users = [locomo_user(prefix, sample, s) for s in (sample.speaker_a, sample.speaker_b)]
        for qa in questions(sample):
            started = time.perf_counter()
            found = [memory.search(qa["question"], user_id=u, limit=k).results for u in users]
            search_ms = (time.perf_counter() - started) * 1000
            prompt = ANSWER_PROMPT.format(
                speaker_a=sample.speaker_a,
                speaker_b=sample.speaker_b,
                memories_a=memory_lines(found[0]),
                memories_b=memory_lines(found[1]),
                question=qa["question"],
            )
            answer = llm.structured(
                [{"role": "user", "content": prompt}], schema=Answer, name="locomo_answer"
            )
            total_ms = (time.perf_counter() - started) * 1000
            judged = llm.structured(
                [
                    {
                        "role": "user",
                        "content": JUDGE_PROMPT.format(
                            question=qa["question"], gold=qa["answer"], generated=answer.value.answer
                        ),
                    }
                ],
                schema=Judgement,
                name="locomo_judge",
            )
            gold = gold_turns(qa)
            sources = {s for hits in found for h in hits for s in h.source}
            rows.append(
                {
                    "category": qa["category"],
                    "f1": f1(answer.value.answer, qa["answer"]),
                    "bleu1": bleu1(answer.value.answer, qa["answer"]),
                    "j": float(judged.value.label.strip().upper() == "CORRECT"),
                    "evidence_recall": len(gold & sources) / len(gold) if gold else 0.0,
                    "context_tokens": count_tokens(memory_lines(found[0]) + memory_lines(found[1])),
                    "search_ms": search_ms,
                    "total_ms": total_ms,
                }
            )
    return {
        "status": "run",
        "model": llm.config.model,
        "questions": len(rows),
        "k_per_memory": k,
        "by_category": summarize_by_category(rows, ["f1", "bleu1", "j", "evidence_recall", "context_tokens"]),
        "latency_ms": {
            "search_p50": round(pct([r["search_ms"] for r in rows], 0.5), 1),
            "search_p95": round(pct([r["search_ms"] for r in rows], 0.95), 1),
            "total_p50": round(pct([r["total_ms"] for r in rows], 0.5), 1),
            "total_p95": round(pct([r["total_ms"] for r in rows], 0.95), 1),
        },
        "ingest_llm_usage": ingest_usage.model_dump(),
    }


# -- report --------------------------------------------------------------------------------------


def markdown(report: dict[str, Any]) -> str:
    raw = report["no_llm"]
    lines = [
        "# LoCoMo",
        "",
        f"Data: `{report['data']['file']}` ({report['data']['samples']} conversations, sha256 "
        f"`{report['data']['sha256'][:12]}…`), LoCoMo by Maharana et al. (ACL 2024), CC BY-NC 4.0. "
        f"Machine: {report['machine']['cores']} cores, {report['machine']['ram_gib']} GiB, {report['machine']['cpu']}. "
        f"Command: `{report['command']}`. Run at {report['finished_at']}.",
        "",
        "## Without an LLM: evidence recall of raw-turn retrieval",
        "",
        f"{raw['questions']} questions (categories 1-4 with evidence). Context filled in rank order up to the budget "
        "(cl100k tokens). Recall: share of the gold evidence turns in the context; hit: at least one.",
        "",
        "| category | n | budget | mem0g recall | naive RAG recall | mem0g hit | naive hit | mem0g tokens | naive tokens |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for category, values in raw["by_category"].items():
        for budget in BUDGETS:
            lines.append(
                f"| {category} | {values['n']} | {budget} | {values[f'mem0g_recall_{budget}']:.3f} | "
                f"{values[f'naive_recall_{budget}']:.3f} | {values[f'mem0g_hit_{budget}']:.3f} | "
                f"{values[f'naive_hit_{budget}']:.3f} | {values[f'mem0g_tokens_{budget}']:.0f} | "
                f"{values[f'naive_tokens_{budget}']:.0f} |"
            )
    latency = raw["latency_ms"]
    lines += [
        "",
        f"Search latency: mem0g episode search p50 {latency['mem0g_episode_search_p50']} ms, p95 "
        f"{latency['mem0g_episode_search_p95']} ms; naive RAG p50 {latency['naive_rag_p50']} ms, p95 "
        f"{latency['naive_rag_p95']} ms ({latency['note']}).",
        "",
        "## With an LLM: F1, BLEU-1, J",
        "",
    ]
    llm = report["llm"]
    if llm["status"] != "run":
        lines.append(f"Not run: {llm['reason']}")
    else:
        lines += [
            f"Model: {llm['model']}; {llm['questions']} questions; top {llm['k_per_memory']} facts per speaker.",
            "",
            "| category | n | F1 | BLEU-1 | J | evidence recall | context tokens |",
            "|---|---|---|---|---|---|---|",
        ]
        for category, v in llm["by_category"].items():
            lines.append(
                f"| {category} | {v['n']} | {v['f1']:.3f} | {v['bleu1']:.3f} | {v['j']:.3f} | "
                f"{v['evidence_recall']:.3f} | {v['context_tokens']:.0f} |"
            )
        lat = llm["latency_ms"]
        lines.append(
            f"\nSearch p50/p95 {lat['search_p50']}/{lat['search_p95']} ms; total (search + answer) p50/p95 "
            f"{lat['total_p50']}/{lat['total_p95']} ms."
        )
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="LoCoMo with Mem0's protocol (see the module docstring).")
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("MEM0G_LOCOMO", DEFAULT_DATA)))
    parser.add_argument("--sample", action="append", help="only these sample ids (repeatable)")
    parser.add_argument(
        "--k",
        type=int,
        default=80,
        help="candidate turns per system (per speaker memory for mem0g) before the budget cut",
    )
    parser.add_argument("--llm-k", type=int, default=10, help="facts per speaker memory for answering")
    parser.add_argument("--prefix", default="locomo-bench-", help="user id prefix of the benchmark memories")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    if not args.data.is_file():
        sys.exit(f"LoCoMo data not found at {args.data}; pass --data PATH or set MEM0G_LOCOMO")

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    samples = read_locomo(args.data)
    if args.sample:
        samples = [s for s in samples if s.sample_id in set(args.sample)]
    report: dict[str, Any] = {
        "command": " ".join(["python -m bench.locomo", *(argv if argv is not None else sys.argv[1:])]),
        "machine": machine(),
        "data": {
            "file": str(args.data),
            "sha256": hashlib.sha256(args.data.read_bytes()).hexdigest(),
            "samples": len(samples),
            "license": "CC BY-NC 4.0, Maharana et al., ACL 2024",
        },
    }
    with Memory() as memory:
        report["no_llm"] = run_raw(memory, samples, prefix=args.prefix + "raw-", k=args.k, log=log)
        config = llm_config_from_settings(memory.settings)
        if config is None:
            report["llm"] = {
                "status": "not run",
                "reason": "no LLM is configured (set MEM0G_LLM_BASE_URL or OPENAI_API_KEY, and MEM0G_LLM_MODEL); "
                "answer accuracy (F1, BLEU-1, J) needs one and is not estimated without it",
            }
        else:
            with LLMClient(config) as llm:
                report["llm"] = run_llm(
                    memory, llm, samples, prefix=args.prefix + "llm-", k=args.llm_k, log=log
                )
    report["finished_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "locomo.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    (args.out / "locomo.md").write_text(markdown(report), encoding="utf-8")
    print(markdown(report))


if __name__ == "__main__":
    main()
