"""Benchmark of the duplicate-detection engine.

    python benchmarks/bench_dedup.py                 # accuracy/time table on the labelled sets (+ bib-dedupe)
    python benchmarks/bench_dedup.py --no-bibdedupe  # ours only
    python benchmarks/bench_dedup.py --synthetic 100000   # time and peak RSS on a perturbed synthetic set

bib-dedupe, when installed in its own venv (``/work/bdvenv`` or ``--bibdedupe-python``), runs as a
subprocess on the same sets; its groups are scored with the same pairwise metrics.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from screening.dedup import deduplicate  # noqa: E402
from screening.dedup.evaluate import (  # noqa: E402
    RATHBONE_SETS,
    asysd_metrics,
    asysd_records,
    load_asysd,
    load_rathbone,
    pairwise_metrics,
)

CORPUS = ROOT.parent / "shared" / "corpus"
BD_PYTHON = Path("/work/bdvenv/bin/python")

# Runs inside the bib-dedupe venv: reads a records CSV, prints duplicate groups and seconds as JSON.
BD_RUNNER = """
import json, sys, time, pandas as pd
from bib_dedupe.bib_dedupe import prep, block, match, cluster
df = pd.read_csv(sys.argv[1])
t = time.time()
df = prep(df, cpu=1)
pairs = block(df, cpu=1)
matched = match(pairs, cpu=1)
groups = cluster(matched)
print(json.dumps({"groups": [list(map(str, g)) for g in groups], "seconds": time.time() - t}))
"""


class _Groups:
    def __init__(self, groups: list[list[str]]) -> None:
        self.groups, self.candidates = groups, []


def run_bibdedupe(python: Path, csv: Path, gold: list[list[str]]) -> dict[str, float] | None:
    if not python.exists():
        return None
    proc = subprocess.run([str(python), "-c", BD_RUNNER, str(csv)], capture_output=True, text=True,
                          check=False)
    if proc.returncode != 0:
        print(f"  bib-dedupe failed on {csv.name}: {proc.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
        return None
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    m = pairwise_metrics(_Groups(out["groups"]), gold)
    m["seconds"] = out["seconds"]
    return m


def review_seconds(csv: Path) -> float:
    """Wall time of the user's path: import the CSV export into a new SQLite review and run dedup there."""
    import tempfile

    from db.engine import create_review
    from screening.duplicates import run_dedup
    from screening.importing import import_file

    with tempfile.TemporaryDirectory() as tmp:
        db = create_review(Path(tmp) / "r.metasift")
        t = time.perf_counter()
        import_file(db, csv)
        run_dedup(db, who="bench")
        secs = time.perf_counter() - t
        db.close()
    return secs


def accuracy_table(use_bd: bool, bd_python: Path) -> None:
    head = (f"{'set':<20}{'records':>8}{'gold':>6}{'prec':>8}{'recall':>8}{'+queue':>8}{'queued':>7}{'sec':>7}"
            f"{'import+dedup s':>15}")
    print(head + ("   | bib-dedupe prec  recall    sec" if use_bd else ""))
    tot = {"gold": 0, "pred": 0, "tp": 0, "cov": 0.0, "bd_gold": 0, "bd_pred": 0, "bd_tp": 0}
    for name in RATHBONE_SETS:
        records, gold = load_rathbone(CORPUS, name)
        t = time.perf_counter()
        result = deduplicate(records)
        secs = time.perf_counter() - t
        m = pairwise_metrics(result, gold)
        tp = m["auto_pairs"] - m["false_pairs"]
        tot["gold"] += m["gold_pairs"]
        tot["pred"] += m["auto_pairs"]
        tot["tp"] += tp
        tot["cov"] += m["queued_recall"] * m["gold_pairs"]
        csv = CORPUS / "labeled_duplicates" / f"rathbone_{name}__records_pre_merged.csv"
        line = (f"{name:<20}{len(records):>8}{m['gold_pairs']:>6}{m['auto_precision']:>8.4f}"
                f"{m['auto_recall']:>8.4f}{m['queued_recall']:>8.4f}{m['queued']:>7}{secs:>7.2f}"
                f"{review_seconds(csv):>15.2f}")
        if use_bd:
            b = run_bibdedupe(bd_python, csv, gold)
            if b:
                line += (f"   |          {b['auto_precision']:.4f}  {b['auto_recall']:.4f}"
                         f" {b['seconds']:>6.1f}")
                tot["bd_gold"] += b["gold_pairs"]
                tot["bd_pred"] += b["auto_pairs"]
                tot["bd_tp"] += b["auto_pairs"] - b["false_pairs"]
        print(line, flush=True)
    line = (f"{'POOLED (4 sets)':<20}{'':>8}{tot['gold']:>6}{tot['tp'] / tot['pred']:>8.4f}"
            f"{tot['tp'] / tot['gold']:>8.4f}{tot['cov'] / tot['gold']:>8.4f}")
    if tot["bd_pred"]:
        bd_p, bd_r = tot["bd_tp"] / tot["bd_pred"], tot["bd_tp"] / tot["bd_gold"]
        line += f"{'':>14}   |          {bd_p:.4f}  {bd_r:.4f}"
    print(line)
    df = load_asysd(CORPUS)
    t = time.perf_counter()
    result = deduplicate(asysd_records(df))
    secs = time.perf_counter() - t
    a = asysd_metrics(result, df)
    print(f"ASySD ({a['records']} records, no group ids): duplicate_in_trash recall {a['trash_recall']:.4f}, "
          f"'unique' records merged {a['unique_merged']}, groups {a['groups']}, queued {a['queued']}, "
          f"{secs:.2f}s")


# --- synthetic scale test --------------------------------------------------------------------------------

def _perturb(rec: dict, rng: random.Random, k: int) -> dict:
    r = dict(rec, id=f"{rec['id']}~{k}")
    title = r["title"]
    roll = rng.random()
    if roll < 0.2:
        title = title.upper()
    elif roll < 0.35 and len(title) > 20:
        pos = rng.randrange(len(title))
        title = title[:pos] + title[pos + 1:]  # typo: dropped character
    elif roll < 0.45:
        title = title + " [Chinese]"
    r["title"] = title
    if rng.random() < 0.5:  # initials only
        names = [a.strip() for a in str(r["authors"]).split(" and ") if a.strip()]
        r["authors"] = [n.split(",")[0] + ", " + "".join(w[0] + "." for w in n.split(",", 1)[-1].split() if w)
                        for n in names]
    pages = str(r["pages"])
    if "-" in pages and rng.random() < 0.5:
        a, _, b = pages.partition("-")
        common = 0
        while common < min(len(a), len(b)) - 1 and a[common] == b[common]:
            common += 1
        r["pages"] = f"{a}-{b[common:]}"
    if rng.random() < 0.3:
        r["doi"] = ""
    if rng.random() < 0.3:
        words = [w for w in str(r["journal"]).split() if w.lower() not in ("of", "the", "and")]
        r["journal"] = " ".join(w[:4] for w in words)  # abbreviated journal
    return r


def synthetic_records(n: int, seed: int = 7) -> list[dict]:
    """About ``n`` records: corpus records plus spliced distinct records, each with 0-3 perturbed copies."""
    rng = random.Random(seed)
    base: list[dict] = []
    for name in RATHBONE_SETS:
        base.extend(load_rathbone(CORPUS, name)[0])
    base.extend(asysd_records(load_asysd(CORPUS)))
    words = [r["title"].split() for r in base if r["title"]]
    authors = [r["authors"] for r in base]
    pool = list(base)
    while len(pool) < n / 2.2:
        a, b = rng.choice(words), rng.choice(words)
        title = " ".join(a[: max(2, len(a) // 2)] + b[len(b) // 2:])
        src = rng.choice(base)
        start = rng.randrange(1, 3000)
        pool.append(dict(src, id=f"s{len(pool)}", title=title, authors=rng.choice(authors),
                         year=str(rng.randrange(1970, 2024)), volume=str(rng.randrange(1, 200)),
                         pages=f"{start}-{start + rng.randrange(2, 20)}",
                         doi=f"10.{rng.randrange(1000, 9999)}/x{len(pool)}"))
    out: list[dict] = []
    for k, rec in enumerate(pool):
        rec = dict(rec, id=f"{rec['id']}#{k}")
        out.append(rec)
        for c in range(rng.choice((0, 1, 1, 2, 3))):
            out.append(_perturb(rec, rng, c))
        if len(out) >= n:
            break
    return out[:n]


def synthetic(n: int) -> None:
    records = synthetic_records(n)
    t = time.perf_counter()
    result = deduplicate(records)
    secs = time.perf_counter() - t
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    merged = sum(len(g) for g in result.groups)
    print(f"synthetic: {len(records)} records -> {len(result.groups)} groups ({merged} records), "
          f"{len(result.candidates)} queued; dedup {secs:.1f}s; peak RSS {rss_mb:.0f} MB "
          "(incl. corpus loading)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--synthetic", type=int, metavar="N", help="time a synthetic set of N records instead")
    ap.add_argument("--no-bibdedupe", action="store_true", help="do not run bib-dedupe for comparison")
    ap.add_argument("--bibdedupe-python", type=Path, default=BD_PYTHON)
    args = ap.parse_args()
    if args.synthetic:
        synthetic(args.synthetic)
    else:
        accuracy_table(not args.no_bibdedupe, args.bibdedupe_python)


if __name__ == "__main__":
    main()
