"""Attach a folder of PDFs: match them to records in the background (`screening.fulltext.matching`), show the
preview — each match ticked with how it matched, what matched nothing with why — and attach the ticked ones."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from db.changes import Topic
from gui.background import alive


def _preview(db: Any, folder: str, progress: Any = None, should_stop: Any = None) -> list[Any]:
    from screening.fulltext import matching

    return matching.match_folder(db, folder, progress=progress or matching.no_progress,
                                 should_stop=should_stop or matching.never_stop)


def _attach(db: Any, matches: list[Any], who: str) -> int:
    from screening.fulltext.store import attach_bytes

    for m in matches:
        attach_bytes(db, m.record_id, m.data, m.file, who, how="folder", info=m.info,
                     note=f"matched by {m.how}: {'; '.join(m.evidence)}")
    return len(matches)


class FolderPreview(QDialog):
    """The matches, ticked; what matched nothing, with why. Accept attaches the ticked ones."""

    def __init__(self, folder: str, matches: list[Any], labels: dict[int, str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Attach a folder of PDFs")
        self.matches = matches
        matched = [m for m in matches if m.record_id is not None]
        head = QLabel(f"<b>{len(matched)}</b> of {len(matches)} PDFs in {folder} matched a record. Untick a "
                      "match you do not want; the others are attached.")
        head.setWordWrap(True)
        self.list = QListWidget()
        self.list.setObjectName("folder-matches")
        self.items: list[tuple[QListWidgetItem, Any]] = []
        for m in matched:
            item = QListWidgetItem(f"{m.file}  →  {labels.get(m.record_id, m.record_id)}   "
                                   f"({m.how}: {'; '.join(m.evidence)})")
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.list.addItem(item)
            self.items.append((item, m))
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
        layout.addWidget(self.list, 2)
        layout.addWidget(QLabel("Matched nothing:"))
        layout.addWidget(self.unmatched, 1)
        layout.addWidget(buttons)
        self.resize(820, 520)

    def ticked(self) -> list[Any]:
        return [m for item, m in self.items if item.checkState() == Qt.CheckState.Checked]


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

    def matched(found: list[Any]) -> None:
        from screening.duplicates import labels

        names = labels(ctx.db, [m.record_id for m in found if m.record_id is not None])
        dialog = FolderPreview(folder, found, names, window)
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
