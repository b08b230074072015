"""A read-only table model over a short list of items (queues, groups, suggestions) with column functions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QTableView

Column = tuple[str, Callable[[Any], Any]]
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


class ListTableModel(QAbstractTableModel):
    """``columns``: (header, item -> text); numbers are right-aligned. ``background`` colours a row."""

    def __init__(self, columns: Sequence[Column], parent=None,  # noqa: ANN001 - Qt parent
                 background: Callable[[Any], Any] | None = None, tooltip: Callable[[Any], str] | None = None) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self.items: list[Any] = []
        self._background = background
        self._tooltip = tooltip

    def set_items(self, items: Sequence[Any]) -> None:
        self.beginResetModel()
        self.items = list(items)
        self.endResetModel()

    def remove_row(self, row: int) -> None:
        if 0 <= row < len(self.items):
            self.beginRemoveRows(QModelIndex(), row, row)
            del self.items[row]
            self.endRemoveRows()

    def item(self, row: int) -> Any:
        return self.items[row] if 0 <= row < len(self.items) else None

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.items)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self.items)):
            return None
        item = self.items[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            value = self.columns[index.column()][1](item)
            return "" if value is None else value if isinstance(value, str) else str(value)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(item) if self._tooltip else None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            value = self.columns[index.column()][1](item)
            return _RIGHT if isinstance(value, int | float) else None
        if role == Qt.ItemDataRole.BackgroundRole and self._background is not None and index.column() == 0:
            return self._background(item)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.columns[section][0]
        return None


def list_view(model: ListTableModel, name: str) -> QTableView:
    """A read-only, single-selection row table for a `ListTableModel`."""
    view = QTableView()
    view.setObjectName(name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().hide()
    view.setWordWrap(False)
    view.horizontalHeader().setStretchLastSection(True)
    return view
