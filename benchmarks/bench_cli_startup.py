"""Start-up time of the `metasift` command: ``--help``, argument errors, ``status`` on the demo review.

    python benchmarks/bench_cli_startup.py [--runs 7]

Each case runs in a fresh interpreter (median wall time of ``--runs``). Next to them, the floor a user pays
anyway: ``python -c pass`` and ``python -c "import sqlmodel"`` (the database library any review command
needs), and the old start-up that imported every command module (``import cli.cmd_*`` all at once).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _time(argv: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(argv, cwd=ROOT, capture_output=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    py = sys.executable
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
            ("metasift status DEMO", [py, "-m", "cli.app", "status", review]),
            ("metasift status DEMO --json", [py, "-m", "cli.app", "status", review, "--json"]),
        ]
        print(f"| case | median of {args.runs} (s) |\n|---|---|")
        for label, argv in cases:
            print(f"| {label} | {_time(argv, args.runs):.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
