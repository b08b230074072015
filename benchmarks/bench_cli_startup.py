"""Start-up time of the `metasift` command: ``--help``, argument errors, ``status`` on the demo review.

    python benchmarks/bench_cli_startup.py [--runs 7] [--pg postgresql://USER@HOST:PORT/DB]

Each case runs in a fresh interpreter: median wall time of ``--runs``, and the median CPU time (user + sys of the
child, which other work on the machine does not inflate the way it does wall time). Next to them, the floor a
user pays anyway: ``python -c pass`` and ``python -c "import sqlmodel"`` (the database library the other review
commands need), and the old start-up that imported every command module (``import cli.cmd_*`` all at once).
``--pg``: an admin URL; the demo review is also imported into a new PostgreSQL database (dropped afterwards) and
``status`` timed on it. The load average is printed before and after.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _time(argv: list[str], runs: int) -> tuple[float, float]:
    """(median wall s, median user+sys CPU s) of ``runs`` fresh processes."""
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run(argv, cwd=ROOT, capture_output=True, check=False)
        walls.append(time.perf_counter() - t)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def _pg_review(admin: str, folder: Path, py: str) -> tuple[str, str]:
    """(URL of a new database holding the demo review, its name)."""
    import psycopg

    name = "metasift_bench_" + uuid.uuid4().hex[:10]
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = admin.rpartition("/")[0] + "/" + name
    cli = [py, "-m", "cli.app"]
    subprocess.run([*cli, "init", url, "--title", "Demo on PostgreSQL"], cwd=ROOT, check=True, capture_output=True)
    files = sorted(str(p) for p in folder.iterdir() if p.suffix in (".ris", ".nbib"))
    subprocess.run([*cli, "import", url, *files], cwd=ROOT, check=True, capture_output=True)
    return url, name


def _drop(admin: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        for group in (f"{name}_team", f"{name}_leads"):
            conn.execute(f'DROP ROLE IF EXISTS "{group}"')


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--pg", default=None, help="PostgreSQL admin URL: also time status on PostgreSQL")
    args = ap.parse_args()
    py = sys.executable
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([py, "-m", "cli.app", "demo", tmp], cwd=ROOT, check=True, capture_output=True)
        review = str(Path(tmp) / "demo.metasift")
        old = "; ".join(f"import cli.{p.stem}" for p in sorted((ROOT / "cli").glob("cmd_*.py")))
        cases = [
            ("python -c pass (interpreter floor)", [py, "-c", "pass"]),
            ("python -c 'import sqlmodel' (database library)", [py, "-c", "import sqlmodel"]),
            ("every command module imported (the old --help)", [py, "-c", old]),
            ("metasift --help", [py, "-m", "cli.app", "--help"]),
            ("metasift no-such-command (argument error)", [py, "-m", "cli.app", "no-such-command"]),
            ("metasift pool --nope (argument error)", [py, "-m", "cli.app", "pool", "--nope"]),
            ("metasift rank --help", [py, "-m", "cli.app", "rank", "--help"]),
            ("metasift status DEMO (SQLite)", [py, "-m", "cli.app", "status", review]),
            ("metasift status DEMO --json (SQLite)", [py, "-m", "cli.app", "status", review, "--json"]),
            ("metasift records DEMO --limit 1 (a command through SQLAlchemy, for comparison)",
             [py, "-m", "cli.app", "records", review, "--limit", "1"]),
        ]
        pg = None
        if args.pg:
            pg = _pg_review(args.pg, Path(tmp), py)
            cases += [("python -c 'import psycopg' (PostgreSQL driver)", [py, "-c", "import psycopg"]),
                      ("metasift status DEMO (PostgreSQL)", [py, "-m", "cli.app", "status", pg[0]]),
                      ("metasift status DEMO --json (PostgreSQL)", [py, "-m", "cli.app", "status", pg[0], "--json"])]
        try:
            print(f"| case | wall, median of {args.runs} (s) | CPU user+sys, median (s) |\n|---|---|---|")
            for label, argv in cases:
                wall, cpu = _time(argv, args.runs)
                print(f"| {label} | {wall:.3f} | {cpu:.3f} |")
        finally:
            if pg is not None:
                _drop(args.pg, pg[1])
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
