"""The import screen: drop or choose exports, check what was detected, map columns, import, see batches."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from db.changes import Topic
from gui.background import Task
from gui.context import ReviewContext
from gui.errors import report_error
from gui.imports import actions
from gui.imports.actions import PendingFile, Preview
from gui.imports.choices import ChoiceDelegate
from gui.imports.mapping import ColumnMappingDialog
from gui.imports.model import BatchesModel, PendingFilesModel
from gui.refreshing import Refreshing
from screening.importers import UnsureFormat
from screening.importing import (
    BatchInfo,
    BatchSummary,
    BatchUndone,
    DatabaseCorrected,
    Refused,
    set_batch_database,
    undo_batch,
)

EXPORT_FILTER = ("Database exports (*.ris *.txt *.nbib *.xml *.csv *.tsv *.xlsx *.xls *.bib *.ciw *.enw);;"
                 "All files (*)")


class ImportScreen(Refreshing, QWidget):
    SHORTCUTS = [("Ctrl+Shift+O", "Choose export files"), ("Delete", "Remove the selected file from the list"),
                 ("Ctrl+Return", "Import the checked files"), ("Esc", "Cancel a running import")]

    def __init__(self, ctx: ReviewContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.task: Task | None = None
        self.setAcceptDrops(True)

        self.drop = QFrame()
        self.drop.setObjectName("drop-zone")
        self.drop.setFrameShape(QFrame.Shape.StyledPanel)
        self.drop.setStyleSheet("#drop-zone { border: 2px dashed palette(mid); border-radius: 8px; }")
        self.hint = QLabel("<b>Drop database export files here</b><br>RIS, PubMed/MEDLINE, Web of Science, "
                           "Scopus CSV, Excel, EndNote XML, BibTeX, Ovid, Cochrane, ProQuest")
        self.hint.setObjectName("drop-hint")
        self.hint.setWordWrap(True)
        self.hint.setMinimumWidth(240)  # wraps before it reaches the button, never under it
        self.choose = QPushButton("Choose files…")
        self.choose.clicked.connect(self.choose_files)
        drop_box = QHBoxLayout(self.drop)
        drop_box.setContentsMargins(16, 12, 16, 12)
        drop_box.setSpacing(12)
        drop_box.addWidget(self.hint, 1)
        drop_box.addWidget(QLabel("or"), 0, Qt.AlignmentFlag.AlignVCenter)
        drop_box.addWidget(self.choose, 0, Qt.AlignmentFlag.AlignVCenter)

        self.pending = PendingFilesModel(self)
        self.files = QTableView()
        self.files.setObjectName("pending-files")
        self.files.setModel(self.pending)
        self.files.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.files.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.files.verticalHeader().hide()
        self.files.setWordWrap(False)
        header = self.files.horizontalHeader()
        for col, width in enumerate((240, 230, 200, 220)):
            header.resizeSection(col, width)
        header.setStretchLastSection(True)
        self.files.doubleClicked.connect(self._double_clicked)
        self.choices = ChoiceDelegate(self.pending.files, PendingFilesModel.FORMAT, PendingFilesModel.DATABASE,
                                      self.files)
        self.files.setItemDelegateForColumn(PendingFilesModel.FORMAT, self.choices)
        self.files.setItemDelegateForColumn(PendingFilesModel.DATABASE, self.choices)
        self.pending.format_chosen.connect(self._format_chosen)
        self.remove_button = QPushButton("Remove")
        self.remove_button.clicked.connect(self.remove_selected)
        self.map_button = QPushButton("Map columns…")
        self.map_button.clicked.connect(self.map_selected)
        self.import_button = QPushButton("Import")
        self.import_button.setDefault(True)
        self.import_button.clicked.connect(self.start_import)
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.hide()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.hide()
        self.note = QLabel()
        self.note.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.remove_button)
        buttons.addWidget(self.map_button)
        buttons.addWidget(self.progress, 1)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(0)
        buttons.addWidget(self.import_button)
        pending_box = QGroupBox("Files to import")
        pending_layout = QVBoxLayout(pending_box)
        pending_layout.addWidget(self.drop)
        pending_layout.addWidget(self.files, 1)
        pending_layout.addLayout(buttons)
        pending_layout.addWidget(self.note)

        self.batches = BatchesModel(ctx.db, self)
        self.history = QTableView()
        self.history.setObjectName("batch-history")
        self.history.setModel(self.batches)
        self.history.verticalHeader().hide()
        self.history.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.history.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                     | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.history_choices = ChoiceDelegate([], -1, BatchesModel.DATABASE, self.history)
        self.history.setItemDelegateForColumn(BatchesModel.DATABASE, self.history_choices)
        self.batches.database_edited.connect(self.correct_database)
        h = self.history.horizontalHeader()
        for col, width in enumerate((60, 260, 90, 140, 90, 140, 120, 170)):
            h.resizeSection(col, width)
        h.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.undo_button = QPushButton("Undo import…")
        self.undo_button.setToolTip("Remove the selected batch and its records (only while nobody has worked on them)")
        self.undo_button.clicked.connect(self.undo_selected)
        self.history.selectionModel().currentRowChanged.connect(lambda *_: self._update_undo())
        self.batches.modelReset.connect(self._update_undo)
        history_box = QGroupBox("Imported batches")
        history_layout = QVBoxLayout(history_box)
        history_layout.addWidget(self.history)
        history_layout.addWidget(self.undo_button, 0, Qt.AlignmentFlag.AlignRight)

        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(pending_box)
        split.addWidget(history_box)
        split.setSizes([430, 300])
        layout = QVBoxLayout(self)
        layout.addWidget(split)

        QShortcut(QKeySequence("Ctrl+Shift+O"), self, self.choose_files)
        QShortcut(QKeySequence.StandardKey.Delete, self.files, self.remove_selected,
                  context=Qt.ShortcutContext.WidgetShortcut)
        QShortcut(QKeySequence("Ctrl+Return"), self, self.start_import,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.cancel,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self._update_buttons()

    # -- adding files ---------------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt override
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt override
        self.add_files([Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()])
        event.acceptProposedAction()

    def choose_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Choose database exports", str(Path.home()), EXPORT_FILTER)
        self.add_files([Path(p) for p in paths])

    def add_files(self, paths: list[Path]) -> list[PendingFile]:
        """Add files to the list and detect their format and database in the background."""
        known = {f.path.resolve() for f in self.pending.files if f.state != "imported"}
        added = []
        for path in paths:
            if path.resolve() in known:
                continue
            f = PendingFile(path)
            self.pending.add(f)
            added.append(f)
            self._check(f)
        if added:
            self.files.selectRow(self.pending.rowCount() - 1)
        self._update_buttons()
        return added

    def _check(self, f: PendingFile) -> None:
        """Detect ``f``'s format (or read it as the format the person chose) and database in the background,
        and whether the review already holds these exact bytes."""
        f.state = "checking"
        self.pending.changed(f)
        task = self.ctx.run(f"Checking {f.path.name}", partial(actions.previewer, f.path, self.ctx.db, f.forced_format),
                            dialog=False, on_done=lambda p, f=f: self._previewed(f, p),
                            on_error=lambda exc, f=f: self._preview_failed(f, exc))
        task.finished.connect(self._update_buttons)

    def _format_chosen(self, f: PendingFile) -> None:
        self._check(f)

    def _previewed(self, f: PendingFile, p: Preview) -> None:
        f.state, f.format, f.format_label, f.confidence = "ready", p.format, p.format_label, p.confidence
        f.detected_db, f.tool, f.columns, f.message = p.source_db, p.tool, p.columns, ""
        if p.already:
            f.state, f.message = "duplicate", p.already
        self.pending.changed(f)

    def _preview_failed(self, f: PendingFile, exc: BaseException) -> None:
        f.state, f.message = "error", str(exc)
        if isinstance(exc, UnsureFormat) and exc.candidates and not f.candidates:
            f.candidates = list(exc.candidates)
        self.pending.changed(f)

    def _selected(self) -> list[int]:
        return sorted({i.row() for i in self.files.selectionModel().selectedRows()})

    def remove_selected(self) -> None:
        if self.task is None:
            self.pending.remove(self._selected())
            self._update_buttons()

    def _double_clicked(self, index: QModelIndex) -> None:
        if index.column() == 3:
            self.map_selected()

    def map_selected(self) -> None:
        rows = self._selected()
        if not rows:
            return
        f = self.pending.files[rows[0]]
        if f.columns is None:
            self.note.setText(f"{f.path.name} is not a table (CSV or Excel); its fields are read from its tags.")
            return
        dialog = ColumnMappingDialog(f.path.name, f.columns, f.mapping, self)
        if dialog.exec():
            f.mapping = dialog.mapping()
            self.pending.changed(f)

    # -- importing ------------------------------------------------------------------------------
    def start_import(self) -> Task | None:
        files = self.pending.ready()
        if not files or self.task is not None:
            return None
        unknown = [f for f in files if f.database == "unknown"]
        if unknown:  # ask before importing: PRISMA counts records per database
            f = unknown[0]
            says = (f"It was exported by {f.tool}, a screening tool or reference manager, which is not a database"
                    if f.tool else "The file does not say")
            self.note.setText(f"Which database did {f.path.name} come from? {says}: choose it (or type it) in its "
                              "Database cell, then press Import.")
            index = self.pending.index(self.pending.files.index(f), PendingFilesModel.DATABASE)
            self.files.setCurrentIndex(index)
            self.files.edit(index)
            return None
        who = self.ctx.who()
        if who is None:
            return None
        self.progress.setRange(0, 0)
        self.progress.setFormat("Importing…")
        self.progress.show()
        self.cancel_button.show()
        self.cancel_button.setEnabled(True)
        self.note.setText("")
        names = ", ".join(f.path.name for f in files)
        self.task = self.ctx.write(f"Importing {names}", partial(actions.importer_work, self.ctx.db, files, who),
                                   changes=(Topic.RECORDS,), dialog=False,
                                   on_done=lambda out: self._imported(files, out),
                                   on_error=self._import_failed, on_cancel=self._import_cancelled)
        self.task.progressed.connect(self._progress)
        self.task.finished.connect(self._import_finished)
        self._update_buttons()
        return self.task

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self.cancel_button.setEnabled(False)
            self.progress.setFormat("Cancelling…")

    def _progress(self, done: int, total: int, message: str) -> None:
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(min(done, total))
        self.progress.setFormat(f"{message} — %p%" if message else "%p%")

    def _imported(self, files: list[PendingFile], result: tuple[list[BatchSummary], list[Refused]]) -> None:
        out, refused = result
        by_name = {b.file: b for b in out}
        refused_by_name = {r.file: r for r in refused}
        for f in files:
            b = by_name.get(f.path.name)
            if b is not None:
                f.state, f.records = "imported", b.records
                f.message = f"Imported {b.records:,} records as {b.source_db} (batch {b.batch_id})"
                if b.warnings:
                    f.message += f"; {len(b.warnings)} repair{'s' * (len(b.warnings) != 1)}: " + " ".join(b.warnings)
                self.pending.changed(f)
            elif f.path.name in refused_by_name:
                f.state, f.message = "error", refused_by_name[f.path.name].message
                self.pending.changed(f)
        total = sum(b.records for b in out)
        text = (f"Imported {total:,} records from {len(out)} file{'s' * (len(out) != 1)}. "
                "Next: find duplicates (Duplicates tab).")
        if refused:
            text += (f" {len(refused)} file{'s were' if len(refused) != 1 else ' was'} refused (nothing of "
                     f"{'them' if len(refused) != 1 else 'it'} stored): " + "; ".join(r.message for r in refused))
        self.note.setText(text)

    def _import_failed(self, exc: BaseException) -> None:
        self.note.setText("Nothing was imported: " + str(exc))
        report_error(self.window(), exc, "Import")
        self.ctx.announce(Topic.RECORDS)  # groups of an earlier file may have landed

    def _import_cancelled(self) -> None:
        self.note.setText("Import cancelled; nothing of the cancelled files was stored.")
        self.ctx.announce(Topic.RECORDS)

    def _import_finished(self) -> None:
        self.task = None
        self.progress.hide()
        self.cancel_button.hide()
        self.batches.reload()
        self._update_buttons()

    def _update_buttons(self) -> None:
        n = len(self.pending.ready())
        busy = self.task is not None
        self.import_button.setText(f"Import {n} file{'s' * (n != 1)}" if n else "Import")
        self.import_button.setEnabled(n > 0 and not busy)
        self.remove_button.setEnabled(not busy and self.pending.rowCount() > 0)
        self.map_button.setEnabled(any(f.columns is not None for f in self.pending.files))
        self.choose.setEnabled(not busy)
        self._update_undo()

    # -- undoing an import ----------------------------------------------------------------------
    def selected_batch(self) -> BatchInfo | None:
        return self.batches.entry(self.history.currentIndex().row())

    def _update_undo(self) -> None:
        b = self.selected_batch()
        self.undo_button.setEnabled(bool(b and b.can_undo) and self.task is None)

    def undo_selected(self) -> Task | None:
        """Undo the selected import after a confirmation naming its file and record count."""
        b = self.selected_batch()
        if b is None or not b.can_undo or self.task is not None:
            return None
        answer = QMessageBox.question(
            self, "Undo import", f"Remove batch {b.batch_id} — {b.file} ({b.source_db}) — and its "
            f"{b.records:,} records from the review?\n\nNobody has worked on them yet; you can import the file "
            "again later.", QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel)
        if answer != QMessageBox.StandardButton.Yes:
            return None
        who = self.ctx.who()
        if who is None:
            return None

        def done(out: BatchUndone) -> None:
            self.note.setText(f"Removed {out.file}: {out.records_removed:,} records (batch {out.batch_id}).")

        task = self.ctx.write(f"Undoing the import of {b.file}",
                              partial(undo_batch, self.ctx.db, b.batch_id, who),
                              changes=(Topic.RECORDS,), on_done=done)
        task.finished.connect(self.batches.reload)
        return task

    def correct_database(self, batch_id: int, name: str) -> Task | None:
        """Store a corrected database name for an imported batch (`screening.importing.set_batch_database`)."""
        who = self.ctx.who()
        if who is None:
            return None

        def done(out: DatabaseCorrected) -> None:
            self.note.setText(f"{out.file}: database {out.old} → {out.source_db}; the PRISMA counts "
                              "follow.")

        task = self.ctx.write(f"Correcting the database of batch {batch_id}",
                              partial(set_batch_database, self.ctx.db, batch_id, name, who),
                              changes=(Topic.RECORDS,), on_done=done)
        task.finished.connect(self.batches.reload)
        return task

    def reload(self) -> None:
        self.batches.reload()

    def needs_reload(self) -> bool:
        return True  # the import history is one short read: read it whenever the screen is shown
