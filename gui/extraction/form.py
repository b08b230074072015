"""The coding form: the reported statistic with the fields it needs, live conversion to r, the codebook's
moderators, and inline validation (Save stays disabled while anything is wrong)."""

from __future__ import annotations

from html import escape
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QWidget,
)

from extraction import apa
from extraction.codebook import Field
from extraction.coding import CodingSettings
from extraction.effect_sizes import STATISTICS
from gui.extraction.actions import Preview, moderator_fields, preview
from gui.theme import is_dark, muted_text

NUMBERS = ("value", "df", "n", "n1", "n2")
NEEDS: dict[str, tuple[str, ...]] = {
    "r": ("n",), "t": ("df", "n"), "F": ("df", "n"), "d": ("n1", "n2", "n"), "chi2": ("n",),
    "p": ("n", "tails"), "or": ("n1", "n2", "n"), "z": ("n",), "ztest": ("n",),
}
"""Which companion fields each statistic needs (n is always shown: the codebook requires it)."""
SHOWN = {"r": "r", "t": "t", "F": "F", "d": "d", "chi2": "χ²", "p": "p", "or": "OR", "z": "Fisher z",
         "ztest": "z"}
BRIEF = {"r": "correlation", "t": "t test", "F": "F(1, df)", "d": "Cohen's d", "chi2": "chi-square(1), 2 × 2 table",
         "p": "exact p with the total N", "or": "odds ratio", "z": "Fisher's z",
         "ztest": "z test with the total N"}
INTEGERS = ("n", "n1", "n2")


def error_color(widget: QWidget | None = None) -> str:
    """A CSS colour for inline error text, readable on the current palette."""
    return "#ff8a80" if is_dark(widget) else "#b3261e"


def parse_number(text: str, name: str, problems: list[str]) -> float | int | None:
    """The number typed in a field (None when empty); a problem is noted for text that is not a number."""
    text = text.strip().replace("−", "-")
    if not text:
        return None
    try:
        x = float(text.replace(",", ".") if text.count(",") == 1 and "." not in text else text)
    except ValueError:
        problems.append(f"{name}: {text!r} is not a number")
        return None
    return int(x) if name in INTEGERS and x.is_integer() else x


class CodingForm(QWidget):
    """Emits ``validity_changed(bool)`` whenever the entry turns valid or invalid."""

    validity_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings: CodingSettings | None = None
        self.year: int | None = None
        self.last: Preview | None = None
        self._valid = False
        self.label = QLineEdit()
        self.label.setPlaceholderText("e.g. BDI, client, early")
        self.statistic = QComboBox()
        for i, (key, meaning) in enumerate(STATISTICS.items()):
            self.statistic.addItem(f"{SHOWN[key]}  —  {BRIEF[key]}", key)
            self.statistic.setItemData(i, meaning, Qt.ItemDataRole.ToolTipRole)
        self.edits = {name: QLineEdit() for name in NUMBERS}
        for name, edit in self.edits.items():
            edit.setObjectName(f"coding-{name}")
            edit.setMaximumWidth(160)
        self.edits["n"].setPlaceholderText("total N")
        self.edits["df"].setPlaceholderText("n − 2 if empty")
        self.tails = QComboBox()
        self.tails.addItem("two-tailed", 2)
        self.tails.addItem("one-tailed", 1)
        self.direction = QComboBox()
        self.direction.addItem("as reported (+)", 1)
        self.direction.addItem("reversed (−): lower scores mean better outcome", -1)
        self.direction.setToolTip("F, χ² and p carry no sign: choose − when a better alliance went with a worse "
                                  "outcome. For signed statistics − reverses the reported sign.")
        self.location = QLineEdit()
        self.location.setPlaceholderText("page / table, e.g. p. 12, Table 2")
        self.note = QLineEdit()
        for w in (self.label, self.statistic, self.tails, self.direction, self.location, self.note):
            w.setMaximumWidth(340)
        self.statistic.setMinimumContentsLength(18)
        self.direction.setMinimumContentsLength(18)

        effect = QGroupBox("Reported effect")
        self.effect_form = QFormLayout(effect)
        self.effect_form.addRow("&Label", self.label)
        self.effect_form.addRow("&Statistic", self.statistic)
        self.effect_form.addRow("&Value", self.edits["value"])
        self.effect_form.addRow("&df", self.edits["df"])
        self.effect_form.addRow("n (&total)", self.edits["n"])
        self.effect_form.addRow("n&1 (group 1)", self.edits["n1"])
        self.effect_form.addRow("n&2 (group 2)", self.edits["n2"])
        self.effect_form.addRow("&Tails", self.tails)
        self.effect_form.addRow("D&irection", self.direction)
        self.effect_form.addRow("L&ocation", self.location)
        self.effect_form.addRow("N&ote", self.note)
        self.conversion = QLabel()
        self.conversion.setObjectName("coding-conversion")
        self.conversion.setWordWrap(True)
        self.conversion.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.effect_form.addRow(self.conversion)

        self.moderators_box = QGroupBox("Moderators (codebook)")
        self.mod_form = QFormLayout(self.moderators_box)
        self.mods: dict[str, QComboBox | QLineEdit] = {}
        self.messages = QLabel()
        self.messages.setObjectName("coding-messages")
        self.messages.setWordWrap(True)
        self.messages.setTextFormat(Qt.TextFormat.RichText)
        self.messages.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.effect_box = effect
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.stacked: bool | None = None
        """Moderators below the reported effect (a narrow form) instead of beside it; see `_arrange`."""
        self._arrange(stacked=False)

        self.statistic.currentIndexChanged.connect(self._statistic_changed)
        for w in (self.label, self.location, self.note, *self.edits.values()):
            w.textChanged.connect(self.update_preview)
        for c in (self.tails, self.direction):
            c.currentIndexChanged.connect(self.update_preview)
        self._statistic_changed()

    # -- layout: side by side when there is room, else one above the other (never cut off) ---------------
    def _side_by_side_width(self) -> int:
        """The width the two boxes need beside each other (pixels)."""
        return (self.effect_box.minimumSizeHint().width() + self.moderators_box.minimumSizeHint().width()
                + max(0, self.grid.horizontalSpacing()))

    def _arrange(self, stacked: bool) -> None:
        if stacked == self.stacked:
            return
        self.stacked = stacked
        for w in (self.effect_box, self.moderators_box, self.messages):
            self.grid.removeWidget(w)
        self.grid.addWidget(self.effect_box, 0, 0)
        if stacked:
            self.grid.addWidget(self.moderators_box, 1, 0)
            self.grid.addWidget(self.messages, 2, 0)
        else:
            self.grid.addWidget(self.moderators_box, 0, 1)
            self.grid.addWidget(self.messages, 1, 0, 1, 2)
        self.grid.setColumnStretch(0, 1)
        self.grid.setColumnStretch(1, 0 if stacked else 1)
        # the form may be as narrow as its wider box: below the side-by-side width it stacks
        self.setMinimumWidth(max(self.effect_box.minimumSizeHint().width(),
                                 self.moderators_box.minimumSizeHint().width()))

    def resizeEvent(self, e: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(e)
        self._arrange(stacked=self.width() < self._side_by_side_width())

    # -- set up ---------------------------------------------------------------------------------------
    def set_settings(self, cfg: CodingSettings) -> None:
        """Build the moderator fields from the review's codebook."""
        self.settings = cfg
        while self.mod_form.rowCount():
            self.mod_form.removeRow(0)
        self.mods.clear()
        for f in moderator_fields(cfg.codebook):
            editor = self._editor(f)
            editor.setObjectName(f"moderator-{f.name}")
            editor.setMinimumWidth(190)
            label = QLabel((f.label or f.name.replace("_", " ").capitalize()) + (" *" if f.required else ""))
            label.setToolTip(f"{f.meaning}. Allowed: {f.allowed()}")
            label.setBuddy(editor)
            editor.setToolTip(label.toolTip())
            self.mod_form.addRow(label, editor)
            self.mods[f.name] = editor
        self._tab_order()
        self.stacked = None  # the moderators' width changed: arrange again
        self._arrange(stacked=self.width() < self._side_by_side_width())
        self.update_preview()

    def _editor(self, f: Field) -> QComboBox | QLineEdit:
        if f.kind == "yes_no":  # a fixed choice: nothing else can be typed
            choice = QComboBox()
            choice.addItems(["", "yes", "no"])
            choice.currentTextChanged.connect(self.update_preview)
            return choice
        if f.kind != "category":
            edit = QLineEdit()
            edit.setPlaceholderText(f.allowed())
            edit.textChanged.connect(self.update_preview)
            return edit
        combo = QComboBox()
        combo.setEditable(True)
        combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        combo.addItems(["", *f.values, *(["Other: "] if f.other else [])])
        completer = QCompleter([*f.values, *f.aliases], combo)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        combo.setCompleter(completer)
        combo.lineEdit().setPlaceholderText("Other: free text" if f.other else "")
        combo.currentTextChanged.connect(self.update_preview)
        return combo

    def _tab_order(self) -> None:
        chain: list[QWidget] = [self.label, self.statistic, *self.edits.values(), self.tails, self.direction,
                                *self.mods.values(), self.location, self.note]
        for a, b in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(a, b)

    def _statistic_changed(self) -> None:
        key = self.statistic.currentData()
        needs = NEEDS.get(key, ("n",))
        for name in ("df", "n1", "n2"):
            self.effect_form.setRowVisible(self.edits[name], name in needs)
        self.effect_form.setRowVisible(self.tails, "tails" in needs)
        self.edits["value"].setPlaceholderText(f"the reported {SHOWN.get(key, key)}")
        self.update_preview()

    # -- the entry --------------------------------------------------------------------------------------
    def entry(self, problems: list[str] | None = None) -> dict[str, Any]:
        """The form's content as `code_effect` arguments; unreadable numbers are added to ``problems``."""
        problems = [] if problems is None else problems
        key = self.statistic.currentData()
        needs = NEEDS.get(key, ("n",))
        nums = {name: parse_number(edit.text(), name, problems) for name, edit in self.edits.items()
                if name in ("value", "n") or name in needs}
        mods: dict[str, Any] = {}
        for name, editor in self.mods.items():
            text = (editor.currentText() if isinstance(editor, QComboBox) else editor.text()).strip()
            if text:
                mods[name] = text
        return {"statistic": key, "value": nums.get("value"), "df": nums.get("df"), "n": nums.get("n"),
                "n1": nums.get("n1"), "n2": nums.get("n2"),
                "tails": self.tails.currentData() if "tails" in needs else 2,
                "direction": self.direction.currentData(), "moderators": mods,
                "location": self.location.text().strip(), "note": self.note.text().strip(),
                "label": self.label.text().strip()}

    def load(self, effect: dict[str, Any] | None, *, keep_moderators: bool = False) -> None:
        """Fill the form with a stored effect (None: an empty entry; moderators kept when asked)."""
        effect = effect or {}
        widgets = [self.statistic, self.tails, self.direction, self.label, self.location, self.note,
                   *self.edits.values(), *self.mods.values()]
        for w in widgets:
            w.blockSignals(True)
        try:
            self.statistic.setCurrentIndex(max(0, self.statistic.findData(effect.get("statistic", "r"))))
            for name, edit in self.edits.items():
                value = effect.get(name)
                edit.setText("" if value is None else f"{value:g}" if isinstance(value, float) else str(value))
            self.tails.setCurrentIndex(max(0, self.tails.findData(effect.get("tails", 2))))
            self.direction.setCurrentIndex(max(0, self.direction.findData(effect.get("direction", 1))))
            for w, key in ((self.label, "label"), (self.location, "location"), (self.note, "note")):
                w.setText(str(effect.get(key) or ""))
            if not (keep_moderators and not effect):
                mods = effect.get("moderators") or {}
                for name, editor in self.mods.items():
                    value = mods.get(name)
                    if value is None and name == "pub_year" and self.year:
                        value = self.year
                    text = "" if value is None else str(value)
                    if isinstance(editor, QComboBox) and not editor.isEditable():
                        editor.setCurrentIndex(max(0, editor.findText(text)))
                    elif isinstance(editor, QComboBox):
                        editor.setEditText(text)
                    else:
                        editor.setText(text)
        finally:
            for w in widgets:
                w.blockSignals(False)
        self._statistic_changed()

    def update_preview(self) -> Preview | None:
        """Convert and validate what is typed; show r, z, var_z and every message inline."""
        if self.settings is None:
            return None
        problems: list[str] = []
        entry = self.entry(problems)
        muted, bad = muted_text(self), error_color(self)
        if entry["value"] is None:
            if not problems:
                problems.append(f"value: enter the reported {SHOWN.get(entry['statistic'], '')}")
            result = Preview(None, "", problems)
            self.conversion.setText(f"<span style='color:{muted}'>r, z and var(z) appear as you type.</span>")
        else:
            result = preview(self.settings, entry, self.year)
            result = Preview(result.conversion, result.conversion_error, problems + result.problems)
            c = result.conversion
            if c is not None:
                var = apa.number(c.var_z, 5)
                self.conversion.setText(f"<b>r = {apa.bounded(c.r, 3)}</b> &nbsp; z = {apa.number(c.z, 3)} &nbsp; "
                                        f"var(z) = {var}"
                                        f"<br><span style='color:{muted}'>{escape(c.method)}</span>")
            else:
                self.conversion.setText(f"<span style='color:{bad}'>Cannot convert: "
                                        f"{escape(result.conversion_error, quote=False)}</span>")
        self.last = result
        shown = [p for p in result.problems if p != result.conversion_error]
        self.messages.setText("".join(f"<div style='color:{bad}'>• {escape(p, quote=False)}</div>" for p in shown))
        self.messages.setVisible(bool(shown))
        if result.valid != self._valid:
            self._valid = result.valid
            self.validity_changed.emit(result.valid)
        return result

    @property
    def valid(self) -> bool:
        return self._valid

    def show_error(self, message: str) -> None:
        """A message from the store (e.g. a label this coder already used) shown inline."""
        self.messages.setText(f"<div style='color:{error_color(self)}'>• {escape(message, quote=False)}</div>")
        self.messages.setVisible(True)
