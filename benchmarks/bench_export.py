"""Export of a large review: `metasift export` to CSV and XLSX (streamed) next to pandas' own ``to_csv`` /
``to_excel`` (openpyxl and XlsxWriter engines) of the same records table, each in a fresh process (wall time,
CPU time of the process, peak resident memory; the load average before and after).

    python benchmarks/bench_export.py [--records 100000] [--review PATH] [--skip-pandas-xlsx]

The review is synthetic (written straight into a new review, not imported): records with a title, three authors,
a 700-character abstract, journal fields, from two databases, 10% of them screened by two reviewers (so the
decisions sheet has rows). The pandas rows time only the writing of a DataFrame already built, so they are a
lower bound of what a user of pandas would wait for.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORDS = ("alliance therapy outcome depression anxiety client therapist session early working bond goals task "
         "treatment symptom change cognitive behavioural psychodynamic trial sample adults measure inventory").split()


def build(path: Path, n: int) -> None:
    from sqlalchemy import insert

    from db.engine import create_review
    from db.models import ImportBatch, Record, ScreeningDecision

    rng = random.Random(7)
    db = create_review(path, title="Export benchmark")
    with db.transaction() as s:
        batches = [ImportBatch(file_name=f"{name}.ris", sha256=name, format="ris", source_db=name, record_count=n // 2)
                   for name in ("PsycINFO", "PubMed")]
        s.add_all(batches)
        s.flush()
        ids = [int(b.id) for b in batches]  # type: ignore[arg-type]
    rows = []
    for i in range(n):
        words = [rng.choice(WORDS) for _ in range(100)]
        rows.append({"batch_id": ids[i % 2], "ordinal": i, "source_id": f"S{i:07d}",
                     "title": " ".join(words[:12]).capitalize(), "abstract": " ".join(words)[:700],
                     "authors": [f"Author{rng.randrange(5000)}, A." for _ in range(3)], "year": 1990 + i % 35,
                     "journal": "Journal of " + rng.choice(WORDS).capitalize(), "volume": str(i % 60),
                     "issue": str(i % 12), "pages": f"{i % 900}-{i % 900 + 12}", "doi": f"10.5555/b.{i}",
                     "pmid": str(30000000 + i), "pub_type": "JOUR", "language": "English", "keywords": [],
                     "other_ids": {}, "raw": {}, "url": ""})
    with db.engine.begin() as conn:
        for k in range(0, n, 5000):
            conn.execute(insert(Record), rows[k:k + 5000])
    import uuid
    decisions = [{"uid": uuid.uuid4().hex, "record_id": rid, "stage": "title_abstract", "reviewer": who,
                  "verdict": "include" if rid % 3 else "exclude", "reason": "" if rid % 3 else "no alliance measure",
                  "kind": "decision", "note": "", "full_text": "", "method": "",
                  "decided_at": datetime.now(UTC)}
                 for rid in range(1, n + 1, 10) for who in ("ann", "bob")]
    with db.engine.begin() as conn:
        for k in range(0, len(decisions), 5000):
            conn.execute(insert(ScreeningDecision), decisions[k:k + 5000])
    db.close()


def _peak_mb() -> float:
    """This process's peak resident memory (VmHWM: reset at exec, unlike ru_maxrss, which a child started by
    fork + exec inherits from its parent)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) / 1024


def child(kind: str, review: str, out: str) -> None:
    from db.engine import open_review

    db = open_review(review)
    t0, c0 = time.perf_counter(), time.process_time()
    info: dict = {"kind": kind}
    if kind in ("metasift_csv", "metasift_xlsx"):
        from extraction.export import export

        info["rows"] = export(db, out, "records").rows
    else:
        from extraction.export_frames import records_frame

        frame = records_frame(db)
        info["frame_seconds"] = time.perf_counter() - t0
        info["frame_cpu"] = time.process_time() - c0
        t0, c0 = time.perf_counter(), time.process_time()
        if kind == "pandas_csv":
            frame.to_csv(out, index=False)
        else:
            frame.to_excel(out, index=False, engine=kind.split("_")[-1])
    info["seconds"] = time.perf_counter() - t0
    info["cpu"] = time.process_time() - c0
    info["peak_mb"] = _peak_mb()
    info["file_mb"] = Path(out).stat().st_size / 1e6
    db.close()
    print(json.dumps(info))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--review", help="reuse this review (else a new synthetic one)")
    ap.add_argument("--skip-pandas-xlsx", action="store_true", help="pandas' to_excel is the slowest step")
    ap.add_argument("--kinds", default="", help="comma-separated subset of the rows (e.g. metasift_xlsx)")
    ap.add_argument("--child", nargs=3, metavar=("KIND", "REVIEW", "OUT"), help=argparse.SUPPRESS)
    ap.add_argument("--build", nargs=2, metavar=("REVIEW", "N"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.build:
        build(Path(args.build[0]), int(args.build[1]))
        return 0
    if args.child:
        child(*args.child)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        review = Path(args.review) if args.review else Path(tmp) / "big.metasift"
        if not args.review:
            t0 = time.perf_counter()
            subprocess.run([sys.executable, __file__, "--build", str(review), str(args.records)], check=True)
            print(f"built {args.records:,} records in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        kinds = ["metasift_csv", "pandas_csv", "metasift_xlsx"] + (
            [] if args.skip_pandas_xlsx else ["pandas_xlsx_openpyxl", "pandas_xlsx_xlsxwriter"])
        kinds = [k for k in kinds if not args.kinds or k in args.kinds.split(",")]
        print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", file=sys.stderr)
        results = {}
        for kind in kinds:
            out = Path(tmp) / f"{kind}.{'csv' if kind.endswith('csv') else 'xlsx'}"
            done = subprocess.run([sys.executable, __file__, "--child", kind, str(review), str(out)],
                                  capture_output=True, text=True, check=True)
            results[kind] = json.loads(done.stdout.strip().splitlines()[-1])
            print(results[kind], file=sys.stderr)
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", file=sys.stderr)
        print(f"| export of {args.records:,} records | wall time (s) | CPU user+sys (s) | peak memory (MB) "
              "| file (MB) |")
        print("|---|---|---|---|---|")
        for kind, r in results.items():
            wall = f" (+ {r['frame_seconds']:.1f} s building the frame)" if "frame_seconds" in r else ""
            cpu = f" (+ {r['frame_cpu']:.1f})" if "frame_cpu" in r else ""
            print(f"| {kind.replace('_', ' ')} | {r['seconds']:.1f}{wall} | {r['cpu']:.1f}{cpu} | {r['peak_mb']:.0f} "
                  f"| {r['file_mb']:.1f} |")
        for ours, theirs in (("metasift_csv", "pandas_csv"), ("metasift_xlsx", "pandas_xlsx_openpyxl"),
                             ("metasift_xlsx", "pandas_xlsx_xlsxwriter")):
            if ours in results and theirs in results:
                a, b = results[ours], results[theirs]
                wall = a["seconds"] / (b["seconds"] + b["frame_seconds"])
                print(f"\n{ours} / {theirs} (frame build + write): wall {wall:.2f}x, "
                      f"CPU {a['cpu'] / (b['cpu'] + b['frame_cpu']):.2f}x, memory {a['peak_mb'] / b['peak_mb']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
