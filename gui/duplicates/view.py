"""The duplicates screen: find duplicates, then review queued pairs side by side with one key per decision."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
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
from gui.duplicates import actions
from gui.duplicates.model import groups_model, queue_model
from gui.errors import report_error
from gui.listmodel import list_view
from gui.theme import muted_text
from screening.duplicates import SIDE_BY_SIDE

VERB = {"merge": "Merged", "reject": "Marked as different:", "undo": "Undid the decision on"}


class DuplicatesScreen(QWidget):
    SHORTCUTS = [("M", "Merge: the two records are the same report"), ("N", "Not duplicates"),
                 ("U", "Undo your last decision"), ("→ / ↓", "Next pair"), ("← / ↑", "Previous pair"),
                 ("Ctrl+D", "Find duplicates (run deduplication)")]

    def __init__(self, ctx: ReviewContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.undo_stack: list[tuple[int, int, str]] = []
        self.snapshot: actions.Snapshot | None = None
        self._generation = 0
        self._want: tuple[int, int] | None = None
        self._stale = False

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
        for col, width in enumerate((90, 50, 200, 150)):
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
        self.lists.currentChanged.connect(lambda _: self._show_current())

        self.right = PairDecisionPanel([("Merge   (M)", lambda: self.decide("merge")),
                                        ("Not duplicates   (N)", lambda: self.decide("reject"))],
                                       self.undo, self.move)
        self.compare, self.compare_view = self.right.compare, self.right.compare_view
        self.compare_view.setObjectName("dup-compare")
        self.heading, self.placeholder = self.right.heading, self.right.placeholder
        self.merge_button, self.reject_button = self.right.buttons
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

        self.queue_view.selectionModel().currentRowChanged.connect(lambda *_: self._show_current())
        self.groups_view.selectionModel().currentRowChanged.connect(lambda *_: self._show_current())
        ctx_ = Qt.ShortcutContext.WidgetWithChildrenShortcut
        for key, slot in ((Qt.Key.Key_M, lambda: self.decide("merge")), (Qt.Key.Key_N, lambda: self.decide("reject")),
                          (Qt.Key.Key_U, self.undo), (Qt.Key.Key_Right, lambda: self.move(1)),
                          (Qt.Key.Key_Left, lambda: self.move(-1)), ("Ctrl+D", self.run_dedup)):
            QShortcut(QKeySequence(key), self, slot, context=ctx_)
        self.reload()

    # -- loading --------------------------------------------------------------------------------
    def reload(self) -> Task:
        """Reload queue, counts and groups in the background; only the newest reload is shown."""
        self._generation += 1
        gen = self._generation
        return self.ctx.run("Loading duplicates", actions.snapshot(self.ctx.db), dialog=False,
                            on_done=lambda snap: self._apply(snap) if gen == self._generation else None)

    refresh = reload

    def prepare_screenshot(self) -> None:
        """For ``main.py --screenshot --prepare``: run the screen's first step."""
        self.ctx.settings.reviewer = self.ctx.settings.reviewer or "demo"
        self.run_dedup()

    def mark_stale(self, what: str) -> None:
        self._stale = True

    def shown(self) -> None:
        if self._stale:
            self._stale = False
            self.reload()
        self.queue_view.setFocus()

    def _apply(self, snap: actions.Snapshot) -> None:
        current = self.current_pair()
        row = max(0, self.queue_view.currentIndex().row())
        self.snapshot = snap
        want = self._want or current
        self.queue.set_items(snap.queue)
        self.groups.set_items(snap.groups)
        ids = [tuple(e["ids"]) for e in snap.queue]
        if want in ids:
            row = ids.index(want)
            if want == self._want:
                self._want = None  # an undone pair stays wanted until a reload shows it again
        if self.queue.rowCount():
            self.queue_view.selectRow(min(row, self.queue.rowCount() - 1))
        if self.groups.rowCount() and not self.groups_view.currentIndex().isValid():
            self.groups_view.selectRow(0)
        self._update_summary()
        self._show_current()

    def _update_summary(self, last_run: str = "") -> None:
        snap = self.snapshot
        if snap is None:
            return
        c = snap.counts
        self.lists.setTabText(0, f"To review ({len(snap.queue)})")
        self.lists.setTabText(1, f"Groups ({c['groups']})")
        text = (f"<b>{c['records']:,}</b> records · <b>{c['unique']:,}</b> unique · {c['duplicates']:,} duplicates "
                f"merged in {c['groups']:,} groups · <b>{len(snap.queue):,}</b> pairs to review")
        if last_run:
            text += f"<br><span style='color:{muted_text(self)}'>{last_run}</span>"
        self.summary.setText(text)

    # -- showing --------------------------------------------------------------------------------
    def current_pair(self) -> tuple[int, int] | None:
        entry = self.queue.item(self.queue_view.currentIndex().row())
        return tuple(entry["ids"]) if entry else None  # type: ignore[return-value]

    def _show_current(self) -> None:
        on_queue = self.lists.currentIndex() == 0
        for b in (self.merge_button, self.reject_button, self.prev_button, self.next_button):
            b.setEnabled(on_queue and self.queue.rowCount() > 0)
        self.undo_button.setEnabled(bool(self.undo_stack))
        if on_queue:
            self._show_pair(self.queue.item(self.queue_view.currentIndex().row()))
        else:
            self._show_group(self.groups.item(self.groups_view.currentIndex().row()))

    def _placeholder(self, text: str) -> None:
        self.placeholder.setText(f"<span style='color:{muted_text(self)}; font-size:14pt'>{text}</span>")
        self.right.setCurrentIndex(0)

    def _show_pair(self, entry: dict[str, Any] | None) -> None:
        if entry is None:
            c = self.snapshot.counts if self.snapshot else {"records": 0, "groups": 0}
            if not c["records"]:
                self._placeholder("No records yet: import exports first (Import tab).")
            elif c["groups"]:
                self._placeholder("No pairs left to review. The merged groups are under “Groups”.")
            else:
                self._placeholder("Press “Find duplicates” (Ctrl+D) to compare all records.")
            return
        a, b = entry["ids"]
        db_of = {f["field"]: (f["a"], f["b"]) for f in entry["fields"]}["source_db"]
        self.compare.set_rows([f"#{a} · {db_of[0]}", f"#{b} · {db_of[1]}"],
                              [{"field": f["field"], "values": [f["a"], f["b"]], "differs": f["differs"]}
                               for f in entry["fields"]])
        n = self.queue.rowCount()
        row = self.queue_view.currentIndex().row() + 1
        score = f" · score {entry['score']:.2f}" if entry["score"] is not None else ""
        reasons = "; ".join(entry["reasons"])
        self.heading.setText(f"<b>Pair {row} of {n}</b>{score}"
                             + (f"<br><span style='color:{muted_text(self)}'>{reasons}</span>" if reasons else ""))
        self.right.setCurrentIndex(1)

    def _show_group(self, group: dict[str, Any] | None) -> None:
        if group is None:
            self._placeholder("No duplicate groups yet.")
            return
        kept = actions.kept(self.ctx.db, group["ids"])
        records = [kept] + group["records"]
        headers = ["Kept (merged)"] + [f"#{r['id']} · {r['source_db']}" for r in group["records"]]
        self.compare.set_records(headers, records, SIDE_BY_SIDE)
        self.heading.setText(f"<b>Group of {len(group['ids'])} records</b> · kept as #{group['ids'][0]}; "
                             "the first column is the merged record (best value of each field)")
        self.right.setCurrentIndex(1)

    def move(self, step: int) -> None:
        view = self.queue_view if self.lists.currentIndex() == 0 else self.groups_view
        n = view.model().rowCount()
        if n:
            view.selectRow(max(0, min(n - 1, view.currentIndex().row() + step)))

    # -- deciding -------------------------------------------------------------------------------
    def run_dedup(self) -> Task | None:
        who = self.ctx.who()
        if who is None:
            return None
        self.run_button.setEnabled(False)
        task = self.ctx.write("Finding duplicates", actions.dedup(self.ctx.db, who), on_done=self._dedup_done)
        task.finished.connect(lambda: self.run_button.setEnabled(True))
        return task

    def _dedup_done(self, summary: dict[str, Any]) -> None:
        self.ctx.changed.emit("duplicates")
        self.reload().succeeded.connect(lambda _: self._update_summary(
            f"Last run: {summary['stored']['auto']} automatic merges and {summary['stored']['queued']} "
            f"pairs queued for you ({summary['records']:,} records compared)."))

    def decide(self, kind: str) -> Task | None:
        """Merge or reject the current pair (stored by the serial write worker; the next pair shows at once)."""
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
        a, b, _kind = self.undo_stack.pop()
        self._want = (a, b)
        self.lists.setCurrentIndex(0)
        return self._write("undo", (a, b), who)

    def _write(self, kind: str, pair: tuple[int, int], who: str) -> Task:
        a, b = pair

        def failed(exc: BaseException) -> None:
            if kind != "undo" and (a, b, kind) in self.undo_stack:
                self.undo_stack.remove((a, b, kind))
            report_error(self.window(), exc, "Duplicates")

        def done(_row: object) -> None:
            self.ctx.message.emit(f"{VERB[kind]} #{a} and #{b}.")
            self.ctx.changed.emit("duplicates")

        task = self.ctx.write(f"{kind.capitalize()} #{a} and #{b}", actions.decide(self.ctx.db, kind, a, b, who),
                              dialog=False, on_done=done, on_error=failed)
        task.finished.connect(self.reload)
        return task
