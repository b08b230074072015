"""The criteria page: the protocol's ``[[criterion]]`` list, edited through a form built from `CRITERION_KINDS`.

Each criterion is one kind (concept named, population age, setting, study design, sample size, years,
languages) with an id, a label, the title/abstract exclusion reason it suggests when clearly not met, and the
kind's parameters: whole numbers, yes/no, text, a choice, or lists (one item a line; a list with fixed choices
is a set of check boxes). Nothing here knows a kind by name: a new kind in `CRITERION_KINDS` gets its form.
Parameters left at their default are not written, so the TOML stays short and follows later defaults.
"""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from gui.protocol.pages import EditorPage
from screening.criteria.kinds import CRITERION_KINDS, DESIGN_LABELS, ParamSpec, default_params, validate_params

SPEC_KEYS = ("id", "kind", "label", "reason")


GIVEN = "__given"
"""Key of an edited item holding the parameters its protocol wrote out (they stay written)."""


def full_item(item: dict[str, Any]) -> dict[str, Any]:
    """A ``[[criterion]]`` table with every parameter of its kind (defaults filled in)."""
    kind = item.get("kind")
    given = frozenset(k for k in item if k not in SPEC_KEYS)
    return {**(default_params(kind) if kind in CRITERION_KINDS else {}), **item, GIVEN: given}


def compact_item(item: dict[str, Any]) -> dict[str, Any]:
    """The table as written: the spec keys, the parameters the protocol wrote out, and those that differ from
    the kind's defaults (an unchanged criterion is written as it was read)."""
    defaults = default_params(item["kind"]) if item.get("kind") in CRITERION_KINDS else {}
    given = item.get(GIVEN, frozenset())
    out = {k: item[k] for k in SPEC_KEYS if k in item}
    for k, v in item.items():
        if k in SPEC_KEYS or k == GIVEN:
            continue
        if k in given:
            out[k] = list(v) if isinstance(v, tuple) else v
            continue
        d = defaults.get(k)
        same = list(v) == list(d) if isinstance(v, list | tuple) and isinstance(d, list | tuple) else v == d
        if not same:
            out[k] = list(v) if isinstance(v, tuple) else v
    return out


def legacy_to_items(data: dict[str, Any]) -> list[dict[str, Any]] | None:
    """An old-shape protocol's criteria (``[criteria]`` / ``[terms]``) as ``[[criterion]]`` tables, None when it
    has the new shape (the core reads both; the editor writes the new one)."""
    if "criterion" in data or not ({"criteria", "terms"} & set(data)):
        return None
    from screening.protocol import protocol_from_data, spec_data

    return [spec_data(s) for s in protocol_from_data(data, "the protocol").criteria_specs]


def choice_label(choice: str) -> str:
    """What a person reads for a parameter's choice (a study design's description, else the words)."""
    return DESIGN_LABELS.get(choice, choice.replace("_", " "))


class ParamEditor:
    """The widget of one parameter, and its value."""

    def __init__(self, p: ParamSpec) -> None:
        self.p = p
        w: QWidget
        if p.type == "int":
            spin = QSpinBox()
            spin.setRange(p.minimum if p.minimum is not None else -1_000_000,
                          p.maximum if p.maximum is not None else 1_000_000)
            spin.setMaximumWidth(140)
            w = spin
        elif p.type == "bool":
            w = QCheckBox(p.help)
        elif p.type == "choice":
            combo = QComboBox()
            for c in p.choices:
                combo.addItem(choice_label(c), c)
            w = combo
        elif p.type == "str_list" and p.choices:
            box = QListWidget()
            for c in p.choices:
                item = QListWidgetItem(choice_label(c))
                item.setData(Qt.ItemDataRole.UserRole, c)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Unchecked)
                box.addItem(item)
            box.setMaximumHeight(22 * len(p.choices) + 8)
            w = box
        elif p.type == "str_list":
            text = QPlainTextEdit()
            text.setPlaceholderText("one a line")
            text.setMaximumHeight(96)
            w = text
        else:
            w = QLineEdit()
        w.setObjectName(f"param-{p.name}")
        w.setToolTip(p.help)
        self.widget = w

    def set(self, value: Any) -> None:
        w = self.widget
        if isinstance(w, QSpinBox):
            w.setValue(int(value))
        elif isinstance(w, QCheckBox):
            w.setChecked(bool(value))
        elif isinstance(w, QComboBox):
            w.setCurrentIndex(max(0, w.findData(value)))
        elif isinstance(w, QListWidget):
            for i in range(w.count()):
                item = w.item(i)
                item.setCheckState(Qt.CheckState.Checked if item.data(Qt.ItemDataRole.UserRole) in value
                                   else Qt.CheckState.Unchecked)
        elif isinstance(w, QPlainTextEdit):
            w.setPlainText("\n".join(value))
        elif isinstance(w, QLineEdit):
            w.setText(str(value))

    def get(self) -> Any:
        w = self.widget
        if isinstance(w, QSpinBox):
            return w.value()
        if isinstance(w, QCheckBox):
            return w.isChecked()
        if isinstance(w, QComboBox):
            return w.currentData()
        if isinstance(w, QListWidget):
            return [w.item(i).data(Qt.ItemDataRole.UserRole) for i in range(w.count())
                    if w.item(i).checkState() == Qt.CheckState.Checked]
        if isinstance(w, QPlainTextEdit):
            return [line.strip() for line in w.toPlainText().splitlines() if line.strip()]
        assert isinstance(w, QLineEdit)
        return w.text().strip()

    def changed_signal(self) -> Any:
        w = self.widget
        if isinstance(w, QSpinBox):
            return w.valueChanged
        if isinstance(w, QCheckBox):
            return w.toggled
        if isinstance(w, QComboBox):
            return w.currentIndexChanged
        if isinstance(w, QListWidget):
            return w.itemChanged
        return w.textChanged


class CriteriaPage(EditorPage):
    title = "Criteria"
    subtitle = ("What the automatic assessment checks on titles and abstracts (it only suggests; people decide): "
                "each criterion is a kind with its settings, and the exclusion reason it suggests when clearly "
                "not met.")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.items: list[dict[str, Any]] = []
        self._choices: list[str] = []
        self._loading = False
        self.list = QListWidget()
        self.list.setObjectName("criteria-list")
        self.list.setMinimumWidth(260)
        self.new_kind = QComboBox()
        self.new_kind.setObjectName("criterion-new-kind")
        for name, kind in CRITERION_KINDS.items():
            self.new_kind.addItem(kind.label, name)
        self.add_button = QPushButton("&Add")
        self.remove_button = QPushButton("&Remove")
        self.up_button, self.down_button = QPushButton("Up"), QPushButton("Down")
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addWidget(self.list, 1)
        row = QHBoxLayout()
        row.addWidget(self.new_kind, 1)
        row.addWidget(self.add_button)
        lv.addLayout(row)
        row = QHBoxLayout()
        for b in (self.remove_button, self.up_button, self.down_button):
            row.addWidget(b)
        lv.addLayout(row)

        self.id_edit, self.label_edit = QLineEdit(), QLineEdit()
        self.id_edit.setObjectName("criterion-id")
        self.label_edit.setObjectName("criterion-label")
        self.reason = QComboBox()
        self.reason.setObjectName("criterion-reason")
        self.kind_help = QLabel()
        self.kind_help.setWordWrap(True)
        self.detail = QWidget()
        column = QVBoxLayout(self.detail)
        self.form = QFormLayout()
        column.addLayout(self.form)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.detail)
        self.params: dict[str, ParamEditor] = {}

        split = QSplitter()
        split.addWidget(left)
        split.addWidget(scroll)
        split.setStretchFactor(1, 3)
        split.setSizes([300, 640])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split, 1)
        self.list.currentRowChanged.connect(self._show)
        self.add_button.clicked.connect(lambda: self.add(self.new_kind.currentData()))
        self.remove_button.clicked.connect(self.remove)
        self.up_button.clicked.connect(lambda: self._move(-1))
        self.down_button.clicked.connect(lambda: self._move(1))
        self.id_edit.textEdited.connect(self._edited)
        self.label_edit.textEdited.connect(self._edited)
        self.reason.currentIndexChanged.connect(self._edited)

    # -- the protocol <-> the items ----------------------------------------------------------------
    def set_reasons(self, reasons: list[str]) -> None:
        """The title/abstract exclusion reasons a criterion may suggest."""
        self._choices = list(reasons)

    def load(self, data: dict[str, Any]) -> None:
        legacy = legacy_to_items(data)
        raw = legacy if legacy is not None else list(data.get("criterion", []))
        self.items = [full_item(dict(i)) for i in raw]
        self._fill(0)

    def store(self, data: dict[str, Any]) -> None:
        data.pop("criteria", None)
        data.pop("terms", None)
        data["criterion"] = [compact_item(i) for i in self.items]

    def problems(self) -> list[str]:
        out: list[str] = []
        ids = [str(i.get("id", "")) for i in self.items]
        for item in self.items:
            cid = str(item.get("id", ""))
            if not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", cid):
                out.append(f"Criteria: {cid or '(no id)'}: the id must be a short name of lower-case letters, "
                           "digits and _")
            elif ids.count(cid) > 1:
                out.append(f"Criteria: {cid}: id used twice")
            if not item.get("reason"):
                out.append(f"Criteria: {cid}: choose the exclusion reason it suggests")
            _, bad = validate_params(item["kind"], {k: v for k, v in item.items() if k not in (*SPEC_KEYS, GIVEN)})
            out += [f"Criteria: {cid} {key}: {problem}" for key, problem in bad]
        return list(dict.fromkeys(out))

    # -- the list ----------------------------------------------------------------------------------
    def _text(self, item: dict[str, Any]) -> str:
        kind = CRITERION_KINDS[item["kind"]].label if item.get("kind") in CRITERION_KINDS else str(item.get("kind"))
        label = str(item.get("label") or item.get("id"))
        return label if label.casefold() == kind.casefold() else f"{label} · {kind}"

    def _fill(self, select: int) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        for item in self.items:
            self.list.addItem(self._text(item))
        self.list.blockSignals(False)
        if self.items:
            self.list.setCurrentRow(min(max(select, 0), len(self.items) - 1))
        self._show(self.list.currentRow())

    def add(self, kind: str) -> None:
        taken = {i.get("id") for i in self.items}
        base = re.sub(r"[^a-z0-9_]", "_", kind)
        cid = base if base not in taken else next(f"{base}_{n}" for n in range(2, 100) if f"{base}_{n}" not in taken)
        reason = self._choices[0] if self._choices else ""
        self.items.append(full_item({"id": cid, "kind": kind, "label": CRITERION_KINDS[kind].label,
                                     "reason": reason}))
        self._fill(len(self.items) - 1)
        self.edited.emit()

    def remove(self) -> None:
        row = self.list.currentRow()
        if 0 <= row < len(self.items):
            del self.items[row]
            self._fill(row)
            self.edited.emit()

    def _move(self, step: int) -> None:
        row = self.list.currentRow()
        to = row + step
        if 0 <= row < len(self.items) and 0 <= to < len(self.items):
            self.items[row], self.items[to] = self.items[to], self.items[row]
            self._fill(to)
            self.edited.emit()

    # -- the form ----------------------------------------------------------------------------------
    def _show(self, row: int) -> None:
        self._loading = True
        try:
            while self.form.rowCount():
                self.form.removeRow(0)
            self.params = {}
            item = self.items[row] if 0 <= row < len(self.items) else None
            for w in (self.remove_button, self.up_button, self.down_button):
                w.setEnabled(item is not None)
            if item is None:
                return
            kind = CRITERION_KINDS[item["kind"]]
            self.id_edit, self.label_edit, self.reason, self.kind_help = (
                QLineEdit(str(item.get("id", ""))), QLineEdit(str(item.get("label", ""))), QComboBox(),
                QLabel(f"<b>{kind.label}</b>: {kind.help}"))
            self.id_edit.setObjectName("criterion-id")
            self.label_edit.setObjectName("criterion-label")
            self.reason.setObjectName("criterion-reason")
            self.kind_help.setWordWrap(True)
            self.reason.addItem("(choose a title/abstract exclusion reason)", "")
            for r in dict.fromkeys([*self._choices, *([item["reason"]] if item.get("reason") else [])]):
                self.reason.addItem(r, r)
            self.reason.setCurrentIndex(max(0, self.reason.findData(item.get("reason", ""))))
            self.form.addRow(self.kind_help)
            self.form.addRow("&Id", self.id_edit)
            self.form.addRow("&Label", self.label_edit)
            self.form.addRow("&Reason", self.reason)
            for p in kind.params:
                editor = ParamEditor(p)
                editor.set(item.get(p.name, p.default))
                editor.changed_signal().connect(self._edited)
                self.params[p.name] = editor
                label = QLabel(p.name.replace("_", " ") if p.type == "bool" else p.help or p.name)
                label.setWordWrap(True)
                label.setToolTip(p.name)
                self.form.addRow(label, editor.widget)
            self.id_edit.textEdited.connect(self._edited)
            self.label_edit.textEdited.connect(self._edited)
            self.reason.currentIndexChanged.connect(self._edited)
        finally:
            self._loading = False

    def _edited(self, *_args: Any) -> None:
        if self._loading:
            return
        row = self.list.currentRow()
        if not 0 <= row < len(self.items):
            return
        item = self.items[row]
        item["id"] = self.id_edit.text().strip()
        item["label"] = self.label_edit.text().strip()
        item["reason"] = self.reason.currentData() or ""
        for name, editor in self.params.items():
            item[name] = editor.get()
        li = self.list.item(row)
        if li is not None:
            li.setText(self._text(item))
        self.edited.emit()
