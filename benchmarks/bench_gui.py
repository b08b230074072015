"""GUI latency on the demo review (offscreen): window open, screen switch, M-key merge to stored, queue reload;
and on a 100,000-record review: first paint with the Records screen, resident memory, next-record latency.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_gui.py [--review PATH]
    QT_QPA_PLATFORM=offscreen python benchmarks/bench_gui.py --big [--copies 100] [--big-review PATH]

``--big`` imports ``benchmarks/bench_import.make_file(copies)`` (1,000 records per copy) into a new review
(or reuses ``--big-review``), then measures in a fresh process. Latency is measured here, not asserted in tests.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _wait(app, cond, timeout: float = 60.0) -> None:  # noqa: ANN001
    end = time.perf_counter() + timeout
    while not cond():
        app.processEvents()
        if time.perf_counter() > end:
            raise TimeoutError
        time.sleep(0.001)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--review", help="an existing review (default: a fresh demo review)")
    ap.add_argument("--big", action="store_true", help="the 100,000-record benchmark (see the module docstring)")
    ap.add_argument("--copies", type=int, default=100, help="with --big: 1,000 records per copy")
    ap.add_argument("--big-review", help="with --big: reuse this review instead of importing a new one")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return big_child(args.child)
    if args.big:
        return big(args.copies, args.big_review)
    tmp = tempfile.mkdtemp()
    os.environ["METASIFT_HOME"] = tmp
    from PySide6.QtCore import QSettings, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, tmp)
    from db.engine import open_review
    from gui import background
    from gui.main_window import MainWindow
    from gui.settings import Settings
    from screening import duplicates
    from screening.demo import build_demo_review

    app = QApplication.instance() or QApplication([])
    db = open_review(args.review) if args.review else build_demo_review(Path(tmp) / "demo")
    summary = duplicates.run_dedup(db, who="bench")
    for g in [g for g in summary.auto_groups if len(g) == 2][:3]:
        duplicates.undo(db, g[0], g[1], "bench")
    rows = []
    t0 = time.perf_counter()
    window = MainWindow(db, Settings(reviewer="bench"))
    window.show()
    window.activateWindow()
    _wait(app, lambda: background.running() == 0)
    rows.append(("open window + load all screens", time.perf_counter() - t0))
    for key in ("import", "duplicates", "samples", "records"):
        t0 = time.perf_counter()
        window.show_screen(key)
        app.processEvents()
        _wait(app, lambda: background.running() == 0)
        rows.append((f"switch to {key}", time.perf_counter() - t0))
    screen = window.show_screen("duplicates")
    if screen.queue.rowCount():
        a, b = screen.current_pair()
        screen.queue_view.setFocus()
        app.processEvents()
        t0 = time.perf_counter()
        QTest.keyClick(screen.queue_view, Qt.Key.Key_M)
        rows.append(("M key -> next pair shown", time.perf_counter() - t0))
        _wait(app, lambda: duplicates.history(db, a, b)[-1].decision == "confirmed")
        rows.append(("M key -> merge stored", time.perf_counter() - t0))
        _wait(app, lambda: background.running() == 0)
        rows.append(("M key -> queue reloaded", time.perf_counter() - t0))
    for name, secs in rows:
        print(f"{name:34s} {secs * 1000:9.1f} ms")
    window.close()
    db.close()
    return 0


# -- the 100,000-record review ------------------------------------------------------------------------------
def _rss_mb() -> tuple[float, float]:
    """(current, peak) resident memory of this process in MB."""
    now = peak = 0.0
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                now = int(line.split()[1]) / 1024
            elif line.startswith("VmHWM:"):
                peak = int(line.split()[1]) / 1024
    return now, peak


def _stats(values: list[float]) -> str:
    ms = sorted(v * 1000 for v in values)
    p95 = ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))]
    return f"median {statistics.median(ms):7.1f} ms   p95 {p95:7.1f} ms   max {ms[-1]:7.1f} ms   (n={len(ms)})"


def big(copies: int, review: str | None) -> int:
    """Build (or reuse) the large review, then measure it in a fresh process (so memory is the app's own)."""
    if review is None:
        from benchmarks.bench_import import make_file
        from db.engine import create_review
        from screening.importing import import_file

        work = Path(tempfile.mkdtemp(prefix="metasift-bench-gui-"))
        ris = work / "big.ris"
        make_file(copies, ris)
        t0 = time.perf_counter()
        db = create_review(work / "big.metasift", title=f"{copies * 1000:,}-record benchmark")
        n = import_file(db, ris).records
        db.close()
        review = str(work / "big.metasift")
        print(f"imported {n:,} records in {time.perf_counter() - t0:.1f} s -> {review}")
    return subprocess.call([sys.executable, __file__, "--child", review])


def big_child(review: str) -> int:
    tmp = tempfile.mkdtemp()
    os.environ["METASIFT_HOME"] = tmp
    t_start = time.perf_counter()
    from PySide6.QtCore import QEvent, QObject, QSettings, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, tmp)
    from db.engine import open_review
    from gui import background
    from gui.main_window import MainWindow
    from gui.settings import Settings

    app = QApplication.instance() or QApplication([])
    rss_qt, _ = _rss_mb()
    t0 = time.perf_counter()
    db = open_review(review)
    window = MainWindow(db, Settings(reviewer="bench"))
    painted: list[float] = []

    class PaintSpy(QObject):
        def eventFilter(self, obj, event):  # noqa: ANN001, N802 - Qt override
            if event.type() == QEvent.Type.Paint and not painted:
                painted.append(time.perf_counter())
            return False

    spy = PaintSpy()
    window.records.table.viewport().installEventFilter(spy)
    window.show()
    _wait(app, lambda: bool(painted))
    first_paint = painted[0] - t0
    rss_paint, _ = _rss_mb()
    rows = [("records", f"{window.records.model.rowCount():,}"),
            ("import of Qt + app modules", f"{t0 - t_start:7.2f} s (before the clock starts; RSS {rss_qt:.0f} MB)"),
            ("open review -> first paint (Records)", f"{first_paint:7.2f} s   (target < 2 s)"),
            ("resident memory at first paint", f"{rss_paint:7.0f} MB  (target < 600 MB)")]

    t1 = time.perf_counter()
    screen = window.show_screen("screening")
    _wait(app, lambda: screen.queue is not None and screen.current_id() is not None, timeout=300)
    rows.append(("screening queue loaded (outcomes read once)", f"{time.perf_counter() - t1:7.2f} s"))
    screen.setFocus()

    def presses(key: Qt.Key, n: int) -> list[float]:
        out = []
        for _ in range(n):
            t = time.perf_counter()
            QTest.keyClick(screen, key)
            app.processEvents()  # the repaint of the new record
            out.append(time.perf_counter() - t)
            for _ in range(3):  # a reader's pause: let the prefetch of the next records land
                app.processEvents()
                time.sleep(0.002)
        return out

    building = presses(Qt.Key.Key_Right, 100)
    rows.append(("next record (→) while the ranking builds", _stats(building)))
    _wait(app, lambda: screen.ranking.last is not None, timeout=900)
    rows.append(("AI ranking ready after", f"{time.perf_counter() - t1:7.1f} s (background; screening goes on)"))
    rows.append(("resident memory with the ranking", f"{_rss_mb()[0]:7.0f} MB  (peak {_rss_mb()[1]:.0f} MB)"))
    rows.append(("next record (→), 200 presses", _stats(presses(Qt.Key.Key_Right, 200))))
    decided = presses(Qt.Key.Key_E, 100)
    rows.append(("E (exclude) -> next record shown, 100", _stats(decided)))
    _wait(app, lambda: background.running() == 0, timeout=900)
    rows.append(("decisions stored", f"{len(screen.queue.mine):,}"))
    width = max(len(r[0]) for r in rows)
    print(f"\n{'GUI on a large review':{width}}  {review}")
    for name, value in rows:
        print(f"{name:{width}}  {value}")
    window.close()
    db.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
