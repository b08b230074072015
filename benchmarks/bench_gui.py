"""GUI latency on the demo review (offscreen): window open, screen switch, M-key merge to stored, queue reload.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_gui.py [--review PATH]

Latency is measured here, not asserted in tests.
"""

from __future__ import annotations

import argparse
import os
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
    args = ap.parse_args()
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
    for g in [g for g in summary["auto_groups"] if len(g) == 2][:3]:
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


if __name__ == "__main__":
    sys.exit(main())
