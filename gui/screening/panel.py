"""The right-hand side of the screening screen: criteria, the verdicts in force, and the decision controls."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)


def _label(name: str) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    return label


class DecisionPanel(QWidget):
    """Emits ``decided(verdict, reason)`` from its buttons; keys are handled by the screen."""

    decided = Signal(str, str)
    not_retrieved = Signal()
    undo_requested = Signal()
    done_typing = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.criteria = _label("criteria")
        self.verdicts = _label("verdicts")
        crit_box = QGroupBox("Criteria (automatic assessment)")
        QVBoxLayout(crit_box).addWidget(self.criteria)
        seen_box = QGroupBox("Decisions on this record")
        QVBoxLayout(seen_box).addWidget(self.verdicts)

        self.include = QPushButton("Include   (I)")
        self.exclude = QPushButton("Exclude   (E)")
        self.maybe = QPushButton("Maybe   (M)")
        self.undo = QPushButton("Undo   (Ctrl+Z)")
        self.include.clicked.connect(lambda: self.decided.emit("include", ""))
        self.exclude.clicked.connect(lambda: self.decided.emit("exclude", ""))
        self.maybe.clicked.connect(lambda: self.decided.emit("maybe", ""))
        self.undo.clicked.connect(self.undo_requested.emit)
        row = QHBoxLayout()
        for b in (self.include, self.exclude, self.maybe):
            row.addWidget(b)
        self.reason_box = QWidget()
        self.reason_grid = QGridLayout(self.reason_box)
        self.reason_grid.setContentsMargins(0, 0, 0, 0)
        self.reason_grid.setVerticalSpacing(2)
        self.reason_buttons: list[QPushButton] = []
        self.note = QLineEdit(placeholderText="Note with your decision (optional; Enter returns)")
        self.note.setObjectName("note")
        self.note.returnPressed.connect(self.done_typing.emit)
        self.full_text = QLineEdit(placeholderText="empty: the attached PDF; else a PDF file or URL you read")
        self.full_text.setObjectName("full-text")
        self.full_text.returnPressed.connect(self.done_typing.emit)
        self.browse = QPushButton("Browse…")
        self.browse.clicked.connect(self._browse)
        self.missing = QPushButton("Full text not retrievable…")
        self.missing.setObjectName("not-retrievable")
        self.missing.setToolTip("No full text could be had: write in the note what was tried (counted by PRISMA as "
                                "a report not retrieved)")
        self.missing.clicked.connect(self.not_retrieved.emit)
        self.full_text_row = QWidget()
        ft = QHBoxLayout(self.full_text_row)
        ft.setContentsMargins(0, 0, 0, 0)
        ft.addWidget(QLabel("Full text:"))
        ft.addWidget(self.full_text, 1)
        ft.addWidget(self.browse)
        decide_box = QGroupBox("Your decision")
        d = QVBoxLayout(decide_box)
        d.addLayout(row)
        d.addWidget(QLabel("Exclude with a reason:"))
        d.addWidget(self.reason_box)
        d.addWidget(self.full_text_row)
        d.addWidget(self.missing, 0, Qt.AlignmentFlag.AlignLeft)
        d.addWidget(self.note)
        d.addWidget(self.undo, 0, Qt.AlignmentFlag.AlignLeft)
        for b in (self.include, self.exclude, self.maybe, self.undo, self.browse, self.missing):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(crit_box)
        layout.addWidget(seen_box)
        layout.addWidget(decide_box)
        layout.addStretch(1)

    def set_reasons(self, reasons: Sequence[str]) -> None:
        """One button per exclusion reason of the stage, numbered 1..9 (the number keys)."""
        for b in self.reason_buttons:
            self.reason_grid.removeWidget(b)
            b.deleteLater()
        self.reason_buttons = []
        for k, reason in enumerate(reasons[:9]):
            b = QPushButton(f"{k + 1}   {reason}")
            b.setObjectName(f"reason-{k + 1}")
            b.setStyleSheet("text-align: left; padding: 3px 8px")
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.setToolTip(f"Exclude: {reason}   (key {k + 1})")
            b.clicked.connect(lambda _=False, r=reason: self.decided.emit("exclude", r))
            self.reason_grid.addWidget(b, k, 0)
            self.reason_buttons.append(b)

    def set_full_text_stage(self, on: bool) -> None:
        self.full_text_row.setVisible(on)
        self.missing.setVisible(on)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "The full text you read", "", "PDF (*.pdf);;All files (*)")
        if path:
            self.full_text.setText(path)


class TopBar(QWidget):
    """Stage, order and blind mode; this reviewer's progress and the ranking's estimate."""

    def __init__(self, stages: dict[str, str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stage = QComboBox()
        for key, label in stages.items():
            self.stage.addItem(label, key)
        self.order = QComboBox()
        self.order.addItem("Ranked (most likely relevant first)", "ranked")
        self.order.addItem("By record id", "id")
        self.blind = QCheckBox("Blind (hide others' decisions until you decide)")
        self.blind.setChecked(True)
        for w in (self.stage, self.order, self.blind):
            w.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.progress = QLabel()
        self.progress.setObjectName("progress")
        self.estimate = QLabel()
        self.estimate.setObjectName("estimate")
        self.estimate.setWordWrap(True)
        from screening.stopping import LABELS, RULES

        self.rule = QComboBox()
        for key in RULES:
            self.rule.addItem(LABELS[key], key)
        self.rule.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.rule.setToolTip("The stopping rule checked on your decisions in ranked order (shown, never applied "
                             "by itself)")
        self.rule_text = QLabel()
        self.rule_text.setObjectName("stopping_rule")
        self.rule_text.setWordWrap(True)
        self.stop_button = QPushButton("Stop screening by this rule…")
        self.stop_button.setObjectName("stop_screening")
        self.stop_button.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.stop_button.setEnabled(False)
        self.sample_button = QPushButton("Screen a random sample of the rest…")
        self.sample_button.setObjectName("stop_sample")
        self.sample_button.setToolTip("The exact form of the statistical rule: the records you have not screened are "
                                      "shown in random order; the test uses only this sample")
        self.undo_stop_button = QPushButton("Undo the stop…")
        self.undo_stop_button.setObjectName("undo_stop")
        self.undo_stop_button.setVisible(False)
        for b in (self.sample_button, self.undo_stop_button):
            b.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.sample_text = QLabel()
        self.sample_text.setObjectName("sample_progress")
        self.sample_text.setWordWrap(True)
        self.sample_text.setVisible(False)
        top = QHBoxLayout()
        for w in (QLabel("Stage:"), self.stage, QLabel("Order:"), self.order, self.blind):
            top.addWidget(w)
        top.addStretch(1)
        top.addWidget(self.progress)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.estimate)
        rule_row = QHBoxLayout()
        rule_row.addWidget(QLabel("Stopping rule:"))
        rule_row.addWidget(self.rule)
        rule_row.addWidget(self.rule_text, 1)
        rule_row.addWidget(self.sample_button)
        rule_row.addWidget(self.stop_button)
        rule_row.addWidget(self.undo_stop_button)
        layout.addLayout(rule_row)
        layout.addWidget(self.sample_text)


class RecordPane(QWidget):
    """The record (title, abstract, keywords with highlights) and the previous / next buttons."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.record = QTextBrowser()
        self.record.setObjectName("record")
        self.record.setOpenLinks(False)
        self.record.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.prev_button = QPushButton("←  Previous (K)")
        self.next_button = QPushButton("Next (J)  →")
        self.history_button = QPushButton("History… (H)")
        self.history_button.setToolTip("Every decision, undo and resolution on this record at every stage, with "
                                       "the protocol version each was made under")
        self.where = QLabel()
        nav = QHBoxLayout()
        nav.addWidget(self.prev_button)
        nav.addWidget(self.where, 1, Qt.AlignmentFlag.AlignCenter)
        nav.addWidget(self.history_button)
        nav.addWidget(self.next_button)
        for b in (self.prev_button, self.next_button, self.history_button):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.record, 1)
        layout.addLayout(nav)
