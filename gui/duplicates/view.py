"""The duplicates screen: find duplicates, then review the queue one cluster at a time (all its records side by
side), one key per decision for the whole cluster, U to undo it."""

from __future__ import annotations

from functools import partial
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTabWidget,
    QWidget,
)

from db.changes import Topic
from gui.background import Task
from gui.context import ReviewContext
from gui.duplicates import actions
from gui.duplicates.model import groups_model, queue_model
from gui.listmodel import list_view
from gui.pair_queue import PairQueueScreen
from gui.record_groups import RecordGroup
from gui.theme import muted_text
from screening import duplicates
from screening.duplicates import SIDE_BY_SIDE


class DuplicatesScreen(PairQueueScreen):
    TOPIC, TITLE = Topic.DUPLICATES, "Duplicates"
    ACTIONS = actions
    VERB = {"same": "One study: the cluster of", "apart": "All different: the cluster of",
            "undo-cluster": "Undid the decision on the cluster of"}
    UNDO_OF = {"same": "undo-cluster", "apart": "undo-cluster"}
    SHORTCUTS = [("M / A", "One study: all records of the cluster are the same study"),
                 ("N / D", "All different: the cluster's groups and records are different studies"),
                 ("U", "Undo your last decision (the whole cluster at once)"), ("→ / ↓", "Next cluster"),
                 ("← / ↑", "Previous cluster"), ("Ctrl+D", "Find duplicates (run deduplication)")]

    def __init__(self, ctx: ReviewContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.run_button = QPushButton("Find duplicates")
        self.run_button.setToolTip("Compare all records (Ctrl+D); decisions you made are kept")
        self.run_button.clicked.connect(self.run_dedup)
        self.summary = QLabel()
        self.summary.setObjectName("dup-summary")
        self.summary.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(self.run_button)
        top.addWidget(self.summary, 1)

        self.queue = queue_model(self)
        self.queue_view = list_view(self.queue, "dup-queue")
        for col, width in enumerate((125, 50, 200, 150)):
            self.queue_view.horizontalHeader().resizeSection(col, width)
        self.queue_view.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.queue_view.horizontalHeader().setStretchLastSection(False)
        self.groups = groups_model(self)
        self.groups_view = list_view(self.groups, "dup-groups")
        for col, width in enumerate((60, 70, 150)):
            self.groups_view.horizontalHeader().resizeSection(col, width)
        self.lists = QTabWidget()
        self.lists.addTab(self.queue_view, "To review")
        self.lists.addTab(self.groups_view, "Groups")
        self._assemble(top, [("One study   (M / A)", Qt.Key.Key_M, "same"),
                             ("All different   (N / D)", Qt.Key.Key_N, "apart")],
                       ("Ctrl+D", self.run_dedup))
        for key, kind in ((Qt.Key.Key_A, "same"), (Qt.Key.Key_D, "apart")):
            QShortcut(QKeySequence(key), self, partial(self.decide, kind),
                      context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.compare_view.setObjectName("dup-compare")
        self.same_button, self.apart_button = self.decision_buttons
        self.reload()

    # -- loading --------------------------------------------------------------------------------
    def prepare_screenshot(self) -> None:
        """For ``main.py --screenshot --prepare``: run the screen's first step."""
        self.ctx.settings.reviewer = self.ctx.settings.reviewer or "demo"
        self.run_dedup()

    def _items(self, snap: actions.Snapshot) -> tuple[list[dict[str, Any]], list[RecordGroup]]:
        return snap.items(), snap.groups

    def _summarise(self, snap: actions.Snapshot) -> None:
        self._update_summary()

    def _update_summary(self, last_run: str = "") -> None:
        snap = self.snapshot
        if snap is None:
            return
        c = snap.counts
        self.lists.setTabText(0, f"To review ({len(snap.clusters)})")
        self.lists.setTabText(1, f"Groups ({c.groups})")
        text = (f"<b>{c.records:,}</b> records · <b>{c.unique:,}</b> unique · {c.duplicates:,} duplicates "
                f"merged in {c.groups:,} groups · <b>{len(snap.clusters):,}</b> clusters to review "
                f"({len(snap.queue):,} candidate pairs)")
        if last_run:
            text += f"<br><span style='color:{muted_text(self)}'>{last_run}</span>"
        self.summary.setText(text)

    # -- showing --------------------------------------------------------------------------------
    def _show_pair(self, entry: actions.QueueRow | None) -> None:
        if entry is None:
            c = self.snapshot.counts if self.snapshot else None
            if c is None or not c.records:
                self._placeholder("No records yet: import exports first (Import tab).")
            elif c.groups:
                self._placeholder("No clusters left to review. The merged groups are under “Groups”.")
            else:
                self._placeholder("Press “Find duplicates” (Ctrl+D) to compare all records.")
            return
        cl = entry.cluster
        group_of = {m: k for k, g in enumerate(cl.groups, 1) for m in g}
        headers = [f"#{i} · {cl.record(i)['source_db']}" + (f" · group {group_of[i]}" if i in group_of else "")
                   for i in cl.ids]
        differs = set(cl.differing())
        self.compare.set_rows(headers, [{"field": f, "values": [v[k] for v in cl.values], "differs": f in differs}
                                        for k, f in enumerate(cl.fields)])
        n = self.queue.rowCount()
        row = self.queue_view.currentIndex().row() + 1
        score = f" · best score {cl.score:.2f}" if cl.score is not None else ""
        merged = (f"; {sum(len(g) for g in cl.groups)} of them already merged in {len(cl.groups)} group"
                  + ("s" if len(cl.groups) > 1 else "")) if cl.groups else ""
        reasons = "<br>".join(f"#{p.ids[0]} / #{p.ids[1]}: " + "; ".join(p.reasons) for p in cl.pairs[:4])
        self.heading.setText(
            f"<b>Cluster {row} of {n}</b>: {len(cl.ids)} records, {len(cl.pairs)} candidate pair"
            + ("s" if len(cl.pairs) > 1 else "") + f"{merged}{score}. One decision: M/A = one study, "
            "N/D = all different"
            + (f"<br><span style='color:{muted_text(self)}'>{reasons}</span>" if reasons else ""))
        self.right.setCurrentIndex(1)

    def _show_group(self, group: RecordGroup | None) -> None:
        if group is None:
            self._placeholder("No duplicate groups yet.")
            return
        kept = actions.kept(self.ctx.db, group.ids)
        records = [kept.to_json()] + group.records
        headers = ["Kept (merged)"] + [f"#{r['id']} · {r['source_db']}" for r in group.records]
        self.compare.set_records(headers, records, SIDE_BY_SIDE)
        self.heading.setText(f"<b>Group of {len(group.ids)} records</b> · kept as #{group.ids[0]}; "
                             "the first column is the merged record (best value of each field)")
        self.right.setCurrentIndex(1)

    # -- deciding -------------------------------------------------------------------------------
    def run_dedup(self) -> Task | None:
        who = self.ctx.who()
        if who is None:
            return None
        self.run_button.setEnabled(False)
        task = self.ctx.write("Finding duplicates", partial(duplicates.run_dedup, self.ctx.db, who),
                              changes=(Topic.DUPLICATES,), on_done=self._dedup_done)
        task.finished.connect(lambda: self.run_button.setEnabled(True))
        return task

    def _dedup_done(self, run: duplicates.DedupRun) -> None:
        self.reload().succeeded.connect(lambda _: self._update_summary(
            f"Last run: {run.stored_auto} automatic merges and {run.stored_queued} "
            f"pairs queued for you ({run.records:,} records compared)."))
