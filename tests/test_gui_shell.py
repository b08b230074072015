"""The desktop shell: background helper, error dialogs and log, settings, start screen, F1 sheet, every screen."""

from __future__ import annotations

import os
import sys
import threading

import pytest
from PySide6.QtCore import QByteArray, QSettings, Qt
from PySide6.QtWidgets import QMessageBox

from db.errors import InputError
from db.progress import check_stop
from gui import background
from gui.background import ProgressDialog, run_task
from gui.errors import log_path
from gui.main_window import REVIEW_SCREENS, MainWindow
from gui.settings import SCHEMA_VERSION, Settings, store
from tests.screens import open_window

# -- background helper ------------------------------------------------------------------------------

def test_background_task_delivers_result_and_progress_on_the_gui_thread(qtbot):
    seen: list[tuple[int, int, str]] = []
    threads: list[bool] = []
    connected = threading.Event()

    def work(progress, should_stop):
        threads.append(threading.current_thread() is threading.main_thread())
        connected.wait(10)  # report only once the test listens (the task starts before connect returns)
        for i in range(3):
            progress(i, 3, f"step {i}")
        return 42

    got: list[object] = []
    task = run_task("Adding", work, on_done=lambda r: got.append((r, threading.current_thread()
                                                                   is threading.main_thread())))
    task.progressed.connect(lambda d, t, m: seen.append((d, t, m)))
    connected.set()
    with qtbot.waitSignal(task.finished, timeout=10_000):
        pass
    assert threads == [False]  # the work ran off the GUI thread
    assert got == [(42, True)]  # ... and the result arrived on it
    assert task.outcome == "ok" and task.result == 42
    assert seen and all(m.startswith("step") for _, _, m in seen)


def test_cancel_from_the_progress_dialog_stops_the_work(qtbot):
    started, release = threading.Event(), threading.Event()

    def work(progress, should_stop):
        started.set()
        while not should_stop():
            release.wait(0.01)
        check_stop(should_stop)
        return "finished anyway"

    cancelled: list[bool] = []
    task = run_task("Long work", work, dialog_delay_ms=0, on_cancel=lambda: cancelled.append(True))
    qtbot.waitUntil(lambda: getattr(task, "dialog", None) is not None and task.dialog.isVisible(), timeout=10_000)
    dialog = task.dialog
    assert isinstance(dialog, ProgressDialog)
    with qtbot.waitSignal(task.finished, timeout=10_000):
        dialog.cancel_button.click()
    assert started.is_set()
    assert task.outcome == "cancelled" and cancelled == [True]
    assert task.result is None


def test_writes_run_one_at_a_time_in_order(qtbot):
    assert background.write_pool().maxThreadCount() == 1
    order: list[str] = []
    gate = threading.Event()

    def first(progress, should_stop):
        order.append("first-start")
        gate.wait(10)
        order.append("first-end")

    def second(progress, should_stop):
        order.append("second")

    t1 = run_task("first", first, write=True, dialog=False)
    t2 = run_task("second", second, write=True, dialog=False)
    qtbot.waitUntil(lambda: "first-start" in order, timeout=10_000)
    assert order == ["first-start"]  # the second write waits for the first
    gate.set()
    qtbot.waitUntil(lambda: bool(t1.outcome and t2.outcome), timeout=10_000)
    assert order == ["first-start", "first-end", "second"]


def test_errors_become_dialogs_and_log_entries_not_tracebacks(qtbot):
    from PySide6.QtWidgets import QWidget

    parent = QWidget()
    qtbot.addWidget(parent)

    def bad_input(progress, should_stop):
        raise InputError("is not an export", file="broken.ris", line=7)

    task = run_task("Importing broken.ris", bad_input, parent=parent, dialog=False)
    qtbot.waitUntil(lambda: bool(task.outcome), timeout=10_000)
    boxes = parent.findChildren(QMessageBox, "error-dialog")
    assert len(boxes) == 1
    assert boxes[0].text() == "broken.ris, line 7: is not an export"
    assert "Traceback" not in boxes[0].text()
    boxes[0].close()

    def bug(progress, should_stop):
        raise ZeroDivisionError("division by zero in the core")

    task = run_task("Pooling", bug, parent=parent, dialog=False)
    qtbot.waitUntil(lambda: bool(task.outcome), timeout=10_000)
    text = [b.text() for b in parent.findChildren(QMessageBox, "error-dialog") if b.isVisible()][-1]
    assert "ZeroDivisionError" in text and str(log_path()) in text and "Traceback" not in text
    logged = log_path().read_text(encoding="utf-8")
    assert "Traceback" in logged and "division by zero in the core" in logged
    assert "broken.ris, line 7" in logged
    assert str(log_path()).startswith(os.environ["METASIFT_HOME"])


# -- settings ---------------------------------------------------------------------------------------

def test_settings_round_trip_in_a_test_folder_not_the_users():
    assert store().fileName().startswith(os.environ["METASIFT_HOME"])
    s = Settings.load()
    assert s == Settings()
    s.reviewer = "Ada"
    for target in ("a.metasift", "b.metasift", "a.metasift"):
        s.remember(target)
    s.geometry = b"\x01\x02geometry"
    s.theme = "dark"
    s.save()
    again = Settings.load()
    assert again == Settings(reviewer="Ada", recent=["a.metasift", "b.metasift"], geometry=b"\x01\x02geometry",
                             theme="dark")
    assert int(store().value("schema")) == SCHEMA_VERSION


def test_settings_migrate_schema_0_and_ignore_damaged_values():
    qs = QSettings("MetaSift", "MetaSift")
    qs.clear()
    qs.setValue("main/geometry", QByteArray(b"old-geometry"))
    qs.setValue("recent", "{not json")
    qs.setValue("theme", "purple")
    s = Settings.load()
    assert s.geometry == b"old-geometry" and s.recent == [] and s.theme == "system"
    s.save()
    assert QSettings("MetaSift", "MetaSift").value("main/geometry") is None


# -- the window -------------------------------------------------------------------------------------

def test_without_a_review_only_the_start_screen_shows_and_the_demo_opens(qtbot):
    window = MainWindow(None, Settings())
    qtbot.addWidget(window)
    window.show()
    assert window.windowTitle() == "MetaSift"
    assert window.tabs.count() == 1 and window.tabs.currentWidget() is window.start
    start = window.start
    qtbot.keyClicks(start.reviewer, "Grace")
    start.reviewer.editingFinished.emit()
    assert Settings.load().reviewer == "Grace"
    task = start.open_demo()
    assert task is not None
    qtbot.waitUntil(lambda: window.db is not None, timeout=30_000)
    title = window.db.review().title
    assert title in window.windowTitle() and "demo.metasift" in window.windowTitle()
    assert [window.tabs.tabText(i) for i in range(window.tabs.count())] == ["Start"] + [
        label for _, label, _ in REVIEW_SCREENS]
    assert Settings.load().recent == [window.db.target]
    assert "demo.metasift" in start.recent.item(0).text()


def test_opening_a_missing_review_shows_a_clear_error(qtbot, tmp_path):
    window = MainWindow(None, Settings())
    qtbot.addWidget(window)
    missing = tmp_path / "nowhere.metasift"
    task = window.start.open_target(str(missing))
    qtbot.waitUntil(lambda: bool(task.outcome), timeout=10_000)
    assert task.outcome == "error" and window.db is None
    boxes = window.findChildren(QMessageBox, "error-dialog")
    assert boxes and f"no review at {missing}" in boxes[-1].text()
    assert "no review at" in window.start.status.text()


def test_every_screen_opens_on_the_demo(qtbot, demo):
    window = open_window(qtbot, demo, "tester")
    assert demo.review().title in window.windowTitle()
    for key in ["start"] + [k for k, _, _ in REVIEW_SCREENS]:
        widget = window.show_screen(key)
        current = window.tabs.currentWidget()  # a lazily built screen sits inside its tab's placeholder
        assert (current is widget or getattr(current, "inner", None) is widget) and widget.isVisible()
    qtbot.waitUntil(lambda: background.running() == 0, timeout=20_000)
    assert window.screen_widgets["duplicates"].summary.text().startswith("<b>22</b> records")
    assert "independent samples" in window.screen_widgets["samples"].summary.text()
    assert window.screen_widgets["import"].batches.rowCount() == 2
    with pytest.raises(KeyError):
        window.show_screen("nonsense")


def test_f1_shows_the_shortcuts_sheet(qtbot, demo):
    from PySide6.QtGui import QAction

    from gui.shortcuts import ShortcutsDialog

    window = open_window(qtbot, demo, "tester")
    f1 = [a for a in window.findChildren(QAction) if a.shortcut().toString() == "F1"]
    assert len(f1) == 1
    f1[0].trigger()
    dialog = window.findChild(ShortcutsDialog, "shortcuts-sheet")
    assert dialog is not None and dialog.isVisible()
    text = dialog.text.toPlainText()
    for needle in ("F1", "One study: all records of the cluster", "All different", "same sample", "Choose export files",
                   "Find duplicates"):
        assert needle in text
    dialog.close()


def test_main_renders_a_screenshot_and_starts_without_a_review(qtbot, tmp_path, monkeypatch):
    from gui.app import main, parse_args

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    out = tmp_path / "start.png"
    assert main(["--screenshot", str(out), "--screen", "start"]) == 0
    assert out.stat().st_size > 1000
    assert parse_args([]).review is None and not parse_args([]).demo


def test_reviewer_label_follows_the_start_screen(qtbot, demo):
    window = open_window(qtbot, demo, "ann")
    assert window.reviewer_label.text() == "Reviewer: ann"
    window.show_screen("start")
    window.start.reviewer.clear()
    qtbot.keyClicks(window.start.reviewer, "bob")
    qtbot.keyClick(window.start.reviewer, Qt.Key.Key_Return)
    assert window.settings.reviewer == "bob" and window.reviewer_label.text() == "Reviewer: bob"
