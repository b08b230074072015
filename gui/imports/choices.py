"""Editors of the pending-files table: a choice of canonical database names (or free text) for the Database
column, and the formats that might fit for the Format column of a file whose detection was unsure."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QComboBox, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from screening.importers import importers
from screening.importers.databases import CANONICAL


class ChoiceDelegate(QStyledItemDelegate):
    """An editable combo box of the canonical database names (Database column), or a combo box of the
    candidate formats of the row's file (Format column)."""

    def __init__(self, files: list, format_column: int, database_column: int, parent=None) -> None:  # noqa: ANN001
        super().__init__(parent)
        self.files = files
        self.format_column = format_column
        self.database_column = database_column

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem,  # noqa: N802 - Qt override
                     index: QModelIndex | QPersistentModelIndex) -> QWidget:
        box = QComboBox(parent)
        if index.column() == self.database_column:
            box.setObjectName("database-choice")
            box.setEditable(True)
            box.addItems(sorted(CANONICAL, key=str.lower))
            box.lineEdit().setPlaceholderText("the database searched (choose, or type its name)")
        else:
            box.setObjectName("format-choice")
            f = self.files[index.row()]
            shown = {name for name, _, _ in f.candidates}
            for name, label, _ in f.candidates:
                box.addItem(f"{label} ({name})", name)
            box.insertSeparator(box.count())
            for imp in importers():  # every other format, after the likely ones
                if imp.name not in shown:
                    box.addItem(f"{imp.label} ({imp.name})", imp.name)
        return box

    def setEditorData(self, editor: QWidget, index: QModelIndex | QPersistentModelIndex) -> None:  # noqa: N802
        assert isinstance(editor, QComboBox)
        value = str(index.data(Qt.ItemDataRole.EditRole) or "")
        if index.column() == self.database_column:
            editor.setCurrentText(value)
        else:
            i = editor.findData(value)
            editor.setCurrentIndex(i if i >= 0 else 0)

    def setModelData(self, editor: QWidget, model: QAbstractItemModel,  # noqa: N802 - Qt override
                     index: QModelIndex | QPersistentModelIndex) -> None:
        assert isinstance(editor, QComboBox)
        if index.column() == self.database_column:
            model.setData(index, editor.currentText(), Qt.ItemDataRole.EditRole)
        else:
            model.setData(index, editor.currentData(), Qt.ItemDataRole.EditRole)
