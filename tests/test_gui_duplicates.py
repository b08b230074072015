"""The duplicates screen on the demo review: run dedup, review the queue with M / N / U, groups, models."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from screens import open_screen

from gui import background
from screening import duplicates
from screening.counts import review_counts


@pytest.fixture
def queued(demo):
    """The demo after dedup: its erratum notice waits in the queue against both copies of its article."""
    duplicates.run_dedup(demo, who="machine")
    pairs = [tuple(p["ids"]) for p in duplicates.queue(demo)]
    assert len(pairs) == 2 and len({b for _a, b in pairs}) == 1  # one erratum, two partners
    return demo, pairs


def _screen(qtbot, db):
    return open_screen(qtbot, db, "duplicates", "Reviewer One")


def _decision(db, a, b) -> str:
    return duplicates.history(db, a, b)[-1].decision


def test_find_duplicates_runs_in_the_background_and_shows_counts(qtbot, demo):
    _window, screen = _screen(qtbot, demo)
    assert "pairs to review" in screen.summary.text() and "<b>22</b> unique" in screen.summary.text()
    qtbot.mouseClick(screen.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Last run" in screen.summary.text(), timeout=30_000)
    c = review_counts(demo, stages=()).duplicate_counts()
    assert c.groups > 0
    assert f"<b>{c.unique}</b> unique" in screen.summary.text()
    assert screen.lists.tabText(1) == f"Groups ({c.groups})"
    assert screen.groups.rowCount() == c.groups
    screen.lists.setCurrentIndex(1)
    assert screen.compare.headers[0] == "Kept (merged)" and len(screen.compare.headers) >= 3


def test_merge_with_m_is_stored_and_u_undoes_it(qtbot, queued):
    db, pairs = queued
    _window, screen = _screen(qtbot, db)
    assert screen.queue.rowCount() == 2
    a, b = screen.current_pair()
    assert (a, b) in pairs
    screen.queue_view.setFocus()
    qtbot.keyClick(screen.queue_view, Qt.Key.Key_M)
    assert screen.queue.rowCount() == 1  # the decided row goes at once, before the write lands
    qtbot.waitUntil(lambda: _decision(db, a, b) == "confirmed", timeout=20_000)
    assert any(a in g and b in g for g in duplicates.groups(db))  # joins its partner's group
    history = duplicates.history(db, a, b)
    assert history[-1].who == "Reviewer One"
    # once stored, the other pair goes too: the erratum is now in the group of both its partners
    qtbot.waitUntil(lambda: background.running() == 0 and screen.queue.rowCount() == 0, timeout=20_000)
    assert duplicates.queue(db) == []

    qtbot.keyClick(screen.queue_view, Qt.Key.Key_U)
    qtbot.waitUntil(lambda: _decision(db, a, b) == "undone", timeout=20_000)
    assert not any(a in g and b in g for g in duplicates.groups(db))
    qtbot.waitUntil(lambda: screen.queue.rowCount() == 2, timeout=20_000)
    assert screen.current_pair() == (a, b)  # back on the pair that was undone


def test_n_marks_not_duplicates_and_arrows_move(qtbot, queued):
    db, pairs = queued
    _window, screen = _screen(qtbot, db)
    first = screen.current_pair()
    qtbot.keyClick(screen.queue_view, Qt.Key.Key_Right)
    second = screen.current_pair()
    assert second != first and {first, second} == set(pairs)
    qtbot.keyClick(screen.queue_view, Qt.Key.Key_Left)
    assert screen.current_pair() == first
    qtbot.keyClick(screen.queue_view, Qt.Key.Key_N)
    qtbot.waitUntil(lambda: _decision(db, *first) == "rejected", timeout=20_000)
    assert list(first) not in duplicates.groups(db)
    qtbot.waitUntil(lambda: screen.queue.rowCount() == 1 and screen.current_pair() == second, timeout=20_000)


def test_differing_fields_are_highlighted(qtbot, queued):
    db, _pairs = queued
    _window, screen = _screen(qtbot, db)
    model = screen.compare
    entry = screen.queue.item(0)
    assert model.rowCount() == len(entry["fields"]) and model.columnCount() == 2
    differs = {f["field"] for f in entry["fields"] if f["differs"]}
    assert "source_db" in differs and len(differs) < len(entry["fields"])
    for row, f in enumerate(entry["fields"]):
        background = model.data(model.index(row, 0), Qt.ItemDataRole.BackgroundRole)
        assert (background is not None) == f["differs"], f["field"]
        assert model.data(model.index(row, 0)) == f["a"] and model.data(model.index(row, 1)) == f["b"]
    assert model.differing() == [f["field"] for f in entry["fields"] if f["differs"]]


def test_duplicate_models_pass_the_qt_model_tester(qtmodeltester, qtbot, queued):
    db, _pairs = queued
    _window, screen = _screen(qtbot, db)
    assert screen.queue.rowCount() and screen.compare.rowCount()
    qtmodeltester.check(screen.queue)
    qtmodeltester.check(screen.groups)
    qtmodeltester.check(screen.compare)
