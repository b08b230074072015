"""A record's full decision history (`screening.outcomes.record_history`, as `metasift screen history`
prints it): every decision, undo and resolution at every stage, oldest first, with who, the reason, the
method, the note and the protocol version each was made under, and the record's outcome per stage.

In blind mode another reviewer's verdict, reason and note at a stage stay hidden until the viewer has
decided there (as on the screening panel); that a decision was made is shown."""

from __future__ import annotations

from html import escape
from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from db.identity import lenient_identity
from screening.outcomes import RecordHistory
from screening.protocol import STAGE_LABELS

COLUMNS = ("When", "Stage", "Who", "Act", "Verdict", "Reason", "Method", "Protocol", "Note")
HIDDEN = "hidden until you decide (blind mode)"
_ACTS = {"decision": "decision", "undo": "undo", "resolution": "resolution"}


def history_cells(hist: RecordHistory, me: str, blind: bool) -> list[list[str]]:
    """The table's rows as text (one per stored row, oldest first)."""
    mine = lenient_identity(me)
    decided = {r.stage for r in hist.rows if lenient_identity(r.reviewer) == mine and r.kind == "decision"}
    out = []
    for r in hist.rows:
        own = lenient_identity(r.reviewer) == mine
        hide = blind and r.stage not in decided and not own and r.kind != "undo"
        when = r.decided_at.isoformat()[:16].replace("T", " ") if r.decided_at else ""
        version = f"v{r.protocol_version}" if r.protocol_version else "—"
        verdict = HIDDEN if hide else (f"undoes {r.verdict}".strip() if r.kind == "undo" else r.verdict or "")
        out.append([when, STAGE_LABELS.get(r.stage, r.stage), "You" if own else r.reviewer,
                    _ACTS.get(r.kind, r.kind), verdict, "" if hide else r.reason or "", r.method or "", version,
                    "" if hide else r.note or ""])
    return out


class HistoryDialog(QDialog):
    """The record's decision history in a table, and its outcome per stage."""

    def __init__(self, title: str, hist: RecordHistory, me: str, blind: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("decision_history")
        self.setWindowTitle(f"Decision history — record #{hist.record_id}")
        self.resize(980, 420)
        heading = QLabel(f"<b>#{hist.record_id}</b> {_escape(title)}")
        heading.setWordWrap(True)
        cells = history_cells(hist, me, blind)
        self.table = QTableWidget(len(cells), len(COLUMNS))
        self.table.setObjectName("history_table")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        for i, row in enumerate(cells):
            for j, text in enumerate(row):
                self.table.setItem(i, j, QTableWidgetItem(text))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        empty = QLabel("Nobody has screened this record yet." if not cells else "")
        empty.setVisible(not cells)
        self.outcomes = QLabel("Outcome — " + "; ".join(
            f"{STAGE_LABELS.get(s, s)}: <b>{_escape(v)}</b>" for s, v in hist.states.items()))
        self.outcomes.setObjectName("history_outcomes")
        note = QLabel("Every act is kept: an undo or a resolution is a new row, never an edit. "
                      "Protocol: the protocol version the act was made under (— before versions were kept).")
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for w in (heading, self.table, empty, self.outcomes, note, buttons):
            layout.addWidget(w)

    def cell(self, row: int, column: str) -> str:
        item = self.table.item(row, COLUMNS.index(column))
        return item.text() if item is not None else ""


def _escape(text: Any) -> str:
    return escape(str(text))
