"""The tables of `bench_prioritise.py`: per review and per half, MetaSift beside ASReview, written to
``benchmarks/out/<tag>.md`` and, for a full run, into docs/benchmarks.md between two marker lines.

Times are "seconds to 95% recall" of one simulation on one clock (``time.perf_counter`` inside the
simulating process), for both tools from reading the review's file to the record that reaches 95% recall
(features, every refit and re-rank between); neither includes starting Python or importing. ASReview's
own time stamps (labelling the priors to that record) and its whole subprocess are given too.
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from pathlib import Path
from typing import Any

START = "<!-- bench_prioritise:start (written by benchmarks/bench_prioritise.py; do not edit by hand) -->"
END = "<!-- bench_prioritise:end -->"
GAP = 0.03
"""A review counts as behind when MetaSift's WSS@95 is more than this below ASReview's."""


def machine() -> str:
    """CPU model, cores and Python version, for the report."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}"


def _mean(vals: list[Any]) -> float | None:
    vals = [v for v in vals if v is not None]
    return statistics.mean(vals) if vals else None


def _f(v: float | None, digits: int = 3) -> str:
    return "–" if v is None else f"{v:.{digits}f}"


def per_review(runs: list[dict], datasets: dict[str, tuple[str, str]]) -> list[dict]:
    """One row per review: both tools' means over seeds (only seeds both tools finished count)."""
    rows = []
    for name, (_, half) in datasets.items():
        mine = {r["seed"]: r for r in runs if r["dataset"] == name and r["who"] == "metasift"}
        theirs = {r["seed"]: r for r in runs if r["dataset"] == name and r["who"] == "asreview"}
        seeds = sorted(set(mine) & set(theirs)) if theirs else sorted(mine)
        if not seeds:
            continue
        row: dict[str, Any] = {"half": half, "dataset": name, "seeds": seeds,
                               "n_records": mine[seeds[0]]["n_records"] if seeds[0] in mine else None,
                               "n_relevant": mine[seeds[0]]["n_relevant"] if seeds[0] in mine else None}
        for who, got in (("m", mine), ("a", theirs)):
            picked = [got[s] for s in seeds if s in got]
            row[f"wss_{who}"] = _mean([r["wss95"] for r in picked])
            row[f"rrf_{who}"] = _mean([r["rrf10"] for r in picked])
            row[f"to95_{who}"] = _mean([r["screened_to_95"] for r in picked])
            row[f"sec_{who}"] = sum(r["seconds_to_95"] or 0 for r in picked) if picked else None
            row[f"wall_{who}"] = sum(r.get("wall_seconds") or 0 for r in picked) if picked else None
            row[f"own_{who}"] = sum(r.get("own_clock_seconds_to_95") or 0 for r in picked) if picked else None
        rows.append(row)
    return rows


def per_half(rows: list[dict]) -> list[dict]:
    """Per half: means over its reviews of the per-review means, total ranking seconds, reviews behind."""
    out = []
    for half in ("tune", "heldout"):
        got = [r for r in rows if r["half"] == half]
        if not got:
            continue
        both = [r for r in got if r["wss_a"] is not None]
        behind = [f"{r['dataset']} {r['wss_m'] - r['wss_a']:+.3f}" for r in both if r["wss_m"] < r["wss_a"] - GAP]
        sec_m = sum(r["sec_m"] or 0 for r in both)
        sec_a = sum(r["sec_a"] or 0 for r in both)
        out.append({"half": half, "reviews": len(got), "with_asreview": len(both),
                    "wss_m": _mean([r["wss_m"] for r in got]), "wss_a": _mean([r["wss_a"] for r in both]),
                    "wss_m_same": _mean([r["wss_m"] for r in both]),
                    "rrf_m": _mean([r["rrf_m"] for r in got]), "rrf_a": _mean([r["rrf_a"] for r in both]),
                    "to95_m": _mean([r["to95_m"] for r in got]), "to95_a": _mean([r["to95_a"] for r in both]),
                    "sec_m": sec_m, "sec_a": sec_a, "ratio": sec_m / sec_a if sec_a else None,
                    "wall_a": sum(r["wall_a"] or 0 for r in both), "own_a": sum(r["own_a"] or 0 for r in both),
                    "behind": behind})
    return out


def tables(rows: list[dict], halves: list[dict]) -> list[str]:
    """Markdown: the per-review table, then the per-half table."""
    lines = ["| half | review | records / incl. | seeds | WSS@95 MetaSift / ASReview | recall at 10% M / A | "
             "records screened to 95% M / A | s to 95%, same clock, M / A (ratio) |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        ratio = f" ({r['sec_m'] / r['sec_a']:.2f})" if r["sec_a"] else ""
        lines.append(f"| {r['half']} | {r['dataset']} | {r['n_records']:,} / {r['n_relevant']} | "
                     f"{','.join(map(str, r['seeds']))} | {_f(r['wss_m'])} / {_f(r['wss_a'])} | "
                     f"{_f(r['rrf_m'], 2)} / {_f(r['rrf_a'], 2)} | {_f(r['to95_m'], 0)} / {_f(r['to95_a'], 0)} | "
                     f"{_f(r['sec_m'], 1)} / {_f(r['sec_a'], 1)}{ratio} |")
    lines += ["", "| half | reviews (with ASReview) | mean WSS@95 MetaSift / ASReview | mean recall at 10% M / A | "
              "mean records screened to 95% M / A | s to 95%, same clock, all seeds, M / A (ratio) | "
              "ASReview by its own time stamps / whole subprocess s | "
              f"reviews more than {GAP} below ASReview |", "|---|---|---|---|---|---|---|---|"]
    for h in halves:
        lines.append(f"| {h['half']} | {h['reviews']} ({h['with_asreview']}) | **{_f(h['wss_m'], 4)}** / "
                     f"**{_f(h['wss_a'], 4)}** | {_f(h['rrf_m'])} / {_f(h['rrf_a'])} | {_f(h['to95_m'], 0)} / "
                     f"{_f(h['to95_a'], 0)} | {_f(h['sec_m'], 1)} / {_f(h['sec_a'], 1)} ({_f(h['ratio'], 2)}) | "
                     f"{_f(h['own_a'], 1)} / {_f(h['wall_a'], 1)} | {', '.join(h['behind']) or 'none'} |")
    return lines


def write_docs(doc: Path, body: list[str]) -> None:
    """Replace the text between `START` and `END` in ``doc`` by ``body`` (appended when absent)."""
    text = doc.read_text(encoding="utf-8")
    block = "\n".join([START, *body, END])
    if START in text and END in text:
        head, rest = text.split(START, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    tmp = doc.with_suffix(".md.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(doc)


def header(result: dict[str, Any]) -> list[str]:
    """Date, machine, load and what ran."""
    loads = result.get("load_samples") or []
    load = (f"load average (1 min) {min(loads):.1f}-{max(loads):.1f}, mean {statistics.mean(loads):.1f}, "
            f"sampled {len(loads)} times" if loads else "load not sampled")
    return [f"Run {result['started']} to {time.strftime('%H:%M UTC', time.gmtime())} on {machine()}; {load}; "
            f"{result['jobs']} simulation(s) at once, MetaSift's and ASReview's of each review and seed queued "
            f"next to each other; seeds {', '.join(map(str, result['seeds']))}; {result['finished_jobs']} of "
            f"{result['planned_jobs']} simulations finished; MetaSift options "
            f"{result['options'] or 'defaults'}."]
