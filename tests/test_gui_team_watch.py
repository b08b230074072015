"""The window notices what another process stores in the open review: the screens it touches reload, the
status bar says who did what, and the reviewer's own work elsewhere is not announced."""

from __future__ import annotations

import subprocess
import sys

import pytest

from gui import background, team_watch
from gui.main_window import MainWindow
from gui.settings import Settings
from screening.demo import build_demo_review
from tests.screens import open_window


def metasift(*argv: str) -> None:
    """Another program writing to the same review file (a teammate's, or a script)."""
    subprocess.run([sys.executable, "-m", "cli.app", *argv], check=True, capture_output=True, text=True)


def test_another_process_screening_reaches_the_open_window(qtbot, demo, monkeypatch):
    monkeypatch.setattr(team_watch, "POLL_MS", 300)
    db = demo
    window = open_window(qtbot, db, "ann")
    watch = window.team_watch
    qtbot.waitUntil(lambda: watch.last is not None, timeout=10_000)  # the baseline
    conflicts = window.show_screen("conflicts")
    qtbot.waitUntil(lambda: conflicts.snapshot is not None, timeout=10_000)
    assert conflicts.conflicts.rowCount() == 0
    records = window.screen_widgets["records"]

    target = str(db.target)
    metasift("screen", target, "--reviewer", "ann", "--record", "DEMO-PSY-0002", "--decision", "include")
    metasift("screen", target, "--reviewer", "bob", "--record", "DEMO-PSY-0002", "--decision", "exclude",
             "--reason", "no alliance measure")
    metasift("screen", target, "--reviewer", "bob", "--record", "DEMO-PSY-0003", "--decision", "include")

    # the timer's next check finds bob's two decisions (ann's own one is not news) ...
    qtbot.waitUntil(lambda: "From the team" in window.statusBar().currentMessage(), timeout=10_000)
    qtbot.waitUntil(lambda: background.running() == 0, timeout=10_000)  # the counts were refreshed meanwhile
    assert window.statusBar().currentMessage() == "From the team: bob: 2 screening decisions"  # still readable
    # ... the conflicts screen on show reloads at once and shows the new conflict ...
    qtbot.waitUntil(lambda: conflicts.conflicts.rowCount() == 1, timeout=10_000)
    assert conflicts.conflicts.item(0).conflict.record_id == 2
    # ... and the screens not shown reload when they are shown next
    assert records._stale


def test_a_failed_check_is_logged_and_retried_without_a_dialog(qtbot, demo, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    db = demo
    window = MainWindow(db, Settings(reviewer="ann"))
    qtbot.addWidget(window)
    watch = window.team_watch
    qtbot.waitUntil(lambda: watch.last is not None and not watch.busy, timeout=10_000)

    def broken(*_args):
        raise OSError("server closed the connection unexpectedly")

    monkeypatch.setattr(team_watch, "changes_since", broken)
    for _ in range(2):
        task = watch.poll()
        qtbot.waitUntil(lambda task=task: task.outcome == "error", timeout=10_000)
        qtbot.waitUntil(lambda: not watch.busy, timeout=10_000)
    assert watch.failures == 2 and watch.timer.isActive()
    assert "Could not check for the team's changes" in window.statusBar().currentMessage()
    assert window.findChildren(QMessageBox, "error-dialog") == []
    monkeypatch.undo()
    task = watch.poll()
    qtbot.waitUntil(lambda: task.outcome == "ok" and watch.failures == 0, timeout=10_000)


def test_opening_another_review_stops_checking_the_old_one(qtbot, tmp_path):
    first = build_demo_review(tmp_path / "a")
    window = MainWindow(first, Settings(reviewer="ann"))
    qtbot.addWidget(window)
    old = window.team_watch
    qtbot.waitUntil(lambda: old.last is not None, timeout=10_000)
    second = build_demo_review(tmp_path / "b")
    window.set_review(second)
    assert not old.timer.isActive() and window.team_watch is not old
    qtbot.waitUntil(lambda: window.team_watch.last is not None, timeout=10_000)
    assert window.team_watch.ctx.db is second


@pytest.mark.postgres
def test_a_teammate_on_postgresql_reaches_the_open_window(qtbot, pg_database, tmp_path):
    from db.engine import create_review
    from screening.demo import write_demo_exports
    from screening.importing import import_files

    db = create_review(pg_database, title="Team review")
    import_files(db, write_demo_exports(tmp_path), who="librarian")
    window = open_window(qtbot, db, "ann")
    watch = window.team_watch
    qtbot.waitUntil(lambda: watch.last is not None and not watch.busy, timeout=10_000)
    metasift("screen", pg_database, "--reviewer", "bob", "--record", "DEMO-PSY-0004", "--decision", "include")
    metasift("code", pg_database, "--record", "4", "--coder", "carol", "--stat", "r", "--value", "0.29",
             "--n", "96", *[f"--mod={k}={v}" for k, v in {
                 "alliance_measure": "HAq", "alliance_rater": "client", "alliance_time": "early",
                 "outcome_measure": "BDI", "outcome_rater": "client", "treatment": "CBT",
                 "pub_source": "journal"}.items()])
    task = watch.poll()
    qtbot.waitUntil(lambda: task.outcome == "ok", timeout=10_000)
    qtbot.waitUntil(lambda: "From the team" in window.statusBar().currentMessage(), timeout=10_000)
    assert window.statusBar().currentMessage() == \
        "From the team: bob: 1 screening decision · carol: 1 coded effect"
    window.close()
    db.close()
