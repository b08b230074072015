"""Benchmark of prioritised screening: simulated reviews (WSS@95, RRF@10, time) and re-rank speed.

    python benchmarks/bench_prioritise.py                       # ours + ASReview, tuning sets and PTSD
    python benchmarks/bench_prioritise.py --no-asreview --models svm,nb,logreg --seeds 1,2,3
    python benchmarks/bench_prioritise.py --datasets ptsd --batch 1,5,0

ASReview, when installed in its own venv (``/work/asrvenv`` or ``--asreview``), runs as a subprocess
(``asreview simulate``, default model) from the *same* prior records as ours (``--prior-idx``); its
screening order is read from the project's ``results.db`` and scored with our metric functions, so
both sides use one convention (see ``screening/simulation.py``). Results go to ``benchmarks/out/``.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from screening.prioritise import Ranker  # noqa: E402
from screening.simulation import metrics, pick_priors, read_labelled, simulate  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "labeled_screening"
OUT = ROOT / "benchmarks" / "out"
ASREVIEW = Path("/work/asrvenv/bin/asreview")
DATASETS = {  # name: (file, role)
    "cohen": ("srd__Cohen_2006_Antihistamines.csv", "tune"),
    "kitchenham": ("srd__Kitchenham_2010.csv", "tune"),
    "bannach": ("srd__Bannach-Brown_2019.csv", "tune"),
    "ptsd": ("asreview-simulation__van_de_Schoot_2017_PTSD.xlsx", "check"),
}


def run_ours(texts: list[str], labels: list[int], model: str, seed: int, batch: int,
             c: float | None) -> dict:
    t0 = time.perf_counter()
    ranker = Ranker(texts, seed=seed, model=model, c=c)
    vec_s = time.perf_counter() - t0
    res = simulate(texts, labels, seed=seed, batch=batch, ranker=ranker)
    out = dict(res.metrics)
    out.update(vectorise_seconds=round(vec_s, 3), seconds=round(vec_s + res.seconds, 3))
    return out


def run_asreview(path: Path, labels: list[int], seed: int, exe: Path) -> dict:
    priors = pick_priors(labels, seed)
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "sim.asreview"
        cmd = [str(exe), "simulate", str(path), "--prior-idx", *map(str, priors), "--seed", str(seed),
               "-o", str(project)]
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        seconds = time.perf_counter() - t0
        if proc.returncode != 0:
            raise RuntimeError(f"asreview failed: {proc.stderr[-2000:]}")
        with zipfile.ZipFile(project) as zf:
            zf.extract("results.db", tmp)
        con = sqlite3.connect(Path(tmp) / "results.db")
        rows = con.execute("SELECT record_id, label FROM results ORDER BY rowid").fetchall()
        con.close()
    first = sorted(r[0] for r in rows[:len(priors)])
    found = [int(r[1]) for r in rows[len(priors):]]
    prior_rel = sum(labels[i] for i in priors)
    out = metrics(found, len(labels) - len(priors), sum(labels) - prior_rel)
    out.update(n_records=len(labels), n_relevant=sum(labels), seed=seed, model="asreview elas_u4",
               screened_until_all_found=len(found), seconds=round(seconds, 3),
               priors_match=first == sorted(priors) or first == sorted(p + 1 for p in priors))
    return out


def rerank_timing(n: int = 10_000, reps: int = 5) -> dict:
    """Vectorise ``n`` real records once, then time ``update`` at several label counts."""
    texts: list[str] = []
    labels: list[int] = []
    for name in ("ptsd", "bannach", "kitchenham", "cohen"):
        ls = read_labelled(CORPUS / DATASETS[name][0])
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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--datasets", default=",".join(DATASETS))
    ap.add_argument("--models", default="svm")
    ap.add_argument("--seeds", default="42,1,2")
    ap.add_argument("--batch", default="1", help="comma list; 0 = growing batches")
    ap.add_argument("--c", type=float, default=None, help="model's C (svm/logreg) or alpha (nb)")
    ap.add_argument("--asreview", type=Path, default=ASREVIEW)
    ap.add_argument("--no-asreview", action="store_true")
    ap.add_argument("--no-rerank", action="store_true")
    ap.add_argument("--tag", default="prioritise")
    args = ap.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    runs: list[dict] = []
    for name in args.datasets.split(","):
        file, role = DATASETS[name]
        t0 = time.perf_counter()
        ls = read_labelled(CORPUS / file)
        read_s = round(time.perf_counter() - t0, 2)
        print(f"{name}: {len(ls.labels)} records, {sum(ls.labels)} relevant (read {read_s} s)", flush=True)
        for model in args.models.split(","):
            for batch in (int(b) for b in args.batch.split(",")):
                for seed in seeds:
                    r = run_ours(ls.texts, ls.labels, model, seed, batch, args.c)
                    runs.append({"dataset": name, "role": role, "who": "metasift", **r})
                    print(f"  ours {model} b{batch} s{seed}: wss95={r['wss95']} rrf10={r['rrf10']} "
                          f"to95={r['screened_to_95']} all={r['screened_until_all_found']} {r['seconds']} s",
                          flush=True)
        if not args.no_asreview and args.asreview.exists():
            for seed in seeds:
                r = run_asreview(CORPUS / file, ls.labels, seed, args.asreview)
                runs.append({"dataset": name, "role": role, "who": "asreview", "batch": 1, **r})
                print(f"  asreview s{seed}: wss95={r['wss95']} rrf10={r['rrf10']} to95={r['screened_to_95']} "
                      f"{r['seconds']} s priors_match={r['priors_match']}", flush=True)
    summary = []
    keys = sorted({(r["dataset"], r["who"], r["model"], r["batch"]) for r in runs}, key=str)
    for key in keys:
        rows = [r for r in runs if (r["dataset"], r["who"], r["model"], r["batch"]) == key]
        summary.append({"dataset": key[0], "who": key[1], "model": key[2], "batch": key[3], "runs": len(rows),
                        "wss95": _mean(rows, "wss95"), "rrf10": _mean(rows, "rrf10"),
                        "screened_to_95": _mean(rows, "screened_to_95"), "seconds": _mean(rows, "seconds")})
    result = {"seeds": seeds, "runs": runs, "summary": summary}
    if not args.no_rerank:
        result["rerank"] = rerank_timing()
        print("rerank:", result["rerank"], flush=True)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{args.tag}.json").write_text(json.dumps(result, indent=2))
    lines = ["| dataset | who | model | batch | runs | WSS@95 | RRF@10 | screened to 95% | seconds |",
             "|---|---|---|---|---|---|---|---|---|"]
    lines += [f"| {s['dataset']} | {s['who']} | {s['model']} | {s['batch']} | {s['runs']} | {s['wss95']} | "
              f"{s['rrf10']} | {s['screened_to_95']} | {s['seconds']} |" for s in summary]
    (OUT / f"{args.tag}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
