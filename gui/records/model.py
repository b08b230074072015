"""A lazy table model over the review's records (Anki's browser-table pattern).

The model holds only the ordered list of record ids; rows are fetched from SQL in pages the first time
the view asks for them, and cached. Sorting and filtering run in SQL and replace the id list, so a
100,000-record review opens without loading 100,000 rows.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from sqlalchemy import or_, select

from db.engine import ReviewDB
from db.models import ImportBatch, Record

COLUMNS: list[tuple[str, str]] = [
    ("id", "#"), ("source_db", "Database"), ("year", "Year"), ("authors", "First author"),
    ("title", "Title"), ("journal", "Journal"), ("doi", "DOI"),
]
_SORTABLE = {"id": Record.id, "source_db": ImportBatch.source_db, "year": Record.year, "title": Record.title,
             "journal": Record.journal, "doi": Record.doi}
PAGE = 200
CACHE_PAGES = 50


class RecordsModel(QAbstractTableModel):
    """Rows = record ids in the current order/filter; cells fetched lazily, a page at a time."""

    def __init__(self, db: ReviewDB, parent=None) -> None:  # noqa: ANN001 - Qt parent
        super().__init__(parent)
        self.db = db
        self._ids: list[int] = []
        self._pages: OrderedDict[int, dict[int, tuple[Any, ...]]] = OrderedDict()
        self._sort = ("id", Qt.SortOrder.AscendingOrder)
        self._search = ""
        self._database = ""
        self._only: frozenset[int] | None = None
        self.reload()

    # -- data loading -------------------------------------------------------------------------
    def reload(self) -> None:
        """Re-run the id query (after an import, a sort or a filter change)."""
        col, order = self._sort
        key = _SORTABLE.get(col, Record.id)
        q = select(Record.id).join(ImportBatch, Record.batch_id == ImportBatch.id)
        if self._search:
            like = f"%{self._search}%"
            q = q.where(or_(Record.title.ilike(like), Record.abstract.ilike(like), Record.doi.ilike(like),
                            Record.source_id.ilike(like)))
        if self._database:
            q = q.where(ImportBatch.source_db == self._database)
        q = q.order_by(key.desc() if order == Qt.SortOrder.DescendingOrder else key.asc(), Record.id.asc())
        self.beginResetModel()
        with self.db.session() as session:
            ids = session.execute(q).scalars()
            only = self._only
            self._ids = list(ids) if only is None else [i for i in ids if i in only]
        self._pages.clear()
        self.endResetModel()

    def set_filter(self, search: str = "", database: str = "", only: frozenset[int] | None = None) -> None:
        """Text search and database run in SQL; ``only`` (ids from a screening filter, computed once by the
        caller) keeps just those ids of the result (``None``: all)."""
        self._search, self._database, self._only = search.strip(), database, only
        self.reload()

    def record_id(self, row: int) -> int:
        return self._ids[row]

    def _row(self, row: int) -> tuple[Any, ...]:
        page_no = row // PAGE
        page = self._pages.get(page_no)
        if page is None:
            ids = self._ids[page_no * PAGE:(page_no + 1) * PAGE]
            q = (select(Record.id, ImportBatch.source_db, Record.year, Record.authors, Record.title,
                        Record.journal, Record.doi)
                 .join(ImportBatch, Record.batch_id == ImportBatch.id).where(Record.id.in_(ids)))
            with self.db.session() as session:
                page = {r[0]: tuple(r) for r in session.execute(q)}
            self._pages[page_no] = page
            if len(self._pages) > CACHE_PAGES:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(page_no)
        return page.get(self._ids[row], (self._ids[row],) + ("",) * (len(COLUMNS) - 1))

    # -- Qt model API -------------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._ids)):
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            value = self._row(index.row())[index.column()]
            if COLUMNS[index.column()][0] == "authors":
                value = value[0] if value else ""
            if value is None:
                return ""
            return value if role == Qt.ItemDataRole.DisplayRole or index.column() == 4 else None
        if role == Qt.ItemDataRole.TextAlignmentRole and COLUMNS[index.column()][0] in ("id", "year"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section][1]
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        name = COLUMNS[column][0]
        if name not in _SORTABLE:
            return
        if (name, order) == self._sort:
            return  # the view asks again when it is set up: the ids are already in this order
        self._sort = (name, order)
        self.reload()
