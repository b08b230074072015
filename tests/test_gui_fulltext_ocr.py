"""OCR offered in the window: a record's PDF whose pages are scans (pictures, no text layer) says so in "Found
in the full text" and offers "Read scanned pages (OCR)"; Tesseract reads them off the GUI thread through the
one background helper, the panel shows each page's progress, Cancel stops it, and what OCR found fills the list
(marked OCR, never highlighted on a page it has no text of) and can be used with its provenance. A real scanned
PDF (`tests.scans`), the worked demo review on SQLite and PostgreSQL, real Qt widgets, the real Tesseract."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from extraction import coding
from extraction.export_frames import effects_frame
from gui import background
from screening.fulltext import store
from tests.scans import need_tesseract, write_scan
from tests.screens import extraction_on, save_form, wait_idle

SCAN = [["Method", "Sixty clients (N = 60) rated the Working Alliance", "Inventory after the third session."],
        ["Results", "The client-rated alliance predicted BDI-II change,",
         "r(58) = .34, p = .008, and drop-out did not,", "t(58) = 1.20, p = .24."]]


@pytest.fixture
def tesseract() -> None:
    need_tesseract()


def _screen(qtbot, db, tmp_path):
    store.attach(db, 8, write_scan(tmp_path / "scan.pdf", SCAN), "bob")
    return extraction_on(qtbot, db, 8)


def test_a_scanned_pdf_offers_ocr_which_fills_the_list_page_by_page(qtbot, worked_each, tmp_path, tesseract):
    screen = _screen(qtbot, worked_each, tmp_path)
    found = screen.found
    assert screen.viewer.pdf["file_name"] == "scan.pdf" and found.stats == []
    assert "scanned pages 1, 2 not read" in found.title.text()
    notes = [found.list.item(k).text() for k in range(found.list.count())]
    assert len(notes) == 2 and all("no text layer" in n and "“Read scanned pages (OCR)” above" in n for n in notes)
    assert found.ocr_button.isVisibleTo(found) and found.ocr_button.text() == "Read scanned pages (OCR)"
    assert "no text layer" in screen.viewer.info.text() and "Read scanned pages (OCR)" in screen.viewer.info.text()
    before = background.running()
    progress: list[tuple[int, int, str]] = []
    qtbot.mouseClick(found.ocr_button, Qt.MouseButton.LeftButton)
    assert found.ocr_running() and found.ocr_button.text() == "Cancel OCR"  # the GUI thread is free meanwhile
    assert background.running() == before + 1  # through the one background helper
    found._ocr_task.progressed.connect(lambda d, t, m: progress.append((d, t, m)))
    screen.form.label.setText("typed while OCR runs")  # the coder keeps working
    qtbot.waitUntil(lambda: not found.ocr_running(), timeout=60_000)
    wait_idle(qtbot)
    assert (2, 2, "Read 2 pages by OCR") in progress and any(m.endswith("(2 of 2)") for _, _, m in progress)
    assert [(s.page, s.kind, s.value, s.df1, s.p, s.ocr) for s in found.stats] == [
        (2, "r", 0.34, 58, 0.008, True), (2, "t", 1.2, 58, 0.24, True)]
    assert found.list.item(0).text().startswith("OCR · p. 2")
    assert "read by OCR" in found.list.item(0).text()  # the warning: check the digits against the page
    assert "Read pages 1, 2 by OCR: 2 statistics found there" in found.ocr_status.text()
    assert not found.ocr_button.isVisibleTo(found) and "not read" not in found.title.text()
    assert found.highlights() == {}  # no text layer: nothing to mark on the page
    found.list.setCurrentRow(0)
    wait_idle(qtbot)
    assert screen.viewer.page == 1  # clicking it shows its page
    qtbot.mouseClick(found.use_button, Qt.MouseButton.LeftButton)
    form = screen.form
    assert form.statistic.currentData() == "r" and form.edits["value"].text() == "0.34"
    assert form.location.text() == "p. 2"
    save_form(qtbot, screen, "BDI-II, read by OCR", {"alliance_time": "early", "outcome_measure": "BDI",
                                                      "outcome_rater": "client", "treatment": "other",
                                                      "pub_source": "journal", "alliance_rater": "client",
                                                      "alliance_measure": "WAI"})
    [row] = [e for e in coding.effects(worked_each, record=8) if e.label == "BDI-II, read by OCR"]
    assert row.r == 0.34 and row.provenance["page"] == 2 and row.provenance["source"] == "full text (OCR)"
    # another record and back: what OCR found is still listed, without reading the scans again
    rows = [r.record for r in screen.reports.items]
    screen.reports_view.selectRow(next(k for k, r in enumerate(rows) if r != 8))
    wait_idle(qtbot)
    assert found.record != 8 and not any(s.ocr for s in found.stats)
    screen.reports_view.selectRow(rows.index(8))
    wait_idle(qtbot)
    assert [s.raw for s in found.stats if s.ocr] == ["r(58) = .34, p = .008", "t(58) = 1.20, p = .24"]
    assert not found.ocr_running() and not found.ocr_button.isVisibleTo(found)
    exported = {r["label"]: r for r in effects_frame(worked_each).to_dict("records")}["BDI-II, read by OCR"]
    assert (exported["found_in"], exported["page"], exported["quote"]) == ("full text (OCR)", 2,
                                                                         "r(58) = .34, p = .008")


def test_ocr_can_be_cancelled_and_another_record_stops_it(qtbot, worked_each, tmp_path, tesseract):
    screen = _screen(qtbot, worked_each, tmp_path)
    found = screen.found
    qtbot.mouseClick(found.ocr_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(found.ocr_button, Qt.MouseButton.LeftButton)  # "Cancel OCR"
    assert found.ocr_status.text() == "Cancelling OCR…" and not found.ocr_button.isEnabled()
    qtbot.waitUntil(lambda: not found.ocr_running(), timeout=30_000)
    assert found.ocr_status.text() == "OCR cancelled: the scanned pages stay unread"
    assert found.stats == [] and found.ocr_button.isEnabled() and found.ocr_button.text() == "Read scanned pages (OCR)"
    # started again, then the coder moves to another record: the OCR stops and its result is not shown there
    qtbot.mouseClick(found.ocr_button, Qt.MouseButton.LeftButton)
    task = found._ocr_task
    outcome: list[str] = []
    task.finished.connect(lambda: outcome.append(task.outcome))
    rows = [r.record for r in screen.reports.items]
    screen.reports_view.selectRow(next(k for k, r in enumerate(rows) if r != 8))
    qtbot.waitUntil(lambda: bool(outcome), timeout=30_000)
    wait_idle(qtbot)
    assert outcome == ["cancelled"] and not found.ocr_running() and found.record != 8
    assert all(not s.ocr for s in found.stats) and not found.ocr_status.isVisibleTo(found)
