"""The desktop app's team (issue 14): the Team screen (roster, progress, a lead's acts, a screener refused) and
the Start screen's "who am I" picked from the roster."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from gui.main_window import MainWindow
from gui.settings import Settings
from screening import decisions, team
from tests.screens import open_window
from tests.test_decisions import add_records
from tests.test_team_pg import server  # noqa: F401 - the PostgreSQL team fixture

TA = "title_abstract"


@pytest.fixture
def team_review(sqlite_review):
    recs = add_records(sqlite_review, 6)
    team.add(sqlite_review, "Lea", "Lea", ["lead"])
    team.add(sqlite_review, "lea", "Ann", ["screener"])
    team.add(sqlite_review, "lea", "Bob", ["screener"])
    team.assign(sqlite_review, "lea", ["ann", "bob"], TA, recs, per_record=2)
    decisions.decide(sqlite_review, recs[0], "bob", TA, "exclude")
    return sqlite_review, recs


def _window(qtbot, db, who: str) -> MainWindow:
    settings = Settings()
    settings.reviewer = who
    w = open_window(qtbot, db, settings=settings)
    return w


def test_start_screen_picks_who_am_i_from_the_roster(qtbot, team_review):
    db, _ = team_review
    w = _window(qtbot, db, "ann")
    start = w.start
    items = [start.member.itemText(i) for i in range(start.member.count())]
    assert items == ["Lea (lead)", "Ann (screener)", "Bob (screener)"]
    assert start.member.isVisibleTo(start) and not start.reviewer.isVisibleTo(start)  # no free typing
    assert start.member.currentText() == "Ann (screener)"
    start.member.setCurrentIndex(2)
    start.member.activated.emit(2)
    assert w.settings.reviewer == "Bob" and db.viewer == "Bob"
    assert "Bob" in w.reviewer_label.text()


def test_team_screen_shows_progress_and_refuses_a_screener(qtbot, team_review, monkeypatch):
    db, recs = team_review
    w = _window(qtbot, db, "bob")
    w.tabs.setCurrentIndex(w.screens()["team"])
    screen = w.screen_widgets["team"]
    qtbot.waitUntil(lambda: screen.members.rowCount() == 3, timeout=10_000)
    rows = {screen.progress.item(r, 0).text(): [screen.progress.item(r, c).text()
                                                for c in range(1, screen.progress.columnCount())]
            for r in range(screen.progress.rowCount())}
    assert rows["Bob"][:2] == ["6", "1"] and rows["Ann"][:2] == ["6", "0"]
    assert not screen.unblind_button.isEnabled()  # bob is no lead
    shown = []
    monkeypatch.setattr(QMessageBox, "open", lambda self: shown.append(self.text()))
    task = screen._write("Unblinding", lambda me: team.unblind(db, me, TA))
    qtbot.waitUntil(lambda: task.outcome != "", timeout=10_000)
    qtbot.waitUntil(lambda: bool(shown), timeout=10_000)
    assert "lead" in shown[0]


def test_a_lead_unblinds_from_the_team_screen(qtbot, team_review):
    db, recs = team_review
    w = _window(qtbot, db, "lea")
    w.tabs.setCurrentIndex(w.screens()["team"])
    screen = w.screen_widgets["team"]
    qtbot.waitUntil(lambda: screen.members.rowCount() == 3, timeout=10_000)
    assert screen.unblind_button.isEnabled()
    screen.unblind_box.setCurrentIndex(0)
    task = screen.unblind()
    qtbot.waitUntil(lambda: task.outcome == "ok", timeout=10_000)
    qtbot.waitUntil(lambda: "Blind stages: Full text." in screen.summary.text(), timeout=10_000)
    db.viewer = "ann"
    assert len(decisions.history(db, recs[0])) == 1  # unblinded: ann sees bob's vote


def test_records_reviewer_filter_is_blind(qtbot, team_review):
    db, recs = team_review
    w = _window(qtbot, db, "ann")
    screen = w.show_screen("records")
    screen.reviewer.showPopup()
    qtbot.waitUntil(lambda: bool(screen._index), timeout=20_000)
    screen.reviewer.hidePopup()
    labels = [screen.reviewer.itemText(i) for i in range(screen.reviewer.count())]
    assert not any("bob" in label for label in labels)  # bob's vote is at a blind stage, ann has not voted
    w.close()
    lead = _window(qtbot, db, "Lea")  # a lead sees every vote
    screen = lead.show_screen("records")
    screen.reviewer.showPopup()
    qtbot.waitUntil(lambda: bool(screen._index), timeout=20_000)
    screen.reviewer.hidePopup()
    assert "Screened by bob" in [screen.reviewer.itemText(i) for i in range(screen.reviewer.count())]


@pytest.mark.postgres
def test_on_postgres_the_login_decides_who_i_am(qtbot, server):  # noqa: F811 - the fixture
    from db.engine import open_review

    db = open_review(server["urls"]["ann"])
    try:
        w = _window(qtbot, db, "Lea")  # the settings say Lea; the login says Ann
        start = w.start
        assert not start.member.isEnabled() and start.member.currentText() == "Ann (screener, coder)"
        assert "login" in start.member_note.text() and w.settings.reviewer == "Ann"
        w.close()
    finally:
        from gui import background

        background.wait_all()
        db.close()
