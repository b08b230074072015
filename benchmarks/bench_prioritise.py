"""Benchmark of prioritised screening: MetaSift's ranker against ASReview's default model on 16 finished
reviews, split once into a tuning half and a held-out half; stopping rules simulated on the same runs.

    python benchmarks/bench_prioritise.py                        # everything: both halves, both tools
    python benchmarks/bench_prioritise.py --half tune --no-asreview --fast --set ratio=5   # tuning loop
    python benchmarks/bench_prioritise.py --datasets ptsd --seeds 42,1,2,3,4

The split (by review, never changed after it was made; choose settings by the tuning half's MEAN WSS@95
and never by the held-out half): each half holds one review outside clinical medicine (tuning:
Kitchenham 2010, software engineering; held-out: van de Schoot 2017 PTSD trajectories, psychology), one
or none from preclinical research (Bannach-Brown 2019, tuning) and Cohen 2006 drug-class reviews
(6 tuning, 7 held-out, assigned alternately by topic so sizes and inclusion rates spread over both).

ASReview, when installed in its own venv (``/work/asrvenv`` or ``--asreview``), runs as a subprocess
(``asreview simulate``, default model ELAS u4) from the *same* prior records as ours (``--prior-idx``,
one relevant and one irrelevant drawn by `screening.simulation.pick_priors` from each seed); its
screening order is read from the project's ``results.db`` and scored with our metric functions, so both
sides use one convention. Time (``seconds_to_95``) is one clock for both: ``time.perf_counter`` inside
the simulating process, from reading the review's file to the record that reaches 95% recall (ours in
the worker; ASReview's in `asreview_to95.py`, from the call of its simulate command, after the imports):
neither includes starting Python or importing. ASReview's own time stamps (``own_clock_seconds_to_95``)
and its whole subprocess (``wall_seconds``) are kept beside. ``--jobs`` runs that many simulations at
once (both tools alike).

``--fast`` stops our replays at 95% recall (WSS@95 and RRF@10 are unchanged; time and the stopping
rules are then not measured). Results go to ``benchmarks/out/<tag>.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from screening.prioritise import Ranker  # noqa: E402
from screening.simulation import metrics, pick_priors, read_labelled, simulate  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "labeled_screening"
OUT = ROOT / "benchmarks" / "out"
ASREVIEW = Path("/work/asrvenv/bin/asreview")
SEEDS = (42, 1, 2)
DATASETS: dict[str, tuple[str, str]] = {  # name: (file, half)
    "kitchenham": ("srd__Kitchenham_2010.csv", "tune"),
    "bannach": ("srd__Bannach-Brown_2019.csv", "tune"),
    "antihistamines": ("srd__Cohen_2006_Antihistamines.csv", "tune"),
    "nsaids": ("srd__Cohen_2006_NSAIDS.csv", "tune"),
    "oral_hypoglycemics": ("srd__Cohen_2006_OralHypoglycemics.csv", "tune"),
    "atypical_antipsychotics": ("srd__Cohen_2006_AtypicalAntipsychotics.csv", "tune"),
    "calcium_channel_blockers": ("srd__Cohen_2006_CalciumChannelBlockers.csv", "tune"),
    "opioids": ("srd__Cohen_2006_Opiods.csv", "tune"),
    "ptsd": ("asreview-simulation__van_de_Schoot_2017_PTSD.xlsx", "heldout"),
    "urinary_incontinence": ("srd__Cohen_2006_UrinaryIncontinence.csv", "heldout"),
    "estrogens": ("srd__Cohen_2006_Estrogens.csv", "heldout"),
    "triptans": ("srd__Cohen_2006_Triptans.csv", "heldout"),
    "adhd": ("srd__Cohen_2006_ADHD.csv", "heldout"),
    "proton_pump_inhibitors": ("srd__Cohen_2006_ProtonPumpInhibitors.csv", "heldout"),
    "skeletal_muscle_relaxants": ("srd__Cohen_2006_SkeletalMuscleRelaxants.csv", "heldout"),
    "beta_blockers": ("srd__Cohen_2006_BetaBlockers.csv", "heldout"),
}


@functools.cache
def _load(name: str) -> Any:
    return read_labelled(CORPUS / DATASETS[name][0])


def run_ours(name: str, seed: int, options: dict[str, Any], fast: bool, batch: int = 1,
             tail_batch: int | None = 0) -> dict:
    """One simulated review with our ranker; the full screening order's labels are kept for the
    stopping-rule simulation."""
    t_read = time.perf_counter()  # timed from reading the file, as ASReview (benchmarks/asreview_to95.py)
    ls = read_labelled(CORPUS / DATASETS[name][0])
    read_s = time.perf_counter() - t_read
    t0 = time.perf_counter()
    options = dict(options)
    relevant_refit = bool(options.pop("relevant_refit", True))
    texts = ls.texts
    if "title_weight" in options or "keywords" in options:  # the ranking text built another way
        from screening.prioritise import record_text

        tw, kw = int(options.pop("title_weight", 2)), bool(options.pop("keywords", True))
        texts = [record_text(t, a, k if kw else "", title_weight=tw)
                 for t, a, k in zip(ls.titles, ls.abstracts, ls.keywords, strict=True)]
    if options.get("semantic_weight"):
        options["embeddings"] = embeddings(name)
    ranker = Ranker(texts, seed=seed, **options)
    vec_s = time.perf_counter() - t0
    res = simulate(texts, ls.labels, seed=seed, ranker=ranker, stop_recall=0.95 if fast else None,
                   batch=batch, tail_batch=tail_batch, relevant_refit=relevant_refit)
    out = res.to_json(curve=False)
    options.pop("embeddings", None)
    out.update(read_seconds=round(read_s, 3), vectorise_seconds=round(vec_s, 3),
               seconds=round(read_s + time.perf_counter() - t0, 3),
               seconds_to_95=round(read_s + vec_s + out["seconds_to_95"], 3),
               model=str(options) if options else "default", labels_in_order=res.found_labels)
    return out


def embeddings(name: str) -> Any:
    """The review's sentence embeddings (`screening.semantic.embed` of the ranking texts), computed once
    and kept in ``benchmarks/out/emb/<name>.npy`` (their time is measured apart: see docs)."""
    import numpy as np

    path = OUT / "emb" / f"{name}.npy"
    if not path.exists():
        from screening.semantic import embed

        ls = _load(name)
        # the ranking text holds the title twice; the model reads it once, then the abstract and keywords
        texts = [t[len(title) + 1:] if title and t.startswith(f"{title} {title}") else t
                 for t, title in zip(ls.texts, ls.titles, strict=True)]
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, embed(texts))
    return np.load(path)


def run_asreview(name: str, seed: int, exe: str, fast: bool = True) -> dict:
    """One simulated review with ASReview's default model from our priors, scored by our metrics; with
    ``fast``, stopped at 95% recall (`asreview_to95.py`), else at the last relevant record."""
    path = CORPUS / DATASETS[name][0]
    labels = _load(name).labels
    priors = pick_priors(labels, seed)
    prior_rel = sum(labels[i] for i in priors)
    needed = prior_rel + math.ceil(0.95 * (sum(labels) - prior_rel) - 1e-9)
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "sim.asreview"
        start = [exe, "simulate"] if not fast else [str(Path(exe).with_name("python")),
                                                    str(ROOT / "benchmarks" / "asreview_to95.py"), str(needed)]
        cmd = [*start, str(path), "--prior-idx", *map(str, priors), "--seed", str(seed), "-o", str(project)]
        clock = Path(tmp) / "timing.json"
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "METASIFT_TIMING": str(clock)})
        seconds = time.perf_counter() - t0
        timing = json.loads(clock.read_text()) if clock.exists() else {}
        if proc.returncode != 0:
            raise RuntimeError(f"asreview failed on {name}: {proc.stderr[-2000:]}")
        with zipfile.ZipFile(project) as zf:
            db_name = next(n for n in zf.namelist() if n.endswith("results.db"))
            zf.extract(db_name, tmp)
        con = sqlite3.connect(Path(tmp) / db_name)
        rows = con.execute("SELECT record_id, label, time FROM results ORDER BY rowid").fetchall()
        con.close()
    first = sorted(int(r[0]) for r in rows[:len(priors)])
    found = [int(r[1]) for r in rows[len(priors):]]
    out = metrics(found, len(labels) - len(priors), sum(labels) - prior_rel).to_json()
    # its own time stamps: from labelling the priors (then it extracts the features) to the record that
    # reached 95% recall, without the interpreter's start and the reading of the file
    to95 = out["screened_to_95"]
    at = min(len(rows) - 1, len(priors) + (to95 or len(found)) - 1)
    own_clock = round(float(rows[at][2]) - float(rows[0][2]), 3)
    out.update(n_records=len(labels), n_relevant=sum(labels), seed=seed, model="asreview elas_u4",
               screened_until_all_found=None if fast else len(found),
               seconds=round(timing.get("seconds", seconds), 3), wall_seconds=round(seconds, 3),
               labels_in_order=found, stopped_at_95=fast,
               seconds_to_95=round(timing["seconds_to_95"], 3) if "seconds_to_95" in timing else own_clock,
               own_clock_seconds_to_95=own_clock, same_clock="seconds_to_95" in timing,
               priors_match=first == sorted(priors) or first == sorted(p + 1 for p in priors))
    return out


def _task(job: tuple[str, str, int, dict[str, Any], bool, str, int, int | None]) -> dict:
    who, name, seed, options, fast, exe, batch, tail = job
    r = run_asreview(name, seed, exe, fast) if who == "asreview" else run_ours(name, seed, options, fast, batch, tail)
    return {"dataset": name, "half": DATASETS[name][1], "who": who, **r}


def rerank_timing(n: int = 10_000, reps: int = 5) -> dict:
    """Vectorise ``n`` real records once, then time ``update`` at several label counts."""
    texts: list[str] = []
    labels: list[int] = []
    for name in ("ptsd", "bannach", "kitchenham", "beta_blockers"):
        ls = _load(name)
        texts += ls.texts
        labels += ls.labels
    texts, labels = texts[:n], labels[:n]
    t0 = time.perf_counter()
    ranker = Ranker(texts, seed=0)
    out = {"n_records": len(texts), "features": int(ranker.matrix.shape[1]),
           "vectorise_seconds": round(time.perf_counter() - t0, 3)}
    for k in (100, 1000, 5000):
        lab = {i: labels[i] for i in range(0, len(texts), max(1, len(texts) // k))}
        times = []
        for _ in range(reps):
            t = time.perf_counter()
            ranker.update(lab)
            times.append(time.perf_counter() - t)
        out[f"update_seconds_{len(lab)}_labels"] = round(statistics.median(times), 4)
    return out


def _mean(rows: list[dict], key: str) -> float | None:
    vals = [r[key] for r in rows if r.get(key) is not None]
    return round(statistics.mean(vals), 4) if vals else None


def _parse_options(items: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        key, _, value = item.partition("=")
        for cast in (int, float):
            try:
                out[key] = cast(value)
                break
            except ValueError:
                continue
        else:
            out[key] = {"true": True, "false": False, "none": None}.get(value.lower(), value)
    return out


def summarise(runs: list[dict]) -> list[dict]:
    """Per dataset and tool: means over seeds."""
    summary = []
    for key in sorted({(r["half"], r["dataset"], r["who"]) for r in runs}):
        rows = [r for r in runs if (r["half"], r["dataset"], r["who"]) == key]
        summary.append({"half": key[0], "dataset": key[1], "who": key[2], "runs": len(rows),
                        "wss95": _mean(rows, "wss95"), "rrf10": _mean(rows, "rrf10"),
                        "screened_to_95": _mean(rows, "screened_to_95"), "seconds": _mean(rows, "seconds"),
                        "seconds_to_95": _mean(rows, "seconds_to_95"),
                        "total_seconds_to_95": round(sum(r["seconds_to_95"] or 0 for r in rows), 2),
                        "total_seconds": round(sum(r["seconds"] for r in rows), 2)})
    return summary


def half_means(summary: list[dict]) -> list[dict]:
    """Per half and tool: the mean over datasets of the per-dataset means, and the total time."""
    out = []
    for half, who in sorted({(s["half"], s["who"]) for s in summary}):
        rows = [s for s in summary if (s["half"], s["who"]) == (half, who)]
        out.append({"half": half, "who": who, "datasets": len(rows), "wss95": _mean(rows, "wss95"),
                    "rrf10": _mean(rows, "rrf10"), "screened_to_95": _mean(rows, "screened_to_95"),
                    "total_seconds": round(sum(s["total_seconds"] for s in rows), 1),
                    "total_seconds_to_95": round(sum(s["total_seconds_to_95"] for s in rows), 1)})
    return out


def stopping_table(runs: list[dict]) -> list[dict]:
    """Each stopping rule replayed on each of our full simulations (see `screening.stopping.simulate_rules`)."""
    from screening.stopping import simulate_rules

    rows: list[dict] = []
    for r in runs:
        if r["who"] != "metasift" or r.get("screened_until_all_found") is None or r.get("fast"):
            continue
        for res in simulate_rules(r["labels_in_order"], r["n_records"] - r["n_priors"],
                                  r["n_relevant"] - r["prior_relevant"], priors=r["n_priors"],
                                  prior_relevant=r["prior_relevant"]):
            rows.append({"dataset": r["dataset"], "half": r["half"], "seed": r["seed"], **res.to_json()})
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--datasets", default="", help="comma list of names (default: the halves chosen)")
    ap.add_argument("--half", default="tune,heldout", help="tune, heldout or both (default)")
    ap.add_argument("--seeds", default=",".join(map(str, SEEDS)))
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="a Ranker option for our side (repeatable), e.g. model=logreg, ratio=5")
    ap.add_argument("--fast", action="store_true", help="stop our replays at 95%% recall (tuning loop)")
    ap.add_argument("--batch", type=int, default=-1,
                    help="our records screened between retrainings (default -1: the app's schedule, "
                         "screening.prioritise.retrain_every; 1 = after every record, as ASReview; 0 = growing)")
    ap.add_argument("--tail-batch", type=int, default=0,
                    help="our batches after 95%% recall (0 = growing, default; -1 = as --batch): the order up "
                         "to 95%% is unchanged, the rest only feeds the stopping-rule replay")
    ap.add_argument("--jobs", type=int, default=2, help="simulations at once (default 2)")
    ap.add_argument("--asreview", type=Path, default=ASREVIEW)
    ap.add_argument("--no-asreview", action="store_true")
    ap.add_argument("--asreview-full", action="store_true",
                    help="let ASReview run to the last relevant record (default: stop it at 95%% recall)")
    ap.add_argument("--asreview-results", default="", metavar="JSON,...",
                    help="take ASReview's runs from earlier outputs of this benchmark (same priors and seeds; "
                         "they say when they ran) instead of running it again")
    ap.add_argument("--no-ours", action="store_true")
    ap.add_argument("--no-rerank", action="store_true")
    ap.add_argument("--tag", default="prioritise")
    ap.add_argument("--from-json", type=Path, default=None, metavar="OUT.json",
                    help="rebuild the tables (and the stopping-rule replay) from an earlier, maybe unfinished, run")
    ap.add_argument("--docs", action=argparse.BooleanOptionalAction, default=None,
                    help="write the tables into docs/benchmarks.md (default: only for the full run)")
    args = ap.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    halves = set(args.half.split(","))
    names = args.datasets.split(",") if args.datasets else [n for n, (_, h) in DATASETS.items() if h in halves]
    options = _parse_options(args.set)
    tail = None if args.tail_batch < 0 else args.tail_batch
    earlier: list[dict] = []
    for f in filter(None, args.asreview_results.split(",")):
        earlier += [r for r in json.loads(Path(f).read_text())["runs"]
                    if r["who"] == "asreview" and r["dataset"] in names and r["seed"] in seeds]
    if args.from_json is not None:
        result = json.loads(args.from_json.read_text())
        runs = result.pop("runs")
        args.fast, args.no_ours, args.tag = result["fast"], False, args.from_json.stem
        docs = bool(args.docs) or args.docs is None
        _write(args, result, runs, result["wall_seconds"], docs, final=True)
        return 0
    use_asr = not args.no_asreview and not earlier and args.asreview.exists()
    # held-out half first (the target), then tuning; each (review, seed) of MetaSift next to
    # ASReview's, so with --jobs 2 the two run side by side under the same load
    names.sort(key=lambda n: (DATASETS[n][1] != "heldout", list(DATASETS).index(n)))
    jobs = []
    for name in names:
        for seed in seeds:
            if not args.no_ours:
                jobs.append(("metasift", name, seed, options, args.fast, "", args.batch, tail))
            if use_asr:
                jobs.append(("asreview", name, seed, {}, not args.asreview_full, str(args.asreview), 1, None))
    result: dict[str, Any] = {"seeds": seeds, "options": options, "fast": args.fast, "jobs": args.jobs,
                              "started": time.strftime("%Y-%m-%d %H:%M UTC"), "planned_jobs": len(jobs),
                              "asreview_from": args.asreview_results or "this run", "load_samples": []}
    docs = args.docs if args.docs is not None else (not args.fast and not args.datasets and not args.no_ours
                                                    and use_asr and halves == {"tune", "heldout"})
    t0 = time.perf_counter()
    runs: list[dict] = []
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for r in pool.map(_task, jobs):
            r["fast"] = args.fast and r["who"] == "metasift"
            r["prior_relevant"] = 1
            r.setdefault("n_priors", 2)
            runs.append(r)
            result["load_samples"].append(round(os.getloadavg()[0], 2))
            print(f"{r['dataset']:>26} {r['who']:>8} s{r['seed']}: wss95={r['wss95']} rrf10={r['rrf10']} "
                  f"to95={r['screened_to_95']} {r['seconds_to_95']} s to 95%", flush=True)
            _write(args, result, runs + earlier, time.perf_counter() - t0, docs, final=False)
    _write(args, result, runs + earlier, time.perf_counter() - t0, docs, final=True)
    return 0


def _write(args: argparse.Namespace, result: dict[str, Any], runs: list[dict], wall: float, docs: bool,
           final: bool) -> None:
    """Write the JSON and markdown of the runs so far (after every simulation: a run cut short keeps
    what finished) and, when ``docs``, the tables into docs/benchmarks.md."""
    from benchmarks.prioritise_report import header, per_half, per_review, tables, write_docs

    result.update(wall_seconds=round(wall, 1), finished_jobs=len(runs), summary=summarise(runs))
    result["half_means"] = half_means(result["summary"])
    if final and not args.fast and not args.no_ours:
        result["stopping"] = stopping_table(runs)
    if final and not args.no_rerank and not args.fast:
        result["rerank"] = rerank_timing()
    rows = per_review(runs, DATASETS)
    lines = [*header(result), "", *tables(rows, per_half(rows))]
    if result.get("stopping"):
        from screening.stopping import summarise_rules

        lines += ["", *summarise_rules(result["stopping"])]
    if result.get("rerank"):
        lines += ["", f"Re-rank timing: {result['rerank']}"]
    OUT.mkdir(parents=True, exist_ok=True)
    out = dict(result, runs=runs)  # the screening orders' labels are kept: --from-json rebuilds everything
    (OUT / f"{args.tag}.json").write_text(json.dumps(out, indent=1))
    (OUT / f"{args.tag}.md").write_text("\n".join(lines) + "\n")
    if docs:
        from benchmarks.prioritise_report import write_docs

        write_docs(ROOT / "docs" / "benchmarks.md", lines)
    if final:
        print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
