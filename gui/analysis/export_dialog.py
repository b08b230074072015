"""The export dialog: level, XLSX or CSV, rho; runs `metasift export` in the background and says where."""

from __future__ import annotations

from functools import partial
from html import escape
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from db.engine import is_url
from db.errors import MetasiftError
from extraction.export import LEVELS, ExportInfo, export
from extraction.export_r import RScriptExport
from gui.analysis import actions
from gui.background import Task
from gui.context import ReviewContext
from gui.errors import report_error
from gui.extraction.form import error_color

LEVEL_TEXT = {"studies": "Studies: one row per independent sample (the table pooling reads)",
              "effects": "Effects: every coded effect size (current versions)",
              "records": "Records: every record with its screening outcome",
              "decisions": "Decisions: the screening decision log"}


class ExportDialog(QDialog):
    def __init__(self, ctx: ReviewContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("export-dialog")
        self.setWindowTitle("Export")
        self.setMinimumWidth(620)
        self.ctx = ctx
        self.task: Task | None = None
        self.result: ExportInfo | RScriptExport | None = None
        self.level = QComboBox()
        for lv in LEVELS:
            self.level.addItem(LEVEL_TEXT[lv], lv)
        self.level.setCurrentIndex(LEVELS.index("studies"))
        self.xlsx = QRadioButton("Excel workbook (.xlsx): every level, the chosen one first, codebook, summary")
        self.csv = QRadioButton("CSV (.csv): the chosen level only")
        self.xlsx.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.xlsx)
        group.addButton(self.csv)
        self.rho = QDoubleSpinBox()
        self.rho.setRange(0.0, 1.0)
        self.rho.setSingleStep(0.05)
        self.rho.setDecimals(2)
        self.rho.setValue(actions.default_rho(ctx.db))
        self.rho.setToolTip("Assumed correlation between effects of one sample when they are aggregated")
        self.path = QLineEdit()
        self.path.setObjectName("export-path")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self.browse)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path, 1)
        path_row.addWidget(browse)
        form = QFormLayout()
        form.addRow("&Level", self.level)
        form.addRow("Format", self.xlsx)
        form.addRow("", self.csv)
        form.addRow("&rho (aggregation)", self.rho)
        save_label = QLabel("&Save to")
        save_label.setBuddy(self.path)
        form.addRow(save_label, path_row)
        self.status = QLabel()
        self.status.setObjectName("export-status")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.RichText)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.setObjectName("run-export")
        self.open_button = self.buttons.addButton("Open folder", QDialogButtonBox.ButtonRole.ActionRole)
        self.open_button.setEnabled(False)
        self.export_button.clicked.connect(self.run)
        self.open_button.clicked.connect(self.open_folder)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self.level.currentIndexChanged.connect(lambda _: self._suggest_path())
        self.xlsx.toggled.connect(lambda _: self._suggest_path())
        self._suggest_path()

    def suffix(self) -> str:
        return ".xlsx" if self.xlsx.isChecked() else ".csv"

    def _suggest_path(self) -> None:
        target = self.ctx.db.target
        folder = Path.home() if is_url(target) else Path(target).parent
        stem = Path(self.ctx.db.name).stem if not is_url(target) else "review"
        current = self.path.text().strip()
        base = Path(current).parent if current else folder
        self.path.setText(str(base / f"{stem}-{self.level.currentData()}{self.suffix()}"))

    def browse(self) -> None:
        name = "Excel workbook (*.xlsx)" if self.xlsx.isChecked() else "CSV (*.csv)"
        path, _ = QFileDialog.getSaveFileName(self, "Export to", self.path.text(), name)
        if path:
            p = Path(path)
            self.path.setText(str(p if p.suffix.lower() == self.suffix() else p.with_name(p.name + self.suffix())))

    def run(self) -> Task | None:
        """Export in the background; the dialog stays open and says where the file went."""
        text = self.path.text().strip()
        if not text:
            self.status.setText(f"<span style='color:{error_color(self)}'>Choose where to save the export.</span>")
            return None
        out = Path(text).expanduser()
        if out.suffix.lower() != self.suffix():
            out = out.with_name(out.name + self.suffix())
        self.export_button.setEnabled(False)
        self.status.setText("Exporting…")
        self.task = self.ctx.run("Exporting", partial(export, self.ctx.db, out, self.level.currentData(),
                                                      rho=self.rho.value()),
                                 on_done=self._done, on_error=self._failed)
        self.task.finished.connect(lambda: self.export_button.setEnabled(True))
        return self.task

    def _done(self, info: ExportInfo | RScriptExport) -> None:
        self.result = info
        rows = ", ".join(f"{k} {v:,}" for k, v in info.rows.items())
        self.status.setText(f"Wrote <b>{escape(info.file)}</b><br>{escape(info.format.upper())} · rows: "
                            f"{escape(rows)}")
        self.open_button.setEnabled(True)
        self.ctx.message.emit(f"Exported to {info.file}")

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, MetasiftError):
            self.status.setText(f"<span style='color:{error_color(self)}'>{escape(str(exc))}</span>")
        else:
            self.status.setText("")
            report_error(self, exc, "Export")

    def open_folder(self) -> None:
        if self.result:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(self.result.file).parent)))
