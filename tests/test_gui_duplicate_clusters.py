"""The duplicates screen decides a whole cluster with one key (M/A: one study, N/D: all different) and U
undoes that decision as one. The demo review (its erratum queued against both copies of its article) plus
three exports of one proceedings paper whose DOIs differ by a typed character (three records, three pairs)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from screens import open_screen

from gui import background
from screening import duplicates
from screening.importing import import_files
from tests.proceedings import write_copies


@pytest.fixture
def two_clusters(deduped_demo, tmp_path):
    files = write_copies(tmp_path, "scopus")
    import_files(deduped_demo, files, source_db="Scopus", who="importer")
    duplicates.run_dedup(deduped_demo, who="machine")
    assert len(duplicates.queue(deduped_demo)) == 5
    return deduped_demo


def _screen(qtbot, db):
    return open_screen(qtbot, db, "duplicates", "Reviewer One")


def _settled(screen, rows: int) -> bool:
    return background.running() == 0 and screen.queue.rowCount() == rows


def _cluster_with(screen, n_pairs: int):
    for row in range(screen.queue.rowCount()):
        if len(screen.queue.item(row).cluster.pairs) == n_pairs:
            screen.queue_view.selectRow(row)
            return screen.queue.item(row).cluster
    raise AssertionError("no such cluster")


def test_five_pairs_are_two_decisions(qtbot, two_clusters):
    _window, screen = _screen(qtbot, two_clusters)
    assert screen.queue.rowCount() == 2
    assert "2</b> clusters to review (5 candidate pairs)" in screen.summary.text()
    cluster = _cluster_with(screen, 3)
    assert screen.compare.columnCount() == 3 and "doi" in screen.compare.differing()
    assert "3 records, 3 candidate pairs" in screen.heading.text()
    assert "doi one character apart" in screen.heading.text()
    qtbot.keyClick(screen.queue_view, Qt.Key.Key_Right)
    assert screen.queue.item(screen.queue_view.currentIndex().row()).cluster != cluster


@pytest.mark.parametrize("key", [Qt.Key.Key_D, Qt.Key.Key_N])
def test_all_different_keeps_the_groups_and_u_undoes_the_whole_cluster(qtbot, two_clusters, key):
    db = two_clusters
    _window, screen = _screen(qtbot, db)
    cluster = _cluster_with(screen, 2)  # the erratum and the article's merged copies
    assert len(cluster.ids) == 3 and len(cluster.groups) == 1
    groups_before = duplicates.groups(db)
    screen.queue_view.setFocus()
    qtbot.keyClick(screen.queue_view, key)
    assert screen.queue.rowCount() == 1  # the decided cluster goes at once, before the write lands
    qtbot.waitUntil(lambda: _settled(screen, 1), timeout=30_000)
    assert duplicates.groups(db) == groups_before  # the group stays, the erratum stays apart
    assert all(duplicates.history(db, *p.ids)[-1].decision == "rejected" for p in cluster.pairs)
    assert all(duplicates.history(db, *p.ids)[-1].who == "Reviewer One" for p in cluster.pairs)
    qtbot.keyClick(screen.queue_view, Qt.Key.Key_U)
    qtbot.waitUntil(lambda: _settled(screen, 2), timeout=30_000)  # both pairs back with one undo
    assert len(duplicates.queue(db)) == 5
    assert screen.queue.item(screen.queue_view.currentIndex().row()).cluster.ids == cluster.ids


@pytest.mark.parametrize("key", [Qt.Key.Key_A, Qt.Key.Key_M])
def test_one_study_merges_every_record_of_the_cluster(qtbot, two_clusters, key):
    db = two_clusters
    _window, screen = _screen(qtbot, db)
    cluster = _cluster_with(screen, 3)
    screen.queue_view.setFocus()
    qtbot.keyClick(screen.queue_view, key)
    qtbot.waitUntil(lambda: _settled(screen, 1), timeout=30_000)
    assert list(cluster.ids) in duplicates.groups(db)
    qtbot.keyClick(screen.queue_view, Qt.Key.Key_U)
    qtbot.waitUntil(lambda: _settled(screen, 2), timeout=30_000)
    assert list(cluster.ids) not in duplicates.groups(db)
