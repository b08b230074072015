"""The codebook editor: the review's coding fields (built-in moderators and its own), each with name, label,
type, allowed values with synonyms, range, required, help text.

The rows are `extraction.codebook_edit.FieldRow` values; the page writes them back as the protocol's
``[codebook]`` table, which the Extraction form, validation, double coding and the exports read.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from db.errors import InputError
from extraction.codebook import KIND_LABELS, Codebook
from extraction.codebook_edit import FieldRow, codebook_table, field_rows, parse_synonyms, synonyms_text
from gui.protocol.pages import EditorPage

SHORT_KINDS = {"category": "choice", "number": "number", "integer": "whole number", "text": "text",
               "yes_no": "yes/no"}


def _float(text: str) -> float | None:
    """A typed number; not a number -> NaN, which the codebook refuses with its own message."""
    text = text.strip().replace(",", ".")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        return float("nan")


class CodebookPage(EditorPage):
    title = "Codebook"
    subtitle = ("The fields a coder fills in for each effect size. Built-in fields keep their name; edit their "
                "type, label, range and values, add synonyms (BDI-II -> BDI), make them required or leave them "
                "out. Add the review's own fields with any type.")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[FieldRow] = []
        self._loading = False
        self.fields = QListWidget()
        self.fields.setObjectName("codebook-fields")
        self.fields.setMinimumWidth(300)
        self.add_button = QPushButton("&Add field")
        self.remove_button = QPushButton("&Remove field")
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addWidget(self.fields)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        lv.addLayout(buttons)

        self.name, self.label, self.help = QLineEdit(), QLineEdit(), QLineEdit()
        self.kind = QComboBox()
        for key, text in KIND_LABELS.items():
            self.kind.addItem(text, key)
        self.values, self.synonyms = QPlainTextEdit(), QPlainTextEdit()
        self.values.setPlaceholderText("one allowed value a line, e.g.\nBDI\nHAM-D")
        self.synonyms.setPlaceholderText("one synonym a line: alias -> value, e.g.\nBDI-II -> BDI")
        self.minimum, self.maximum = QLineEdit(), QLineEdit()
        self.required, self.other, self.omitted = (QCheckBox("Required"), QCheckBox("Allow 'Other: free text'"),
                                                   QCheckBox("Leave this field out of the codebook"))
        for name, w in (("name", self.name), ("label", self.label), ("help", self.help), ("type", self.kind),
                        ("values", self.values), ("synonyms", self.synonyms), ("min", self.minimum),
                        ("max", self.maximum), ("required", self.required), ("other", self.other),
                        ("omitted", self.omitted)):
            w.setObjectName(f"field-{name}")
        self.values.setMaximumHeight(110)
        self.synonyms.setMaximumHeight(90)
        right = QWidget()
        column = QVBoxLayout(right)
        self.form = QFormLayout()
        column.addLayout(self.form)
        column.addStretch(1)
        self.form.addRow("&Name (column)", self.name)
        self.form.addRow("&Label", self.label)
        self.form.addRow("&Type", self.kind)
        self.form.addRow("Allowed &values", self.values)
        self.form.addRow("&Synonyms", self.synonyms)
        self.form.addRow("Mi&nimum", self.minimum)
        self.form.addRow("Ma&ximum", self.maximum)
        self.form.addRow("", self.required)
        self.form.addRow("", self.other)
        self.form.addRow("&Help text", self.help)
        self.form.addRow("", self.omitted)

        split = QSplitter()
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(1, 3)
        split.setSizes([340, 600])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split, 1)

        self.fields.currentRowChanged.connect(self._show_row)
        self.add_button.clicked.connect(self.add_field)
        self.remove_button.clicked.connect(self.remove_field)
        for w in (self.name, self.label, self.help, self.minimum, self.maximum):
            w.textEdited.connect(self._edited)
        for t in (self.values, self.synonyms):
            t.textChanged.connect(self._edited)
        for c in (self.required, self.other, self.omitted):
            c.toggled.connect(self._edited)
        self.kind.currentIndexChanged.connect(self._edited)

    # -- rows <-> widgets -----------------------------------------------------------------------------
    def load(self, data: dict[str, Any]) -> None:
        self.rows = field_rows(data.get("codebook"))
        self._fill_list(0)

    def store(self, data: dict[str, Any]) -> None:
        table = codebook_table(self.rows)
        if table:
            data["codebook"] = table
        else:
            data.pop("codebook", None)

    def problems(self) -> list[str]:
        try:
            Codebook.from_protocol(codebook_table(self.rows), where="the codebook")
        except InputError as exc:
            return [f"Codebook: {exc.detail}"]
        names = [r.name.strip() for r in self.rows]
        return [f"Codebook: two fields are named {n!r}" for n in sorted({n for n in names if names.count(n) > 1})]

    def _item_text(self, r: FieldRow) -> str:
        if r.omitted:
            return f"{r.label or r.name} · left out"
        tags = [SHORT_KINDS.get(r.kind, r.kind)] + (["required"] if r.required else []) + (
            ["built-in"] if r.builtin else [])
        return f"{r.label or r.name} · {', '.join(tags)}"

    def _fill_list(self, select: int) -> None:
        self.fields.blockSignals(True)
        self.fields.clear()
        for r in self.rows:
            item = QListWidgetItem(self._item_text(r))
            item.setData(Qt.ItemDataRole.UserRole, r.name)
            if r.omitted:
                item.setForeground(self.palette().placeholderText())
            self.fields.addItem(item)
        self.fields.blockSignals(False)
        if self.rows:
            self.fields.setCurrentRow(min(max(select, 0), len(self.rows) - 1))
        self._show_row(self.fields.currentRow())

    def _show_row(self, index: int) -> None:
        self._loading = True
        try:
            r = self.rows[index] if 0 <= index < len(self.rows) else None
            for w in (self.name, self.label, self.help, self.kind, self.values, self.synonyms, self.minimum,
                      self.maximum, self.required, self.other, self.omitted):
                w.setEnabled(r is not None)
            self.remove_button.setEnabled(r is not None and not r.builtin)
            if r is None:
                return
            self.name.setText(r.name)
            self.label.setText(r.label)
            self.help.setText(r.help)
            self.kind.setCurrentIndex(max(0, self.kind.findData(r.kind)))
            self.values.setPlainText("\n".join(r.values))
            self.synonyms.setPlainText(synonyms_text(r.synonyms))
            self.minimum.setText("" if r.minimum is None else f"{r.minimum:g}")
            self.maximum.setText("" if r.maximum is None else f"{r.maximum:g}")
            self.required.setChecked(r.required)
            self.other.setChecked(r.other)
            self.omitted.setChecked(r.omitted)
            self.name.setEnabled(not r.builtin)  # a built-in field keeps its name (analyses and exports use it)
            self.omitted.setVisible(r.builtin)
            self._show_kind(r.kind)
        finally:
            self._loading = False

    def _show_kind(self, kind: str) -> None:
        for w, wanted in ((self.values, kind == "category"), (self.synonyms, kind == "category"),
                          (self.other, kind == "category"), (self.minimum, kind in ("number", "integer")),
                          (self.maximum, kind in ("number", "integer"))):
            self.form.setRowVisible(w, wanted)

    def _edited(self) -> None:
        if self._loading:
            return
        index = self.fields.currentRow()
        if not 0 <= index < len(self.rows):
            return
        r = self.rows[index]
        if not r.builtin:
            r.name = self.name.text().strip()
        r.label = self.label.text().strip()
        r.help = self.help.text().strip()
        r.kind = self.kind.currentData()
        r.minimum, r.maximum = _float(self.minimum.text()), _float(self.maximum.text())
        r.other = self.other.isChecked()
        r.values = list(dict.fromkeys(v.strip() for v in self.values.toPlainText().splitlines() if v.strip()))
        r.synonyms = parse_synonyms(self.synonyms.toPlainText())
        r.required = self.required.isChecked()
        r.omitted = r.builtin and self.omitted.isChecked()
        self._show_kind(r.kind)
        item = self.fields.item(index)
        if item is not None:
            item.setText(self._item_text(r))
        self.edited.emit()

    def add_field(self) -> None:
        taken = {r.name for r in self.rows}
        n = 1
        while f"field_{n}" in taken:
            n += 1
        self.rows.append(FieldRow(f"field_{n}", "text"))
        self._fill_list(len(self.rows) - 1)
        self.name.setFocus()
        self.name.selectAll()
        self.edited.emit()

    def remove_field(self) -> None:
        index = self.fields.currentRow()
        if 0 <= index < len(self.rows) and not self.rows[index].builtin:
            del self.rows[index]
            self._fill_list(index)
            self.edited.emit()
