"""Attach a folder of PDFs: match them to records in the background (`screening.fulltext.matching`), show the
preview — each match ticked with how it matched, what matched nothing with why; the coder may give any PDF
another record (or none) before confirming — and attach the ticked ones."""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHeaderView,
    QLabel,
    QListWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from db.changes import Topic
from gui.background import alive


def _preview(db: Any, folder: str, progress: Any = None, should_stop: Any = None
             ) -> tuple[list[Any], list[tuple[int, str]]]:
    """(the folder's matches, every record a PDF can go to). Background."""
    from screening.fulltext import matching

    found = matching.match_folder(db, folder, progress=progress or matching.no_progress,
                                  should_stop=should_stop or matching.never_stop)
    return found, matching.record_choices(db)


def _attach(db: Any, matches: list[Any], who: str) -> int:
    from screening.fulltext.store import attach_bytes

    for m in matches:
        attach_bytes(db, m.record_id, m.data, m.file, who, how="folder", info=m.info,
                     note=f"matched by {m.how}: {'; '.join(m.evidence)}")
    return len(matches)


NOT_ATTACHED = "— not attached —"


class FolderPreview(QDialog):
    """One row per readable PDF: ticked when it matched, with the record it goes to (a list the coder may
    change: another record reassigns it, "not attached" unassigns it) and how it matched or why not. PDFs
    that could not be read are listed apart. Accept attaches the ticked rows to their chosen records."""

    def __init__(self, folder: str, matches: list[Any], labels: dict[int, str],
                 choices: list[tuple[int, str]] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Attach a folder of PDFs")
        self.matches = matches
        matched = [m for m in matches if m.record_id is not None]
        head = QLabel(f"<b>{len(matched)}</b> of {len(matches)} PDFs in {folder} matched a record. Untick a "
                      "match you do not want, or choose another record for a PDF (also for one that matched "
                      "nothing); the ticked ones are attached.")
        head.setWordWrap(True)
        self.choices = list(choices or [(rid, labels.get(rid, str(rid))) for rid in
                                        sorted({m.record_id for m in matched})])
        self._names = QStringListModel([NOT_ATTACHED, *[label for _, label in self.choices]], self)
        self._ids: list[int | None] = [None, *[rid for rid, _ in self.choices]]
        readable = matched + [m for m in matches if m.record_id is None and m.info is not None]
        self.table = QTableWidget(len(readable), 3)
        self.table.setObjectName("folder-matches")
        self.table.setHorizontalHeaderLabels(["PDF", "Attach to", "How it matched"])
        self.table.verticalHeader().setVisible(False)
        self.items: list[tuple[QTableWidgetItem, Any]] = []
        """(the tick, the match) of the PDFs that matched a record (the first rows)."""
        self.rows: list[tuple[QTableWidgetItem, QComboBox, Any]] = []
        for row, m in enumerate(readable):
            tick = QTableWidgetItem(m.file)
            tick.setFlags((tick.flags() | Qt.ItemFlag.ItemIsUserCheckable) & ~Qt.ItemFlag.ItemIsEditable)
            tick.setCheckState(Qt.CheckState.Checked if m.record_id is not None else Qt.CheckState.Unchecked)
            box = QComboBox()
            box.setModel(self._names)  # one list for every row: a review of thousands of records stays quick
            box.setEditable(True)
            box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
            completer = QCompleter(self._names, box)
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
            box.setCompleter(completer)
            box.setCurrentIndex(self._ids.index(m.record_id) if m.record_id in self._ids else 0)
            box.currentIndexChanged.connect(lambda i, t=tick, b=box: self._chosen(t, b, i))
            self._show_start(box)
            how = QTableWidgetItem(f"{m.how}: {'; '.join(m.evidence)}" if m.record_id is not None
                                   else f"matched nothing: {m.problem}")
            how.setFlags(how.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.table.setItem(row, 0, tick)
            self.table.setCellWidget(row, 1, box)
            self.table.setItem(row, 2, how)
            self.rows.append((tick, box, m))
            if m.record_id is not None:
                self.items.append((tick, m))
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnWidth(0, 150)
        self.table.setColumnWidth(2, 330)
        self.table.resizeRowsToContents()
        self.unmatched = QListWidget()
        self.unmatched.setObjectName("folder-unmatched")
        for m in matches:
            if m.record_id is None:
                self.unmatched.addItem(f"{m.file}: {m.problem}")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Attach the ticked PDFs")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(head)
        layout.addWidget(self.table, 2)
        layout.addWidget(QLabel("Matched nothing (a readable one can be given a record above):"))
        layout.addWidget(self.unmatched, 1)
        layout.addWidget(buttons)
        self.resize(900, 560)

    @staticmethod
    def _show_start(box: QComboBox) -> None:
        """Show a long label from its start (the record's name), the whole of it in the tooltip."""
        if box.lineEdit() is not None:
            box.lineEdit().setCursorPosition(0)
        box.setToolTip(box.currentText())

    def _chosen(self, tick: QTableWidgetItem, box: QComboBox, index: int) -> None:
        tick.setCheckState(Qt.CheckState.Unchecked if index <= 0 else Qt.CheckState.Checked)
        self._show_start(box)

    def choose(self, match: Any, record_id: int | None) -> None:
        """Give ``match``'s PDF another record (None: not attached), as choosing it in its row does."""
        for _tick, box, m in self.rows:
            if m is match:
                box.setCurrentIndex(self._ids.index(record_id))

    def ticked(self) -> list[Any]:
        """The ticked PDFs with the record each goes to; a changed one says so in its evidence."""
        out = []
        for tick, box, m in self.rows:
            chosen = self._ids[box.currentIndex()] if box.currentIndex() >= 0 else None
            if tick.checkState() != Qt.CheckState.Checked or chosen is None:
                continue
            if chosen != m.record_id:
                before = (f"matched #{m.record_id} by {m.how}" if m.record_id is not None
                          else f"matched nothing: {m.problem}")
                m = replace(m, record_id=chosen, how="hand", evidence=[f"chosen in the preview ({before})"])
            out.append(m)
        return out


def attach_folder(window: Any, folder: str | None = None) -> Any:
    """Ask for a folder (unless given), match it in the background, then show the preview."""
    ctx = window.ctx
    if ctx is None:
        return None
    folder = folder or QFileDialog.getExistingDirectory(window, "A folder of PDFs to attach")
    if not folder:
        return None
    who = ctx.who()
    if who is None:
        return None

    def matched(got: tuple[list[Any], list[tuple[int, str]]]) -> None:
        found, choices = got
        dialog = FolderPreview(folder, found, {}, choices, window)
        window.folder_preview = dialog  # tests and screenshots reach it here

        def accepted() -> None:
            chosen = dialog.ticked()
            if chosen:
                ctx.write("Attaching PDFs", partial(_attach, ctx.db, chosen, who), changes=(Topic.PDFS,),
                          on_done=lambda n: ctx.message.emit(f"Attached {n} PDFs from {Path(folder).name}."))

        dialog.accepted.connect(accepted)
        dialog.open()

    return ctx.run(f"Matching the PDFs in {folder}", partial(_preview, ctx.db, folder),
                   on_done=alive(window, matched))
