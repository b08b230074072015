"""The shared-samples screen: suggested links with their evidence, decided with one key, and the samples."""

from __future__ import annotations

from functools import partial
from html import escape
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QWidget,
)

from db.changes import Topic
from gui.background import Task
from gui.context import ReviewContext
from gui.listmodel import list_view
from gui.pair_queue import PairQueueScreen
from gui.record_groups import RecordGroup
from gui.samples import actions
from gui.samples.model import RECORD_FIELDS, duplicate_groups_model, joined_model, suggestions_model
from gui.theme import muted_text


class SamplesScreen(PairQueueScreen):
    TOPIC, TITLE = Topic.SAMPLES, "Shared samples"
    ACTIONS = actions
    VERB = {"link": "Linked", "reject": "Kept apart:", "undo": "Undid the link decision on"}
    SHORTCUTS = [("L", "Link: the two reports describe the same sample"), ("N", "Not the same sample"),
                 ("U", "Undo your last decision"), ("→ / ↓", "Next suggestion"), ("← / ↑", "Previous suggestion"),
                 ("Ctrl+L", "Look for shared samples (suggest links)")]

    def __init__(self, ctx: ReviewContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
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

        self.suggested = self.queue = suggestions_model(self)
        self.suggested_view = self.queue_view = list_view(self.suggested, "link-suggestions")
        for col, width in enumerate((80, 260)):
            self.suggested_view.horizontalHeader().resizeSection(col, width)
        self.joined = self.groups = joined_model(self)
        self.joined_view = self.groups_view = list_view(self.joined, "joined-samples")
        for col, width in enumerate((70, 70)):
            self.joined_view.horizontalHeader().resizeSection(col, width)
        self.dup_groups = duplicate_groups_model(self)
        self.dup_groups_view = list_view(self.dup_groups, "duplicate-groups")
        for col, width in enumerate((70, 70)):
            self.dup_groups_view.horizontalHeader().resizeSection(col, width)
        self.dup_groups_view.selectionModel().currentRowChanged.connect(lambda *_: self._show_current())
        self.lists = QTabWidget()
        self.lists.addTab(self.suggested_view, "Suggested")
        self.lists.addTab(self.joined_view, "Shared samples")
        self.lists.addTab(self.dup_groups_view, "Duplicate groups")
        self._assemble(top, [("Same sample   (L)", Qt.Key.Key_L, "link"),
                             ("Not the same   (N)", Qt.Key.Key_N, "reject")], ("Ctrl+L", self.suggest))
        self.link_button, self.reject_button = self.decision_buttons
        self.reload()

    # -- loading --------------------------------------------------------------------------------
    def prepare_screenshot(self) -> None:
        """For ``main.py --screenshot --prepare``: run the screen's first step."""
        self.ctx.settings.reviewer = self.ctx.settings.reviewer or "demo"
        self.suggest()

    def _items(self, snap: actions.Snapshot) -> tuple[list[dict[str, Any]], list[RecordGroup]]:
        return snap.suggestions, snap.joined

    def _summarise(self, snap: actions.Snapshot) -> None:
        c = snap.counts
        self.lists.setTabText(0, f"Suggested ({len(snap.suggestions):,})")
        self.lists.setTabText(1, f"Shared samples ({c.shared_samples:,})")
        self.lists.setTabText(2, f"Duplicate groups ({c.duplicate_groups:,})")
        self.dup_groups.set_items(snap.duplicate_groups)
        if self.dup_groups.rowCount() and not self.dup_groups_view.currentIndex().isValid():
            self.dup_groups_view.selectRow(0)
        self.summary.setText(f"<b>{c.samples:,}</b> independent samples from {c.records:,} records "
                             f"({c.unique:,} unique after deduplication; {c.shared_samples:,} "
                             f"{'sample' if c.shared_samples == 1 else 'samples'} shared by several reports) · "
                             f"<b>{len(snap.suggestions):,}</b> suggested links to review"
                             + (f"<br><span style='color:{muted_text(self)}'>{snap.pending_duplicates} duplicate pairs "
                                "still wait on the Duplicates screen; decide them first, or duplicates show up here "
                                "as shared samples.</span>" if snap.pending_duplicates else ""))

    # -- showing --------------------------------------------------------------------------------
    def _show_pair(self, s: actions.Suggestion | None) -> None:
        if s is None:
            records = self.snapshot.records if self.snapshot else 0
            self._placeholder("No records yet: import exports first." if not records else
                              "No open suggestions. Press “Suggest links” (Ctrl+L) to look for reports "
                              "that share a sample.")
            return
        recs = s.records
        self.compare.set_records([f"#{r.get('id')} · {r.get('source_db', '')}" for r in recs], recs, RECORD_FIELDS)
        n = self.suggested.rowCount()
        row = self.suggested_view.currentIndex().row() + 1
        items = "".join(f"<li>{escape(e['detail'])}</li>" for e in s.evidence)
        self.heading.setText(f"<b>Suggestion {row} of {n}</b> · {escape(s.strength)} evidence"
                             f"<ul style='margin-top:2px; margin-bottom:2px'>{items}</ul>")
        self.right.setCurrentIndex(1)

    def _show_group(self, g: RecordGroup | None, duplicate: bool = False) -> None:
        if g is None:
            self._placeholder("No duplicate groups." if duplicate else "Every report is its own sample so far.")
            return
        recs = g.records
        self.compare.set_records([f"#{r['id']} · {r['source_db']}" for r in recs], recs, RECORD_FIELDS)
        self.heading.setText(f"<b>One record, {len(recs)} copies</b> (merged as duplicates on the Duplicates "
                             "screen)" if duplicate else f"<b>One sample, {g.reports} reports</b> (linked as one "
                             "sample" + (f"; {len(recs)} records with their duplicates)" if len(recs) > g.reports
                                         else ")"))
        self.right.setCurrentIndex(1)

    def _show_current(self) -> None:
        super()._show_current()
        if self.lists.currentIndex() == 2:
            self._show_group(self.dup_groups.item(self.dup_groups_view.currentIndex().row()), duplicate=True)

    def move(self, step: int) -> None:
        if self.lists.currentIndex() != 2:
            super().move(step)
            return
        n = self.dup_groups.rowCount()
        if n:
            self.dup_groups_view.selectRow(max(0, min(n - 1, self.dup_groups_view.currentIndex().row() + step)))

    # -- deciding -------------------------------------------------------------------------------
    def suggest(self) -> Task | None:
        who = self.ctx.who()
        if who is None:
            return None
        self.run_button.setEnabled(False)
        task = self.ctx.write("Suggesting shared-sample links", partial(actions.suggest, self.ctx.db, who),
                              changes=(Topic.SAMPLES,), on_done=lambda _: self.reload())
        task.finished.connect(lambda: self.run_button.setEnabled(True))
        return task
