"""The double-coding screen: where two coders differ, field by field; the reconciled version; agreement."""

from __future__ import annotations

from functools import partial
from html import escape
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from db.changes import Topic
from db.errors import MetasiftError
from extraction import apa
from extraction.coding import CodedEffect
from extraction.double_coding import ReconcileItem
from gui.background import Task
from gui.context import ReviewContext
from gui.errors import report_error
from gui.extraction import actions
from gui.extraction.form import error_color, parse_number
from gui.extraction.model import agreement_model, agreement_rows
from gui.extraction.reconcile_model import CODE_FIELDS, ReconcileModel, field_rows
from gui.listmodel import ListTableModel, list_view
from gui.refreshing import Refreshing
from gui.theme import muted_text


def _state(item: ReconcileItem) -> str:
    if item.reconciled is not None:
        return "reconciled"
    fields = [f.replace("_", " ") for f in item.differs if f != "coded"]
    if "coded" in item.differs:
        return "coded by one coder only"
    return f"differ in {', '.join(fields)}" if fields else "agree: confirm"


def keys_model(parent: QWidget | None = None) -> ListTableModel:
    return ListTableModel([("Report", lambda i: f"#{i.record}"), ("Effect", lambda i: i.label or "(no label)"),
                           ("Coders", lambda i: ", ".join(i.rows)), ("State", _state)], parent,
                          tooltip=_state)


class DoubleCodingScreen(Refreshing, QWidget):
    SHORTCUTS = [("1 / 2", "Take coder 1's / coder 2's value for the selected field"),
                 ("F2", "Type the reconciled value"), ("Ctrl+S", "Save the reconciled effect"),
                 ("Ctrl+R", "Reload disagreements and agreement")]

    def __init__(self, ctx: ReviewContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.snapshot: actions.DoubleCoding | None = None

        self.summary = QLabel()
        self.summary.setObjectName("double-summary")
        self.summary.setWordWrap(True)
        self.keys = keys_model(self)
        self.keys_view = list_view(self.keys, "double-coded")
        for col, width in enumerate((60, 120, 80)):
            self.keys_view.horizontalHeader().resizeSection(col, width)
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.table = ReconcileModel(self)
        self.table_view = QTableView()
        self.table_view.setObjectName("reconcile-table")
        self.table_view.setModel(self.table)
        self.table_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table_view.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed
                                        | QAbstractItemView.EditTrigger.AnyKeyPressed)
        self.table_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table_view.verticalHeader().setMinimumWidth(130)
        self.table_view.doubleClicked.connect(self._double_clicked)
        self.table.dataChanged.connect(lambda *_: self.update_preview())
        self.take_buttons = QHBoxLayout()
        self.messages = QLabel()
        self.messages.setObjectName("reconcile-messages")
        self.messages.setWordWrap(True)
        self.messages.setTextFormat(Qt.TextFormat.RichText)
        self.save_button = QPushButton("Save reconciled   (Ctrl+S)")
        self.save_button.setObjectName("save-reconciled")
        self.save_button.clicked.connect(self.save)
        self.save_button.setEnabled(False)
        bottom = QHBoxLayout()
        bottom.addLayout(self.take_buttons)
        bottom.addStretch(1)
        bottom.addWidget(self.save_button)
        detail = QWidget()
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(0, 0, 0, 0)
        detail_layout.addWidget(self.heading)
        detail_layout.addWidget(self.table_view, 1)
        detail_layout.addWidget(self.messages)
        detail_layout.addLayout(bottom)
        self.placeholder = QLabel()
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.right = QStackedWidget()
        self.right.addWidget(self.placeholder)
        self.right.addWidget(detail)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.summary)
        left_layout.addWidget(self.keys_view, 1)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(self.right)
        split.setSizes([440, 840])

        self.pair = QComboBox()
        self.pair.currentIndexChanged.connect(lambda _: self._show_agreement())
        self.agreement_text = QLabel()
        self.agreement_text.setWordWrap(True)
        self.agreement = agreement_model(self)
        self.agreement_view = list_view(self.agreement, "agreement")
        self.agreement_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        agree = QWidget()
        agree_layout = QVBoxLayout(agree)
        pair_row = QHBoxLayout()
        pair_row.addWidget(QLabel("Coders:"))
        pair_row.addWidget(self.pair)
        pair_row.addWidget(self.agreement_text, 1)
        agree_layout.addLayout(pair_row)
        agree_layout.addWidget(self.agreement_view, 1)

        self.tabs = QTabWidget()
        self.tabs.addTab(split, "Disagreements")
        self.tabs.addTab(agree, "Agreement")
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        self.keys_view.selectionModel().currentRowChanged.connect(lambda *_: self._show_current())
        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        for key, slot in (("1", lambda: self.pick(0)), ("2", lambda: self.pick(1)), ("Ctrl+S", self.save),
                          ("Ctrl+R", self.reload)):
            QShortcut(QKeySequence(key), self, slot, context=context)
        self._stale = True  # loaded when first shown: opening a large review stays fast

    # -- loading ----------------------------------------------------------------------------------
    def reload(self) -> Task:
        current = self.newest()
        return self.ctx.run("Loading double coding", partial(actions.double_coding_snapshot, self.ctx.db), dialog=False,
                            on_done=current(self._apply))

    def _apply(self, snap: actions.DoubleCoding) -> None:
        current = self.current()
        want = (current.record, current.label) if current else None
        self.snapshot = snap
        self.keys.set_items(snap.items)
        keys = [(i.record, i.label) for i in snap.items]
        if keys:
            self.keys_view.selectRow(keys.index(want) if want in keys else 0)
        open_ = sum(1 for i in snap.items if i.reconciled is None)
        muted = muted_text(self)
        self.summary.setText(f"<b>{len(keys)}</b> effects coded by two or more coders · <b>{open_}</b> to reconcile"
                             "<br><span style='color:" + muted + "'>Double-coded effects enter the study table "
                             "only once reconciled.</span>" if keys else
                             f"<span style='color:{muted}'>No report has been coded by two coders yet.</span>")
        self._show_current()
        self.pair.blockSignals(True)
        self.pair.clear()
        for rep in snap.agreement:
            self.pair.addItem(" & ".join(rep.coders))
        self.pair.blockSignals(False)
        self._show_agreement()

    def current(self) -> ReconcileItem | None:
        return self.keys.item(self.keys_view.currentIndex().row())

    def _show_current(self) -> None:
        item = self.current()
        while self.take_buttons.count():
            w = self.take_buttons.takeAt(0).widget()
            if w is not None:
                w.deleteLater()
        if item is None or self.snapshot is None:
            self.table.set_item([], [])
            self.heading.setText("")
            self.messages.setText("")
            self.save_button.setEnabled(False)
            self.placeholder.setText(f"<span style='color:{muted_text(self)}; font-size:13pt'>Effects two coders "
                                     "coded (same report and label) appear here side by side.</span>")
            self.right.setCurrentIndex(0)
            return
        self.right.setCurrentIndex(1)
        order = [f.name for f in actions.moderator_fields(self.snapshot.settings.codebook)]
        coders = list(item.rows)
        self.table.set_item(coders, field_rows(item, order))
        for i, coder in enumerate(coders):
            b = QPushButton(f"Take all from {coder}")
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.clicked.connect(lambda _=False, k=i: self.table.pick_all(k))
            self.take_buttons.addWidget(b)
        rec = item.reconciled
        muted = muted_text(self)
        state = (f"reconciled by {escape(rec.coder)} (effect #{rec.id}); saving stores a new version"
                 if rec else "not reconciled yet")
        self.heading.setText(f"<b>Report #{item.record} · {escape(item.label or '(no label)')}</b> · {state}"
                             f"<br><span style='color:{muted}'>Highlighted fields differ. Select a field and press "
                             "1 or 2 (or double-click a coder's value) to take it; type in “Reconciled” to give "
                             "another value.</span>")
        self.update_preview()

    def _show_agreement(self) -> None:
        reports = self.snapshot.agreement if self.snapshot else []
        i = self.pair.currentIndex()
        if not reports or i < 0:
            self.agreement.set_items([])
            self.agreement_text.setText("No two coders have coded the same effects yet.")
            return
        rep = reports[i]
        self.agreement.set_items(agreement_rows(rep))
        self.agreement_text.setText(f"{rep.items} effects coded by both (matched by report and label). "
                                    "κ: Cohen's kappa; ICC(2,1) and mean absolute difference for r.")

    # -- reconciling ------------------------------------------------------------------------------
    def pick(self, coder: int) -> None:
        index = self.table_view.currentIndex()
        if index.isValid():
            self.table.pick(index.row(), coder)

    def _double_clicked(self, index: Any) -> None:
        if index.column() < self.table.chosen_column:
            self.table.pick(index.row(), index.column())

    def values(self, problems: list[str]) -> dict[str, Any]:
        """The reconciled entry as `reconcile` values (unreadable numbers go to ``problems``)."""
        chosen = self.table.chosen()
        out: dict[str, Any] = {"statistic": chosen.get("statistic", ""), "location": chosen.get("location", "")}
        for name in CODE_FIELDS[1:]:
            out[name] = parse_number(chosen.get(name, ""), name, problems)
        for name in ("tails", "direction"):
            out[name] = int(out[name]) if out[name] is not None else (2 if name == "tails" else 1)
        out["moderators"] = {k: v for k, v in chosen.items() if k not in (*CODE_FIELDS, "location") and v}
        return out

    def update_preview(self) -> actions.Preview | None:
        item = self.current()
        if item is None or self.snapshot is None:
            return None
        problems: list[str] = []
        entry = self.values(problems)
        if entry["value"] is None and not problems:
            problems.append("value: choose or type the reconciled value")
        year = next((r.moderators.get("pub_year") for r in item.rows.values()), None)
        result = actions.preview(self.snapshot.settings, entry, year) if entry["value"] is not None else None
        msgs = problems + ([result.conversion_error] if result and result.conversion_error else []) + (
            result.problems if result else [])
        self.table.set_derived(apa.bounded(result.conversion.r, 3) if result and result.conversion else "")
        bad = error_color(self)
        self.messages.setText("".join(f"<div style='color:{bad}'>• {escape(m, quote=False)}</div>"
                                      for m in dict.fromkeys(msgs)))
        ok = bool(result and result.valid and not problems)
        self.save_button.setEnabled(ok)
        return result

    def save(self) -> Task | None:
        item = self.current()
        result = self.update_preview()
        problems: list[str] = []
        values = self.values(problems)
        if item is None or result is None or not result.valid or problems:
            return None
        who = self.ctx.who()
        if who is None:
            return None
        self.save_button.setEnabled(False)

        def done(row: CodedEffect) -> None:
            r = apa.bounded(row.r, 3)
            self.ctx.message.emit(f"Stored the reconciled effect #{row.id} (r = {r}) of report #{item.record}.")
            self.reload()

        def failed(exc: BaseException) -> None:
            if isinstance(exc, MetasiftError):
                self.messages.setText(f"<div style='color:{error_color(self)}'>• "
                                      f"{escape(str(getattr(exc, 'detail', exc)))}</div>")
            else:
                report_error(self.window(), exc, "Reconciling")
            self.update_preview()

        return self.ctx.write("Saving the reconciled effect",
                              partial(actions.reconcile, self.ctx.db, item.record, item.label, values, who),
                              changes=(Topic.EFFECTS,), dialog=False, on_done=done, on_error=failed)
