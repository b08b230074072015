"""What the Duplicates and Shared-samples screens share: a queue of candidate pairs and a list of decided
groups on the left, a `PairDecisionPanel` on the right, one key per decision, undo, background reloads of
which only the newest is shown, and decisions written by the serial writer while the next pair shows."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QLayout, QSplitter, QTableView, QTabWidget, QVBoxLayout, QWidget

from db.changes import Topic
from gui.background import Task
from gui.compare import PairDecisionPanel
from gui.context import ReviewContext
from gui.errors import report_error
from gui.listmodel import ListTableModel
from gui.refreshing import Refreshing
from gui.theme import muted_text


class PairQueueScreen(Refreshing, QWidget):
    """Base of a pair-review screen. Subclasses build ``queue``/``queue_view`` (tab 0) and
    ``groups``/``groups_view`` (tab 1) in ``lists``, call `_assemble`, and fill in the hooks below."""

    TOPIC: Topic
    """What the screen's decisions change (the name sent on ``ctx.changed``)."""
    TITLE = ""
    """The screen's name in error dialogs."""
    VERB: dict[str, str] = {}
    UNDO_OF: dict[str, str] = {}  # the undo kind of a decision kind that is not a plain pair's ("undo")
    """Past-tense message prefix per decision kind (and "undo")."""
    ACTIONS: Any = None
    """The screen's actions module: ``snapshot(db)`` and ``decide(db, kind, a, b, who)`` background actions."""

    queue: ListTableModel
    queue_view: QTableView
    groups: ListTableModel
    groups_view: QTableView
    lists: QTabWidget

    def __init__(self, ctx: ReviewContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.undo_stack: list[tuple[int, int, str]] = []
        self.snapshot: Any = None
        self._want: tuple[int, int] | None = None

    # -- hooks ----------------------------------------------------------------------------------
    def _items(self, snap: Any) -> tuple[list[dict[str, Any]], list[Any]]:
        """(queue entries, groups) of a snapshot; each queue entry has ``ids``: the pair."""
        raise NotImplementedError

    def _summarise(self, snap: Any) -> None:
        """Show the snapshot's counts (tab titles, summary line)."""

    def _show_pair(self, entry: dict[str, Any] | None) -> None:
        raise NotImplementedError

    def _show_group(self, group: dict[str, Any] | None) -> None:
        raise NotImplementedError

    # -- building -------------------------------------------------------------------------------
    def _assemble(self, top: QLayout, decisions: list[tuple[str, Qt.Key, str]],
                  run: tuple[str, Callable[[], object]]) -> None:
        """Right-hand panel with one button and key per (label, key, kind) in ``decisions``, the splitter
        and layout under ``top``, and the keys: decisions, U undo, arrows to move, ``run`` (key, slot)."""
        self.right = PairDecisionPanel([(label, lambda k=kind: self.decide(k)) for label, _key, kind in decisions],
                                       self.undo, self.move)
        self.compare, self.compare_view = self.right.compare, self.right.compare_view
        self.heading, self.placeholder = self.right.heading, self.right.placeholder
        self.decision_buttons = tuple(self.right.buttons)
        self.undo_button, self.prev_button, self.next_button = (self.right.undo_button, self.right.prev_button,
                                                                self.right.next_button)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.lists)
        split.addWidget(self.right)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        split.setSizes([520, 740])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 1)

        self.lists.currentChanged.connect(lambda _: self._show_current())
        self.queue_view.selectionModel().currentRowChanged.connect(lambda *_: self._show_current())
        self.groups_view.selectionModel().currentRowChanged.connect(lambda *_: self._show_current())
        keys: list[tuple[Any, Callable[[], object]]] = [(key, lambda k=kind: self.decide(k))
                                                        for _label, key, kind in decisions]
        keys += [(Qt.Key.Key_U, self.undo), (Qt.Key.Key_Right, lambda: self.move(1)),
                 (Qt.Key.Key_Left, lambda: self.move(-1)), run]
        for key, slot in keys:
            QShortcut(QKeySequence(key), self, slot, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)

    # -- loading --------------------------------------------------------------------------------
    def reload(self) -> Task:
        """Reload the snapshot in the background; only the newest reload is shown."""
        current = self.newest()
        return self.ctx.run(f"Loading {self.TITLE.lower()}", partial(self.ACTIONS.snapshot, self.ctx.db), dialog=False,
                            on_done=current(self._apply))

    def focus_when_shown(self) -> None:
        self.queue_view.setFocus()

    def _apply(self, snap: Any) -> None:
        """Show a snapshot, keeping the current pair (or the one an undo brought back) selected."""
        current = self.current_pair()
        row = max(0, self.queue_view.currentIndex().row())
        self.snapshot = snap
        want = self._want or current
        queue, groups = self._items(snap)
        self.queue.set_items(queue)
        self.groups.set_items(groups)
        ids = [e.ids for e in queue]
        if want in ids:
            row = ids.index(want)
            if want == self._want:
                self._want = None  # an undone pair stays wanted until a reload shows it again
        if self.queue.rowCount():
            self.queue_view.selectRow(min(row, self.queue.rowCount() - 1))
        if self.groups.rowCount() and not self.groups_view.currentIndex().isValid():
            self.groups_view.selectRow(0)
        self._summarise(snap)
        self._show_current()

    # -- showing --------------------------------------------------------------------------------
    def current_pair(self) -> tuple[int, int] | None:
        entry = self.queue.item(self.queue_view.currentIndex().row())
        return entry.ids if entry else None

    def _show_current(self) -> None:
        on_queue = self.lists.currentIndex() == 0
        for b in (*self.decision_buttons, self.prev_button, self.next_button):
            b.setEnabled(on_queue and self.queue.rowCount() > 0)
        self.undo_button.setEnabled(bool(self.undo_stack))
        if on_queue:
            self._show_pair(self.queue.item(self.queue_view.currentIndex().row()))
        else:
            self._show_group(self.groups.item(self.groups_view.currentIndex().row()))

    def _placeholder(self, text: str) -> None:
        self.placeholder.setText(f"<span style='color:{muted_text(self)}; font-size:14pt'>{text}</span>")
        self.right.setCurrentIndex(0)

    def move(self, step: int) -> None:
        view = self.queue_view if self.lists.currentIndex() == 0 else self.groups_view
        n = view.model().rowCount()
        if n:
            view.selectRow(max(0, min(n - 1, view.currentIndex().row() + step)))

    # -- deciding -------------------------------------------------------------------------------
    def decide(self, kind: str) -> Task | None:
        """Decide the current pair: its row goes at once, the next pair shows, the serial writer stores it."""
        if self.lists.currentIndex() != 0:
            return None
        row = self.queue_view.currentIndex().row()
        pair = self.current_pair()
        who = self.ctx.who() if pair else None
        if pair is None or who is None:
            return None
        self.queue.remove_row(row)
        if self.queue.rowCount():
            self.queue_view.selectRow(min(row, self.queue.rowCount() - 1))
        self.undo_stack.append((pair[0], pair[1], kind))
        self._want = None
        self._show_current()
        return self._write(kind, pair, who)

    def undo(self) -> Task | None:
        if not self.undo_stack:
            self.ctx.message.emit("Nothing to undo.")
            return None
        who = self.ctx.who()
        if who is None:
            return None
        a, b, kind = self.undo_stack.pop()
        self._want = (a, b)
        self.lists.setCurrentIndex(0)
        return self._write(self.UNDO_OF.get(kind, "undo"), (a, b), who)

    def _write(self, kind: str, pair: tuple[int, int], who: str) -> Task:
        a, b = pair

        def failed(exc: BaseException) -> None:
            if kind != "undo" and (a, b, kind) in self.undo_stack:
                self.undo_stack.remove((a, b, kind))
            report_error(self.window(), exc, self.TITLE)

        def done(_row: object) -> None:
            self.ctx.message.emit(f"{self.VERB[kind]} #{a} and #{b}.")

        task = self.ctx.write(f"{kind.capitalize()} #{a} and #{b}",
                              partial(self.ACTIONS.decide, self.ctx.db, kind, a, b, who),
                              changes=(self.TOPIC,), dialog=False, on_done=done, on_error=failed)
        task.finished.connect(self.reload)
        return task
