"""The duplicates screen on the demo review: run dedup, the queue as clusters side by side, groups, models
(decisions on clusters: test_gui_duplicate_clusters.py)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from screens import open_screen

from screening import duplicates
from screening.counts import review_counts


@pytest.fixture
def queued(demo):
    """The demo after dedup: its erratum notice waits in the queue against both copies of its article."""
    duplicates.run_dedup(demo, who="machine")
    pairs = [p.ids for p in duplicates.queue(demo)]
    assert len(pairs) == 2 and len({b for _a, b in pairs}) == 1  # one erratum, two partners
    return demo, pairs


def _screen(qtbot, db):
    return open_screen(qtbot, db, "duplicates", "Reviewer One")


def test_find_duplicates_runs_in_the_background_and_shows_counts(qtbot, demo):
    _window, screen = _screen(qtbot, demo)
    assert "clusters to review" in screen.summary.text() and "<b>22</b> unique" in screen.summary.text()
    qtbot.mouseClick(screen.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Last run" in screen.summary.text(), timeout=30_000)
    c = review_counts(demo, stages=()).duplicate_counts()
    assert c.groups > 0
    assert f"<b>{c.unique}</b> unique" in screen.summary.text()
    assert screen.lists.tabText(1) == f"Groups ({c.groups})"
    assert screen.groups.rowCount() == c.groups
    screen.lists.setCurrentIndex(1)
    assert screen.compare.headers[0] == "Kept (merged)" and len(screen.compare.headers) >= 3


def test_the_queue_is_one_row_per_cluster_with_its_records_side_by_side(qtbot, queued):
    db, pairs = queued
    _window, screen = _screen(qtbot, db)
    # two candidate pairs (the erratum against both copies of its article) are one cluster, one row
    assert screen.queue.rowCount() == 1 and screen.lists.tabText(0) == "To review (1)"
    assert "1</b> clusters to review (2 candidate pairs)" in screen.summary.text()
    cluster = screen.queue.item(0).cluster
    assert {p.ids for p in cluster.pairs} == set(pairs) and len(cluster.ids) == 3
    model = screen.compare
    assert model.columnCount() == 3 and model.rowCount() == len(cluster.fields)
    assert sum("group 1" in h for h in model.headers) == 2  # the article's two copies are merged already
    assert "Cluster 1 of 1</b>: 3 records, 2 candidate pairs; 2 of them already merged" in screen.heading.text()
    for row, field in enumerate(cluster.fields):
        values = [model.data(model.index(row, c)) for c in range(3)]
        assert values == [cluster.record(i)[field] for i in cluster.ids]
        background = model.data(model.index(row, 0), Qt.ItemDataRole.BackgroundRole)
        assert (background is not None) == (field in cluster.differing()), field
    assert "title" in model.differing() and "source_db" in model.differing()


def test_duplicate_models_pass_the_qt_model_tester(qtmodeltester, qtbot, queued):
    db, _pairs = queued
    _window, screen = _screen(qtbot, db)
    assert screen.queue.rowCount() and screen.compare.rowCount()
    qtmodeltester.check(screen.queue)
    qtmodeltester.check(screen.groups)
    qtmodeltester.check(screen.compare)
