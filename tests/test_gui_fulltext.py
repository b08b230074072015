"""The full text in the window (issue 16): the record's PDF beside the coding form, rendered off the GUI thread,
searched, its statistics listed and highlighted; "Use" fills the form and the stored effect keeps its page;
a PDF dropped on the viewer is attached. Real PDFs (fpdf2), the worked demo review, real Qt widgets."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pytest.importorskip("PySide6")

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl  # noqa: E402
from PySide6.QtGui import QDropEvent  # noqa: E402

from extraction import coding  # noqa: E402
from extraction.demo_worked import build_worked_demo  # noqa: E402
from gui import background  # noqa: E402
from gui.main_window import MainWindow  # noqa: E402
from gui.settings import Settings  # noqa: E402
from screening.fulltext import store  # noqa: E402
from tests.pdf_factory import write_pdf  # noqa: E402

pytestmark = pytest.mark.gui
PAGES = ["Alliance and outcome in group therapy for trauma. Method: 58 adults took part (N = 58).",
         "Results. The client-rated WAI at session 3 predicted PCL change, r(56) = .41, p = .001. "
         "Drop-out was unrelated, F(1, 56) = 9.5, p = .40."]


@pytest.fixture
def worked(tmp_path):
    db = build_worked_demo(tmp_path / "worked")
    yield db
    db.close()


def _idle(qtbot):
    qtbot.waitUntil(lambda: background.running() == 0, timeout=20_000)


def test_extraction_shows_the_pdf_finds_statistics_and_use_keeps_the_page(qtbot, worked, tmp_path):
    pdf = tmp_path / "a8.pdf"
    write_pdf(pdf, PAGES, font="dejavu", columns=2, title="A8")
    store.attach(worked, 8, pdf, "bob")
    window = MainWindow(worked, Settings(reviewer="bob"))
    qtbot.addWidget(window)
    window.show()
    screen = window.show_screen("extraction")
    qtbot.waitUntil(lambda: screen.snapshot is not None, timeout=20_000)
    rows = [r.record for r in screen.reports.items]
    screen.reports_view.selectRow(rows.index(8))
    _idle(qtbot)
    viewer, found = screen.viewer, screen.found
    assert viewer.pdf["file_name"] == "a8.pdf" and viewer.last is not None and viewer.last.index == 0
    assert not viewer.image.pixmap().isNull() and "2 pages" in viewer.info.text()
    assert [s.raw for s in found.stats] == ["r(56) = .41, p = .001", "F(1, 56) = 9.5, p = .40"]
    assert "decision error" in found.list.item(1).text()  # F = 9.5 has p ~ .003, not .40: a warning, no block
    # search by keyboard: Ctrl+F (the window's Find goes to the PDF on this screen), type, Enter: next hit
    screen.reports_view.setFocus()
    qtbot.keyClick(screen.reports_view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert viewer.search_box.hasFocus()
    qtbot.keyClicks(viewer.search_box, "drop-out")
    _idle(qtbot)
    assert viewer.hits and viewer.page == 1 and viewer.hits_label.text() == "1 of 1"
    viewer.search_box.clear()
    # click the r: its page, highlighted
    found.list.setCurrentRow(0)
    _idle(qtbot)
    assert viewer.page == 1 and viewer.last.index == 1
    assert any(h.kind == "current" for h, _ in viewer.last.boxes)
    assert any(h.kind == "stat" for h, _ in viewer.last.boxes) and any(h.kind == "warn" for h, _ in viewer.last.boxes)
    qtbot.keyClick(viewer.scroll, Qt.Key.Key_PageUp)
    _idle(qtbot)
    assert viewer.page == 0
    # Use: the form is filled, the coder adds what the text does not say and saves
    qtbot.mouseClick(found.use_button, Qt.MouseButton.LeftButton)
    form = screen.form
    assert form.statistic.currentData() == "r" and form.edits["value"].text() == "0.41"
    assert form.edits["n"].text() == "58" and form.location.text() == "p. 2"
    assert form.mods["alliance_measure"].currentText() == "WAI"
    assert form.mods["alliance_rater"].currentText() == "client"
    form.label.setText("PCL, from the PDF")
    for name, value in {"alliance_time": "early", "outcome_measure": "Other: PCL", "outcome_rater": "client",
                        "treatment": "other", "pub_source": "journal"}.items():
        form.mods[name].setEditText(value)
    form.update_preview()
    assert screen.save_button.isEnabled(), form.messages.text()
    screen.save()
    _idle(qtbot)
    [row] = [e for e in coding.effects(worked, record=8) if e.label == "PCL, from the PDF"]
    assert row.r == 0.41 and row.n == 58 and row.location == "p. 2"
    assert row.provenance["page"] == 2 and row.provenance["quote"] == "r(56) = .41, p = .001"


def test_a_pdf_dropped_on_the_viewer_is_attached_to_the_record(qtbot, worked, tmp_path):
    pdf = tmp_path / "dropped.pdf"
    write_pdf(pdf, PAGES)
    window = MainWindow(worked, Settings(reviewer="bob"))
    qtbot.addWidget(window)
    window.show()
    screen = window.show_screen("extraction")
    qtbot.waitUntil(lambda: screen.snapshot is not None, timeout=20_000)
    screen.reports_view.selectRow([r.record for r in screen.reports.items].index(7))
    _idle(qtbot)
    assert screen.viewer.pdf is None and "Drop a PDF" in screen.viewer.info.text()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(pdf))])
    event = QDropEvent(QPointF(20, 20), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    screen.viewer.dropEvent(event)
    _idle(qtbot)
    _idle(qtbot)
    assert [a.file_name for a in store.attached(worked, 7)] == ["dropped.pdf"]
    assert store.history(worked, 7)[0]["how"] == "drop"
    assert screen.viewer.pdf["file_name"] == "dropped.pdf" and len(screen.found.stats) == 2


def test_full_text_screening_shows_the_pdf_decides_without_a_path_and_records_not_retrievable(qtbot, tmp_path):
    from screening import decisions, duplicates, outcomes
    from screening.demo import build_demo_review

    db = build_demo_review(tmp_path)
    duplicates.run_dedup(db, who="machine")
    try:
        kept = [r for r, o in outcomes.outcomes(db, "title_abstract").items() if r == o.kept_id][:2]
        for rid in kept:
            for who in ("Ann", "Bob"):
                decisions.decide(db, rid, who, "title_abstract", "include")
        pdf = tmp_path / "ft.pdf"
        write_pdf(pdf, PAGES)
        res = store.attach(db, kept[0], pdf, "Ann")
        window = MainWindow(db, Settings(reviewer="Ann"))
        qtbot.addWidget(window)
        window.show()
        screen = window.show_screen("screening")
        qtbot.waitUntil(lambda: screen.queue is not None and screen.current_id() is not None, timeout=20_000)
        assert not screen.viewer.isVisibleTo(screen)  # title/abstract: no viewer
        screen.stage.setCurrentIndex(screen.stage.findData("full_text"))
        qtbot.waitUntil(lambda: screen.queue.stage == "full_text" and screen.current_id() is not None, timeout=20_000)
        screen.show_record(kept[0])
        _idle(qtbot)
        assert screen.viewer.isVisibleTo(screen) and screen.viewer.pdf["sha256"] == res.sha256
        assert screen.viewer.last is not None and not screen.viewer.image.pixmap().isNull()
        marked = {h.kind for h, _ in screen.viewer.last.boxes}  # the protocol's criteria evidence, on the page
        assert "include" in marked, marked
        screen.setFocus()
        qtbot.keyClick(screen, Qt.Key.Key_PageDown)  # at full text the page keys turn the PDF's pages
        _idle(qtbot)
        assert screen.viewer.page == 1 and screen.viewer.last.index == 1
        screen.setFocus()
        qtbot.keyClick(screen, Qt.Key.Key_I)  # no path typed: the attached PDF is what was read
        qtbot.waitUntil(lambda: outcomes.outcome(db, kept[0], "full_text").verdicts.get("ann") == "include",
                        timeout=20_000)
        assert decisions.history(db, kept[0])[-1].full_text == "pdf:" + res.sha256
        screen.show_record(kept[1])
        _idle(qtbot)
        assert screen.viewer.pdf is None and "Drop a PDF" in screen.viewer.info.text()
        screen.setFocus()
        qtbot.keyClick(screen, Qt.Key.Key_I)  # no PDF, no path: nothing stored, a message says what to do
        _idle(qtbot)
        assert outcomes.outcome(db, kept[1], "full_text").verdicts == {}
        qtbot.mouseClick(screen.panel.missing, Qt.MouseButton.LeftButton)  # no note yet: asks what was tried
        _idle(qtbot)
        assert outcomes.outcome(db, kept[1], "full_text").verdicts == {}
        screen.show_record(kept[1])
        screen.panel.note.setText("library, interlibrary loan, emailed the authors")
        qtbot.mouseClick(screen.panel.missing, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: outcomes.outcome(db, kept[1], "full_text").verdicts.get("ann") == "exclude",
                        timeout=20_000)
        row = decisions.history(db, kept[1])[-1]
        assert row.reason == decisions.NOT_RETRIEVED and "interlibrary" in row.note
        _idle(qtbot)
    finally:
        db.close()


def test_a_folder_of_pdfs_is_previewed_and_only_the_ticked_matches_are_attached(qtbot, worked, tmp_path):
    from extraction.demo_worked import record_ids
    from gui.fulltext.folder import attach_folder
    from screening.demo import STUDIES

    ids = record_ids()
    by_key = {s.key: s for s in STUDIES}
    folder = tmp_path / "pdfs"
    folder.mkdir()
    for key in ("A1", "A2"):
        s = by_key[key]
        write_pdf(folder / f"{key}.pdf", [f"{s.title}\n\n{s.authors[0]}\n\n{s.journal}, {s.year}. {s.abstract}"])
    write_pdf(folder / "other.pdf", ["Gardening for beginners, by A. Gardener, 2020."])
    window = MainWindow(worked, Settings(reviewer="bob"))
    qtbot.addWidget(window)
    window.show()
    attach_folder(window, str(folder))
    qtbot.waitUntil(lambda: getattr(window, "folder_preview", None) is not None, timeout=20_000)
    dialog = window.folder_preview
    assert [m.file for _, m in dialog.items] == ["A1.pdf", "A2.pdf"]
    assert dialog.unmatched.count() == 1 and "other.pdf" in dialog.unmatched.item(0).text()
    dialog.items[1][0].setCheckState(Qt.CheckState.Unchecked)  # the coder unticks A2
    dialog.accept()
    _idle(qtbot)
    assert [a.file_name for a in store.attached(worked, ids["A1"])] == ["A1.pdf"]
    assert store.attached(worked, ids["A2"]) == []
