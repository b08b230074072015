"""The main window: the start screen, then one tab per stage of the open review.

Review screens are built by the factories in `REVIEW_SCREENS` from a `ReviewContext`; each may define
``refresh()`` (called when its tab is shown or the review changes) and ``SHORTCUTS`` (listed on F1).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import shiboken6
from PySide6.QtCore import QByteArray
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QTabWidget, QVBoxLayout, QWidget

from db.changes import Changes, Topic
from db.engine import ReviewDB
from gui import background
from gui.context import ReviewContext
from gui.duplicates.view import DuplicatesScreen
from gui.imports.view import ImportScreen
from gui.records.view import RecordsScreen
from gui.refreshing import Refreshing
from gui.samples.view import SamplesScreen
from gui.settings import THEMES, Settings
from gui.shortcuts import ShortcutsDialog
from gui.start.view import StartScreen
from gui.team_watch import TeamWatch
from gui.theme import apply_theme
from screening.counts import record_totals
from screening.status import ReviewStatus, review_status

ScreenFactory = Callable[[ReviewContext], QWidget]


class LazyScreen(Refreshing, QWidget):
    """A tab that builds its screen the first time it is shown (the analysis and coding screens pull in
    scipy and matplotlib, which take seconds to load; a review should open without waiting for them)."""

    def __init__(self, factory: ScreenFactory, ctx: ReviewContext, key: str) -> None:
        super().__init__()
        self._factory, self._ctx, self._key = factory, ctx, key
        self.inner: QWidget | None = None
        QVBoxLayout(self).setContentsMargins(0, 0, 0, 0)

    def build(self) -> QWidget:
        if self.inner is None:
            self.inner = self._factory(self._ctx)
            self.inner.setObjectName(self._key)
            self.layout().addWidget(self.inner)
            self.inner.show()  # added to an already visible tab: Qt does not show it by itself
        return self.inner

    def reload(self) -> None:
        if self.inner is not None:
            self.inner.reload()

    def shown(self) -> None:
        self.build().shown()

    def mark_stale(self, what: str) -> None:
        if self.inner is not None:
            self.inner.mark_stale(what)


LAZY = {"extraction", "double-coding", "analysis"}
"""Screens built on first show."""
WORK_SCREENS = {"screening", "extraction"}
"""Screens where a person works record by record: the team's changes reload them when next shown, not under
the person's hands."""
REVIEW_SCREENS: list[tuple[str, str, ScreenFactory]] = [
    ("import", "Import", lambda ctx: ImportScreen(ctx)),
    ("duplicates", "Duplicates", lambda ctx: DuplicatesScreen(ctx)),
    ("samples", "Shared samples", lambda ctx: SamplesScreen(ctx)),
    ("screening", "Screening", lambda ctx: __import__("gui.screening.view").screening.view.ScreeningScreen(ctx)),
    ("conflicts", "Conflicts", lambda ctx: __import__("gui.conflicts.view").conflicts.view.ConflictsScreen(ctx)),
    ("extraction", "Extraction", lambda ctx: __import__("gui.extraction.view").extraction.view.ExtractionScreen(ctx)),
    ("double-coding", "Double coding", lambda ctx: __import__("gui.extraction").extraction.DoubleCodingScreen(ctx)),
    ("analysis", "Analysis", lambda ctx: __import__("gui.analysis.view").analysis.view.AnalysisScreen(ctx)),
    ("records", "Records", lambda ctx: RecordsScreen(ctx.db)),
    ("team", "Team", lambda ctx: __import__("gui.team.view").team.view.TeamScreen(ctx)),
    ("protocol", "Protocol", lambda ctx: __import__("gui.protocol.view").protocol.view.ProtocolScreen(ctx)),
]
"""(key, tab label, factory): the review's screens in workflow order."""


class MainWindow(QMainWindow):
    def __init__(self, db: ReviewDB | None = None, settings: Settings | None = None) -> None:
        super().__init__()
        self.settings = settings or Settings.load()
        self.db: ReviewDB | None = None
        self.ctx: ReviewContext | None = None
        self.team_watch: TeamWatch | None = None
        self.screen_widgets: dict[str, QWidget] = {}
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.start = StartScreen(self.settings)
        self.start.reviewer.editingFinished.connect(self._update_title)  # after the screen saved the name
        self.start.setObjectName("start")
        self.start.opened.connect(self.set_review)
        self.tabs.addTab(self.start, "Start")
        self.tabs.currentChanged.connect(self._tab_shown)
        self.setCentralWidget(self.tabs)
        self.reviewer_label = QLabel()
        self.statusBar().addPermanentWidget(self.reviewer_label)
        self._counts = "No review open"
        self.statusBar().messageChanged.connect(lambda text: text or self.statusBar().showMessage(self._counts))
        self._build_menus()
        if not self.settings.geometry or not self.restoreGeometry(QByteArray(self.settings.geometry)) \
                or self.width() < 800 or self.height() < 500:
            self.resize(1280, 800)
        if db is not None:
            self.set_review(db)
        else:
            self._update_title()

    # -- menus ----------------------------------------------------------------------------------
    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        for text, key, slot in (("&Open review…", QKeySequence.StandardKey.Open, self.start.choose_file),
                                ("&New review…", QKeySequence.StandardKey.New, self.start.choose_new_file),
                                ("Open the &demo review", None, self.start.open_demo)):
            act = file_menu.addAction(text)
            if key is not None:
                act.setShortcut(key)
            act.triggered.connect(slot)
        self.recent_menu = file_menu.addMenu("&Recent reviews")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        file_menu.addSeparator()
        self.attach_folder_action = file_menu.addAction("&Attach a folder of PDFs…")
        self.attach_folder_action.triggered.connect(self._attach_folder)
        file_menu.addSeparator()
        quit_action = file_menu.addAction("&Quit")
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)

        view = self.menuBar().addMenu("&View")
        theme_menu = view.addMenu("&Theme")
        group = QActionGroup(self)
        for name in THEMES:
            act = theme_menu.addAction(name.capitalize())
            act.setCheckable(True)
            act.setChecked(name == self.settings.theme)
            act.triggered.connect(lambda _=False, n=name: self.set_theme(n))
            group.addAction(act)
        for i in range(9):
            act = QAction(self, shortcut=QKeySequence(f"Ctrl+{i + 1}"))
            act.triggered.connect(lambda _=False, k=i: self.tabs.setCurrentIndex(k) if k < self.tabs.count() else None)
            self.addAction(act)
        find = QAction("Find", self, shortcut=QKeySequence.StandardKey.Find)
        find.triggered.connect(self._find)
        self.addAction(find)

        help_menu = self.menuBar().addMenu("&Help")
        sheet = help_menu.addAction("&Keyboard shortcuts")
        sheet.setShortcut(QKeySequence(QKeySequence.StandardKey.HelpContents))
        sheet.triggered.connect(self.show_shortcuts)

    def _attach_folder(self) -> None:
        from gui.fulltext.folder import attach_folder

        attach_folder(self)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for target in self.settings.recent:
            self.recent_menu.addAction(target).triggered.connect(lambda _=False, t=target: self.start.open_target(t))
        if not self.settings.recent:
            self.recent_menu.addAction("(none)").setEnabled(False)

    def _find(self) -> None:
        here = self.tabs.currentWidget()
        screen = here.inner if isinstance(here, LazyScreen) else here
        own = getattr(screen, "find_in_screen", None)
        if callable(own) and own():  # a screen with a PDF on it searches the PDF
            return
        records = self.screen_widgets.get("records")
        if isinstance(records, RecordsScreen):
            self.tabs.setCurrentWidget(records)
            records.search.setFocus()

    def set_theme(self, name: str) -> None:
        self.settings.theme = name
        self.settings.save()
        apply_theme(name)
        for w in self.screen_widgets.values():
            w.refresh()

    def shortcut_sections(self) -> list[tuple[str, list[tuple[str, str]]]]:
        out = [("Start", StartScreen.SHORTCUTS)]
        for key, label, _ in REVIEW_SCREENS:
            w = self.screen_widgets.get(key)
            out.append((label, list(getattr(w, "SHORTCUTS", []))))
        return out

    def show_shortcuts(self) -> ShortcutsDialog:
        dialog = ShortcutsDialog(self.shortcut_sections(), self)
        dialog.open()
        return dialog

    # -- the review -----------------------------------------------------------------------------
    def set_review(self, db: ReviewDB) -> None:
        """Show ``db`` in the review tabs (closing the review shown before)."""
        old = self.db
        if self.team_watch is not None:  # no more checks on the review about to close
            self.team_watch.stop()
            self.team_watch.deleteLater()
            self.team_watch = None
        for w in self.screen_widgets.values():
            self.tabs.removeTab(self.tabs.indexOf(w))
            w.deleteLater()
        self.screen_widgets.clear()
        if old is not None and old is not db:
            background.wait_all()
            old.close()
        self.db = db
        db.viewer = self.settings.reviewer  # blind stages: what this member may see (screening.team)
        self.ctx = ReviewContext(db, self.settings, self)
        self.ctx.changed.connect(self._review_changed)
        self.ctx.message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        for key, label, factory in REVIEW_SCREENS:
            w = LazyScreen(factory, self.ctx, key) if key in LAZY else factory(self.ctx)
            w.setObjectName(key)
            self.screen_widgets[key] = w
            self.tabs.addTab(w, label)
        self.settings.remember(db.target)
        self.settings.save()
        self.start.refresh_recent()
        self._update_title()
        self.refresh_status()
        self.tabs.setCurrentWidget(self.screen_widgets["records" if self._has_records() else "import"])
        self.team_watch = TeamWatch(self.ctx)
        self.team_watch.arrived.connect(self._team_changed)
        self.offer_roster()

    def offer_roster(self) -> None:
        """The Start screen's "who am I" from the open review's roster (one short read)."""
        from db.errors import MetasiftError
        from screening import team

        db = self.db
        if db is None:
            self.start.set_roster([], managed=False)
            return
        locked = None
        with db.session() as session:
            managed = team.managed(session)
            if not db.is_sqlite and not team.is_admin(db, session):
                try:
                    locked = team.acting(db, session, None)
                except MetasiftError:
                    locked = None
        self.start.set_roster(team.roster(db), managed, locked)

    def _has_records(self) -> bool:
        return self.db is not None and bool(record_totals(self.db)[0])

    def _review_changed(self, what: str) -> None:
        if what == "team":
            self.offer_roster()
        current = self.tabs.currentWidget()
        for w in self.screen_widgets.values():
            if w is not current or what == Topic.PDFS:  # the screen showing shows a new full text too
                w.mark_stale(what)
        self.refresh_status()

    def _team_changed(self, changes: Changes) -> None:
        """Someone else stored something: every screen it touches reloads (the one showing at once, unless
        it is where a person works record by record), the counts follow, the status bar says who did what."""
        current = self.tabs.currentWidget()
        for topic in changes.topics:
            for w in self.screen_widgets.values():
                w.mark_stale(topic)
        if isinstance(current, Refreshing) and current.objectName() not in WORK_SCREENS:
            current.shown()
        self.refresh_status()
        self.statusBar().showMessage(f"From the team: {changes.summary()}", 15_000)

    def _tab_shown(self, index: int) -> None:
        w = self.tabs.widget(index)
        if isinstance(w, Refreshing):  # the review screens (the Start screen loads nothing)
            w.shown()

    def _update_title(self) -> None:
        if self.db is not None:
            self.db.viewer = self.settings.reviewer
        if self.db is None:
            self.setWindowTitle("MetaSift")
        else:
            ro = f" (read-only: {self.db.read_only}; nothing can be stored)" if self.db.read_only else ""
            self.setWindowTitle(f"{self.db.review().title} — {self.db.name}{ro} — MetaSift")
        self.reviewer_label.setText(f"Reviewer: {self.settings.reviewer}" if self.settings.reviewer
                                    else "Reviewer: not set (Start screen)")

    def screens(self) -> dict[str, int]:
        """Screen keys (and lower-case tab labels) -> tab index."""
        out: dict[str, int] = {}
        for i in range(self.tabs.count()):
            out[self.tabs.widget(i).objectName()] = i
            out[self.tabs.tabText(i).lower()] = i
        return out

    def show_screen(self, name: str) -> QWidget:
        index = self.screens().get(name.lower())
        if index is None:
            raise KeyError(f"no screen {name!r}; screens: {', '.join(sorted(self.screens()))}")
        self.tabs.setCurrentIndex(index)
        w = self.tabs.widget(index)
        return w.build() if isinstance(w, LazyScreen) else w

    @property
    def records(self) -> RecordsScreen:
        w = self.screen_widgets["records"]
        assert isinstance(w, RecordsScreen)
        return w

    def refresh_status(self) -> None:
        self._update_title()
        if self.db is None:
            self._show_counts("No review open")
            return
        db = self.db
        records, batches, per = record_totals(db)  # cheap: grouped counts; the full status follows from the background
        per_db = ", ".join(f"{k} {v:,}" for k, v in per.items())
        self._show_counts(f"{records:,} records in {batches:,} batches" + (f" ({per_db})" if per_db else ""))

        def done(s: ReviewStatus) -> None:
            if shiboken6.isValid(self) and self.db is db:  # the window may have closed meanwhile
                c = s.counts
                self._show_counts(f"{c.records:,} records in {c.batches:,} batches"
                                  + (f" ({per_db})" if per_db else "")
                                  + f" · {c.unique:,} unique · {c.samples:,} independent samples")

        background.run_task("Counting", partial(review_status, db), parent=self, on_done=done,
                            on_error=lambda _exc: None, dialog=False)

    def _show_counts(self, text: str) -> None:
        """The review's counts: the status bar's resting text. A note showing for a while (a decision stored,
        the team's changes) stays; the counts come back when it times out."""
        showing = self.statusBar().currentMessage()
        note_showing = bool(showing) and showing != self._counts
        self._counts = text
        if not note_showing:
            self.statusBar().showMessage(text)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        self.settings = self.start.settings
        self.settings.geometry = bytes(self.saveGeometry().data())
        self.settings.save()
        if self.team_watch is not None:
            self.team_watch.stop()
        background.wait_all()
        super().closeEvent(event)
