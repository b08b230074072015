"""Run Python's cyclic garbage collector on the GUI thread only.

Python collects reference cycles on whichever thread happens to allocate when a generation's threshold is
crossed. In the app that is often a background task (`gui.background`) building a study table or a
feature matrix; if the garbage it then frees holds Qt objects (a screen's closures, a matplotlib canvas
and its figure refer to each other), their C++ side is destroyed on that worker thread, and Qt crashes
the process (seen as a segmentation fault while two screens loaded at once). PySide cannot prevent it;
the usual remedy in Qt applications written in Python is to switch automatic collection off and collect
from a timer on the GUI thread, generation by generation, with the interpreter's own thresholds. That is
what `collect_on_gui_thread` installs. Reference counting still frees everything that is not in a cycle
at once, on any thread; only cycles wait for the GUI thread (at most `INTERVAL_MS`).
"""

from __future__ import annotations

import gc
import time

from PySide6.QtCore import QCoreApplication, QObject, QTimer

INTERVAL_MS = 500
FULL_SHARE = 0.05
"""At most this share of the time goes to full (oldest-generation) collections, which scan the whole heap."""
_GUARD: _Collector | None = None
_next_full = 0.0  # time.monotonic() before which a due full collection is done as a generation-1 one


def collect_if_due() -> int:
    """Collect the oldest generation whose allocation count passed its threshold; return the number of
    unreachable objects found (0 when nothing was due). Call on the GUI thread only.

    The interpreter avoids full collections on large heaps by a rule Python code cannot read (pending
    long-lived objects); here a full collection is instead spaced so that it takes at most `FULL_SHARE`
    of the time, keeping the window responsive while a large review is in memory.
    """
    global _next_full
    if gc.isenabled():  # someone switched automatic collection back on (a finished import does not)
        gc.disable()
    thresholds = gc.get_threshold()
    counts = gc.get_count()
    due = -1
    for generation in range(3):
        if counts[generation] > thresholds[generation]:
            due = generation
    if due < 0:
        return 0
    if due == 2:
        now = time.monotonic()
        if now < _next_full:
            return gc.collect(1)
        found = gc.collect(2)
        cost = time.monotonic() - now
        _next_full = now + cost / FULL_SHARE
        return found
    return gc.collect(due)


class _Collector(QObject):
    def __init__(self, app: QCoreApplication) -> None:
        super().__init__(app)
        self.setObjectName("metasift-gc")
        self.timer = QTimer(self)
        self.timer.setInterval(INTERVAL_MS)
        self.timer.timeout.connect(collect_if_due)
        self.timer.start()


def collect_on_gui_thread() -> bool:
    """Switch automatic collection off and collect on the GUI thread from now on (idempotent; needs a
    running QApplication). Returns False, changing nothing, when there is no application yet."""
    global _GUARD
    app = QCoreApplication.instance()
    if app is None:
        return False
    if not _belongs_to(_GUARD, app):
        _GUARD = _Collector(app)
    gc.disable()
    return True


def _belongs_to(guard: _Collector | None, app: QCoreApplication) -> bool:
    try:
        return guard is not None and guard.parent() is app
    except RuntimeError:  # its application was destroyed (tests create a new one)
        return False


def installed() -> bool:
    """Whether collection currently runs on the GUI thread's timer."""
    app = QCoreApplication.instance()
    return app is not None and _belongs_to(_GUARD, app) and not gc.isenabled() and _GUARD.timer.isActive()
