"""Build the shared embedding cache the peer runners read (runs in the mem0g virtualenv).

    .venv/bin/python -m bench.peers.embed_cache --texts graphiti-texts.json mem0-texts.json --out CACHE

Each ``--texts`` file is what a runner's ``--list-texts`` wrote: ``{"documents": [text, ...],
"queries": {query_id: [text, ...]}}``. Every distinct text is embedded once with the embedder mem0g
itself uses (``mem0g.embeddings.make_embedder``: sentence-transformers all-MiniLM-L6-v2 by default,
offline), so every system gets the same vectors for the same text. Documents are embedded in batches;
each query-side text is also embedded alone in one call, five times after a warm-up, and the median
call's time is kept in ``embed_ms.json`` (the median, so another process's burst on a shared machine
does not count as the model's cost): the query-embedding cost a system pays at search time with this model on this
machine. An existing cache is extended, not recomputed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def build_cache(
    text_files: list[Path], out: Path, *, batch: int = 256, retime: bool = False
) -> dict[str, Any]:
    """Embed what is missing; ``retime``: measure every query-side text's embedding time again."""
    import numpy as np

    from mem0g.config import load_settings
    from mem0g.embeddings import make_embedder

    docs: dict[str, None] = {}
    queries: dict[str, None] = {}
    for path in text_files:
        data = json.loads(path.read_text(encoding="utf-8"))
        for t in data.get("documents", []):
            docs.setdefault(t)
        for texts in data.get("queries", {}).values():
            for t in texts:
                queries.setdefault(t)
    out.mkdir(parents=True, exist_ok=True)
    texts: list[str] = []
    vectors = None
    embed_ms: dict[str, float] = {}
    if (out / "texts.json").is_file() and (out / "vectors.npy").is_file():
        texts = json.loads((out / "texts.json").read_text(encoding="utf-8"))
        vectors = np.load(out / "vectors.npy")
        if (out / "embed_ms.json").is_file():
            embed_ms = json.loads((out / "embed_ms.json").read_text(encoding="utf-8"))
    known = set(texts)
    embedder = make_embedder(load_settings())
    embedder.embed(["warm up the embedding model"])
    new = [t for t in dict.fromkeys([*docs, *queries]) if t not in known]
    t0 = time.perf_counter()
    rows = []
    for i in range(0, len(new), batch):
        rows.extend(embedder.embed(new[i : i + batch]))
    batch_s = time.perf_counter() - t0
    if rows:
        block = np.asarray(rows, dtype=np.float32)
        vectors = block if vectors is None else np.vstack([vectors, block])
        texts.extend(new)
    # Query-side texts: one call each, as a search would embed them.
    timed = [t for t in queries if retime or t not in embed_ms]
    for t in timed:
        calls = []
        for _ in range(5):
            s = time.perf_counter()
            embedder.embed([t])
            calls.append((time.perf_counter() - s) * 1000)
        embed_ms[t] = round(sorted(calls)[2], 3)
    np.save(out / "vectors.npy", vectors)
    (out / "texts.json").write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
    (out / "embed_ms.json").write_text(json.dumps(embed_ms, ensure_ascii=False), encoding="utf-8")
    info = {
        "model": str(embedder.model_name),
        "dims": int(embedder.dimensions),
        "texts": len(texts),
        "new_texts": len(new),
        "new_texts_batch_seconds": round(batch_s, 3),
        "query_texts_timed": len(timed),
        "query_embed_ms_p50": _median(list(embed_ms.values())),
        "load_average_when_timed": list(os.getloadavg()) if timed else None,
    }
    if not timed and (out / "info.json").is_file():
        old = json.loads((out / "info.json").read_text(encoding="utf-8"))
        info["load_average_when_timed"] = old.get("load_average_when_timed")
    (out / "info.json").write_text(json.dumps(info, indent=1), encoding="utf-8")
    return info


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--texts", nargs="+", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--retime", action="store_true", help="time every query-side text again")
    args = parser.parse_args(argv)
    print(json.dumps(build_cache(args.texts, args.out, retime=args.retime)), file=sys.stderr)


if __name__ == "__main__":
    main()
