"""The New Review wizard: title; protocol from a bundled one, a file, or a blank template; then the editor pages
(stages and rule, exclusion reasons, criteria, keyword highlights, codebook). Every page says what is wrong in
the window; Finish is refused until the core accepts the whole protocol. The wizard only collects: the caller
creates the review (off the GUI thread) with `title()` and `protocol()`."""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from db.errors import InputError
from extraction.codebook_edit import blank_codebook
from extraction.protocol_check import check_protocol_text
from gui.extraction.form import error_color
from gui.protocol.editor import ProtocolDraft, make_pages
from gui.protocol.pages import EditorPage
from screening.protocol import bundled_protocol_text, bundled_protocols
from screening.protocol_edit import blank_protocol, protocol_data, slug


def error_label() -> QLabel:
    label = QLabel()
    label.setObjectName("protocol-problems")
    label.setWordWrap(True)
    label.setVisible(False)
    return label


def show_problems(label: QLabel, problems: list[str]) -> None:
    label.setText("".join(f"<div style='color:{error_color(label)}'>• {escape(p, quote=False)}</div>"
                          for p in problems))
    label.setVisible(bool(problems))


class StartPage(QWizardPage):
    """Title and where the protocol starts from."""

    def __init__(self, wizard: NewReviewWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle("A new review")
        self.setSubTitle("Its title, and the protocol to start from; every part of it can be edited on the next "
                         "pages and later on the Protocol screen.")
        self.title_edit = QLineEdit()
        self.title_edit.setObjectName("review-title")
        self.bundled = QComboBox()
        self.bundled.setObjectName("bundled-protocol")
        for b in bundled_protocols():
            self.bundled.addItem(b.title, b.key)
        self.file_edit = QLineEdit()
        self.file_edit.setObjectName("protocol-file")
        self.file_edit.setPlaceholderText("a protocol file (TOML)")
        browse = QPushButton("&Browse…")
        browse.clicked.connect(self._browse)
        self.choices = QButtonGroup(self)
        self.from_bundled = QRadioButton("A protocol that comes with MetaSift")
        self.from_file = QRadioButton("A protocol file")
        self.from_blank = QRadioButton("A blank template")
        for i, (b, name) in enumerate(((self.from_bundled, "bundled"), (self.from_file, "file"),
                                       (self.from_blank, "blank"))):
            b.setObjectName(f"start-{name}")
            self.choices.addButton(b, i)
        self.from_bundled.setChecked(True)
        form = QFormLayout(self)
        form.addRow("&Title", self.title_edit)
        form.addRow(self.from_bundled)
        form.addRow("", self.bundled)
        form.addRow(self.from_file)
        row = QHBoxLayout()
        row.addWidget(self.file_edit, 1)
        row.addWidget(browse)
        form.addRow("", row)
        form.addRow(self.from_blank)
        self.problems = error_label()
        form.addRow(self.problems)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Protocol file", str(Path.home()), "Protocol (*.toml)")
        if path:
            self.file_edit.setText(path)
            self.from_file.setChecked(True)

    def validatePage(self) -> bool:  # noqa: N802 - Qt override
        title = self.title_edit.text().strip()
        problems = [] if title else ["Title: give the review a title"]
        data, text = None, None
        if self.from_file.isChecked():
            path = Path(self.file_edit.text().strip())
            try:
                text = path.read_text(encoding="utf-8")
                check_protocol_text(text, str(path))  # what `metasift init --protocol` would say
                data = protocol_data(text, str(path))
            except OSError as exc:
                problems.append(f"{path}: cannot be read ({exc.strerror})")
            except UnicodeDecodeError:
                problems.append(f"{path}: is not a UTF-8 text file")
            except InputError as exc:
                problems.append(str(exc))
        elif self.from_bundled.isChecked():
            key = self.bundled.currentData()
            text = bundled_protocol_text(key)
            data = protocol_data(text, key)
        else:
            data = blank_protocol(title, blank_codebook())
        show_problems(self.problems, problems)
        if problems or data is None:
            return False
        if self.from_blank.isChecked():  # a bundled or file protocol keeps its own name and title
            data["title"], data["name"] = title, slug(title)
        key = self._key()
        if key != self.wiz.started_from:  # Back and Next again keep the edits made since
            self.wiz.draft = ProtocolDraft(data, text)
            self.wiz.started_from = key
        return True

    def _key(self) -> str:
        if self.from_file.isChecked():
            return "file:" + self.file_edit.text().strip()
        if self.from_bundled.isChecked():
            return "bundled:" + str(self.bundled.currentData())
        return "blank:" + self.title_edit.text().strip()


class EditPage(QWizardPage):
    """One editor page inside the wizard."""

    def __init__(self, wizard: NewReviewWizard, page: EditorPage, last: bool) -> None:
        super().__init__()
        self.wiz, self.page, self.last = wizard, page, last
        self.setTitle(page.title)
        self.setSubTitle(page.subtitle)
        self.setObjectName(f"wizard-{type(page).__name__}")
        layout = QVBoxLayout(self)
        layout.addWidget(page, 1)
        self.problems = error_label()
        layout.addWidget(self.problems)
        page.edited.connect(lambda: self.problems.setVisible(False))

    def initializePage(self) -> None:  # noqa: N802 - Qt override
        self.wiz.draft.load(self.page)

    def validatePage(self) -> bool:  # noqa: N802 - Qt override
        problems = self.page.problems()
        if not problems:
            self.wiz.draft.store(self.page)
            if self.last:
                message = self.wiz.draft.check("the new review's protocol")
                problems = [message] if message else []
        show_problems(self.problems, problems)
        return not problems


class NewReviewWizard(QWizard):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New review")
        self.setObjectName("new-review-wizard")
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.draft = ProtocolDraft({})
        self.started_from = ""
        self.start = StartPage(self)
        self.addPage(self.start)
        pages = make_pages()
        self.editors = [EditPage(self, p, i == len(pages) - 1) for i, p in enumerate(pages)]
        for page in self.editors:
            self.addPage(page)
        self.resize(900, 640)

    def title(self) -> str:
        return self.start.title_edit.text().strip()

    def protocol(self) -> str:
        """The protocol's TOML text as the person left it."""
        return self.draft.text()
