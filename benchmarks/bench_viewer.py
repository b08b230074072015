"""The PDF viewer beside the coding form (issue 16): how long the next record takes to appear when every
record has a PDF, and how long the page and the statistics take in the background (offscreen Qt).

The worked demo review; each report at extraction gets a 4-page PDF (prose results, a correlation matrix, a
table named by its statistics, a page set as a picture). The selection moves down the reports list (what
the arrow key does), ``--rounds`` times: "next record shown" is the GUI thread's work from the move until the
new record's form is on screen (the viewer and the Found list only start their background work); "page
rendered" and "statistics listed" are measured from the same move until the background results are drawn.
Target: next record within 50 ms. Measured here, not asserted in a test.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_viewer.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

PAGES = [
    "Results. The client-rated WAI at session 3 predicted BDI-II change, r(56) = .41, p = .001, and the therapist-"
    "rated alliance less so, r(56) = .22, p = .10. Drop-out was unrelated to the alliance, t(56) = 1.10, p = .28. "
    "The time by alliance interaction was significant, F(2, 112) = 4.51, p = .013. " * 4,
    "Table 2\nIntercorrelations (N = 58)\nMeasure\tM\tSD\t1\t2\t3\n1. WAI-SR client\t5.1\t0.8\t—\n"
    "2. WAI-SR therapist\t4.8\t0.9\t.38**\t—\n3. BDI-II change\t8.2\t6.1\t−.41**\t−.22\t—\nNote. **p < .01.",
    "Table 3\nAlliance and outcome by session\nSession\tr\tp\tn\n3\t.41\t.001\t58\n7\t.35\t.007\t56\n12\t.29\t.03\t53",
    "Supplement, scanned: r(50) = .33, p = .02",
]


def _wait(app, cond, timeout: float = 60.0) -> None:  # noqa: ANN001
    end = time.perf_counter() + timeout
    while not cond():
        app.processEvents()
        if time.perf_counter() > end:
            raise TimeoutError
        time.sleep(0.0005)


def _stats(ms: list[float]) -> str:
    return (f"median {statistics.median(ms):7.1f} ms, 90th {sorted(ms)[int(0.9 * (len(ms) - 1))]:7.1f} ms, "
            f"max {max(ms):7.1f} ms (n = {len(ms)})")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3, help="passes down the reports list")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp()
    os.environ["METASIFT_HOME"] = tmp
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, tmp)
    from extraction.demo_worked import build_worked_demo
    from gui import background
    from gui.main_window import MainWindow
    from gui.settings import Settings
    from screening.fulltext import store
    from tests.pdf_factory import write_pdf

    app = QApplication.instance() or QApplication([])
    db = build_worked_demo(Path(tmp) / "worked")
    window = MainWindow(db, Settings(reviewer="bench"))
    window.resize(1280, 800)
    window.show()
    screen = window.show_screen("extraction")
    _wait(app, lambda: screen.snapshot is not None and background.running() == 0)
    records = [r.record for r in screen.reports.items]
    for k, rid in enumerate(records):
        pdf = Path(tmp) / f"r{rid}.pdf"
        write_pdf(pdf, [PAGES[0].replace("r(56) = .41", f"r(56) = .{40 + k}")] + PAGES[1:], font="dejavu",
                  title=f"report {rid}", pictures=frozenset({3}))
        store.attach(db, rid, pdf, "bench")
    screen.reports_view.selectRow(0)
    _wait(app, lambda: background.running() == 0)
    shown, rendered, listed = [], [], []
    viewer, found = screen.viewer, screen.found
    for _ in range(args.rounds):
        for step in range(len(records)):
            target = (step + 1) % len(records)
            last = viewer.last
            app.processEvents()
            t0 = time.perf_counter()
            screen.reports_view.selectRow(target)  # what the arrow key does: the selection moves
            want = records[target]
            _wait(app, lambda want=want: viewer.record == want and found.record == want)
            shown.append((time.perf_counter() - t0) * 1000)
            _wait(app, lambda last=last: viewer.last is not last and viewer.last is not None and not viewer.loading)
            rendered.append((time.perf_counter() - t0) * 1000)
            _wait(app, lambda: background.running() == 0)
            listed.append((time.perf_counter() - t0) * 1000)
    print(f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.2f}; {len(records)} reports with a 4-page PDF each")
    print(f"next record shown (GUI thread)        {_stats(shown)}")
    print(f"page rendered (background, from move)  {_stats(rendered)}")
    print(f"statistics listed (from move)         {_stats(listed)}")
    print(f"statistics on the last record: {len(found.stats)}; notes: "
          f"{[found.list.item(i).text() for i in range(len(found.stats), found.list.count())]}")
    window.close()
    db.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
