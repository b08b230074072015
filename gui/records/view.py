"""The records screen: search box, database filter, the lazy table, and the selected record's details."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import Qt, Signal
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

from db.changes import Topic
from db.engine import ReviewDB
from db.models import ImportBatch, Record
from gui.background import run_task
from gui.records.filters import OUTCOMES, OutcomeIndex, outcome_index
from gui.records.model import RecordsModel
from gui.refreshing import Refreshing
from screening.protocol import STAGE_LABELS

STAGE_LABEL = STAGE_LABELS


class PopupCombo(QComboBox):
    """A combo box that says when its list is about to open (the reviewer list is read only then)."""

    about_to_show = Signal()

    def showPopup(self) -> None:  # noqa: N802 - Qt override
        self.about_to_show.emit()
        super().showPopup()


class RecordsScreen(Refreshing, QWidget):
    def __init__(self, db: ReviewDB, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.model = RecordsModel(db, self)
        self.search = QLineEdit(placeholderText="Search title, abstract, DOI, id…  (Ctrl+F)")
        self.database = QComboBox()
        self.count = QLabel()
        self._index: dict[str, OutcomeIndex] = {}
        self._loading: set[str] = set()
        self._stale = False
        self.stage = QComboBox()
        self.stage.setObjectName("filter-stage")
        for key, label in STAGE_LABEL.items():
            self.stage.addItem(label, key)
        self.outcome = QComboBox()
        self.outcome.setObjectName("filter-outcome")
        self.outcome.addItem("Any outcome", "")
        for state in OUTCOMES:
            self.outcome.addItem(state.capitalize(), state)
        self.reviewer = PopupCombo()
        self.reviewer.about_to_show.connect(lambda: self._load_index(str(self.stage.currentData())))
        self.reviewer.setObjectName("filter-reviewer")
        self.reviewer.addItem("Any reviewer", None)
        self.reviewer.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)  # the model's order: no
        self.table.setSortingEnabled(True)  # second read of every id on opening
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
        screening = QHBoxLayout()
        screening.addWidget(QLabel("Screening:"))
        screening.addWidget(self.stage)
        screening.addWidget(self.outcome)
        screening.addWidget(self.reviewer)
        screening.addStretch(1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.details)
        split.setSizes([480, 220])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(screening)
        layout.addWidget(split)

        self.search.textChanged.connect(self._filter)
        self.database.currentIndexChanged.connect(self._filter)
        self.stage.currentIndexChanged.connect(self._stage_changed)
        self.outcome.currentIndexChanged.connect(self._filter)
        self.reviewer.currentIndexChanged.connect(self._filter)
        self.table.selectionModel().currentRowChanged.connect(self._show)
        self._fill_databases()
        self._show_count()

    def reload(self) -> None:
        """Read the records again (after an import or an undone import)."""
        self._fill_databases()
        self._index.clear()
        self._filter()

    def _fill_databases(self) -> None:
        with self.db.session() as session:
            names = sorted(set(session.execute(select(ImportBatch.source_db)).scalars()))
        current = self.database.currentText()
        self.database.blockSignals(True)
        self.database.clear()
        self.database.addItems(["All databases", *names])
        if current in names:
            self.database.setCurrentText(current)
        self.database.blockSignals(False)

    def mark_stale(self, what: str) -> None:
        """Another screen changed the review: records at once (the table must follow an import), screening
        outcomes when this screen is shown next."""
        if what == Topic.RECORDS:
            self.reload()
        else:
            self._index.clear()
            self._stale = True

    # -- filters --------------------------------------------------------------------------------
    def _load_index(self, stage: str) -> None:
        """Outcomes of ``stage`` for the filters, read once in the background."""
        if stage in self._index or stage in self._loading:
            return
        self._loading.add(stage)

        def done(index: OutcomeIndex) -> None:
            self._loading.discard(stage)
            self._index[stage] = index
            if stage == self.stage.currentData():
                self._fill_reviewers(index)
                self._filter()

        run_task("Reading screening outcomes", partial(outcome_index, self.db, stage), parent=self, dialog=False,
                 on_done=done, on_error=lambda _e: self._loading.discard(stage))

    def _stage_changed(self) -> None:
        index = self._index.get(str(self.stage.currentData()))
        if index is not None:
            self._fill_reviewers(index)
        self._filter()

    def _fill_reviewers(self, index: OutcomeIndex) -> None:
        current = self.reviewer.currentData()
        self.reviewer.blockSignals(True)
        self.reviewer.clear()
        self.reviewer.addItem("Any reviewer", None)
        for name in index.reviewers:
            self.reviewer.addItem(f"Screened by {name}", f"by:{name}")
            self.reviewer.addItem(f"Not yet screened by {name}", f"not:{name}")
        at = self.reviewer.findData(current)
        self.reviewer.setCurrentIndex(max(0, at))
        self.reviewer.blockSignals(False)

    def screening_filter(self) -> frozenset[int] | None:
        """Ids passing the outcome and reviewer filters (``None``: no such filter, or not read yet)."""
        state, who = str(self.outcome.currentData() or ""), self.reviewer.currentData()
        if not state and not who:
            return None
        index = self._index.get(str(self.stage.currentData()))
        if index is None:
            return None
        kind, _, name = str(who or "").partition(":")
        return index.ids(state, name, kind != "not")

    def _filter(self) -> None:
        db_name = self.database.currentText() if self.database.currentIndex() > 0 else ""
        stage = str(self.stage.currentData())
        waiting = bool(self.outcome.currentData() or self.reviewer.currentData()) and stage not in self._index
        if waiting:
            self._load_index(stage)
        self.model.set_filter(self.search.text(), db_name, self.screening_filter())
        self._show_count(" (reading outcomes…)" if waiting else "")

    def _show_count(self, extra: str = "") -> None:
        self.count.setText(f"{self.model.rowCount():,} records{extra}")
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
