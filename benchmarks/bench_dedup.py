"""Benchmark of the duplicate-detection engine against bib-dedupe, in the same run.

    python benchmarks/bench_dedup.py                 # accuracy/time table on the labelled sets (+ bib-dedupe)
    python benchmarks/bench_dedup.py --no-bibdedupe  # ours only
    python benchmarks/bench_dedup.py --synthetic 100000   # time and peak RSS on a perturbed synthetic set

Sets: the Rathbone stroke, respiratory and cytology sets were used for tuning; the Rathbone haematology
set and the ASySD set are held out (never tuned on) and pooled separately. Rathbone sets are scored
pairwise against their gold groups; ASySD has only a kept/trash label per record and is scored per removed
record (`screening.dedup.evaluate.asysd_metrics`); pooled rows sum the counts of both kinds.

bib-dedupe runs in this interpreter when importable, else in ``/work/bdvenv`` (or ``--bibdedupe-python``)
as a subprocess, else it is skipped with a message. Its "maybe" pairs count as its queue. Its seconds are
prep+block+match+cluster on one CPU; ours are the engine on the same records (also one CPU).
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
from screening.dedup.normalize import split_authors  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
BD_PYTHON = Path("/work/bdvenv/bin/python")
HELD_OUT = ("haematology", "asysd")

# Runs inside the bib-dedupe venv: reads a records CSV, prints groups, maybe pairs and seconds as JSON.
BD_RUNNER = """
import json, sys, time, pandas as pd
from bib_dedupe.bib_dedupe import prep, block, match, cluster
df = pd.read_csv(sys.argv[1])
t = time.time()
df = prep(df, cpu=1)
pairs = block(df, cpu=1)
matched = match(pairs, cpu=1)
groups = cluster(matched)
secs = time.time() - t
maybe = matched[matched["duplicate_label"] == "maybe"] if len(matched) else matched
print(json.dumps({"groups": [list(map(str, g)) for g in groups], "seconds": secs,
                  "maybe": [[str(a), str(b)] for a, b in zip(maybe.get("ID_1", []), maybe.get("ID_2", []))]}))
"""


@dataclass
class _Pair:
    id_a: str
    id_b: str


class _Groups:
    def __init__(self, groups: list[list[str]], maybe: list[list[str]]) -> None:
        self.groups, self.candidates = groups, [_Pair(a, b) for a, b in maybe]


def bibdedupe_python(arg: Path) -> Path | None:
    """The interpreter that can import bib_dedupe, or ``None`` (with a message) when none can."""
    if importlib.util.find_spec("bib_dedupe") is not None:
        return Path(sys.executable)
    if arg.exists() and subprocess.run([str(arg), "-c", "import bib_dedupe"], capture_output=True,
                                       check=False).returncode == 0:
        return arg
    print(f"bib-dedupe is not installed here nor importable by {arg}: comparison skipped "
          "(python3 -m venv /work/bdvenv && /work/bdvenv/bin/pip install bib-dedupe)", file=sys.stderr)
    return None


def run_bibdedupe(python: Path, csv_path: Path) -> tuple[_Groups, float] | None:
    proc = subprocess.run([str(python), "-c", BD_RUNNER, str(csv_path)], capture_output=True, text=True,
                          check=False)
    if proc.returncode != 0:
        print(f"  bib-dedupe failed on {csv_path.name}: {proc.stderr.strip().splitlines()[-1:]}",
              file=sys.stderr)
        return None
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    return _Groups(out["groups"], out["maybe"]), float(out["seconds"])


def review_seconds(csv_path: Path) -> float:
    """Wall time of the user's path: import the CSV export into a new SQLite review and run dedup there."""
    from db.engine import create_review
    from screening.duplicates import run_dedup
    from screening.importing import import_file

    with tempfile.TemporaryDirectory() as tmp:
        db = create_review(Path(tmp) / "r.metasift")
        t = time.perf_counter()
        import_file(db, csv_path)
        run_dedup(db, who="bench")
        secs = time.perf_counter() - t
        db.close()
    return secs


def write_bibtex_csv(records: list[dict[str, Any]], path: Path) -> None:
    """Records in the CSV layout of the Rathbone sets (BibTeX field names, authors joined by ``and``)."""
    cols = ["ID", "ENTRYTYPE", "title", "author", "year", "journal", "volume", "number", "pages", "doi",
            "abstract"]
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, quoting=csv.QUOTE_ALL)
        w.writerow(cols)
        for r in records:
            w.writerow([r["id"], r["pub_type"] or "article", r["title"], " and ".join(split_authors(r["authors"])),
                        r["year"], r["journal"], r["volume"], r["issue"], r["pages"],
                        "" if r["doi"] in ("", "NA") else r["doi"], r["abstract"]])


def _counts(m: dict[str, float], record_level: bool) -> dict[str, float]:
    if record_level:
        return {"gold": m["copies"], "pred": m["removed"], "tp": m["removed"] - m["false_removed"],
                "cov": m["queued_recall"] * m["copies"], "queued": m["queued"], "qtrue": m["queued_true"],
                "dec": m["decisions"], "dtrue": m["decisions_true"]}
    return {"gold": m["gold_pairs"], "pred": m["auto_pairs"], "tp": m["auto_pairs"] - m["false_pairs"],
            "cov": m["queued_recall"] * m["gold_pairs"], "queued": m["queued"], "qtrue": m["queued_true"],
            "dec": m["decisions"], "dtrue": m["decisions_true"]}


def _cells(c: dict[str, float]) -> str:
    p = c["tp"] / c["pred"] if c["pred"] else 1.0
    r = c["tp"] / c["gold"] if c["gold"] else 1.0
    q = c["cov"] / c["gold"] if c["gold"] else 1.0
    return (f"{p:.4f} | {r:.4f} | {q:.4f} | {int(c['queued'])} / {int(c['dec'])} | "
            f"{int(c['qtrue'])} / {int(c['dtrue'])}")


def accuracy_table(use_bd: bool, bd_arg: Path) -> None:
    bd_python = bibdedupe_python(bd_arg) if use_bd else None
    print("| set | role | records | true links | auto precision | auto recall | recall with queue "
          "| queued pairs / decisions | true in queue (pairs / decisions) | engine s | import+dedup s "
          "| bib-dedupe precision | recall | recall with maybe | maybe pairs | true in maybe | bib-dedupe s "
          "| speed ratio |")
    print("|" + "---|" * 19)
    pools: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        sets: list[tuple[str, list[dict[str, Any]], Any, Path]] = []
        for name in RATHBONE_SETS:
            records, gold = load_rathbone(CORPUS, name)
            sets.append((name, records, gold, CORPUS / "labeled_duplicates"
                         / f"rathbone_{name}__records_pre_merged.csv"))
        df = load_asysd(CORPUS)
        asysd = asysd_records(df)
        asysd_csv = Path(tmp) / "asysd.csv"
        write_bibtex_csv(asysd, asysd_csv)
        sets.append(("asysd", asysd, df, asysd_csv))
        for name, records, gold, csv_path in sets:
            record_level = name == "asysd"

            def score(result: Any, gold: Any = gold, record_level: bool = record_level) -> dict[str, float]:
                return asysd_metrics(result, gold) if record_level else pairwise_metrics(result, gold)

            t = time.perf_counter()
            result = deduplicate(records)
            secs = time.perf_counter() - t
            ours = _counts(score(result), record_level)
            role = "held out" if name in HELD_OUT else "tuning"
            line = (f"| {name} | {role} | {len(records)} | {int(ours['gold'])} | {_cells(ours)} | {secs:.2f} | "
                    f"{review_seconds(csv_path):.2f}")
            bd = run_bibdedupe(bd_python, csv_path) if bd_python else None
            if bd:
                theirs = _counts(score(bd[0]), record_level)
                line += f" | {_cells(theirs)} | {bd[1]:.1f} | {bd[1] / secs:.0f}x |"
            else:
                theirs = None
                line += " | – | – | – | – | – | – | – |"
            print(line, flush=True)
            for pool in ("held out" if name in HELD_OUT else "tuning",
                         "Rathbone 4" if not record_level else ""):
                if not pool:
                    continue
                agg = pools.setdefault(pool, {})
                for k, v in ours.items():
                    agg[k] = agg.get(k, 0) + v
                agg["secs"] = agg.get("secs", 0) + secs
                if theirs:
                    for k, v in theirs.items():
                        agg["bd_" + k] = agg.get("bd_" + k, 0) + v
                    agg["bd_secs"] = agg.get("bd_secs", 0) + bd[1]
    for pool, agg in pools.items():
        line = f"| **pooled {pool}** | | | {int(agg['gold'])} | {_cells(agg)} | {agg['secs']:.2f} | "
        if "bd_secs" in agg:
            bd_c = {k[3:]: v for k, v in agg.items() if k.startswith("bd_")}
            line += f" | {_cells(bd_c)} | {agg['bd_secs']:.1f} | {agg['bd_secs'] / agg['secs']:.0f}x |"
        else:
            line += " | – | – | – | – | – | – | – |"
        print(line)


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
    t, cpu = time.perf_counter(), time.process_time()
    result = deduplicate(records)
    secs, cpu = time.perf_counter() - t, time.process_time() - cpu
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    merged = sum(len(g) for g in result.groups)
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"synthetic: {len(records)} records -> {len(result.groups)} groups ({merged} records), "
          f"{len(result.candidates)} queued in {len(result.clusters())} decisions; dedup {secs:.1f}s wall, "
          f"{cpu:.1f}s CPU; peak RSS {rss_mb:.0f} MB (incl. corpus loading); load average {load}")


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
