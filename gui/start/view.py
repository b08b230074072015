"""The start screen: who am I, open / create a review (file or PostgreSQL URL), recent reviews, the demo."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from db.credentials import PASSWORD_REFUSALS, keep_in_keyring, with_password, without_password
from db.engine import display_name, is_url
from gui.background import Task, run_task
from gui.settings import Settings
from gui.start import actions
from gui.theme import muted_text

FILE_FILTER = "MetaSift reviews (*.metasift);;All files (*)"


class StartScreen(QWidget):
    """Emits ``opened(ReviewDB)`` when a review has been opened or created."""

    opened = Signal(object)
    SHORTCUTS = [("Ctrl+O", "Open a review file"), ("Ctrl+N", "Create a new review"),
                 ("Enter", "Open the selected recent review")]

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.task: Task | None = None

        title = QLabel("<h1 style='margin-bottom:0'>MetaSift</h1>")
        subtitle = QLabel("From database search exports to a pooled effect size.")
        subtitle.setStyleSheet(f"color: {muted_text(self)}")

        self.reviewer = QLineEdit(settings.reviewer, placeholderText="e.g. Ada Lovelace")
        self.reviewer.setToolTip("Stored with every import and decision you make")
        self.reviewer.editingFinished.connect(self._save_reviewer)
        self.member = QComboBox()
        self.member.setObjectName("who-am-i")
        self.member.setToolTip("The open review's roster: decisions are stored as the member you pick")
        self.member.activated.connect(self._member_chosen)
        self.member_note = QLabel()
        self.member_note.setWordWrap(True)
        self.member_note.setStyleSheet(f"color: {muted_text(self)}")
        who = QGroupBox("Who am I")
        who_form = QFormLayout(who)
        who_form.addRow("Your name:", self.reviewer)
        who_form.addRow("Member:", self.member)
        who_form.addRow(self.member_note)
        self._who_form = who_form
        self.set_roster([], managed=False)

        self.open_button = QPushButton("Open review file…")
        self.new_button = QPushButton("New review…")
        self.demo_button = QPushButton("Open the demo review")
        self.demo_button.setToolTip("Fictional alliance–outcome studies exported from two databases")
        self.open_button.clicked.connect(self.choose_file)
        self.new_button.clicked.connect(self.choose_new_file)
        self.demo_button.clicked.connect(self.open_demo)
        local = QGroupBox("Review on this computer (SQLite file)")
        local_box = QHBoxLayout(local)
        for b in (self.open_button, self.new_button, self.demo_button):
            local_box.addWidget(b)
        local_box.addStretch(1)

        self.url = QLineEdit(placeholderText="postgresql://user@server/review")
        self.url_open = QPushButton("Open")
        self.url_create = QPushButton("Create")
        self.url.returnPressed.connect(lambda: self.open_target(self.url.text().strip()))
        self.url_open.clicked.connect(lambda: self.open_target(self.url.text().strip()))
        self.url_create.clicked.connect(self.create_from_url)
        team = QGroupBox("Team review (PostgreSQL)")
        team_box = QHBoxLayout(team)
        team_box.addWidget(self.url, 1)
        team_box.addWidget(self.url_open)
        team_box.addWidget(self.url_create)

        self.recent = QListWidget()
        self.recent.setObjectName("recent-reviews")
        self.recent.setAlternatingRowColors(True)
        self.recent.itemActivated.connect(lambda item: self.open_target(item.data(Qt.ItemDataRole.UserRole)))
        self.recent_open = QPushButton("Open")
        self.recent_forget = QPushButton("Remove from list")
        self.recent_open.clicked.connect(self._open_selected_recent)
        self.recent_forget.clicked.connect(self._forget_selected_recent)
        recent = QGroupBox("Recent reviews")
        recent_box = QVBoxLayout(recent)
        recent_box.addWidget(self.recent, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.recent_forget)
        row.addWidget(self.recent_open)
        recent_box.addLayout(row)

        self.status = QLabel()
        self.status.setWordWrap(True)

        left = QVBoxLayout()
        left.addWidget(who)
        left.addWidget(local)
        left.addWidget(team)
        left.addWidget(self.status)
        left.addStretch(1)
        grid = QGridLayout()
        grid.addLayout(left, 0, 0)
        grid.addWidget(recent, 0, 1)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        grid.setHorizontalSpacing(24)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(32, 24, 32, 24)
        outer.addWidget(title)
        outer.addWidget(subtitle)
        outer.addSpacing(12)
        outer.addLayout(grid, 1)
        self.refresh_recent()

    # -- recent reviews -------------------------------------------------------------------------
    def refresh_recent(self) -> None:
        self.recent.clear()
        for target in self.settings.recent:
            missing = not is_url(target) and not Path(target).expanduser().is_file()
            label = display_name(target) if is_url(target) else f"{Path(target).name}\n{Path(target).parent}"
            item = QListWidgetItem(label + ("  (file not found)" if missing else ""))
            item.setData(Qt.ItemDataRole.UserRole, target)
            item.setToolTip(display_name(target))
            if missing:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
            self.recent.addItem(item)
        if not self.settings.recent:
            item = QListWidgetItem("No recent reviews yet.")
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.recent.addItem(item)
        self.recent.setCurrentRow(0)

    def _selected_target(self) -> str | None:
        item = self.recent.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def _open_selected_recent(self) -> None:
        target = self._selected_target()
        if target:
            self.open_target(target)

    def _forget_selected_recent(self) -> None:
        target = self._selected_target()
        if target:
            self.settings.forget(target)
            self.settings.save()
            self.refresh_recent()

    # -- who am I -------------------------------------------------------------------------------
    def set_roster(self, seats: list[Any], managed: bool, locked: Any = None) -> None:
        """Offer the open review's members. A managed roster replaces free typing (pick yourself); on a
        PostgreSQL review the login decides (``locked``: that member) and nothing is picked by hand."""
        self.member.clear()
        for seat in seats:
            self.member.addItem(f"{seat.name} ({', '.join(seat.roles)})", seat.name)
        free = not managed and locked is None
        self._who_form.setRowVisible(self.reviewer, free)
        self._who_form.setRowVisible(self.member, not free)
        self.member.setEnabled(locked is None)
        if locked is not None:
            at = self.member.findData(locked.name)
            self.member.setCurrentIndex(max(0, at))
            self.member_note.setText(f"You are {locked.name}: your database login ({locked.login}) decides.")
            self._adopt(locked.name)
        elif managed:
            at = next((i for i in range(self.member.count())
                       if _same(str(self.member.itemData(i)), self.settings.reviewer)), -1)
            self.member.setCurrentIndex(at)
            self.member_note.setText("Pick yourself from the review's roster (a lead adds members on the Team "
                                     "screen)." if at < 0 else "")
        else:
            self.member_note.setText("")

    def _member_chosen(self, index: int) -> None:
        name = self.member.itemData(index)
        if name:
            self._adopt(str(name))

    def _adopt(self, name: str) -> None:
        self.reviewer.setText(name)
        self._save_reviewer()
        self.reviewer.editingFinished.emit()

    def _save_reviewer(self) -> None:
        name = self.reviewer.text().strip()
        if name != self.settings.reviewer:
            self.settings.reviewer = name
            self.settings.save()

    # -- opening --------------------------------------------------------------------------------
    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a review", str(Path.home()), FILE_FILTER)
        if path:
            self.open_target(path)

    def choose_new_file(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "New review", str(Path.home() / "review.metasift"), FILE_FILTER)
        if path:
            self.new_review(actions.with_suffix(path)).open()

    def create_from_url(self) -> None:
        url = self.url.text().strip()
        if not url:
            self.status.setText("Type a PostgreSQL URL first, e.g. postgresql://user@server/review")
            return
        self.new_review(url).open()

    def new_review(self, target: str) -> Any:
        """The New Review wizard for ``target`` (not shown yet); finishing it creates the review with the title
        and protocol the person set up (`gui.protocol.wizard`)."""
        from gui.protocol.wizard import NewReviewWizard

        wizard = NewReviewWizard(self.window())
        wizard.accepted.connect(lambda: self.create_target(target, wizard.title(), wizard.protocol()))
        wizard.finished.connect(wizard.deleteLater)
        self.wizard = wizard
        return wizard

    def open_target(self, target: str | None) -> Task | None:
        if not target:
            self.status.setText("Type a PostgreSQL URL first, e.g. postgresql://user@server/review")
            return None
        self._target = (target, "Opening", actions.opener)
        return self._start(f"Opening {display_name(target)}", partial(actions.opener, target))

    def create_target(self, target: str, title: str, protocol: str | None = None) -> Task | None:
        """Create a review at ``target`` (``protocol``: its TOML text, stored as version 1; default the bundled
        alliance protocol), by the reviewer named on this screen."""
        self._save_reviewer()
        creator = partial(actions.creator, title=title, protocol=protocol, by=self.settings.reviewer or "")
        self._target = (target, "Creating", creator)
        return self._start(f"Creating {display_name(target)}", partial(creator, target))

    def open_demo(self) -> Task | None:
        return self._start("Opening the demo review", actions.demo_opener)

    def _start(self, title: str, work: actions.Opener) -> Task | None:
        if self.task is not None and not self.task.outcome:
            return None
        self._save_reviewer()
        self.status.setText(title + "…")
        self.setEnabled(False)
        self.task = run_task(title, work, parent=self.window(), write=True, on_done=self.opened.emit)
        self.task.finished.connect(self._finished)
        return self.task

    def ask_password(self, target: str) -> tuple[str, bool] | None:
        """The password for ``target`` and whether to keep it in the system keyring (None: cancelled)."""
        dialog = QDialog(self)
        dialog.setWindowTitle("Password")
        field = QLineEdit()
        field.setEchoMode(QLineEdit.EchoMode.Password)
        field.setObjectName("password")
        keep = QCheckBox("Keep it in the system keyring")
        form = QFormLayout(dialog)
        form.addRow(QLabel(f"The server wants a password for {display_name(target)}.\nMetaSift never writes "
                           "it to its settings; ~/.pgpass or the keyring can keep it for you."))
        form.addRow("Password:", field)
        form.addRow(keep)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(dialog.accept)
        buttons.rejected.connect(dialog.reject)
        form.addRow(buttons)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return field.text(), keep.isChecked()

    def _retry_with_password(self, target: str, verb: str, work: Callable[..., Any]) -> None:
        """Ask for the password, then ``verb`` (Opening, Creating) the review again with ``work``."""
        answer = self.ask_password(target)
        if answer is None:
            return
        password, keep = answer
        bare = without_password(target)
        if keep and not keep_in_keyring(bare, password):
            self.status.setText("No system keyring is usable here; the password was used once and not kept.")
        self._start(f"{verb} {display_name(bare)}", partial(work, with_password(bare, password)))

    def _finished(self) -> None:
        self.setEnabled(True)
        task = self.task
        retry = getattr(self, "_target", None)
        self._target = None
        if (task is not None and task.outcome == "error" and retry and is_url(retry[0])
                and any(t in str(task.error) for t in PASSWORD_REFUSALS)):
            self.status.setText("")
            self._retry_with_password(*retry)
            return
        self.status.setText("" if task is None or task.outcome == "ok" else
                            f"{task.title}: {task.error}" if task.outcome == "error" else "Cancelled.")


def _same(a: str, b: str) -> bool:
    from db.identity import lenient_identity

    return bool(a) and lenient_identity(a) == lenient_identity(b)
