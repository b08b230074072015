"""The protocol editor's pages, shared by the New Review wizard and the Protocol screen.

Each page edits part of a protocol dict (`screening.protocol_edit`): ``load(data)`` shows it, ``store(data)``
writes what the person typed back into it, ``problems()`` lists what is wrong on the page (shown in the window;
the whole text is validated again by the core before anything is stored).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from screening.protocol import STAGE_LABELS, STAGES

RULES = {"two_agree": "two reviewers who agree (a disagreement is a conflict for a third person or consensus)",
         "one_reviewer": "one reviewer decides"}


def lines(edit: QPlainTextEdit) -> list[str]:
    """The non-empty lines of a text box, stripped, duplicates dropped (first kept)."""
    return list(dict.fromkeys(line.strip() for line in edit.toPlainText().splitlines() if line.strip()))


def hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setObjectName("hint")
    return label


class EditorPage(QWidget):
    """One part of the protocol; ``edited`` is emitted on every change the person makes."""

    title = ""
    subtitle = ""
    edited = Signal()

    def load(self, data: dict[str, Any]) -> None:
        raise NotImplementedError

    def store(self, data: dict[str, Any]) -> None:
        raise NotImplementedError

    def problems(self) -> list[str]:
        return []


class StagesPage(EditorPage):
    title = "Stages and decision rule"
    subtitle = "Which screening stages the review has, and how a record's outcome at a stage is decided."

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stage_boxes = {s: QCheckBox(STAGE_LABELS[s]) for s in STAGES}
        self.rule = QComboBox()
        for key, text in RULES.items():
            self.rule.addItem(text, key)
        form = QFormLayout(self)
        row = QHBoxLayout()
        for s, box in self.stage_boxes.items():
            box.setObjectName(f"stage-{s}")
            box.toggled.connect(self.edited)
            row.addWidget(box)
        row.addStretch(1)
        form.addRow("Stages", row)
        form.addRow("Decided by", self.rule)
        self.rule.setObjectName("rule")
        self.rule.currentIndexChanged.connect(self.edited)

    def load(self, data: dict[str, Any]) -> None:
        stages = data.get("stages", {})
        order = stages.get("order", list(STAGES))
        for s, box in self.stage_boxes.items():
            box.setChecked(s in order)
        self.rule.setCurrentIndex(max(0, self.rule.findData(stages.get("rule", "two_agree"))))

    def store(self, data: dict[str, Any]) -> None:
        stages = dict(data.get("stages", {}))
        stages["order"] = [s for s in STAGES if self.stage_boxes[s].isChecked()]
        stages["rule"] = self.rule.currentData()
        data["stages"] = stages

    def problems(self) -> list[str]:
        if not any(b.isChecked() for b in self.stage_boxes.values()):
            return ["Stages: choose at least one stage"]
        return []


class ReasonsPage(EditorPage):
    title = "Exclusion reasons"
    subtitle = "The reasons a screener picks from when excluding a record, one a line, per stage."

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        self.edits: dict[str, QPlainTextEdit] = {}
        for s in STAGES:
            box = QGroupBox(STAGE_LABELS[s])
            inner = QVBoxLayout(box)
            edit = QPlainTextEdit()
            edit.setObjectName(f"reasons-{s}")
            edit.setPlaceholderText("e.g. wrong population\nnot a randomised trial")
            edit.textChanged.connect(self.edited)
            inner.addWidget(edit)
            layout.addWidget(box)
            self.edits[s] = edit

    def load(self, data: dict[str, Any]) -> None:
        reasons = data.get("exclusion_reasons", {})
        for s, edit in self.edits.items():
            edit.setPlainText("\n".join(reasons.get(s, [])))

    def store(self, data: dict[str, Any]) -> None:
        data["exclusion_reasons"] = {s: lines(edit) for s, edit in self.edits.items()}

    def problems(self) -> list[str]:
        order = [s for s in STAGES if s in self.stages]
        return [f"Exclusion reasons: {STAGE_LABELS[s]} has none; add at least one"
                for s in order if not lines(self.edits[s])]

    stages: tuple[str, ...] = STAGES
    """The stages the protocol has (set by the editor from the stages page)."""


class KeywordsPage(EditorPage):
    title = "Keyword highlights"
    subtitle = ("Words highlighted in the screening view (green: speak for inclusion, red: for exclusion), one "
                "a line. They decide nothing.")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        self.include, self.exclude = QPlainTextEdit(), QPlainTextEdit()
        for name, edit, label in (("include", self.include, "Include (green)"),
                                  ("exclude", self.exclude, "Exclude (red)")):
            edit.setObjectName(f"keywords-{name}")
            edit.textChanged.connect(self.edited)
            box = QGroupBox(label)
            QVBoxLayout(box).addWidget(edit)
            layout.addWidget(box)

    def load(self, data: dict[str, Any]) -> None:
        kw = data.get("keywords", {})
        self.include.setPlainText("\n".join(kw.get("include", [])))
        self.exclude.setPlainText("\n".join(kw.get("exclude", [])))

    def store(self, data: dict[str, Any]) -> None:
        data["keywords"] = {"include": lines(self.include), "exclude": lines(self.exclude)}
