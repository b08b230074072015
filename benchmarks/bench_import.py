"""Benchmark: import a 100,000-record RIS file into a new SQLite review, next to ``rispy.load``.

The file is 100 copies of the corpus's 1,000-record Zotero RIS export, each copy's titles made
distinct. Each contender runs in its own fresh process (so peak memory is its own): wall time of the
work, and peak resident memory above the process's resident memory just before the work.

    python benchmarks/bench_import.py [--copies 100] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT.parent / "shared" / "corpus" / "ris" / "asysd__zotero_export_1000.ris"


def make_file(copies: int, dest: Path) -> int:
    text = SOURCE.read_text(encoding="utf-8")
    with dest.open("w", encoding="utf-8", newline="") as out:
        for i in range(copies):
            out.write(text.replace("\nTI  - ", f"\nTI  - [copy {i}] "))
            out.write("\r\n")
    return dest.stat().st_size


def _rss_kb() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def child(kind: str, path: str, workdir: str) -> None:
    if kind == "rispy":
        import rispy

        before = _rss_kb()
        t0, c0 = time.perf_counter(), time.process_time()
        with open(path, encoding="utf-8") as fh:
            entries = rispy.load(fh)
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        n = len(entries)
    else:
        from db.engine import create_review
        from screening.importing import import_file

        db = create_review(Path(workdir) / f"bench-{time.time_ns()}.metasift")
        before = _rss_kb()
        t0, c0 = time.perf_counter(), time.process_time()
        n = import_file(db, path).records
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        db.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # worker processes (MetaSift parses a large file in several): their peak resident memory counts too
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu += children.ru_utime + children.ru_stime
    print(json.dumps({"kind": kind, "records": n, "seconds": seconds, "cpu": cpu,
                      "peak_mb": (peak - before) / 1024 + children.ru_maxrss / 1024 * _workers(),
                      "peak_total_mb": peak / 1024}))


def _workers() -> int:
    """How many worker processes ran at once (their peaks add up; ru_maxrss gives the largest one)."""
    import os

    return os.cpu_count() or 1


def run(kind: str, path: Path, workdir: Path) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--child", kind, str(path), str(workdir)],
                          capture_output=True, text=True, cwd=ROOT, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--copies", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--child", nargs=3)
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        path = tmpdir / "big.ris"
        size = make_file(args.copies, path)
        print(f"{platform.node()} · {platform.processor() or platform.machine()} · Python "
              f"{platform.python_version()} · file {size / 1e6:.1f} MB")
        results: dict[str, list[dict]] = {"rispy": [], "metasift": []}
        for _ in range(args.repeat):
            for kind in results:
                results[kind].append(run(kind, path, tmpdir))
        best = {k: min(v, key=lambda r: r["seconds"]) for k, v in results.items()}
        peak = {k: min(r["peak_mb"] for r in v) for k, v in results.items()}
        cpu = {k: min(r["cpu"] for r in v) for k, v in results.items()}
        for k in results:
            print(f"{k:9s} records {best[k]['records']:>7,}  best of {args.repeat}: {best[k]['seconds']:6.2f} s wall, "
                  f"{cpu[k]:6.2f} s CPU, peak +{peak[k]:7.1f} MB (process {best[k]['peak_total_mb']:.0f} MB)")
        print(f"ratio time   metasift/rispy = {best['metasift']['seconds'] / best['rispy']['seconds']:.2f} wall, "
              f"{cpu['metasift'] / cpu['rispy']:.2f} CPU (target <= 2.0)")
        print(f"ratio memory metasift/rispy = {peak['metasift'] / peak['rispy']:.2f} (target <= 1.5)")


if __name__ == "__main__":
    main()
