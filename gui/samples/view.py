"""The shared-samples screen: suggested links with their evidence, decided with one key, and the samples."""

from __future__ import annotations

from html import escape
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from gui.background import Task
from gui.compare import PairDecisionPanel
from gui.context import ReviewContext
from gui.errors import report_error
from gui.listmodel import list_view
from gui.samples import actions
from gui.samples.model import RECORD_FIELDS, joined_model, suggestions_model
from gui.theme import muted_text

VERB = {"link": "Linked", "reject": "Kept apart:", "undo": "Undid the link decision on"}


class SamplesScreen(QWidget):
    SHORTCUTS = [("L", "Link: the two reports describe the same sample"), ("N", "Not the same sample"),
                 ("U", "Undo your last decision"), ("→ / ↓", "Next suggestion"), ("← / ↑", "Previous suggestion"),
                 ("Ctrl+L", "Look for shared samples (suggest links)")]

    def __init__(self, ctx: ReviewContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.undo_stack: list[tuple[int, int, str]] = []
        self.snapshot: actions.Snapshot | None = None
        self._generation = 0
        self._want: tuple[int, int] | None = None
        self._stale = False

        self.run_button = QPushButton("Suggest links")
        self.run_button.setToolTip("Look for reports of one sample: registrations, named studies, thesis + article, "
                                   "shared authors with the same n (Ctrl+L)")
        self.run_button.clicked.connect(self.suggest)
        self.summary = QLabel()
        self.summary.setObjectName("samples-summary")
        self.summary.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(self.run_button)
        top.addWidget(self.summary, 1)

        self.suggested = suggestions_model(self)
        self.suggested_view = list_view(self.suggested, "link-suggestions")
        for col, width in enumerate((80, 260)):
            self.suggested_view.horizontalHeader().resizeSection(col, width)
        self.joined = joined_model(self)
        self.joined_view = list_view(self.joined, "joined-samples")
        for col, width in enumerate((70, 70)):
            self.joined_view.horizontalHeader().resizeSection(col, width)
        self.lists = QTabWidget()
        self.lists.addTab(self.suggested_view, "Suggested")
        self.lists.addTab(self.joined_view, "Samples of several reports")
        self.lists.currentChanged.connect(lambda _: self._show_current())

        self.right = PairDecisionPanel([("Same sample   (L)", lambda: self.decide("link")),
                                        ("Not the same   (N)", lambda: self.decide("reject"))],
                                       self.undo, self.move)
        self.compare, self.compare_view = self.right.compare, self.right.compare_view
        self.heading, self.placeholder = self.right.heading, self.right.placeholder
        self.link_button, self.reject_button = self.right.buttons
        self.undo_button, self.prev_button, self.next_button = (self.right.undo_button, self.right.prev_button,
                                                                self.right.next_button)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.lists)
        split.addWidget(self.right)
        split.setSizes([520, 740])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 1)

        self.suggested_view.selectionModel().currentRowChanged.connect(lambda *_: self._show_current())
        self.joined_view.selectionModel().currentRowChanged.connect(lambda *_: self._show_current())
        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        for key, slot in ((Qt.Key.Key_L, lambda: self.decide("link")), (Qt.Key.Key_N, lambda: self.decide("reject")),
                          (Qt.Key.Key_U, self.undo), (Qt.Key.Key_Right, lambda: self.move(1)),
                          (Qt.Key.Key_Left, lambda: self.move(-1)), ("Ctrl+L", self.suggest)):
            QShortcut(QKeySequence(key), self, slot, context=context)
        self.reload()

    # -- loading --------------------------------------------------------------------------------
    def reload(self) -> Task:
        self._generation += 1
        gen = self._generation
        return self.ctx.run("Loading shared samples", actions.snapshot(self.ctx.db), dialog=False,
                            on_done=lambda snap: self._apply(snap) if gen == self._generation else None)

    refresh = reload

    def prepare_screenshot(self) -> None:
        """For ``main.py --screenshot --prepare``: run the screen's first step."""
        self.ctx.settings.reviewer = self.ctx.settings.reviewer or "demo"
        self.suggest()

    def mark_stale(self, what: str) -> None:
        self._stale = True

    def shown(self) -> None:
        if self._stale:
            self._stale = False
            self.reload()
        self.suggested_view.setFocus()

    def _apply(self, snap: actions.Snapshot) -> None:
        current = self.current_pair()
        row = max(0, self.suggested_view.currentIndex().row())
        self.snapshot = snap
        want = self._want or current
        self.suggested.set_items(snap.suggestions)
        self.joined.set_items(snap.joined)
        ids = [tuple(s["ids"]) for s in snap.suggestions]
        if want in ids:
            row = ids.index(want)
            if want == self._want:
                self._want = None  # an undone pair stays wanted until a reload shows it again
        if self.suggested.rowCount():
            self.suggested_view.selectRow(min(row, self.suggested.rowCount() - 1))
        if self.joined.rowCount() and not self.joined_view.currentIndex().isValid():
            self.joined_view.selectRow(0)
        self.lists.setTabText(0, f"Suggested ({len(snap.suggestions)})")
        self.lists.setTabText(1, f"Samples of several reports ({len(snap.joined)})")
        self.summary.setText(f"<b>{snap.independent:,}</b> independent samples from {snap.records:,} records "
                             f"(duplicates count once) · <b>{len(snap.suggestions)}</b> suggested links to review"
                             + (f"<br><span style='color:{muted_text(self)}'>{snap.pending_duplicates} duplicate pairs "
                                "still wait on the Duplicates screen; decide them first, or duplicates show up here "
                                "as shared samples.</span>" if snap.pending_duplicates else ""))
        self._show_current()

    # -- showing --------------------------------------------------------------------------------
    def current_pair(self) -> tuple[int, int] | None:
        s = self.suggested.item(self.suggested_view.currentIndex().row())
        return tuple(s["ids"]) if s else None  # type: ignore[return-value]

    def _placeholder(self, text: str) -> None:
        self.placeholder.setText(f"<span style='color:{muted_text(self)}; font-size:14pt'>{text}</span>")
        self.right.setCurrentIndex(0)

    def _show_current(self) -> None:
        on_suggested = self.lists.currentIndex() == 0
        for b in (self.link_button, self.reject_button, self.prev_button, self.next_button):
            b.setEnabled(on_suggested and self.suggested.rowCount() > 0)
        self.undo_button.setEnabled(bool(self.undo_stack))
        if on_suggested:
            self._show_suggestion(self.suggested.item(self.suggested_view.currentIndex().row()))
        else:
            self._show_sample(self.joined.item(self.joined_view.currentIndex().row()))

    def _show_suggestion(self, s: dict[str, Any] | None) -> None:
        if s is None:
            records = self.snapshot.records if self.snapshot else 0
            self._placeholder("No records yet: import exports first." if not records else
                              "No open suggestions. Press “Suggest links” (Ctrl+L) to look for reports "
                              "that share a sample.")
            return
        recs = s["records"]
        self.compare.set_records([f"#{r.get('id')} · {r.get('source_db', '')}" for r in recs], recs, RECORD_FIELDS)
        n = self.suggested.rowCount()
        row = self.suggested_view.currentIndex().row() + 1
        items = "".join(f"<li>{escape(e['detail'])}</li>" for e in s["evidence"])
        self.heading.setText(f"<b>Suggestion {row} of {n}</b> · {escape(s['strength'])} evidence"
                             f"<ul style='margin-top:2px; margin-bottom:2px'>{items}</ul>")
        self.right.setCurrentIndex(1)

    def _show_sample(self, g: dict[str, Any] | None) -> None:
        if g is None:
            self._placeholder("Every report is its own sample so far.")
            return
        recs = g["records"]
        self.compare.set_records([f"#{r['id']} · {r['source_db']}" for r in recs], recs, RECORD_FIELDS)
        self.heading.setText(f"<b>One sample, {len(recs)} reports</b> (linked by you or merged as duplicates)")
        self.right.setCurrentIndex(1)

    def move(self, step: int) -> None:
        view = self.suggested_view if self.lists.currentIndex() == 0 else self.joined_view
        n = view.model().rowCount()
        if n:
            view.selectRow(max(0, min(n - 1, view.currentIndex().row() + step)))

    # -- deciding -------------------------------------------------------------------------------
    def suggest(self) -> Task | None:
        who = self.ctx.who()
        if who is None:
            return None
        self.run_button.setEnabled(False)
        task = self.ctx.write("Suggesting shared-sample links", actions.suggest(self.ctx.db, who),
                              on_done=lambda _: (self.ctx.changed.emit("samples"), self.reload()))
        task.finished.connect(lambda: self.run_button.setEnabled(True))
        return task

    def decide(self, kind: str) -> Task | None:
        if self.lists.currentIndex() != 0:
            return None
        row = self.suggested_view.currentIndex().row()
        pair = self.current_pair()
        who = self.ctx.who() if pair else None
        if pair is None or who is None:
            return None
        self.suggested.remove_row(row)
        if self.suggested.rowCount():
            self.suggested_view.selectRow(min(row, self.suggested.rowCount() - 1))
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
        a, b, _kind = self.undo_stack.pop()
        self._want = (a, b)
        self.lists.setCurrentIndex(0)
        return self._write("undo", (a, b), who)

    def _write(self, kind: str, pair: tuple[int, int], who: str) -> Task:
        a, b = pair

        def failed(exc: BaseException) -> None:
            if kind != "undo" and (a, b, kind) in self.undo_stack:
                self.undo_stack.remove((a, b, kind))
            report_error(self.window(), exc, "Shared samples")

        def done(_row: object) -> None:
            self.ctx.message.emit(f"{VERB[kind]} #{a} and #{b}.")
            self.ctx.changed.emit("samples")

        task = self.ctx.write(f"{kind.capitalize()} #{a} and #{b}", actions.decide(self.ctx.db, kind, a, b, who),
                              dialog=False, on_done=done, on_error=failed)
        task.finished.connect(self.reload)
        return task
