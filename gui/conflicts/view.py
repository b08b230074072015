"""The conflicts & agreement screen: every reviewer's verdict on a disputed record (for whoever resolves it; not
blinded), a resolution with one key, and agreement per stage and reviewer pair."""

from __future__ import annotations

from functools import partial
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSplitter,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from db.changes import Topic
from db.identity import lenient_identity
from gui.background import alive
from gui.conflicts import actions
from gui.conflicts.model import STAGE_LABEL, agreement_model, conflicts_model, counts_model, counts_rows
from gui.context import ReviewContext
from gui.errors import report_error
from gui.listmodel import list_view
from gui.refreshing import Refreshing
from gui.theme import muted_text
from screening import decisions
from screening.protocol import STAGES


class ConflictsScreen(Refreshing, QWidget):
    SHORTCUTS = [("I", "Resolve: include"), ("E", "Resolve: exclude with the chosen reason"),
                 ("1 … 9", "Resolve: exclude with that reason"), ("T / C", "Method: third reviewer / consensus"),
                 ("↓ / ↑", "Next / previous conflict"), ("Ctrl+Z", "Undo your last resolution")]

    def __init__(self, ctx: ReviewContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.snapshot: actions.Snapshot | None = None
        self._last: tuple[str, str, int] | None = None  # (by, stage, record) of the last resolution

        self.stage = QComboBox()
        for s in STAGES:
            self.stage.addItem(STAGE_LABEL[s], s)
        self.stage.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.summary = QLabel()
        top = QHBoxLayout()
        top.addWidget(QLabel("Stage:"))
        top.addWidget(self.stage)
        top.addWidget(self.summary, 1)

        self.conflicts = conflicts_model(self)
        self.list = list_view(self.conflicts, "conflicts")
        h = self.list.horizontalHeader()
        h.resizeSection(0, 44)
        h.resizeSection(1, 250)
        self.detail = QTextBrowser()
        self.detail.setObjectName("conflict-detail")
        self.detail.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.include = QPushButton("Include   (I)")
        self.exclude = QPushButton("Exclude   (E)")
        self.reason = QComboBox()
        self.third = QRadioButton("Third reviewer   (T)")
        self.consensus = QRadioButton("Consensus   (C)")
        self.third.setChecked(True)
        methods = QButtonGroup(self)
        methods.addButton(self.third)
        methods.addButton(self.consensus)
        self.by = QLineEdit()
        self.note = QLineEdit(placeholderText="Why (optional)")
        for w in (self.include, self.exclude, self.third, self.consensus):
            w.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.include.clicked.connect(lambda: self.resolve("include"))
        self.exclude.clicked.connect(lambda: self.resolve("exclude"))
        self.third.toggled.connect(lambda _: self._fill_by())
        method_row = QHBoxLayout()
        method_row.addWidget(self.third)
        method_row.addWidget(self.consensus)
        method_row.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.include)
        buttons.addWidget(self.exclude)
        buttons.addWidget(self.reason, 1)
        resolve_box = QGroupBox("Resolve")
        form = QFormLayout(resolve_box)
        form.addRow("Method:", method_row)
        form.addRow("Resolved by:", self.by)
        form.addRow("Note:", self.note)
        form.addRow(buttons)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.detail, 1)
        rl.addWidget(resolve_box)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.list)
        split.addWidget(right)
        split.setSizes([640, 620])

        self.agreement = agreement_model(self)
        self.agreement_view = list_view(self.agreement, "agreement")
        self.agreement_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.agreement_view.horizontalHeader().setStretchLastSection(False)
        self.counts = counts_model(self)
        self.counts_view = list_view(self.counts, "agreement-counts")
        self.counts_view.horizontalHeader().setStretchLastSection(False)
        self.counts_view.horizontalHeader().setDefaultSectionSize(100)
        self.counts_view.setMaximumHeight(130)
        self.counts_label = QLabel()
        self.counts_label.setWordWrap(True)
        agree = QWidget()
        al = QVBoxLayout(agree)
        al.addWidget(self.agreement_view, 1)
        al.addWidget(self.counts_label)
        al.addWidget(self.counts_view)
        note = QLabel("Percent agreement, Cohen's κ and Gwet's AC1 over the records both reviewers screened "
                      "(include / exclude / maybe; and include vs exclude with maybe counted as include). With "
                      "most records excluded κ can be low although agreement is high; AC1 withstands that.")
        note.setWordWrap(True)
        note.setStyleSheet(f"color: {muted_text(self)}")
        al.addWidget(note)

        self.tabs = QTabWidget()
        self.tabs.addTab(split, "Conflicts")
        self.tabs.addTab(agree, "Agreement")
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.tabs, 1)

        self.stage.currentIndexChanged.connect(lambda _: self.reload())
        self.list.selectionModel().currentRowChanged.connect(lambda *_: self._show())
        self.agreement_view.selectionModel().currentRowChanged.connect(lambda *_: self._show_counts())
        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        keys = [("I", lambda: self.resolve("include")), ("E", lambda: self.resolve("exclude")),
                ("T", self.third.click), ("C", self.consensus.click), ("Ctrl+Z", self.undo),
                ("Down", lambda: self.move(1)), ("Up", lambda: self.move(-1))]
        keys += [(str(k), lambda k=k: self.resolve_reason(k - 1)) for k in range(1, 10)]
        for key, slot in keys:
            QShortcut(QKeySequence(key), self, slot, context=context)
        self._stale = True  # loaded when first shown

    # -- loading --------------------------------------------------------------------------------
    def reload(self) -> None:
        current = self.newest()
        self.ctx.run("Loading conflicts", partial(actions.snapshot, self.ctx.db, str(self.stage.currentData())),
                     dialog=False,
                     on_done=current(self._apply))

    def focus_when_shown(self) -> None:
        self.list.setFocus()

    def _apply(self, snap: actions.Snapshot) -> None:
        row = max(0, self.list.currentIndex().row())
        self.snapshot = snap
        self.reason.clear()
        self.reason.addItems(list(snap.reasons) or ["(no reasons in the protocol)"])
        self.conflicts.set_items(snap.conflicts)
        self.agreement.set_items(snap.agreement)
        n = len(snap.conflicts)
        self.tabs.setTabText(0, f"Conflicts ({n})")
        self.summary.setText(f"<b>{n}</b> record{'s' * (n != 1)} in conflict at "
                             f"{STAGE_LABEL.get(snap.stage, snap.stage).lower()} · agreement for "
                             f"{len(snap.agreement)} reviewer pair{'s' * (len(snap.agreement) != 1)}")
        if n:
            self.list.selectRow(min(row, n - 1))
        if snap.agreement and not self.agreement_view.currentIndex().isValid():
            self.agreement_view.selectRow(0)
        self._show()
        self._show_counts()

    # -- showing --------------------------------------------------------------------------------
    def current(self) -> actions.ConflictRow | None:
        return self.conflicts.item(self.list.currentIndex().row())

    def _show(self) -> None:
        c = self.current()
        for w in (self.include, self.exclude):
            w.setEnabled(c is not None)
        if c is None:
            muted = muted_text(self)
            self.detail.setHtml(f"<p style='color:{muted}; font-size:13pt'>No conflicts at this stage.</p>")
            return
        rec, conflict = c.record, c.conflict
        muted = muted_text(self)
        verdicts = "".join(
            f"<tr><td style='padding:2px 12px 2px 0'><b>{escape(v.reviewer)}</b></td>"
            f"<td style='padding:2px 12px 2px 0'><b>{escape(v.verdict)}</b></td>"
            f"<td style='padding:2px 12px 2px 0'>{escape(v.reason)}"
            f"{' — “' + escape(v.note) + '”' if v.note else ''}</td>"
            f"<td style='color:{muted}'>{f'protocol v{v.protocol_version}' if v.protocol_version else ''}</td></tr>"
            for v in conflict.verdicts)
        members = (f" (duplicates: #{', #'.join(map(str, conflict.members))})" if len(conflict.members) > 1
                   else "")
        self.detail.setHtml(
            f"<p style='font-size:13pt; font-weight:600'>{escape(rec.get('title') or '(no title)')}</p>"
            f"<p style='color:{muted}'>#{conflict.record_id}{members} · {escape(rec.get('journal') or '')} "
            f"{rec.get('year') or ''} · {escape(rec.get('source_db') or '')}</p>"
            f"<p style='margin-bottom:2px'><b>Verdicts</b> <span style='color:{muted}'>(not blinded: for "
            f"resolving)</span></p><table>{verdicts}</table><p>{escape(rec.get('abstract') or '')}</p>")
        me = self.ctx.settings.reviewer
        # a reviewer in the conflict cannot be its third reviewer: they resolve it by consensus
        mine = lenient_identity(me or "")
        (self.consensus if mine and any(v.reviewer == mine for v in conflict.verdicts) else self.third).setChecked(True)
        self._fill_by()

    def _fill_by(self) -> None:
        c = self.current()
        if self.third.isChecked() or c is None:
            self.by.setText(self.ctx.settings.reviewer)
        else:
            self.by.setText("+".join(v.reviewer for v in c.conflict.verdicts))

    def _show_counts(self) -> None:
        entry = self.agreement.item(self.agreement_view.currentIndex().row())
        self.counts.set_items(counts_rows(entry))
        if entry is None:
            self.counts_label.setText("No two reviewers have screened the same record yet.")
        else:
            a, b = entry.reviewers or ("A", "B")
            self.counts_label.setText(f"Counts, {STAGE_LABEL.get(entry.stage, entry.stage).lower()}: "
                                      f"rows = {escape(a)}'s verdict, columns = {escape(b)}'s "
                                      f"({entry.n} records in common)")

    def move(self, step: int) -> None:
        n = self.conflicts.rowCount()
        if n:
            self.list.selectRow(max(0, min(n - 1, self.list.currentIndex().row() + step)))

    # -- resolving ------------------------------------------------------------------------------
    def resolve_reason(self, index: int) -> None:
        if self.snapshot is not None and 0 <= index < len(self.snapshot.reasons):
            self.reason.setCurrentIndex(index)
            self.resolve("exclude")

    def resolve(self, verdict: str) -> None:
        c, snap = self.current(), self.snapshot
        if c is None or snap is None:
            return
        by = self.by.text().strip() or (self.ctx.who() or "")
        if not by:
            return
        method = "third_reviewer" if self.third.isChecked() else "consensus"
        reason = self.reason.currentText() if verdict == "exclude" and snap.reasons else ""
        rid, stage = c.conflict.record_id, snap.stage

        def done(_row: object) -> None:
            self._last = (by, stage, rid)
            self.note.clear()
            self.ctx.message.emit(f"#{rid} resolved: {verdict}{f' ({reason})' if reason else ''} by {by}.")
            self.reload()

        self.ctx.write(f"Resolving #{rid}", partial(decisions.resolve, self.ctx.db, rid, stage, verdict, by, method,
                                                     reason=reason, note=self.note.text().strip()),
                       changes=(Topic.SCREENING,), dialog=False, on_done=alive(self, done),
                       on_error=alive(self, lambda exc: report_error(self.window(), exc, "Resolve")))

    def undo(self) -> None:
        if self._last is None:
            self.ctx.message.emit("No resolution of yours to undo in this session.")
            return
        by, stage, rid = self._last
        self._last = None

        def done(_row: object) -> None:
            self.ctx.message.emit(f"Resolution of #{rid} withdrawn; it is a conflict again.")
            self.reload()

        self.ctx.write("Undo resolution", partial(decisions.undo, self.ctx.db, by, stage, record=rid), dialog=False,
                       changes=(Topic.SCREENING,), on_done=alive(self, done),
                       on_error=alive(self, lambda exc: report_error(self.window(), exc, "Undo")))
