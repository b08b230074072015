"""Benchmark: hostile and huge files through ``metasift import``, next to the reader a user would otherwise try.

Each case's input is generated at full size (tests/hostile_inputs.py) and imported into a new SQLite review by
``metasift import`` in its own process; the same file goes to the plain library a script would use (pandas for
spreadsheets and CSV, ElementTree for XML). Every process runs with a 60 s timeout and a 3 GB address-space
limit (so a runaway reader is stopped, not the machine); reported: wall time, peak resident memory (ru_maxrss
of the process), exit status and the first line of the message.

    python benchmarks/bench_import_hostile.py [--only NAME ...] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import hostile_inputs as h  # noqa: E402

TIMEOUT = 60
LIMIT = 3 << 30

CASES = {
    "xlsx_dimension_XFD1048576": (lambda d: h.xlsx_dimension_claim(d / "dimension.xlsx"), "excel"),
    "xlsx_cell_at_XFD4000": (lambda d: h.xlsx_far_cell(d / "far.xlsx"), "excel"),
    "xlsx_shared_strings_1GB": (lambda d: h.xlsx_shared_strings_bomb(d / "sst.xlsx"), "excel"),
    "gzip_bomb_2GB_one_element": (lambda d: h.gzip_bomb(d / "bomb.xml.gz"), "etree"),
    "gzip_200M_blank_lines": (lambda d: h.gzip_blank_lines(d / "blank.xml.gz"), "etree"),
    "csv_200MB_one_line": (lambda d: h.single_line_csv(d / "line.csv"), "csv"),
    "endnote_xml_200MB_120k": (lambda d: h.endnote_xml(d / "endnote.xml", abstract_chars=1100), "etree"),
    "xml_billion_laughs": (lambda d: h.billion_laughs(d / "lol.xml"), "etree"),
}

_OTHER = {
    "excel": "import pandas, sys; print(len(pandas.read_excel(sys.argv[1], engine='openpyxl')))",
    "csv": "import pandas, sys; print(len(pandas.read_csv(sys.argv[1])))",
    "etree": ("import gzip, sys, xml.etree.ElementTree as ET; p = sys.argv[1]; "
              "f = gzip.open(p) if p.endswith('.gz') else open(p, 'rb'); print(len(ET.parse(f).getroot()))"),
}


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT))


def run(cmd: list[str]) -> tuple[float, int, str, str, float]:
    """(seconds, peak RSS in MB, status, first line of output, CPU seconds) of ``cmd`` run with the limits."""
    t0 = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, preexec_fn=_limit, cwd=ROOT)
    try:
        out, _ = proc.communicate(timeout=TIMEOUT)
        status = f"exit {proc.returncode}" if proc.returncode >= 0 else f"signal {-proc.returncode}"
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
        status = f"timeout {TIMEOUT} s"
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    rss = after.ru_maxrss // 1024  # high-water mark of all children (one child per helper process)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    lines = [ln for ln in out.decode("utf-8", "replace").splitlines() if ln.strip()]
    msg = next((ln for ln in lines if "error" in ln.lower() or "Error" in ln), lines[-1] if lines else "")
    return wall, rss, status, msg[:160], cpu


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", nargs="*", default=None)
    ap.add_argument("--keep", type=Path, default=None)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="metasift_hostile_"))
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print("| case | input | metasift: wall (CPU), peak RSS, status, message | other reader: wall (CPU), peak RSS, "
          "status |")
    print("|---|---|---|---|")
    try:
        for name, (make, other) in CASES.items():
            if args.only and name not in args.only:
                continue
            path = make(work)
            review = work / f"{name}.metasift"
            for _ in range(3):  # (the machine is shared: retry a failed start once or twice)
                init = subprocess.run([sys.executable, "-m", "cli.app", "init", str(review)], cwd=ROOT,
                                      capture_output=True, text=True)
                if init.returncode == 0:
                    break
                time.sleep(2)
            else:
                raise SystemExit(f"metasift init failed: {init.stderr[-500:]}")
            # each measurement in a fresh helper process, so ru_maxrss is that run's own high-water mark
            ms = _measured([sys.executable, "-m", "cli.app", "import", str(review), str(path)])
            ot = _measured([sys.executable, "-c", _OTHER[other], str(path)])
            size = path.stat().st_size
            print(f"| {name} | {size / 1e6:,.1f} MB | {ms[0]:.1f} s ({ms[4]:.1f} s), {ms[1]} MB, {ms[2]}: {ms[3]} | "
                  f"{ot[0]:.1f} s ({ot[4]:.1f} s), {ot[1]} MB, {ot[2]} ({_OTHER_NAME[other]}) |", flush=True)
            path.unlink()
    finally:
        if args.keep:
            shutil.copytree(work, args.keep, dirs_exist_ok=True)
        shutil.rmtree(work, ignore_errors=True)


_OTHER_NAME = {"excel": "pandas.read_excel/openpyxl", "csv": "pandas.read_csv", "etree": "ElementTree.parse"}


def _measured(cmd: list[str]) -> tuple[float, int, str, str, float]:
    helper = ("import sys, json; sys.path.insert(0, sys.argv[1]); import bench_import_hostile as b; "
              "print(json.dumps(b.run(sys.argv[2:])))")
    out = subprocess.run([sys.executable, "-c", helper, str(Path(__file__).parent), *cmd], capture_output=True,
                         text=True, cwd=ROOT).stdout
    import json

    wall, rss, status, msg, cpu = json.loads(out.strip().splitlines()[-1])
    return wall, rss, status, msg.replace("|", "/"), cpu


if __name__ == "__main__":
    main()
