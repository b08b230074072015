"""The column-mapping dialog for CSV / Excel exports: which column holds which record field."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from screening.importers.tabular import ColumnInfo
from screening.importers.tabular_columns import MAPPABLE_FIELDS

NOT_MAPPED = "— not mapped —"
LABELS = {"doi": "DOI", "pmid": "PMID", "pub_type": "Publication type", "source_id": "Source id",
          "url": "URL"}


class ColumnMappingDialog(QDialog):
    """Starts from the automatic mapping; `mapping()` returns only the fields the person changed."""

    def __init__(self, file_name: str, columns: ColumnInfo, explicit: dict[str, str] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("column-mapping")
        self.setWindowTitle(f"Columns of {file_name}")
        self.columns = columns
        where = f"sheet {columns.sheet!r}, " if columns.sheet else ""
        intro = QLabel(f"MetaSift read the column headers from {where}row {columns.header_row + 1} and matched "
                       "them to record fields. Change a field's column if the match is wrong.")
        intro.setWordWrap(True)
        form_widget = QWidget()
        form = QFormLayout(form_widget)
        self.boxes: dict[str, QComboBox] = {}
        chosen = {**columns.mapping, **(explicit or {})}
        for fld in MAPPABLE_FIELDS:
            box = QComboBox()
            auto = columns.mapping.get(fld)
            if auto is None:
                box.addItem(NOT_MAPPED, "")  # the importer cannot drop a column it recognised (see report)
            for h in columns.headers:
                if h:
                    box.addItem(h, h)
            current = chosen.get(fld)
            box.setCurrentIndex(max(0, box.findData(current)) if current else 0)
            self.boxes[fld] = box
            form.addRow(LABELS.get(fld, fld.replace("_", " ").capitalize()) + ":", box)
        scroll = QScrollArea()
        scroll.setWidget(form_widget)
        scroll.setWidgetResizable(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(scroll, 1)
        layout.addWidget(buttons)
        self.resize(520, 600)

    def mapping(self) -> dict[str, str]:
        """``{field: header}`` for the fields whose column differs from the automatic mapping."""
        out = {}
        for fld, box in self.boxes.items():
            header = box.currentData()
            if header and header != self.columns.mapping.get(fld):
                out[fld] = header
        return out
