"""What every review screen shares: the open review, the settings, who is working, and change notices."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QInputDialog, QLineEdit, QWidget

from db.changes import Topic
from db.engine import ReviewDB
from gui.background import Task, Work, run_task
from gui.settings import Settings


class ReviewContext(QObject):
    """Screens call the core through `run`/`write`; a write names the `Topic` values it changes and the
    context emits ``changed(topic)`` for each once it succeeded (after its ``on_done``), so the other screens
    refresh."""

    changed = Signal(str)
    message = Signal(str)  # a short status-bar note

    def __init__(self, db: ReviewDB, settings: Settings, window: QWidget) -> None:
        super().__init__(window)
        self.db = db
        self.settings = settings
        self.window = window

    def who(self) -> str | None:
        """The reviewer's name; asks once when it is not set yet (None when the person declines): a pick from
        the review's roster once a lead manages it, else a typed name."""
        if not self.settings.reviewer:
            from screening import team

            with self.db.session() as session:
                managed = team.managed(session)
            names = [s.name for s in team.roster(self.db)] if managed else []
            if names:
                name, ok = QInputDialog.getItem(self.window, "Who are you?", "Pick yourself from the team "
                                                "(stored with every decision you make):", names, 0, False)
            else:
                name, ok = QInputDialog.getText(self.window, "Who are you?",
                                                "Your name (stored with every decision you make):",
                                                QLineEdit.EchoMode.Normal, "")
            if not ok or not name.strip():
                return None
            self.settings.reviewer = name.strip()
            self.settings.save()
            self.db.viewer = self.settings.reviewer
        return self.settings.reviewer

    def run(self, title: str, fn: Work, **kw: Any) -> Task:
        """Read in the background (see `gui.background.run_task`)."""
        return run_task(title, fn, parent=self.window, **kw)

    def write(self, title: str, fn: Work, changes: Iterable[Topic] = (), **kw: Any) -> Task:
        """Write through the serial write pool; on success announce ``changes``."""
        task = run_task(title, fn, parent=self.window, write=True, **kw)
        topics = tuple(changes)
        if topics:
            task.succeeded.connect(lambda _result: self.announce(*topics))
        return task

    def announce(self, *topics: Topic) -> None:
        """Tell the screens that ``topics`` changed (for what changed without a write of this window)."""
        for topic in topics:
            self.changed.emit(topic)
