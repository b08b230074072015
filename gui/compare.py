"""A side-by-side table of records (rows = fields, columns = records) with differing fields highlighted."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from gui.theme import differs_color
from screening.importers.fields import display_value

FIELD_LABELS = {"pub_type": "Type", "source_db": "Database", "source_id": "Source id", "doi": "DOI",
                "pmid": "PMID"}


def show(value: Any, field: str = "") -> str:
    """A field value as text (see `screening.importers.fields.display_value`)."""
    return display_value(value, field)


class ComparisonModel(QAbstractTableModel):
    """``rows``: ``{"field", "values": [...], "differs": bool}``; ``headers``: one per record column."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.headers: list[str] = []
        self.rows: list[dict[str, Any]] = []
        self._widget = parent

    def set_rows(self, headers: list[str], rows: list[dict[str, Any]]) -> None:
        self.beginResetModel()
        self.headers, self.rows = list(headers), list(rows)
        self.endResetModel()

    def set_records(self, headers: list[str], records: list[dict[str, Any]], fields: tuple[str, ...]) -> None:
        """Compare records (dicts) field by field; a field differs when its non-empty values differ."""
        rows = []
        for f in fields:
            values = [show(r.get(f), f) for r in records]
            distinct = {v.casefold() for v in values if v}
            rows.append({"field": f, "values": values, "differs": len(distinct) > 1})
        self.set_rows(headers, rows)

    def clear(self) -> None:
        self.set_rows([], [])

    def differing(self) -> list[str]:
        return [r["field"] for r in self.rows if r["differs"]]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.headers)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self.rows)) or index.column() >= len(self.headers):
            return None
        row = self.rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            values = row["values"]
            return values[index.column()] if index.column() < len(values) else ""
        if role == Qt.ItemDataRole.BackgroundRole and row["differs"]:
            return differs_color(self._widget)
        if role == Qt.ItemDataRole.AccessibleDescriptionRole and row["differs"]:
            return "differs"
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal:
            if role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(self.headers):
                return self.headers[section]
            return None
        if not (0 <= section < len(self.rows)):
            return None
        row = self.rows[section]
        if role == Qt.ItemDataRole.DisplayRole:
            name = row["field"]
            return FIELD_LABELS.get(name, name.replace("_", " ").capitalize()) + ("  ≠" if row["differs"] else "")
        if role == Qt.ItemDataRole.FontRole and row["differs"]:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole and row["differs"]:
            return "The records differ in this field"
        return None


class ComparisonView(QTableView):
    """The table for a `ComparisonModel`: wrapped text, rows sized to content, equal columns."""

    def __init__(self, model: ComparisonModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModel(model)
        self.setWordWrap(True)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.verticalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.verticalHeader().setMinimumWidth(96)


class PairDecisionPanel(QStackedWidget):
    """The right-hand side of a pair-review screen (duplicates, shared samples): a heading, the two records
    side by side, one button per decision plus Undo, Previous and Next; page 0 is a placeholder message."""

    def __init__(self, decisions: list[tuple[str, Callable[[], None]]], undo: Callable[[], None],
                 move: Callable[[int], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.compare = ComparisonModel(self)
        self.compare_view = ComparisonView(self.compare)
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.buttons = []
        for label, slot in decisions:
            button = QPushButton(label)
            button.clicked.connect(slot)
            self.buttons.append(button)
        self.undo_button = QPushButton("Undo   (U)")
        self.undo_button.clicked.connect(undo)
        self.prev_button = QPushButton("←  Previous")
        self.prev_button.clicked.connect(lambda: move(-1))
        self.next_button = QPushButton("Next  →")
        self.next_button.clicked.connect(lambda: move(1))
        row = QHBoxLayout()
        for b in (*self.buttons, self.undo_button):
            row.addWidget(b)
        row.addStretch(1)
        row.addWidget(self.prev_button)
        row.addWidget(self.next_button)
        for b in (*self.buttons, self.undo_button, self.prev_button, self.next_button):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keys belong to the screen, not to a button
        detail = QWidget()
        layout = QVBoxLayout(detail)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(self.compare_view, 1)
        layout.addLayout(row)
        self.placeholder = QLabel()
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.addWidget(self.placeholder)
        self.addWidget(detail)
