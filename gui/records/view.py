"""The records screen: search box, database filter, the lazy table, and the selected record's details."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import select

from db.engine import ReviewDB
from db.models import ImportBatch, Record
from gui.records.model import RecordsModel


class RecordsScreen(QWidget):
    def __init__(self, db: ReviewDB, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.model = RecordsModel(db, self)
        self.search = QLineEdit(placeholderText="Search title, abstract, DOI, id…  (Ctrl+F)")
        self.database = QComboBox()
        self.count = QLabel()
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        for col, width in enumerate((60, 110, 55, 160, 480, 220, 180)):
            header.resizeSection(col, width)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.details = QTextBrowser()
        self.details.setOpenExternalLinks(True)

        top = QHBoxLayout()
        top.addWidget(self.search, 3)
        top.addWidget(QLabel("Database:"))
        top.addWidget(self.database, 1)
        top.addWidget(self.count)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.details)
        split.setSizes([480, 220])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split)

        self.search.textChanged.connect(self._filter)
        self.database.currentIndexChanged.connect(self._filter)
        self.table.selectionModel().currentRowChanged.connect(self._show)
        self.refresh()

    def refresh(self) -> None:
        with self.db.session() as session:
            names = sorted(set(session.execute(select(ImportBatch.source_db)).scalars()))
        current = self.database.currentText()
        self.database.blockSignals(True)
        self.database.clear()
        self.database.addItems(["All databases", *names])
        if current in names:
            self.database.setCurrentText(current)
        self.database.blockSignals(False)
        self._filter()

    def _filter(self) -> None:
        db_name = self.database.currentText() if self.database.currentIndex() > 0 else ""
        self.model.set_filter(self.search.text(), db_name)
        self.count.setText(f"{self.model.rowCount():,} records")
        if self.model.rowCount():
            self.table.selectRow(0)

    def _show(self, current, _previous=None) -> None:  # noqa: ANN001 - Qt index
        if not current.isValid():
            self.details.clear()
            return
        rid = self.model.record_id(current.row())
        with self.db.session() as session:
            rec = session.get(Record, rid)
            batch = session.get(ImportBatch, rec.batch_id) if rec else None
        if rec is None or batch is None:
            return
        from html import escape

        authors = "; ".join(rec.authors[:12]) + (" et al." if len(rec.authors) > 12 else "")
        meta = ", ".join(x for x in (rec.journal, str(rec.year or ""), rec.volume and f"vol. {rec.volume}",
                                     rec.issue and f"({rec.issue})", rec.pages) if x)
        doi = f' · DOI <a href="https://doi.org/{escape(rec.doi)}">{escape(rec.doi)}</a>' if rec.doi else ""
        self.details.setHtml(
            f"<h3>{escape(rec.title) or '<i>(no title)</i>'}</h3><p>{escape(authors)}</p>"
            f"<p><i>{escape(meta)}</i>{doi}</p><p>{escape(rec.abstract) or '<i>No abstract.</i>'}</p>"
            f"<p style='color:gray'>{escape(batch.source_db)} · {escape(batch.file_name)} · "
            f"source id {escape(rec.source_id)}</p>")
