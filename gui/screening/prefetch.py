"""The records the screening screen shows next, loaded ahead in the background (so a key press only paints)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from PySide6.QtCore import QObject

from gui.background import alive
from gui.context import ReviewContext
from gui.screening import actions
from gui.screening.actions import RecordView
from screening.worklist import ScreeningQueue

CACHE = 64
"""Record views kept (the oldest are dropped first)."""



class RecordCache(QObject):
    """Record id -> `RecordView` for one queue and blind setting; `clear` drops loads still under way."""

    def __init__(self, ctx: ReviewContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.views: dict[int, RecordView] = {}
        self._loading: set[int] = set()
        self._generation = 0

    def clear(self) -> None:
        self.views.clear()
        self._generation += 1

    def drop(self, rid: int) -> None:
        self.views.pop(rid, None)

    def get(self, rid: int, queue: ScreeningQueue, blind: bool) -> RecordView:
        """The view of ``rid``: prefetched, else read now (a few milliseconds)."""
        view = self.views.get(rid)
        if view is None:
            view = self.views[rid] = actions.load_record(self.ctx.db, rid, queue, blind)
        return view

    def prefetch(self, ids: Iterable[int], queue: ScreeningQueue, blind: bool) -> None:
        want = [r for r in dict.fromkeys(ids) if r not in self.views and r not in self._loading]
        if not want:
            return
        self._loading.update(want)
        gen = self._generation

        def done(views: list[RecordView]) -> None:
            self._loading.difference_update(want)
            if gen == self._generation:
                for v in views:
                    self.views.setdefault(v.id, v)
                while len(self.views) > CACHE:
                    self.views.pop(next(iter(self.views)))

        self.ctx.run("Loading the next records", partial(actions.prefetch, self.ctx.db, want, queue, blind),
                     dialog=False, on_done=alive(self, done), on_error=lambda _e: self._loading.difference_update(want))
