"""The full-text stage in the window on each back end (SQLite and PostgreSQL): full-text screening shows the
record's PDF beside the decision panel, a decision on it needs no path, "full text not retrievable" asks what
was tried and is counted by PRISMA as a report not retrieved; the page is rendered off the GUI thread (the
record's heading is shown before its page is drawn). Real PDFs (fpdf2), real Qt widgets."""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt

from extraction.prisma import prisma_counts
from gui.fulltext import viewer as viewer_module
from screening import decisions, outcomes
from screening.fulltext import store
from tests.pdf_factory import write_pdf, write_unusable
from tests.screens import open_window, wait_idle
from tests.test_fulltext_store import STUDIES, add_studies, paper

TA, FT = "title_abstract", "full_text"


def test_full_text_screening_on_each_back_end(qtbot, review, tmp_path, monkeypatch):
    recs = add_studies(review)
    for rid in recs.values():
        for who in ("ann", "bob"):
            decisions.decide(review, rid, who, TA, "include")
    pdf = tmp_path / "p1.pdf"
    write_pdf(pdf, paper(STUDIES[0][1], "Jacques P. Barber", 2001), title=STUDIES[0][1])
    res = store.attach(review, recs["P1"], pdf, "ann")
    threads: list[str] = []
    real = viewer_module.render_page

    def spy(data, index, scale=1.5, highlights=()):  # the real renderer, noting which thread it ran on
        threads.append(threading.current_thread().name)
        return real(data, index, scale, highlights)

    monkeypatch.setattr(viewer_module, "render_page", spy)
    window = open_window(qtbot, review, "ann")
    screen = window.show_screen("screening")
    qtbot.waitUntil(lambda: screen.queue is not None and screen.current_id() is not None, timeout=20_000)
    screen.stage.setCurrentIndex(screen.stage.findData(FT))
    qtbot.waitUntil(lambda: screen.queue.stage == FT and screen.current_id() is not None, timeout=20_000)
    screen.show_record(recs["P2"])
    wait_idle(qtbot)
    threads.clear()
    screen.show_record(recs["P1"])
    assert screen.current_id() == recs["P1"] and screen.viewer.loading  # shown; its PDF still loading
    wait_idle(qtbot)
    viewer = screen.viewer
    assert viewer.pdf["sha256"] == res.sha256 and viewer.last is not None and not viewer.image.pixmap().isNull()
    assert threads and threading.main_thread().name not in threads  # every page drawn off the GUI thread
    screen.setFocus()
    qtbot.keyClick(screen, Qt.Key.Key_PageDown)
    wait_idle(qtbot)
    assert viewer.page == 1 and viewer.last.index == 1
    screen.setFocus()
    qtbot.keyClick(screen, Qt.Key.Key_I)  # no path: the attached PDF is what was read
    qtbot.waitUntil(lambda: outcomes.outcome(review, recs["P1"], FT).verdicts.get("ann") == "include",
                    timeout=20_000)
    assert decisions.history(review, recs["P1"])[-1].full_text == "pdf:" + res.sha256
    # P3 has no PDF: "not retrievable" with what was tried
    screen.show_record(recs["P3"])
    wait_idle(qtbot)
    assert viewer.pdf is None
    screen.panel.note.setText("library, interlibrary loan, emailed the authors")
    qtbot.mouseClick(screen.panel.missing, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: outcomes.outcome(review, recs["P3"], FT).verdicts.get("ann") == "exclude",
                    timeout=20_000)
    row = decisions.history(review, recs["P3"])[-1]
    assert row.reason == decisions.NOT_RETRIEVED and "interlibrary" in row.note and row.full_text == ""
    decisions.not_retrieved(review, recs["P3"], "bob", "asked the first author twice")
    wait_idle(qtbot)
    counts = prisma_counts(review)
    assert counts.not_retrieved == 1 and decisions.NOT_RETRIEVED not in counts.excluded_full_text


def test_a_dropped_file_that_is_no_usable_pdf_is_refused_in_a_message_naming_it(qtbot, worked_each, tmp_path):
    """Dropped on the viewer: a text file named .pdf, an encrypted PDF, a download cut off. Each is refused
    with the file and the reason in the window's error message; nothing is stored."""
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDropEvent
    from PySide6.QtWidgets import QMessageBox

    from tests.screens import extraction_on

    screen = extraction_on(qtbot, worked_each, 7)
    window = screen.window()
    for path, reason in write_unusable(tmp_path):
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(path))])
        screen.viewer.dropEvent(QDropEvent(QPointF(20, 20), Qt.DropAction.CopyAction, mime,
                                           Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))
        wait_idle(qtbot)
        boxes = [b for b in window.findChildren(QMessageBox, "error-dialog") if b.isVisible()]
        assert len(boxes) == 1 and path.name in boxes[0].text() and reason in boxes[0].text(), \
            [b.text() for b in boxes]
        assert "Traceback" not in boxes[0].text()
        boxes[0].close()
        qtbot.waitUntil(lambda: not any(b.isVisible() for b in window.findChildren(QMessageBox, "error-dialog")))
    assert store.attached(worked_each, 7) == [] and store.history(worked_each, 7) == []
