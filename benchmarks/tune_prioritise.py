"""Choose the ranker's settings on the TUNING half only, by a rule that counts early recall too.

    python benchmarks/tune_prioritise.py --candidate base: --candidate title1:title_weight=1 ...

Each candidate (``NAME:KEY=VALUE,KEY=VALUE``; ``NAME:`` alone = the shipped defaults) is simulated on
the 8 tuning reviews of `benchmarks.bench_prioritise` (never the held-out ones: the script refuses
them), seeds 42, 1, 2, on the app's retraining schedule, stopped at 95% recall. The rule (see
docs/prioritise-tuning.md):

* score = mean WSS@95 + 0.5 x mean recall at 10% screened (RRF@10), each the mean over the 8 reviews
  of the mean over seeds;
* constraint (early recall may not be traded away on any review): on each tuning review, the
  candidate's lowest RRF@10 over the seeds is at most ``--rrf-slack`` (0.05) below the first
  candidate's (the reference, normally the shipped model);
* a candidate replaces the reference only if it meets the constraint and its score is higher by more
  than ``--margin`` (0.005, about the spread between seeds of the mean).

Results go to ``benchmarks/out/tune-<tag>.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_prioritise import DATASETS, OUT, SEEDS, _parse_options, run_ours  # noqa: E402

TUNING = [name for name, (_, half) in DATASETS.items() if half == "tune"]


def run_candidate(options: dict[str, Any], names: list[str], seeds: list[int]) -> dict[str, Any]:
    """Per tuning review: the per-seed WSS@95 and RRF@10 of one candidate (replays stopped at 95%)."""
    per: dict[str, Any] = {}
    for name in names:
        rows = [run_ours(name, seed, options, fast=True, batch=-1) for seed in seeds]
        per[name] = {"wss95": [r["wss95"] for r in rows], "rrf10": [r["rrf10"] for r in rows],
                     "seconds_to_95": [r["seconds_to_95"] for r in rows]}
    return per


def score(per: dict[str, Any]) -> dict[str, float]:
    wss = statistics.mean(statistics.mean(v["wss95"]) for v in per.values())
    rrf = statistics.mean(statistics.mean(v["rrf10"]) for v in per.values())
    return {"wss95": round(wss, 4), "rrf10": round(rrf, 4), "score": round(wss + 0.5 * rrf, 4)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--candidate", action="append", default=[], metavar="NAME:KEY=VALUE,...")
    ap.add_argument("--datasets", default=",".join(TUNING))
    ap.add_argument("--seeds", default=",".join(map(str, SEEDS)))
    ap.add_argument("--rrf-slack", type=float, default=0.05)
    ap.add_argument("--margin", type=float, default=0.005)
    ap.add_argument("--tag", default="round4")
    ap.add_argument("--reference", type=Path, default=None, metavar="TUNE.json[:NAME]",
                    help="take the reference (the first candidate) from an earlier run of this script with the "
                         "same reviews and seeds instead of simulating it again")
    args = ap.parse_args()
    names = args.datasets.split(",")
    held = [n for n in names if DATASETS.get(n, ("", "?"))[1] != "tune"]
    if held:
        ap.error(f"not tuning reviews (never tune on the held-out half): {', '.join(held)}")
    seeds = [int(s) for s in args.seeds.split(",")]
    results: list[dict[str, Any]] = []
    if args.reference is not None:
        path, _, ref_name = str(args.reference).partition(":")
        earlier = json.loads(Path(path).read_text())
        ref = next(r for r in earlier["results"] if r["name"] == ref_name) if ref_name else earlier["results"][0]
        if sorted(ref["per_review"]) != sorted(names) or earlier.get("seeds", args.seeds) != args.seeds:
            ap.error(f"{args.reference} holds other reviews or seeds than this run")
        results.append({**ref, "name": f"{ref['name']} ({Path(path).name})"})
    for cand in args.candidate or ["shipped:"]:
        label, _, opts = cand.partition(":")
        options = _parse_options([o for o in opts.split(",") if o])
        t0 = time.perf_counter()
        per = run_candidate(options, names, seeds)
        res = {"name": label, "options": options, "per_review": per, **score(per),
               "seconds": round(time.perf_counter() - t0, 1)}
        ref = results[0] if results else res
        low = {n: round(min(per[n]["rrf10"]) - min(ref["per_review"][n]["rrf10"]), 4) for n in names}
        res["worst_rrf10_change"] = low
        res["meets_rrf_constraint"] = all(v >= -args.rrf_slack for v in low.values())
        res["up_reviews"] = sum(statistics.mean(per[n]["wss95"]) > statistics.mean(ref["per_review"][n]["wss95"])
                                for n in names)
        results.append(res)
        print(f"{label:>24}: score {res['score']:.4f} (WSS@95 {res['wss95']:.4f}, RRF@10 {res['rrf10']:.4f}); "
              f"WSS up on {res['up_reviews']}/{len(names)}; worst-seed RRF@10 change "
              f"{min(low.values()):+.3f} ({min(low, key=low.__getitem__)}); "
              f"{'ok' if res['meets_rrf_constraint'] else 'FAILS the early-recall constraint'}; {res['seconds']} s",
              flush=True)
        _write(args, names, results)
    return 0


def _write(args: argparse.Namespace, names: list[str], results: list[dict[str, Any]]) -> None:
    ref = results[0]
    best = max((r for r in results if r["meets_rrf_constraint"]), key=lambda r: r["score"])
    chosen = best if best["score"] > ref["score"] + args.margin else ref
    lines = [f"Tuning half only ({', '.join(names)}), seeds {args.seeds}, app's schedule, stopped at 95%; "
             f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. Reference: {ref['name']}. "
             f"Chosen: **{chosen['name']}**.", "",
             "| candidate | options | score | mean WSS@95 | mean RRF@10 | WSS up on | worst-seed RRF@10 change "
             "(review) | constraint |", "|---|---|---|---|---|---|---|---|"]
    for r in results:
        low = r["worst_rrf10_change"]
        worst = min(low, key=low.__getitem__)
        lines.append(f"| {r['name']} | {r['options'] or 'defaults'} | {r['score']:.4f} | {r['wss95']:.4f} | "
                     f"{r['rrf10']:.4f} | {r['up_reviews']}/{len(names)} | {low[worst]:+.3f} ({worst}) | "
                     f"{'met' if r['meets_rrf_constraint'] else 'fails'} |")
    lines += ["", "Per review, mean WSS@95 over seeds (lowest RRF@10 over seeds):", "",
              "| candidate | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for r in results:
        cells = [f"{statistics.mean(r['per_review'][n]['wss95']):.3f} ({min(r['per_review'][n]['rrf10']):.2f})"
                 for n in names]
        lines.append(f"| {r['name']} | " + " | ".join(cells) + " |")
    OUT.mkdir(parents=True, exist_ok=True)
    out = {"chosen": chosen["name"], "seeds": args.seeds, "results": results}
    (OUT / f"tune-{args.tag}.json").write_text(json.dumps(out, indent=1))
    (OUT / f"tune-{args.tag}.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
