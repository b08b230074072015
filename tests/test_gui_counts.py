"""The desktop screens show the count model's numbers (tests/counts_review.py): status bar, Duplicates, Shared
samples (duplicate groups apart from shared samples), and the PRISMA counts of the Analysis screen."""

from __future__ import annotations

import pytest
from counts_review import EXPECTED, build

from db.engine import create_review
from tests.screens import open_window

WAIT = 20_000


@pytest.fixture
def db(tmp_path):
    review = create_review(tmp_path / "counts.metasift", title="Counts")
    build(review)
    yield review
    review.close()


def test_screens_show_the_count_model(qtbot, db):
    window = open_window(qtbot, db, "ann")
    want = (f"{EXPECTED['records']} records in 2 batches (PsycINFO 6, PubMed 4) · {EXPECTED['unique']} unique · "
            f"{EXPECTED['samples']} independent samples")
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() == want, timeout=WAIT)

    dup = window.show_screen("duplicates")
    qtbot.waitUntil(lambda: dup.snapshot is not None, timeout=WAIT)
    assert "<b>10</b> records · <b>8</b> unique · 2 duplicates merged in 2 groups" in dup.summary.text()

    smp = window.show_screen("samples")
    qtbot.waitUntil(lambda: smp.snapshot is not None, timeout=WAIT)
    tabs = [smp.lists.tabText(i) for i in range(smp.lists.count())]
    assert tabs[1:] == ["Shared samples (1)", "Duplicate groups (2)"]
    assert smp.joined.rowCount() == 1 and smp.dup_groups.rowCount() == 2
    assert "<b>6</b> independent samples from 10 records (8 unique" in smp.summary.text()
    assert "1 sample shared by several reports" in smp.summary.text()
    # record ids: p1..p6 = 1..6, m1..m4 = 7..10; the group p2 = m2 is also part of the shared sample
    assert sorted(g.ids for g in smp.dup_groups.items) == [[1, 7], [2, 8]]
    assert [g.ids for g in smp.joined.items] == [[2, 3, 4, 8]]
    smp.lists.setCurrentIndex(2)
    assert "copies" in smp.heading.text() and "merged as duplicates" in smp.heading.text()
    smp.lists.setCurrentIndex(1)
    assert "One sample, 3 reports</b> (linked as one sample; 4 records with their duplicates)" in smp.heading.text()


def test_the_analysis_screen_prisma_uses_the_count_model(qtbot, db):
    window = open_window(qtbot, db, "ann")
    ana = window.show_screen("analysis")
    qtbot.waitUntil(lambda: ana.prisma_counts is not None, timeout=WAIT)
    ta, ft = EXPECTED["stages"]["title_abstract"], EXPECTED["stages"]["full_text"]
    p = ana.prisma_counts
    assert (p.identified, p.duplicates_removed, p.screened, p.excluded_screening) == \
        (EXPECTED["records"], EXPECTED["duplicates"], EXPECTED["unique"], ta["excluded"])
    assert p.awaiting == {"title_abstract": ta["pending"] + ta["conflicts"],
                             "full_text": ft["pending"] + ft["conflicts"]}
    assert (p.reports_included, p.studies_included) == (ft["included"], EXPECTED["included_samples"])
    assert "10 records identified" in ana.prisma.note.text()
