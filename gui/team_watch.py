"""Notice what other people store in the open review: a team on PostgreSQL, or a second window or a
`metasift` command on the same file. Every `POLL_MS` a background read compares the review's stamp
(`db.changes`) with the last one; when someone else added or undid something, ``arrived`` carries the
`Changes` so the window can reload what they touched and say who did what.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from db.changes import Changes, Stamp, changes_since, stamp
from gui.background import Task, alive
from gui.context import ReviewContext
from gui.errors import log_error
from screening.decisions import blind_keep

POLL_MS = 15_000


class TeamWatch(QObject):
    """Polls while the review is open; ``stop()`` before the review closes."""

    arrived = Signal(object)  # db.changes.Changes

    def __init__(self, ctx: ReviewContext, interval_ms: int | None = None) -> None:
        super().__init__(ctx)
        self.ctx = ctx
        self.last: Stamp | None = None
        self.busy = False
        self.failures = 0
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS if interval_ms is None else interval_ms)
        self.timer.timeout.connect(self.poll)
        self.timer.start()
        self.poll()  # the baseline: what is there when the review opens is not news

    def poll(self) -> Task | None:
        """Check now (skipped while the previous check still runs)."""
        if self.busy:
            return None
        self.busy = True
        db, before, me = self.ctx.db, self.last, self.ctx.settings.reviewer or ""

        def work() -> Changes:
            if before is None:
                return Changes(stamp(db))
            with db.session() as session:
                keep = blind_keep(db, session)  # counts from a blind stage only of what this member may see
            return changes_since(db, before, me, keep)

        return self.ctx.run("Checking for the team's changes", work, dialog=False,
                            on_done=self._guarded(self._done), on_error=self._guarded(self._failed))

    def stop(self) -> None:
        self.timer.stop()

    def _guarded(self, fn):  # noqa: ANN001, ANN202 - a result may arrive after the window closed the review
        return alive(self, lambda *args: fn(*args) if self.timer.isActive() else None)

    def _done(self, changes: Changes) -> None:
        self.busy = False
        self.failures = 0
        self.last = changes.stamp
        if changes.topics:
            self.arrived.emit(changes)

    def _failed(self, exc: BaseException) -> None:
        """A failed check (the server restarting, a network hiccup) is logged and retried, never a dialog;
        the status bar says so once."""
        self.busy = False
        self.failures += 1
        log_error(exc, "checking for the team's changes")
        if self.failures == 1:
            self.ctx.message.emit(f"Could not check for the team's changes ({exc}); trying again.")
