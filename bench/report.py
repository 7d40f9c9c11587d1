"""Render benchmark results: ``results.md`` and PNG plots from ``results.json`` (+ peers' files).

    .venv/bin/python -m bench.report [--out docs/benchmarks] [extra-results.json ...]

Reads ``<out>/results.json`` and every ``<out>/results-*.json`` (e.g. ``results-graphiti.json`` written
by a peer adapter), merges their ``systems`` maps, and renders whatever systems and sizes are present.
A kind a system cannot answer is marked ``{"supported": false, "reason": "..."}`` in its results and
shows as "not supported" (never a blank). See bench/README.md for the results format.
"""

from __future__ import annotations

import argparse
import json
import textwrap
from pathlib import Path
from typing import Any

KINDS = ("current", "as_of", "history", "multi_hop")
KIND_TITLES = {"current": "current", "as_of": "as-of", "history": "history", "multi_hop": "multi-hop"}
NOT_SUPPORTED = "not supported"
NOT_MEASURED = "not measured"

# docs/architecture.md, "Targets the benchmarks report against".
P95_TARGET_MS = 25.0
OVERHEAD_TARGET = 0.5
PEER_SPEEDUP_TARGET = 10.0
CONTEXT_TOKENS_TARGET = 2000


def load(out: Path, extra: list[Path] | None = None) -> dict[str, Any]:
    files = [out / "results.json", *sorted(out.glob("results-*.json")), *(extra or [])]
    merged: dict[str, Any] = {"systems": {}}
    for path in files:
        if not path.is_file():
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        for system, entry in data.get("systems", {}).items():
            target = merged["systems"].setdefault(system, {"sizes": {}})
            for key, value in entry.items():
                if key == "sizes":
                    target["sizes"].update(value)
                else:
                    target[key] = value
    return merged


def _size_order(label: str, entry: dict[str, Any]) -> tuple[int, int]:
    return (int(entry.get("users", 1)), int(entry.get("facts", 0)))


def _labels(data: dict[str, Any]) -> list[str]:
    seen: dict[str, tuple[int, int]] = {}
    for entry in data["systems"].values():
        for label, size in entry["sizes"].items():
            seen.setdefault(label, _size_order(label, size))
    return sorted(seen, key=lambda lab: seen[lab])


def _systems(data: dict[str, Any]) -> list[str]:
    names = list(data["systems"])
    return sorted(names, key=lambda s: (s != "mem0g", s))


def _path(x: dict[str, Any]) -> str:
    """The recall row's path, with how many searches the index query itself answered when that was
    not all of them (the rest fell back to exact search, e.g. a user too small a share to over-fetch)."""
    path = str(x["path"])
    answered, queries = x.get("answered_by_index"), x.get("queries")
    if not path.startswith("exact") and answered is not None and answered != queries:
        path += f"; the index answered {answered} of {queries}"
    return path


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _mib(value: Any) -> str:
    return "–" if value is None else f"{value / 2**20:,.0f} MiB"


def _kind_entry(size: dict[str, Any], section: str, kind: str) -> dict[str, Any] | None:
    return (size.get("search") or {}).get(section, {}).get(kind)


def _supported(system: dict[str, Any], size: dict[str, Any], kind: str) -> tuple[bool, str]:
    entry = _kind_entry(size, "latency", kind) or _kind_entry(size, "correctness", kind)
    if entry is not None and entry.get("supported") is False:
        return False, entry.get("reason", "")
    supports = system.get("supports", {})
    if supports.get(kind) is False:
        return False, system.get("unsupported_reasons", {}).get(kind, "")
    return entry is not None, ""


def _cell(system: dict[str, Any], size: dict[str, Any], kind: str, render: Any) -> str:
    ok, _ = _supported(system, size, kind)
    if not ok:
        entry = _kind_entry(size, "latency", kind) or _kind_entry(size, "correctness", kind)
        if entry is None and system.get("supports", {}).get(kind) is not False:
            return NOT_MEASURED
        return NOT_SUPPORTED
    return render(size)


def _setup_line(run: dict[str, Any]) -> str:
    """The machine and software of one run."""
    m, v = run.get("machine", {}), run.get("versions", {})
    server = v.get("neo4j_server") or {}
    return (
        f"{m.get('cores')} cores ({m.get('cpu_model')}), "
        f"{_fmt((m.get('ram_bytes') or 0) / 2**30, 0)} GiB RAM; Neo4j {server.get('version')} "
        f"{server.get('edition', '')}, driver {v.get('neo4j_driver')}, Python {v.get('python')}, "
        f"sentence-transformers {v.get('sentence_transformers')}, torch {v.get('torch')}"
    )


def _run_line(name: str, label: str, run: dict[str, Any]) -> str:
    """Which system, size and version ran, when, and by which command."""
    v = run.get("versions", {})
    git = f" ({v['mem0g_git']})" if v.get("mem0g_git") else ""
    return (
        f"{name} {label}: {name} {v.get(name, v.get('mem0g'))}{git}; {run.get('started', '')}; "
        f"`{run.get('command', '')}`"
    )


def _runs(data: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (name, label, size.get("run", {}))
        for name in _systems(data)
        for label, size in data["systems"][name]["sizes"].items()
    ]


def _stamp(data: dict[str, Any]) -> list[str]:
    return [f"{_run_line(n, lab, run)}; {_setup_line(run)}" for n, lab, run in _runs(data)]


# -- targets --------------------------------------------------------------------------------------


def targets(data: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(target, size, measured, PASS/MISS/...) rows computed from the measured numbers."""
    rows: list[tuple[str, str, str, str]] = []
    mem = data["systems"].get("mem0g")
    if mem is None:
        return rows
    sizes = mem["sizes"]
    labels = [lab for lab in _labels(data) if lab in sizes]

    at_100k = [lab for lab in labels if sizes[lab].get("facts") == 100_000 and sizes[lab].get("users") == 1]
    target = f"search p95 ≤ {P95_TARGET_MS:g} ms at 100k facts, one user"
    if at_100k:
        lat = sizes[at_100k[0]]["search"]["latency"]
        p95 = lat["all"]["p95_ms"]
        worst = max(KINDS, key=lambda k: (lat.get(k) or {}).get("p95_ms") or 0)
        rows.append(
            (
                target,
                at_100k[0],
                f"p95 {p95:.1f} ms over all kinds (worst kind {KIND_TITLES[worst]}: "
                f"{lat[worst]['p95_ms']:.1f} ms)",
                "PASS" if p95 <= P95_TARGET_MS else "MISS",
            )
        )
    else:
        rows.append((target, "100k", NOT_MEASURED, NOT_MEASURED.upper()))
    for lab in labels:
        if lab in at_100k:
            continue
        p95 = sizes[lab]["search"]["latency"]["all"]["p95_ms"]
        rows.append((target, lab, f"p95 {p95:.1f} ms (for reference; the target is set at 100k)", "–"))

    for peer in [s for s in _systems(data) if s != "mem0g"]:
        for lab in labels:
            psize = data["systems"][peer]["sizes"].get(lab)
            if psize is None:
                continue
            ratios = []
            for kind in KINDS:
                a = _kind_entry(sizes[lab], "latency", kind)
                b = _kind_entry(psize, "latency", kind)
                if a and b and a.get("supported", True) and b.get("supported", True) and a.get("p95_ms"):
                    ratios.append((b["p95_ms"] / a["p95_ms"], kind))
            if ratios:
                worst = min(ratios)
                rows.append(
                    (
                        f"search ≥ {PEER_SPEEDUP_TARGET:g}× faster than {peer} (p95)",
                        lab,
                        "; ".join(f"{KIND_TITLES[k]} {r:.1f}×" for r, k in ratios),
                        "PASS" if worst[0] >= PEER_SPEEDUP_TARGET else "MISS",
                    )
                )
    if len(data["systems"]) == 1:
        rows.append(
            (
                f"search ≥ {PEER_SPEEDUP_TARGET:g}× faster than each peer",
                "all",
                "no peer results in this run",
                NOT_MEASURED.upper(),
            )
        )

    for lab in labels:
        ing = sizes[lab].get("ingest") or {}
        if ing.get("overhead") is not None:
            rows.append(
                (
                    f"ingest overhead ≤ {OVERHEAD_TARGET:.0%} over embedding",
                    lab,
                    f"{ing['overhead']:+.0%} (ingest {ing['facts_per_s']:,.0f} facts/s vs embedding "
                    f"alone {ing['embed_only']['facts_per_s']:,.0f} facts/s)",
                    # Ingest embeds the same texts, so it cannot really beat embedding alone: a
                    # negative overhead means other load disturbed the two timings unequally.
                    "UNRELIABLE (negative)"
                    if ing["overhead"] < 0
                    else ("PASS" if ing["overhead"] <= OVERHEAD_TARGET else "MISS"),
                )
            )
    for lab in labels:
        s = sizes[lab]
        corr = s["search"]["correctness"]["all"]
        audit = s.get("store_audit") or {}
        wc = corr["wrong_current"] + audit.get("wrong_current", 0)
        ws = corr["wrong_superseded"] + audit.get("wrong_superseded", 0)
        rows.append(
            (
                "zero facts wrongly reported current",
                lab,
                f"{corr['wrong_current']} in search hits, {audit.get('wrong_current', '–')} in the store",
                "PASS" if wc == 0 else "MISS",
            )
        )
        rows.append(
            (
                "zero true facts wrongly superseded",
                lab,
                f"{corr['wrong_superseded']} in search hits, "
                f"{audit.get('wrong_superseded', '–')} in the store",
                "PASS" if ws == 0 else "MISS",
            )
        )
        dup = s.get("duplicates") or {}
        if dup:
            rows.append(
                (
                    "zero duplicate entities",
                    lab,
                    f"{dup['duplicates']} duplicates; {dup['entity_nodes']:,} entity nodes for "
                    f"{dup['true_entities']:,} true entities",
                    "PASS" if dup["duplicates"] == 0 and dup.get("extra_nodes", 0) <= 0 else "MISS",
                )
            )
        cur = s["search"]["correctness"].get("current", {})
        aso = s["search"]["correctness"].get("as_of", {})
        share = audit.get("timelines_exact_share")
        exact = (
            cur.get("hit_at_k") == 1.0
            and aso.get("hit_at_k") == 1.0
            and share == 1.0
            and corr["wrong_current"] == 0
        )
        rows.append(
            (
                "as-of and current answers exactly right",
                lab,
                f"hit@{s['search']['k']} current {cur.get('hit_at_k')}, as-of {aso.get('hit_at_k')}; "
                f"stored timelines exact {share if share is None else f'{share:.2%}'}",
                "PASS" if exact else "MISS",
            )
        )
        tokens = corr.get("context_tokens_max")
        if tokens is not None:
            rows.append(
                (
                    f"≤ {CONTEXT_TOKENS_TARGET:,} context tokens per answer",
                    lab,
                    f"max {tokens:,}, p95 {corr['context_tokens_p95']:,.0f} (cl100k)",
                    "PASS" if tokens <= CONTEXT_TOKENS_TARGET else "MISS",
                )
            )
    return rows


# -- markdown -------------------------------------------------------------------------------------


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out


def markdown(data: dict[str, Any], *, images: list[str]) -> str:
    labels = _labels(data)
    systems = _systems(data)
    lines = [
        "# Benchmarks",
        "",
        "Generated by `python -m bench.report` from `results.json` (and any `results-*.json`); every figure "
        "below comes from a real run recorded there, with its command, machine and versions. Rerun: "
        "`make bench` (1k, 10k, 100k facts for one user) or `make bench-1m` (1M facts across 1,000 users). "
        "How the worlds, the queries and the measures are defined: `bench/README.md`.",
        "",
        "## Against the targets (docs/architecture.md)",
        "",
    ]
    lines += _table(["target", "size", "measured", "result"], [list(r) for r in targets(data)])
    lines += ["", "## Search latency (ms, p50 / p95 / p99, query embedding included)", ""]
    rows = []
    for lab in labels:
        for name in systems:
            system = data["systems"][name]
            size = system["sizes"].get(lab)
            if size is None:
                continue
            cells = [
                _cell(
                    system,
                    size,
                    kind,
                    lambda s, kind=kind: "{} / {} / {}".format(
                        *(
                            _fmt(_kind_entry(s, "latency", kind).get(p), 1)
                            for p in ("p50_ms", "p95_ms", "p99_ms")
                        )
                    ),
                )
                for kind in KINDS
            ]
            n = (size["search"]["latency"].get("all") or {}).get("n")
            lines_all = _kind_entry(size, "latency", "all") or {}
            cells.append(
                "{} / {} / {}".format(*(_fmt(lines_all.get(p), 1) for p in ("p50_ms", "p95_ms", "p99_ms")))
            )
            rows.append([lab, name, *cells, _fmt(n)])
    lines += _table(["size", "system", *(KIND_TITLES[k] for k in KINDS), "all", "queries"], rows)
    embed_rows = []
    for lab in labels:
        for name in systems:
            size = data["systems"][name]["sizes"].get(lab)
            if size and any("embed_p50_ms" in (_kind_entry(size, "latency", k) or {}) for k in KINDS):
                embed_rows.append(
                    f"{name} {lab}: "
                    + ", ".join(
                        f"{KIND_TITLES[k]} {_fmt(_kind_entry(size, 'latency', k).get('embed_p50_ms'), 1)}"
                        for k in KINDS
                        if _kind_entry(size, "latency", k)
                    )
                )
    if embed_rows:
        lines += [
            "",
            "Query embedding alone (p50 ms, part of the latency above): " + "; ".join(embed_rows) + ".",
        ]
    cpu_rows = []
    for lab in labels:
        for name in systems:
            size = data["systems"][name]["sizes"].get(lab)
            if not size:
                continue
            parts = []
            for k in KINDS:
                e = _kind_entry(size, "latency", k) or {}
                if e.get("cpu_python_mean_ms") is not None:
                    db = e.get("cpu_neo4j_mean_ms")
                    parts.append(f"{KIND_TITLES[k]} {e['cpu_python_mean_ms']:.1f} + {_fmt(db, 1)}")
            if parts:
                cpu_rows.append(f"{name} {lab}: " + ", ".join(parts))
    if cpu_rows:
        lines += [
            "",
            "CPU per query (mean ms, Python process + Neo4j server; less sensitive than wall time to other "
            "load on the machine): " + "; ".join(cpu_rows) + ".",
        ]

    lines += [
        "",
        "## Correctness on the same queries",
        "",
        "hit@k: share of queries whose hits contain every expected fact (k = the search limit). "
        "Wrong current: hits that say a fact holds at the asked instant (status `current`, or for an "
        "as-of question an interval containing it) while the true timeline says it does not. Wrong "
        "superseded: facts true at the asked instant that come back only as not holding. Counts are "
        "hits summed over the queries.",
        "",
    ]
    rows = []
    for lab in labels:
        for name in systems:
            system = data["systems"][name]
            size = system["sizes"].get(lab)
            if size is None:
                continue
            k = size["search"].get("k")

            def corr(s: dict[str, Any], kind: str) -> str:
                c = _kind_entry(s, "correctness", kind)
                return (
                    f"{c['hit_at_k']:.3f} (recall {c['expected_recall']:.3f}) · "
                    f"{c['wrong_current']} / {c['wrong_superseded']}"
                )

            cells = [_cell(system, size, kind, lambda s, kind=kind: corr(s, kind)) for kind in KINDS]
            rows.append([lab, name, str(k), *cells])
    lines += _table(
        ["size", "system", "k", *(f"{KIND_TITLES[k]}: hit@k · wrong current / superseded" for k in KINDS)],
        rows,
    )

    methods = {
        ((size.get("ingest") or {}).get("embed_only") or {}).get("method", "alone")
        for name in systems
        for size in data["systems"][name]["sizes"].values()
        if (size.get("ingest") or {}).get("embed_only")
    }
    if methods <= {"alone"}:
        embedding = (
            "Embedding alone: the same texts the system embeds for the same batches, with the same "
            "model, timed alone. Overhead = ingest time / embedding time − 1."
        )
    else:
        embedding = (
            "Embedding alone: the time spent embedding the texts the system embeds for the same batches, "
            "with the same model: taken from each `add_facts` call's trace (mem0g's observer hook)"
            + (
                "; runs before that change embedded the same texts alone before each batch"
                if "alone" in methods
                else ""
            )
            + ". Overhead = ingest time / embedding time − 1."
        )
    lines += ["", "## Ingest (structured facts, no LLM)", "", embedding, ""]
    rows = []
    for lab in labels:
        for name in systems:
            size = data["systems"][name]["sizes"].get(lab)
            if size is None:
                continue
            ing = size.get("ingest")
            if not ing:
                rows.append([lab, name, NOT_MEASURED, "–", "–", "–", "–"])
                continue
            emb = ing.get("embed_only") or {}
            rows.append(
                [
                    lab,
                    name,
                    _fmt(ing.get("facts_per_s"), 0),
                    _fmt(emb.get("facts_per_s"), 0),
                    _fmt(ing.get("ratio"), 2),
                    "–" if ing.get("overhead") is None else f"{ing['overhead']:+.0%}",
                    _fmt(ing.get("seconds"), 0),
                ]
            )
    lines += _table(
        [
            "size",
            "system",
            "ingest facts/s",
            "embedding alone facts/s",
            "ratio",
            "overhead",
            "ingest seconds",
        ],
        rows,
    )

    lines += ["", "## Store, memory, entities and the stored timelines", ""]
    rows = []
    for lab in labels:
        for name in systems:
            size = data["systems"][name]["sizes"].get(lab)
            if size is None:
                continue
            store = size.get("store") or {}
            mem = size.get("memory") or {}
            dup = size.get("duplicates") or {}
            audit = size.get("store_audit") or {}
            rows.append(
                [
                    lab,
                    name,
                    f"{_fmt(size.get('facts'))} / {_fmt(audit.get('facts_stored'))}"
                    if audit
                    else _fmt(size.get("facts")),
                    f"{_mib(store.get('database_du_bytes'))} ({_mib(store.get('du_bytes'))})"
                    if store
                    else "–",
                    _mib(mem.get("python_peak_rss_bytes")),
                    _mib(mem.get("neo4j_peak_rss_bytes")),
                    f"{dup.get('duplicates', '–')} ({_fmt(dup.get('entity_nodes'))} nodes / "
                    f"{_fmt(dup.get('true_entities'))} true)"
                    if dup
                    else "–",
                    f"{audit['wrong_current']} / {audit['wrong_superseded']} / {audit['missing']}"
                    if audit
                    else "–",
                    f"{audit['timelines_exact']:,}/{audit['timelines']:,}" if audit else "–",
                ]
            )
    lines += _table(
        [
            "size",
            "system",
            "statements / stored facts",
            "Neo4j store: database (whole data folder), du",
            "Python peak RSS",
            "Neo4j peak RSS",
            "duplicate entities",
            "stored facts wrong current / true not current / missing",
            "timelines exactly right",
        ],
        rows,
    )

    rec_rows = []
    for lab in labels:
        for name in systems:
            size = data["systems"][name]["sizes"].get(lab)
            for who, r in ((size or {}).get("recall_vs_exact") or {}).items():
                for what in ("facts", "entities"):
                    x = r.get(what)
                    if not x:
                        continue
                    rec_rows.append(
                        [
                            lab,
                            name,
                            who.replace("_", " "),
                            what,
                            f"{_fmt(x['user_items'])} of {_fmt(x['total_items'])} ({x['user_share']:.2%})",
                            _path(x),
                            _fmt(x["recall_at_k"], 4),
                            _fmt(x["min_recall"], 2),
                            _fmt(x["queries"]),
                        ]
                    )
    if rec_rows:
        lines += [
            "",
            "## Recall of the per-user vector search against exact search",
            "",
            "Entry points from mem0g's vector step as `search` runs it (the rows of a search's last "
            "`search_facts_*` / `search_entities_*` vector query, read from its trace) "
            "against exact cosine in numpy over the user's own facts/entities with the same time filter; "
            "recall@k with ties counted as found. *main user*: the path search takes by default; "
            "*small user*: a separate 1k-fact user in the same database with the index path forced "
            "(`exact_search_max_facts = 0`).",
            "",
        ]
        lines += _table(
            [
                "size",
                "system",
                "user",
                "items",
                "user's items (share of database)",
                "path",
                "recall@k",
                "worst query",
                "queries",
            ],
            rec_rows,
        )
        lat_rows = []
        for lab in labels:
            r = (data["systems"].get("mem0g", {}).get("sizes", {}).get(lab) or {}).get(
                "recall_vs_exact"
            ) or {}
            sl = (r.get("small_user") or {}).get("search_latency")
            if sl:
                lat_rows.append(
                    f"{lab}: index path p50/p95 {_fmt(sl['index_path']['p50_ms'])}/"
                    f"{_fmt(sl['index_path']['p95_ms'])} ms, default (exact) path "
                    f"{_fmt(sl['default_path']['p50_ms'])}/{_fmt(sl['default_path']['p95_ms'])} ms"
                )
        if lat_rows:
            lines += ["", "Small user's end-to-end search latency: " + "; ".join(lat_rows) + "."]

    for image in images:
        lines += ["", f"![{image}]({image})"]
    lines += ["", "## Runs", ""]
    lines += [f"- {s}" for s in _stamp(data)]
    return "\n".join(lines) + "\n"


# -- plots ----------------------------------------------------------------------------------------


def _footer_lines(data: dict[str, Any]) -> list[str]:
    """Every run's stamp, short enough for a plot: each distinct setup once, then a line per run."""
    runs = _runs(data)
    setups = list(dict.fromkeys(_setup_line(run) for _, _, run in runs))
    lines = setups + [_run_line(n, lab, run) for n, lab, run in runs]
    return [textwrap.shorten(line, 200) for line in lines]


#: Height of one footer line in inches (5.5 pt monospace) and the footer's font size.
_FOOTER_LINE_IN = 0.1
_FOOTER_FONT = 5.5


def _footer_reserve(data: dict[str, Any]) -> float:
    """Inches below the plots for the footer: one line per distinct setup and per run."""
    return _FOOTER_LINE_IN * len(_footer_lines(data)) + 0.1


def _figure(plt: Any, data: dict[str, Any], width: float, height: float, **kwargs: Any) -> Any:
    """``plt.subplots`` with room below the plots for the footer (``_finish`` writes it)."""
    return plt.subplots(figsize=(width, height + _footer_reserve(data)), **kwargs)


def _finish(fig: Any, data: dict[str, Any]) -> None:
    fig.tight_layout(rect=(0, _footer_reserve(data) / fig.get_figheight(), 1, 1))
    text = "\n".join(_footer_lines(data))
    fig.text(0.01, 0.005, text, fontsize=_FOOTER_FONT, va="bottom", ha="left", family="monospace")


def plots(data: dict[str, Any], out: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = []
    systems = _systems(data)
    colors = {name: f"C{i}" for i, name in enumerate(systems)}
    one_user = [
        lab
        for lab in _labels(data)
        if all(s["sizes"].get(lab, {}).get("users", 1) == 1 for s in data["systems"].values())
    ]
    fig, axes = _figure(plt, data, 16, 4.8, ncols=4, sharey=True)
    for ax, kind in zip(axes, KINDS, strict=True):
        for name in systems:
            sizes = data["systems"][name]["sizes"]
            pts = []
            for lab in one_user:
                entry = _kind_entry(sizes[lab], "latency", kind) if lab in sizes else None
                if entry and entry.get("supported", True) and entry.get("p50_ms") is not None:
                    pts.append((sizes[lab]["facts"], entry))
            if not pts:
                ax.text(
                    0.5,
                    0.5 - 0.07 * systems.index(name),
                    f"{name}: {NOT_SUPPORTED}",
                    transform=ax.transAxes,
                    ha="center",
                    color=colors[name],
                    fontsize=8,
                )
                continue
            xs = [p[0] for p in pts]
            for key, style, marker in (("p50_ms", "-", "o"), ("p95_ms", "--", "s"), ("p99_ms", ":", "^")):
                ax.plot(
                    xs,
                    [p[1][key] for p in pts],
                    style,
                    marker=marker,
                    color=colors[name],
                    label=f"{name} {key[:3]}",
                )
        ax.axhline(P95_TARGET_MS, color="grey", lw=0.8, alpha=0.6)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(f"{KIND_TITLES[kind]} questions")
        ax.set_xlabel("facts (one user)")
        ax.grid(alpha=0.3, which="both")
    axes[0].set_ylabel("search latency, ms (log)")
    axes[0].legend(fontsize=7)
    fig.suptitle(
        f"Search latency vs size (p50 solid, p95 dashed, p99 dotted; grey: {P95_TARGET_MS:g} ms target)"
    )
    _finish(fig, data)
    fig.savefig(out / "latency.png", dpi=130)
    plt.close(fig)
    written.append("latency.png")

    labels = _labels(data)
    fig, ax = _figure(plt, data, 10, 4.8)
    bars: list[tuple[str, str, dict[str, float]]] = []
    for name in systems:
        if any((s.get("ingest") or {}).get("facts_per_s") for s in data["systems"][name]["sizes"].values()):
            bars.append(
                (
                    name,
                    f"{name} ingest",
                    {
                        lab: (s.get("ingest") or {}).get("facts_per_s")
                        for lab, s in data["systems"][name]["sizes"].items()
                    },
                )
            )
    mem = data["systems"].get("mem0g")
    if mem:
        bars.append(
            (
                "embed",
                "embedding alone (same texts, same model)",
                {
                    lab: ((s.get("ingest") or {}).get("embed_only") or {}).get("facts_per_s")
                    for lab, s in mem["sizes"].items()
                },
            )
        )
    width = 0.8 / max(1, len(bars))
    for i, (name, title, values) in enumerate(bars):
        xs = [j + i * width for j in range(len(labels))]
        ys = [values.get(lab) or 0 for lab in labels]
        ax.bar(xs, ys, width, label=title, color=colors.get(name, "grey"))
        for x, y in zip(xs, ys, strict=True):
            if y:
                ax.text(x, y, f"{y:,.0f}", ha="center", va="bottom", fontsize=7)
    ax.set_xticks([j + width * (len(bars) - 1) / 2 for j in range(len(labels))], labels)
    ax.set_ylabel("facts per second")
    ax.set_title("Ingest throughput of structured facts vs embedding the same texts alone")
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    _finish(fig, data)
    fig.savefig(out / "ingest.png", dpi=130)
    plt.close(fig)
    written.append("ingest.png")
    return written


def render(out: Path, extra: list[Path] | None = None) -> Path:
    data = load(out, extra)
    images = plots(data, out) if data["systems"] else []
    path = out / "results.md"
    path.write_text(markdown(data, images=images), encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).resolve().parents[1] / "docs" / "benchmarks"
    )
    parser.add_argument("extra", nargs="*", type=Path, help="more results files to merge")
    args = parser.parse_args()
    print(render(args.out, args.extra))


if __name__ == "__main__":
    main()
