"""The reconciliation table: one row per field, one column per coder, and an editable "Reconciled" column."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QWidget

from extraction.coding import CodedEffect
from extraction.double_coding import ReconcileItem
from gui.theme import differs_color

CODE_FIELDS = ("statistic", "value", "df", "n", "n1", "n2", "tails", "direction")
"""The reported statistic's fields, compared and reconciled one by one (r follows from them)."""


def text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def field_rows(item: ReconcileItem, moderator_order: list[str]) -> list[dict[str, Any]]:
    """Rows for one double-coded effect: the coders' values, whether they differ, the starting choice
    (the reconciled row's value, else the value every coder gave)."""
    coders = list(item.rows)
    rows = [item.rows[c] for c in coders]
    rec = item.reconciled
    names = list(CODE_FIELDS)
    present = {k for r in rows for k in r.moderators} | (set(rec.moderators) if rec else set())
    names += [m for m in moderator_order if m in present] + sorted(present - set(moderator_order))
    names.append("location")
    out = []
    for name in names:
        def get(r: CodedEffect, name: str = name) -> str:
            return text(r.moderators.get(name) if name not in (*CODE_FIELDS, "location") else getattr(r, name))

        values = [get(r) for r in rows]
        if name != "value" and not any(values) and not (rec and get(rec)):
            continue  # a field no coder used (e.g. n1/n2 of a correlation)
        differs = len(set(values)) > 1 or name in item.differs
        chosen = get(rec) if rec else ("" if differs else values[0])
        out.append({"field": name, "values": values, "differs": differs, "chosen": chosen})
    r_values = [text(round(r.r, 4)) if r.r is not None else "" for r in rows]
    at = next((i for i, row in enumerate(out) if row["field"] not in CODE_FIELDS), len(out))
    out.insert(at, {"field": "r", "values": r_values, "differs": "r" in item.differs,
                                  "chosen": "", "derived": True})
    return out


class ReconcileModel(QAbstractTableModel):
    """Columns: the coders, then "Reconciled" (editable; picking a coder's cell copies its value)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.coders: list[str] = []
        self.rows: list[dict[str, Any]] = []
        self._widget = parent

    def set_item(self, coders: list[str], rows: list[dict[str, Any]]) -> None:
        self.beginResetModel()
        self.coders, self.rows = list(coders), [dict(r) for r in rows]
        self.endResetModel()

    @property
    def chosen_column(self) -> int:
        return len(self.coders)

    def pick(self, row: int, coder: int) -> None:
        """Take coder ``coder``'s value of field ``row`` as the reconciled value."""
        if 0 <= row < len(self.rows) and 0 <= coder < len(self.coders) and not self.rows[row].get("derived"):
            self.setData(self.index(row, self.chosen_column), self.rows[row]["values"][coder])

    def pick_all(self, coder: int) -> None:
        for row in range(len(self.rows)):
            self.pick(row, coder)

    def set_derived(self, value: str) -> None:
        """Show the converted r of the reconciled entry."""
        for i, r in enumerate(self.rows):
            if r.get("derived") and r["chosen"] != value:
                r["chosen"] = value
                idx = self.index(i, self.chosen_column)
                self.dataChanged.emit(idx, idx)

    def chosen(self) -> dict[str, str]:
        return {r["field"]: r["chosen"].strip() for r in self.rows if not r.get("derived")}

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() or not self.rows else len(self.coders) + 1

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == self.chosen_column and not self.rows[index.row()].get("derived"):
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self.rows)):
            return None
        row, col = self.rows[index.row()], index.column()
        chosen = col == self.chosen_column
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole, Qt.ItemDataRole.ToolTipRole):
            return row["chosen"] if chosen else row["values"][col] if col < len(row["values"]) else None
        if role == Qt.ItemDataRole.BackgroundRole and row["differs"] and not chosen:
            return differs_color(self._widget)
        if role == Qt.ItemDataRole.FontRole and chosen and row["chosen"]:
            font = QFont()
            font.setBold(True)
            return font
        return None

    def setData(self, index: QModelIndex | QPersistentModelIndex, value: Any,  # noqa: N802
                role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not (self.flags(index) & Qt.ItemFlag.ItemIsEditable):
            return False
        self.rows[index.row()]["chosen"] = "" if value is None else str(value)
        self.dataChanged.emit(index, index)
        return True

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal:
            if role == Qt.ItemDataRole.DisplayRole and 0 <= section <= len(self.coders):
                return "Reconciled" if section == len(self.coders) else f"{section + 1}: {self.coders[section]}"
            return None
        if not (0 <= section < len(self.rows)):
            return None
        row = self.rows[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return row["field"].replace("_", " ") + ("  ≠" if row["differs"] else "")
        if role == Qt.ItemDataRole.FontRole and row["differs"]:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            return "converted from the reconciled statistic" if row.get("derived") else (
                "The coders differ here" if row["differs"] else None)
        return None
