"""The duplicates screen decides a whole cluster of the queue with one key (A: one study, D: all different),
and U undoes that decision as one (demo review: the erratum queued against both copies of its article)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from screens import open_screen

from gui import background
from screening import duplicates


@pytest.fixture
def queued(deduped_demo):
    return deduped_demo


def _screen(qtbot, db):
    return open_screen(qtbot, db, "duplicates", "Reviewer One")


def _settled(screen, rows: int) -> bool:
    return background.running() == 0 and screen.queue.rowCount() == rows


def test_d_keeps_the_whole_cluster_apart_and_u_undoes_it_at_once(qtbot, queued):
    db = queued
    _window, screen = _screen(qtbot, db)
    assert screen.queue.rowCount() == 2
    cluster = screen.snapshot.cluster_of(screen.current_pair())
    assert cluster is not None and len(cluster["ids"]) == 3 and len(cluster["groups"]) == 1
    assert "a cluster of 3 records" in screen.heading.text()
    assert screen.same_button.isEnabled() and screen.apart_button.isEnabled()
    groups_before = duplicates.groups(db)
    screen.queue_view.setFocus()
    qtbot.keyClick(screen.queue_view, Qt.Key.Key_D)
    qtbot.waitUntil(lambda: _settled(screen, 0), timeout=30_000)
    assert duplicates.queue(db) == [] and duplicates.groups(db) == groups_before  # the group stays
    assert all(duplicates.history(db, *p["ids"])[-1].decision == "rejected" for p in cluster["pairs"])
    qtbot.keyClick(screen.queue_view, Qt.Key.Key_U)
    qtbot.waitUntil(lambda: _settled(screen, 2), timeout=30_000)  # both pairs back with one undo
    assert len(duplicates.queue(db)) == 2


def test_a_makes_the_whole_cluster_one_study(qtbot, queued):
    db = queued
    _window, screen = _screen(qtbot, db)
    ids = screen.snapshot.cluster_of(screen.current_pair())["ids"]
    screen.queue_view.setFocus()
    qtbot.keyClick(screen.queue_view, Qt.Key.Key_A)
    qtbot.waitUntil(lambda: _settled(screen, 0), timeout=30_000)
    assert ids in duplicates.groups(db)
