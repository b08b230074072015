"""The criteria page: which criteria `metasift assess` checks and the exclusion reason each suggests."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QHBoxLayout, QSpinBox, QWidget

from gui.protocol.pages import EditorPage
from screening.protocol import CRITERIA, DEFAULT_REASONS

LABELS = {"alliance": "names the alliance", "clinical": "clinical (not analogue) treatment",
          "sample_size": "enough participants", "adult": "adult participants"}


class CriteriaPage(EditorPage):
    title = "Criteria"
    subtitle = ("What the automatic assessment checks on titles and abstracts (it only suggests; people decide), "
                "and the exclusion reason it suggests when a criterion is clearly not met.")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        self.checks: dict[str, QCheckBox] = {}
        self.reasons: dict[str, QComboBox] = {}
        for name in CRITERIA:
            box, reason = QCheckBox(LABELS.get(name, name)), QComboBox()
            box.setObjectName(f"criterion-{name}")
            reason.setObjectName(f"criterion-reason-{name}")
            box.toggled.connect(self.edited)
            reason.currentIndexChanged.connect(self.edited)
            row = QHBoxLayout()
            row.addWidget(box, 1)
            row.addWidget(reason, 2)
            form.addRow(row)
            self.checks[name], self.reasons[name] = box, reason
        self.min_n, self.adult_age = QSpinBox(), QSpinBox()
        self.min_n.setRange(1, 100000)
        self.adult_age.setRange(10, 30)
        for spin in (self.min_n, self.adult_age):
            spin.setMaximumWidth(120)
        form.addRow("Fewest participants", self.min_n)
        form.addRow("Youngest adult age", self.adult_age)
        self._choices: list[str] = []

    def set_reasons(self, reasons: list[str]) -> None:
        """The title/abstract exclusion reasons a criterion may suggest."""
        self._choices = list(reasons)

    def load(self, data: dict[str, Any]) -> None:
        crit = data.get("criteria", {})
        assess = crit.get("assess", list(CRITERIA))
        why = {**DEFAULT_REASONS, **crit.get("reasons", {})}
        for name in CRITERIA:
            self.checks[name].setChecked(name in assess)
            combo = self.reasons[name]
            combo.blockSignals(True)
            combo.clear()
            combo.addItem("(no reason suggested)", "")
            for r in self._choices:
                combo.addItem(r, r)
            combo.setCurrentIndex(max(0, combo.findData(why.get(name, ""))))
            combo.blockSignals(False)
        self.min_n.setValue(int(crit.get("min_participants", 5)))
        self.adult_age.setValue(int(crit.get("adult_age", 18)))

    def store(self, data: dict[str, Any]) -> None:
        crit = dict(data.get("criteria", {}))
        crit["assess"] = [n for n in CRITERIA if self.checks[n].isChecked()]
        crit["min_participants"] = self.min_n.value()
        crit["adult_age"] = self.adult_age.value()
        reasons = {n: self.reasons[n].currentData() for n in CRITERIA if self.reasons[n].currentData()}
        if reasons:
            crit["reasons"] = reasons
        else:
            crit.pop("reasons", None)
        data["criteria"] = crit
