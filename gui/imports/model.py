"""Table models of the import screen: the files waiting to be imported, and the review's import batches."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from db.engine import ReviewDB
from gui.imports.actions import PendingFile
from screening.importers.databases import named_database
from screening.importing import BatchInfo, batches

PENDING_COLUMNS = ("File", "Format", "Database", "Columns", "Status")
BATCH_COLUMNS = ("Batch", "File", "Format", "Database", "Records", "Imported", "By", "Can undo")
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


class PendingFilesModel(QAbstractTableModel):
    """One row per chosen file. The Database column is editable (the source-database override); so is the
    Format column of a file whose format detection was unsure (the choice re-runs the preview)."""

    FORMAT = 1
    DATABASE = 2
    format_chosen = Signal(object)  # the PendingFile whose forced_format was just set

    def __init__(self, parent=None) -> None:  # noqa: ANN001 - Qt parent
        super().__init__(parent)
        self.files: list[PendingFile] = []

    def add(self, f: PendingFile) -> int:
        row = len(self.files)
        self.beginInsertRows(QModelIndex(), row, row)
        self.files.append(f)
        self.endInsertRows()
        return row

    def remove(self, rows: list[int]) -> None:
        for row in sorted(set(rows), reverse=True):
            if 0 <= row < len(self.files):
                self.beginRemoveRows(QModelIndex(), row, row)
                del self.files[row]
                self.endRemoveRows()

    def changed(self, f: PendingFile) -> None:
        if f in self.files:
            row = self.files.index(f)
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(PENDING_COLUMNS) - 1))

    def ready(self) -> list[PendingFile]:
        return [f for f in self.files if f.state == "ready"]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.files)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(PENDING_COLUMNS)

    def _text(self, f: PendingFile, col: int) -> str:
        if col == 0:
            return f.path.name
        if col == 1:
            if f.state == "checking":
                return "…"
            if f.state == "error" and f.candidates:
                return "unsure — double-click to choose"
            if not f.format_label:
                return "—"
            sure = f" ({f.confidence:.0%} sure)" if f.confidence is not None and f.confidence < 0.95 else ""
            return f.format_label + sure
        if col == 2:
            if f.state in ("checking", "error"):
                return ""
            if f.database == "unknown":
                return "unknown — double-click to choose"
            return f.database + ("" if f.source_db else " (detected)")
        if col == 3:
            if not f.tabular or f.columns is None:
                return ""
            n = len(f.columns.mapping)
            return f"{n} mapped" + (f", {len(f.mapping)} set by you" if f.mapping else "") + " — double-click"
        if f.state == "error" and f.candidates:
            return "Format unsure — double-click Format to choose: " + f.message
        return {"checking": "Checking…", "ready": "Ready", "error": f.message,
                "imported": f.message or "Imported",
                "duplicate": f"Already imported as {f.message}; importing it again would double-count"
                }.get(f.state, f.state)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self.files)):
            return None
        f = self.files[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(f, col)
        if role == Qt.ItemDataRole.EditRole:
            if col == self.DATABASE:
                return "" if f.database == "unknown" else f.database
            if col == self.FORMAT:
                return f.forced_format or f.format
            return self._text(f, col)
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == 0:
                return str(f.path)
            if col == self.DATABASE and f.state == "ready":
                return "Double-click to set the database this export came from"
            if col == self.FORMAT and self._format_editable(f):
                return "Double-click to choose the format this file is in"
            if col == 4 and f.state in ("error", "duplicate"):
                return f.message
            return None
        if role == Qt.ItemDataRole.ForegroundRole and col == 4 and f.state in ("error", "duplicate"):
            from PySide6.QtGui import QColor

            return QColor(220, 60, 60) if f.state == "error" else QColor(170, 110, 0)
        return None

    @staticmethod
    def _format_editable(f: PendingFile) -> bool:
        return bool(f.candidates) and f.state in ("error", "ready")

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        base = super().flags(index)
        if not index.isValid():
            return base
        f = self.files[index.row()]
        if (index.column() == self.DATABASE and f.state == "ready") or (
                index.column() == self.FORMAT and self._format_editable(f)):
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def setData(self, index: QModelIndex | QPersistentModelIndex, value: Any,  # noqa: N802
                role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or role != Qt.ItemDataRole.EditRole:
            return False
        f = self.files[index.row()]
        if index.column() == self.FORMAT and self._format_editable(f):
            name = str(value or "").strip()
            if not name or name == (f.forced_format or f.format):
                return False
            f.forced_format = name
            self.dataChanged.emit(index, index)
            self.format_chosen.emit(f)
            return True
        if index.column() != self.DATABASE:
            return False
        text = named_database(str(value or "")) if str(value or "").strip() else ""  # "psycinfo" -> "PsycINFO"
        f.source_db = "" if text in ("", f.detected_db) else text
        self.dataChanged.emit(index, index)
        return True

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return PENDING_COLUMNS[section]
        return None


class BatchesModel(QAbstractTableModel):
    """The review's import history (`screening.importing.batches`), newest first, with whether each batch can
    still be undone (nobody worked on its records yet). The Database column is editable: a correction is
    emitted as ``database_edited(batch_id, name)`` for the screen to store (PRISMA's counts follow)."""

    DATABASE = 3
    database_edited = Signal(int, str)

    def __init__(self, db: ReviewDB, parent=None) -> None:  # noqa: ANN001 - Qt parent
        super().__init__(parent)
        self.db = db
        self.rows: list[tuple[Any, ...]] = []
        self.entries: list[BatchInfo] = []
        self.reload()

    def reload(self) -> None:
        self.beginResetModel()
        self.entries = list(reversed(batches(self.db)))
        self.rows = [(b.batch_id, b.file, b.format, b.source_db, b.records, b.imported_at, b.imported_by,
                      b.can_undo) for b in self.entries]
        self.endResetModel()

    def entry(self, row: int) -> BatchInfo | None:
        return self.entries[row] if 0 <= row < len(self.entries) else None

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(BATCH_COLUMNS)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self.rows)):
            return None
        value = self.rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            if index.column() == 5 and value is not None:
                when = value if value.tzinfo else value.replace(tzinfo=UTC)
                return when.astimezone().strftime("%Y-%m-%d %H:%M")
            if index.column() == 4:
                return f"{value:,}"
            if index.column() == 7:
                return "yes" if value else "no (records worked on)"
            return "" if value is None else str(value)
        if role == Qt.ItemDataRole.EditRole and index.column() == self.DATABASE:
            return "" if value == "unknown" else str(value)
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in (0, 4):
            return _RIGHT
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == self.DATABASE:
            return "Double-click to correct the database this file came from (PRISMA's counts follow)"
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 7:
            return ("Undo import removes this batch and its records" if value else
                    "Someone screened, coded, merged or linked records of this batch: it can no longer be undone")
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        base = super().flags(index)
        if index.isValid() and index.column() == self.DATABASE:
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def setData(self, index: QModelIndex | QPersistentModelIndex, value: Any,  # noqa: N802
                role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or index.column() != self.DATABASE or role != Qt.ItemDataRole.EditRole:
            return False
        name = " ".join(str(value or "").split())
        if not name or name == self.rows[index.row()][self.DATABASE]:
            return False
        self.database_edited.emit(int(self.rows[index.row()][0]), name)
        return True

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return BATCH_COLUMNS[section]
        return None
