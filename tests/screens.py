"""What the GUI tests share: open the main window on a review and show one screen once it has loaded."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

READY: dict[str, Callable[[Any], bool]] = {
    "screening": lambda s: s.queue is not None and s.current_id() is not None,
    "analysis": lambda s: s.analysis is not None and s.prisma_counts is not None,
}
"""How a screen shows it has loaded, when not by a ``snapshot``."""
WAIT_MS = 20_000


def open_window(qtbot: Any, db: Any, reviewer: str = "Ann", *, settings: Any = None) -> Any:
    """A shown `MainWindow` on ``db`` as ``reviewer``, or with ``settings`` as given (closed with the test)."""
    from gui.main_window import MainWindow
    from gui.settings import Settings

    window = MainWindow(db, Settings(reviewer=reviewer) if settings is None else settings)
    qtbot.addWidget(window)
    window.show()
    return window


def open_screen(qtbot: Any, db: Any, key: str, reviewer: str = "Ann", *,
                timeout: int = WAIT_MS) -> tuple[Any, Any]:
    """A shown `MainWindow` on ``db`` as ``reviewer`` with screen ``key`` loaded; returns (window, screen)."""
    window = open_window(qtbot, db, reviewer)
    screen = window.show_screen(key)
    ready = READY.get(key, lambda s: s.snapshot is not None)
    qtbot.waitUntil(lambda: ready(screen), timeout=timeout)
    return window, screen


def wait_idle(qtbot: Any, timeout: int = WAIT_MS) -> None:
    """Wait until no background task is running (loads, renders, statistics)."""
    from gui import background

    qtbot.waitUntil(lambda: background.running() == 0, timeout=timeout)


def extraction_on(qtbot: Any, db: Any, record: int, reviewer: str = "bob") -> Any:
    """The Extraction screen of a shown window on ``db`` with ``record``'s report selected and its PDF and
    statistics loaded."""
    window = open_window(qtbot, db, reviewer)
    screen = window.show_screen("extraction")
    qtbot.waitUntil(lambda: screen.snapshot is not None, timeout=WAIT_MS)
    screen.reports_view.selectRow([r.record for r in screen.reports.items].index(record))
    wait_idle(qtbot)
    return screen


def save_form(qtbot: Any, screen: Any, label: str, moderators: dict[str, str]) -> None:
    """Give the Extraction form's effect ``label`` and ``moderators`` (typed as a coder would) and save it."""
    form = screen.form
    form.label.setText(label)
    for name, value in moderators.items():
        form.mods[name].setEditText(value)
    form.update_preview()
    assert screen.save_button.isEnabled(), form.messages.text()
    screen.save()
    wait_idle(qtbot)
