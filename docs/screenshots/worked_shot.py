"""What the screenshot scripts share: the worked demo review in a fresh METASIFT_HOME with its QApplication,
and waiting until the window's background work is done."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def worked_demo() -> tuple[Any, Any, Path]:
    """(QApplication, the worked demo's ReviewDB, the temporary home folder)."""
    tmp = Path(tempfile.mkdtemp())
    os.environ["METASIFT_HOME"] = str(tmp)
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(tmp))
    from extraction.demo_worked import build_worked_demo

    app = QApplication.instance() or QApplication([])
    return app, build_worked_demo(tmp / "worked"), tmp


def idle(app: Any, cond: Callable[[], bool] = lambda: True, seconds: float = 60) -> None:
    """Process events until no background task runs and ``cond()`` holds (at most ``seconds``)."""
    from gui import background

    end = time.perf_counter() + seconds
    while not (background.running() == 0 and cond()) and time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.005)
    for _ in range(20):
        app.processEvents()
