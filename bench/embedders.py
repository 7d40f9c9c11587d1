"""Which embedding runtime can mem0g use without changing its answers: speed against agreement.

    .venv/bin/python -m bench.embedders [--sizes 1k 10k] [--texts 2000] [--queries 1200]

all-MiniLM-L6-v2 four ways, on the benchmark worlds' own texts (``bench/world.py``):

* ``pytorch-fp32``: sentence-transformers on PyTorch, the reference;
* ``onnx-fp32``: mem0g's default (``mem0g.embeddings.OnnxEmbedder``, exported once with PyTorch);
* ``onnx-int8``: that export with ONNX Runtime's dynamic int8 quantisation of the weights
  (``quantize_dynamic``, one scale per tensor);
* ``onnx-int8-channel``: the same with one scale per output channel (``per_channel=True``).

For each: embedding throughput over the world's distinct fact sentences (in batches of 64 sorted
by length, as mem0g embeds), the latency of one short query (p50/p95 of 200), the cosine of each
text's vector with the reference's (min, mean), and recall@10 of the nearest facts and entities of
every world query against the reference's exact top 10, with the candidate embedding both the
query and the items (a database built with it) and only the query (a database built with the
reference, searched with it). Issue 13's rule: a faster runtime is kept only where recall@10 is at
least 0.99. Writes ``docs/benchmarks/embedders.json`` and prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np

from bench.run import parse_size
from bench.scoring import pct
from bench.world import ensure_world

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "benchmarks" / "embedders.json"
K = 10
Embed = Callable[[Sequence[str]], np.ndarray]


def _matrix(vectors: Sequence[Sequence[float]]) -> np.ndarray:
    m = np.asarray(vectors, dtype=np.float64)
    return m / np.clip(np.linalg.norm(m, axis=1, keepdims=True), 1e-12, None)


def _onnx_runner(path: Path) -> Embed:
    """Mean-pooled, normalised vectors from an exported encoder file (as OnnxEmbedder computes them)."""
    import onnxruntime as ort
    from tokenizers import Tokenizer

    from mem0g.embeddings import OnnxEmbedder

    folder = OnnxEmbedder()._folder()  # the bundled model's folder (its tokenizer)
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.enable_truncation(256)
    tokenizer.enable_padding()
    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def embed(texts: Sequence[str]) -> np.ndarray:
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), 384))
        for start in range(0, len(texts), 64):
            chunk = order[start : start + 64]
            encodings = tokenizer.encode_batch([texts[i] for i in chunk])
            feed = {
                "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
                "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
            }
            hidden = session.run(None, feed)[0]
            mask = feed["attention_mask"][..., None].astype(np.float32)
            out[chunk] = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
        return _matrix(out)

    return embed


def embedders(workdir: Path) -> dict[str, Embed]:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from mem0g.embeddings import OnnxEmbedder, SentenceTransformerEmbedder
    from mem0g.embeddings._onnx import default_cache_dir

    reference = SentenceTransformerEmbedder()
    onnx = OnnxEmbedder()
    onnx.warm_up()  # exports the fp32 model into the cache on first use
    [exported] = sorted(default_cache_dir().glob("*/model.onnx"), key=lambda p: p.stat().st_mtime)[-1:]
    int8, channel = workdir / "int8.onnx", workdir / "int8-channel.onnx"
    quantize_dynamic(str(exported), str(int8), weight_type=QuantType.QInt8)
    quantize_dynamic(str(exported), str(channel), weight_type=QuantType.QInt8, per_channel=True)
    return {
        "pytorch-fp32": lambda texts: _matrix(reference.embed(list(texts))),
        "onnx-fp32": lambda texts: _matrix(onnx.embed(list(texts))),
        "onnx-int8": _onnx_runner(int8),
        "onnx-int8-channel": _onnx_runner(channel),
    }


def _top(queries: np.ndarray, items: np.ndarray) -> np.ndarray:
    return np.argsort(-(queries @ items.T), axis=1, kind="stable")[:, :K]


def _recall(reference: np.ndarray, got: np.ndarray) -> float:
    return float(np.mean([len(set(a) & set(b)) / K for a, b in zip(reference, got, strict=True)]))


def measure(world: Path, embed: dict[str, Embed], *, texts: int, queries: int) -> dict[str, Any]:
    facts = [json.loads(line) for line in (world / "facts.jsonl").read_text("utf-8").splitlines()]
    user = facts[0]["user_id"]
    mine = [f for f in facts if f["user_id"] == user]
    sentences = list(dict.fromkeys(f["fact"] for f in mine))
    entities = list(dict.fromkeys(name for f in mine for name in (f["subject"], f["object"])))
    asked = [json.loads(line)["query"] for line in (world / "queries.jsonl").read_text("utf-8").splitlines()]
    asked = asked[:queries]
    sample = sentences[:texts]
    ref_q, ref_f, ref_e = (embed["pytorch-fp32"](x) for x in (asked, sentences, entities))
    ref_sample = embed["pytorch-fp32"](sample)
    ref_top_f, ref_top_e = _top(ref_q, ref_f), _top(ref_q, ref_e)
    results: dict[str, Any] = {}
    for name, fn in embed.items():
        fn(["warm up"])
        began = time.perf_counter()
        vectors = fn(sample)
        throughput = len(sample) / (time.perf_counter() - began)
        one = []
        for q in asked[:200]:
            began = time.perf_counter()
            fn([q])
            one.append((time.perf_counter() - began) * 1000)
        agreement = (vectors * ref_sample).sum(axis=1)
        q, f, e = fn(asked), fn(sentences), fn(entities)
        results[name] = {
            "texts_per_s": round(throughput, 1),
            "query_p50_ms": round(pct(one, 0.5) or 0.0, 2),
            "query_p95_ms": round(pct(one, 0.95) or 0.0, 2),
            "cosine_min": round(float(agreement.min()), 5),
            "cosine_mean": round(float(agreement.mean()), 5),
            "recall_facts": round(_recall(ref_top_f, _top(q, f)), 4),
            "recall_entities": round(_recall(ref_top_e, _top(q, e)), 4),
            "recall_facts_query_only": round(_recall(ref_top_f, _top(q, ref_f)), 4),
            "recall_entities_query_only": round(_recall(ref_top_e, _top(q, ref_e)), 4),
        }
    return {"facts": len(sentences), "entities": len(entities), "queries": len(asked), "embedders": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["1k", "10k"])
    parser.add_argument("--worlds", default=str(ROOT / "bench" / ".worlds"))
    parser.add_argument("--texts", type=int, default=2000, help="sentences timed for throughput")
    parser.add_argument("--queries", type=int, default=1200)
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args()
    report: dict[str, Any] = {
        "command": "python -m bench.embedders " + " ".join(f"--sizes {s}" for s in args.sizes),
        "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cores": os.cpu_count(), "cpu": platform.processor() or platform.machine()},
        "sizes": {},
    }
    with tempfile.TemporaryDirectory(prefix="mem0g-embedders-") as tmp:
        embed = embedders(Path(tmp))
        for size in args.sizes:
            label, facts, users = parse_size(size)
            world = Path(args.worlds) / f"{label}-s7"
            ensure_world(world, n_facts=facts, n_users=users, seed=7, queries=1200)
            report["sizes"][size] = measure(world, embed, texts=args.texts, queries=args.queries)
            print(f"\n{size}: recall@{K} against pytorch-fp32's exact top {K}")
            print(
                f"{'embedder':20} {'texts/s':>8} {'q p50':>6} {'q p95':>6} {'cos min':>8} {'cos mean':>8} "
                f"{'facts':>6} {'ents':>6} {'facts*':>6} {'ents*':>6}"
            )
            for name, r in report["sizes"][size]["embedders"].items():
                print(
                    f"{name:20} {r['texts_per_s']:>8.0f} {r['query_p50_ms']:>6.2f} {r['query_p95_ms']:>6.2f} "
                    f"{r['cosine_min']:>8.4f} {r['cosine_mean']:>8.4f} {r['recall_facts']:>6.3f} "
                    f"{r['recall_entities']:>6.3f} {r['recall_facts_query_only']:>6.3f} "
                    f"{r['recall_entities_query_only']:>6.3f}"
                )
            print("(* only the query embedded by the candidate, items by pytorch-fp32)")
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n", "utf-8")
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
