"""The Protocol screen: the review's current protocol version, edited on the same pages as the New Review
wizard and saved as a new version with a summary; the history of versions; export and import as TOML.

Every write goes through the context with `Topic.PROTOCOL`, so the screens that read the protocol (screening,
conflicts, extraction) reload. What the core refuses (an invalid protocol, someone who is not a lead) is shown
in the window."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtGui import QKeySequence, QShortcut, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from db.changes import Topic
from gui.context import ReviewContext
from gui.protocol import actions
from gui.protocol.editor import ProtocolDraft, make_pages
from gui.protocol.wizard import error_label, show_problems
from gui.refreshing import Refreshing
from screening.review_protocol import VersionInfo


class ProtocolScreen(Refreshing, QWidget):
    SHORTCUTS = [("Ctrl+S", "Save the edited protocol as a new version"), ("Ctrl+R", "Reload (drop the edits)")]

    def __init__(self, ctx: ReviewContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.snapshot: actions.Snapshot | None = None
        self.draft = ProtocolDraft({})
        self.heading = QLabel()
        self.heading.setObjectName("protocol-heading")
        self.heading.setWordWrap(True)
        self.tabs = QTabWidget()
        self.about = QLabel()
        self.about.setObjectName("protocol-about")
        self.about.setWordWrap(True)
        self.tabs.currentChanged.connect(self._tab_changed)
        self.pages = make_pages()
        for page in self.pages:
            self.tabs.addTab(page, page.title)
            page.edited.connect(self._edited)
        self.history = QStandardItemModel(0, 4)
        self.history.setHorizontalHeaderLabels(["Version", "By", "When", "What changed"])
        view = QTableView()
        view.setObjectName("protocol-history")
        view.setModel(self.history)
        view.verticalHeader().hide()
        view.setWordWrap(True)
        view.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        view.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        self.history_view = view
        self.tabs.addTab(view, "History")
        self.summary = QLineEdit()
        self.summary.setObjectName("protocol-summary")
        self.summary.setPlaceholderText("What changed and why (stored with the new version)")
        self.save_button = QPushButton("&Save as new version")
        self.save_button.setObjectName("protocol-save")
        self.revert_button = QPushButton("Re&vert")
        self.export_button = QPushButton("&Export TOML…")
        self.import_button = QPushButton("&Import TOML…")
        self.problems = error_label()
        bar = QHBoxLayout()
        bar.addWidget(self.summary, 1)
        for b in (self.save_button, self.revert_button, self.export_button, self.import_button):
            bar.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.about)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.problems)
        layout.addLayout(bar)
        self.save_button.clicked.connect(self.save)
        self.revert_button.clicked.connect(self.reload)
        self.export_button.clicked.connect(self.choose_export)
        self.import_button.clicked.connect(self.choose_import)
        QShortcut(QKeySequence.StandardKey.Save, self, self.save)
        QShortcut(QKeySequence("Ctrl+R"), self, self.reload)
        self._dirty = False
        self._update_buttons()
        self._stale = True

    def needs_reload(self) -> bool:
        """Stale but edited: keep the person's edits (saving then says another version was stored meanwhile)."""
        return self._stale and not self._dirty

    def _tab_changed(self, index: int) -> None:
        page = self.tabs.widget(index)
        self.about.setText(getattr(page, "subtitle", "") or "Every version of the protocol: who stored it, when, "
                           "and what changed. Decisions and coded effects name the version they were made under.")

    # -- loading --------------------------------------------------------------------------------------
    def reload(self) -> Any:
        db, current = self.ctx.db, self.newest()
        return self.ctx.run("Reading the protocol", lambda: actions.snapshot(db), dialog=False,
                            on_done=current(self.show_snapshot))

    def show_snapshot(self, snap: actions.Snapshot) -> None:
        self.snapshot = snap
        self._stale = False
        self.draft = ProtocolDraft(snap.data, snap.text)
        name = escape(str(snap.data.get("title") or snap.data.get("name") or ""))
        if snap.version is None:
            self.heading.setText(f"<b>{name}</b> — the bundled protocol; the review has stored no version yet "
                                 "(saving stores version 1).")
        else:
            who = escape(snap.stored.who if snap.stored and snap.stored.who else "?")
            when = (snap.stored.at if snap.stored and snap.stored.at else "")[:16].replace("T", " ")
            self.heading.setText(f"<b>{name}</b> — protocol version {snap.version}, stored by {who} at {when} UTC")
        self._load_pages()
        self.history.setRowCount(0)
        for h in snap.history:
            self.history.appendRow([QStandardItem(x) for x in (
                str(h.version) + (" (current)" if h.current else ""), h.who or "",
                (h.at or "")[:16].replace("T", " ") + " UTC", h.summary)])
        self.history_view.resizeColumnsToContents()
        self.history_view.resizeRowsToContents()
        self._dirty = False
        show_problems(self.problems, [])
        self._update_buttons()

    def _load_pages(self) -> None:
        for page in self.pages:
            page.blockSignals(True)
        try:
            for page in self.pages:  # stages first: the later pages read what it says
                self.draft.load(page)
        finally:
            for page in self.pages:
                page.blockSignals(False)

    def _edited(self) -> None:
        self._dirty = True
        show_problems(self.problems, [])
        self._update_buttons()

    def _update_buttons(self) -> None:
        writable = not self.ctx.db.read_only
        self.save_button.setEnabled(writable and self._dirty)
        self.revert_button.setEnabled(self._dirty)
        self.import_button.setEnabled(writable)

    # -- saving ---------------------------------------------------------------------------------------
    def collect(self) -> list[str]:
        """Store every page into the draft; the problems found (on the pages, then the core's check)."""
        problems = [p for page in self.pages for p in page.problems()]
        if problems:
            return problems
        for page in self.pages:
            self.draft.store(page)
        message = self.draft.check("the edited protocol")
        return [message] if message else []

    def save(self) -> Any:
        if not self._dirty:
            return None
        problems = self.collect()
        show_problems(self.problems, problems)
        if problems:
            return None
        me = self.ctx.who()
        if me is None:
            return None
        db, text, summary = self.ctx.db, self.draft.text(), self.summary.text()
        base = self.snapshot.version if self.snapshot is not None else None
        return self.ctx.write("Saving the protocol", lambda: actions.save(db, text, me, summary, base=base),
                              changes=(Topic.PROTOCOL,), dialog=False, on_done=self._saved,
                              on_error=self._refused)

    def _saved(self, version: VersionInfo) -> None:
        self.summary.clear()
        self.ctx.message.emit(f"Stored protocol version {version.version}: {version.summary}")
        self.reload()

    def _refused(self, exc: BaseException) -> None:
        show_problems(self.problems, [str(exc)])

    def choose_export(self) -> Any:
        start = str(Path.home() / f"{(self.snapshot.data.get('name') if self.snapshot else None) or 'protocol'}.toml")
        path, _ = QFileDialog.getSaveFileName(self, "Export the protocol", start, "Protocol (*.toml)")
        return self.export_to(path) if path else None

    def export_to(self, path: str) -> Any:
        db = self.ctx.db
        return self.ctx.run("Exporting the protocol", lambda: actions.export(db, path), dialog=False,
                            on_done=lambda p: self.ctx.message.emit(f"Protocol written to {p}"),
                            on_error=self._refused)

    def choose_import(self) -> Any:
        path, _ = QFileDialog.getOpenFileName(self, "Import a protocol", str(Path.home()), "Protocol (*.toml)")
        return self.import_from(path) if path else None

    def import_from(self, path: str) -> Any:
        me = self.ctx.who()
        if me is None:
            return None
        db, summary = self.ctx.db, self.summary.text()
        return self.ctx.write("Importing the protocol", lambda: actions.import_file(db, path, me, summary),
                              changes=(Topic.PROTOCOL,), dialog=False, on_done=self._saved,
                              on_error=self._refused)
