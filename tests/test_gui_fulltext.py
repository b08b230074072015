"""The full text in the window (issue 16): the record's PDF beside the coding form, rendered off the GUI thread,
searched, its statistics listed and highlighted; "Use" fills the form and the stored effect keeps its page;
a PDF dropped on the viewer is attached. Real PDFs (fpdf2), the worked demo review, real Qt widgets."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from extraction import coding
from gui.main_window import MainWindow
from gui.settings import Settings
from screening.fulltext import store
from tests.pdf_factory import write_pdf
from tests.screens import extraction_on, open_window, save_form, wait_idle

PAGES = ["Alliance and outcome in group therapy for trauma. Method: 58 adults took part (N = 58).",
         "Results. The client-rated WAI at session 3 predicted PCL change, r(56) = .41, p = .001. "
         "Drop-out was unrelated, F(1, 56) = 9.5, p = .40."]




def test_extraction_shows_the_pdf_finds_statistics_and_use_keeps_the_page(qtbot, worked_each, tmp_path):
    pdf = tmp_path / "a8.pdf"
    write_pdf(pdf, PAGES, font="dejavu", columns=2, title="A8")
    store.attach(worked_each, 8, pdf, "bob")
    screen = extraction_on(qtbot, worked_each, 8)
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
    wait_idle(qtbot)
    assert viewer.hits and viewer.page == 1 and viewer.hits_label.text() == "1 of 1"
    viewer.search_box.clear()
    # click the r: its page, highlighted
    found.list.setCurrentRow(0)
    wait_idle(qtbot)
    assert viewer.page == 1 and viewer.last.index == 1
    assert any(h.kind == "current" for h, _ in viewer.last.boxes)
    assert any(h.kind == "stat" for h, _ in viewer.last.boxes) and any(h.kind == "warn" for h, _ in viewer.last.boxes)
    # the r's coding cues (client, WAI, session 3) are underlined on the page, in green: none disagrees
    cues = [viewer.texts[1][h.start:h.end] for h, _ in viewer.last.boxes if h.kind == "cue"]
    assert {"client", "WAI", "session 3"} <= set(cues)
    assert not any(h.kind == "cue_warn" for h, _ in viewer.last.boxes)
    qtbot.keyClick(viewer.scroll, Qt.Key.Key_PageUp)
    wait_idle(qtbot)
    assert viewer.page == 0
    # Use: the form is filled, the coder adds what the text does not say and saves
    qtbot.mouseClick(found.use_button, Qt.MouseButton.LeftButton)
    form = screen.form
    assert form.statistic.currentData() == "r" and form.edits["value"].text() == "0.41"
    assert form.edits["n"].text() == "58" and form.location.text() == "p. 2"
    assert form.mods["alliance_measure"].currentText() == "WAI"
    assert form.mods["alliance_rater"].currentText() == "client"
    save_form(qtbot, screen, "PCL, from the PDF", {"alliance_time": "early", "outcome_measure": "Other: PCL",
                                                    "outcome_rater": "client", "treatment": "other",
                                                    "pub_source": "journal"})
    [row] = [e for e in coding.effects(worked_each, record=8) if e.label == "PCL, from the PDF"]
    assert row.r == 0.41 and row.n == 58 and row.location == "p. 2"
    assert row.provenance["page"] == 2 and row.provenance["quote"] == "r(56) = .41, p = .001"


def test_a_pdf_dropped_on_the_viewer_is_attached_to_the_record(qtbot, worked_each, tmp_path):
    pdf = tmp_path / "dropped.pdf"
    write_pdf(pdf, PAGES)
    window = open_window(qtbot, worked_each, "bob")
    screen = window.show_screen("extraction")
    qtbot.waitUntil(lambda: screen.snapshot is not None, timeout=20_000)
    screen.reports_view.selectRow([r.record for r in screen.reports.items].index(7))
    wait_idle(qtbot)
    assert screen.viewer.pdf is None and "Drop a PDF" in screen.viewer.info.text()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(pdf))])
    event = QDropEvent(QPointF(20, 20), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    screen.viewer.dropEvent(event)
    wait_idle(qtbot)
    wait_idle(qtbot)
    assert [a.file_name for a in store.attached(worked_each, 7)] == ["dropped.pdf"]
    assert store.history(worked_each, 7)[0].how == "drop"
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
        window = open_window(qtbot, db, "Ann")
        screen = window.show_screen("screening")
        qtbot.waitUntil(lambda: screen.queue is not None and screen.current_id() is not None, timeout=20_000)
        assert not screen.viewer.isVisibleTo(screen)  # title/abstract: no viewer
        screen.stage.setCurrentIndex(screen.stage.findData("full_text"))
        qtbot.waitUntil(lambda: screen.queue.stage == "full_text" and screen.current_id() is not None, timeout=20_000)
        screen.show_record(kept[0])
        wait_idle(qtbot)
        assert screen.viewer.isVisibleTo(screen) and screen.viewer.pdf["sha256"] == res.sha256
        assert screen.viewer.last is not None and not screen.viewer.image.pixmap().isNull()
        marked = {h.kind for h, _ in screen.viewer.last.boxes}  # the protocol's criteria evidence, on the page
        assert "include" in marked, marked
        screen.setFocus()
        qtbot.keyClick(screen, Qt.Key.Key_PageDown)  # at full text the page keys turn the PDF's pages
        wait_idle(qtbot)
        assert screen.viewer.page == 1 and screen.viewer.last.index == 1
        screen.setFocus()
        qtbot.keyClick(screen, Qt.Key.Key_I)  # no path typed: the attached PDF is what was read
        qtbot.waitUntil(lambda: outcomes.outcome(db, kept[0], "full_text").verdicts.get("ann") == "include",
                        timeout=20_000)
        assert decisions.history(db, kept[0])[-1].full_text == "pdf:" + res.sha256
        screen.show_record(kept[1])
        wait_idle(qtbot)
        assert screen.viewer.pdf is None and "Drop a PDF" in screen.viewer.info.text()
        screen.setFocus()
        qtbot.keyClick(screen, Qt.Key.Key_I)  # no PDF, no path: nothing stored, a message says what to do
        wait_idle(qtbot)
        assert outcomes.outcome(db, kept[1], "full_text").verdicts == {}
        qtbot.mouseClick(screen.panel.missing, Qt.MouseButton.LeftButton)  # no note yet: asks what was tried
        wait_idle(qtbot)
        assert outcomes.outcome(db, kept[1], "full_text").verdicts == {}
        screen.show_record(kept[1])
        screen.panel.note.setText("library, interlibrary loan, emailed the authors")
        qtbot.mouseClick(screen.panel.missing, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: outcomes.outcome(db, kept[1], "full_text").verdicts.get("ann") == "exclude",
                        timeout=20_000)
        row = decisions.history(db, kept[1])[-1]
        assert row.reason == decisions.NOT_RETRIEVED and "interlibrary" in row.note
        wait_idle(qtbot)
    finally:
        db.close()


def test_a_folder_of_pdfs_is_previewed_and_only_the_ticked_matches_are_attached(qtbot, worked_each, tmp_path):
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
    window = open_window(qtbot, worked_each, "bob")
    attach_folder(window, str(folder))
    qtbot.waitUntil(lambda: getattr(window, "folder_preview", None) is not None, timeout=20_000)
    dialog = window.folder_preview
    assert [m.file for _, m in dialog.items] == ["A1.pdf", "A2.pdf"]
    assert dialog.unmatched.count() == 1 and "other.pdf" in dialog.unmatched.item(0).text()
    dialog.items[1][0].setCheckState(Qt.CheckState.Unchecked)  # the coder unticks A2
    dialog.accept()
    wait_idle(qtbot)
    assert [a.file_name for a in store.attached(worked_each, ids["A1"])] == ["A1.pdf"]
    assert store.attached(worked_each, ids["A2"]) == []


def test_a_teammate_attaching_and_detaching_a_pdf_reaches_the_open_extraction_screen(qtbot, worked_each, tmp_path,
                                                                                      monkeypatch):
    """Another program (a teammate's `metasift attach`, on the same file or the same PostgreSQL review) attaches
    a PDF to the record being coded: the window's check announces Topic.PDFS and the viewer shows it with its
    statistics, without reloading the coder's list; the detach then takes it off the screen again."""
    import subprocess
    import sys

    from gui import team_watch

    monkeypatch.setattr(team_watch, "POLL_MS", 300)
    pdf = tmp_path / "from-carol.pdf"
    write_pdf(pdf, PAGES, font="liberation-serif")
    window = open_window(qtbot, worked_each, "bob")
    screen = window.show_screen("extraction")
    qtbot.waitUntil(lambda: screen.snapshot is not None, timeout=20_000)
    screen.reports_view.selectRow([r.record for r in screen.reports.items].index(7))
    wait_idle(qtbot)
    qtbot.waitUntil(lambda: window.team_watch.last is not None, timeout=10_000)
    assert screen.viewer.pdf is None and screen.found.stats == []
    target = str(worked_each.target)
    for argv in (["attach", target, "--record", "#7", str(pdf), "--reviewer", "carol"],
                 ["detach", target, "--record", "#7", "--reviewer", "carol", "--note", "wrong paper"]):
        subprocess.run([sys.executable, "-m", "cli.app", *argv], check=True, capture_output=True, text=True)
        attached = argv[0] == "attach"
        qtbot.waitUntil(lambda a=attached: (screen.viewer.pdf is not None) == a and not screen.viewer.loading,
                        timeout=15_000)
        wait_idle(qtbot)
        assert "carol: 1 full text attached or detached" in window.statusBar().currentMessage()
        assert len(screen.found.stats) == (2 if attached else 0)
        if attached:
            assert screen.viewer.pdf["file_name"] == "from-carol.pdf" and screen.viewer.last is not None
    window.close()


def test_the_folder_preview_reassigns_a_pdf_to_another_record_and_unassigns_one(qtbot, worked_each, tmp_path):
    from extraction.demo_worked import record_ids
    from gui.fulltext.folder import NOT_ATTACHED, attach_folder
    from screening.demo import STUDIES

    ids = record_ids()
    by_key = {s.key: s for s in STUDIES}
    folder = tmp_path / "pdfs"
    folder.mkdir()
    for key in ("A1", "A2"):
        s = by_key[key]
        write_pdf(folder / f"{key}.pdf", [f"{s.title}\n\n{s.authors[0]}\n\n{s.journal}, {s.year}. {s.abstract}"])
    write_pdf(folder / "scan-0043.pdf", ["A scanned report whose first page has no title text."])
    window = open_window(qtbot, worked_each, "bob")
    attach_folder(window, str(folder))
    qtbot.waitUntil(lambda: getattr(window, "folder_preview", None) is not None, timeout=20_000)
    dialog = window.folder_preview
    rows = {m.file: (tick, box) for tick, box, m in dialog.rows}
    assert set(rows) == {"A1.pdf", "A2.pdf", "scan-0043.pdf"}  # the unmatched readable PDF has a row too
    assert rows["scan-0043.pdf"][0].checkState() == Qt.CheckState.Unchecked
    assert rows["A1.pdf"][1].currentText().startswith(dialog.choices[dialog._ids.index(ids["A1"]) - 1][1][:10])
    # A1.pdf: unassigned by choosing "not attached" (which unticks it); A2.pdf: given to A3 instead, by typing
    # part of A3's label into its list; the scan: given to A4 (ticked as soon as a record is chosen)
    rows["A1.pdf"][1].setCurrentIndex(rows["A1.pdf"][1].findText(NOT_ATTACHED))
    assert rows["A1.pdf"][0].checkState() == Qt.CheckState.Unchecked
    a3 = dict(dialog.choices)[ids["A3"]]
    box = rows["A2.pdf"][1]
    completer = box.completer()  # typing any part of a label (here a word of A3's title) offers it
    completer.setCompletionPrefix(by_key["A3"].title.split()[2])
    offered = [completer.completionModel().index(i, 0).data() for i in range(completer.completionCount())]
    assert a3 in offered
    box.setCurrentIndex(box.findText(a3))
    assert box.currentText() == a3 and rows["A2.pdf"][0].checkState() == Qt.CheckState.Checked
    [scan] = [m for _t, _b, m in dialog.rows if m.file == "scan-0043.pdf"]
    dialog.choose(scan, ids["A4"])
    assert rows["scan-0043.pdf"][0].checkState() == Qt.CheckState.Checked
    dialog.accept()
    wait_idle(qtbot)
    assert store.attached(worked_each, ids["A1"]) == [] and store.attached(worked_each, ids["A2"]) == []
    assert [a.file_name for a in store.attached(worked_each, ids["A3"])] == ["A2.pdf"]
    assert [a.file_name for a in store.attached(worked_each, ids["A4"])] == ["scan-0043.pdf"]
    [hist] = store.history(worked_each, ids["A3"])
    assert hist.how == "folder" and "chosen in the preview (matched #" in hist.note


def test_at_1280_by_800_no_moderator_field_is_cut_off_beside_the_pdf(qtbot, worked_each, tmp_path):
    pdf = tmp_path / "a8.pdf"
    write_pdf(pdf, PAGES, font="dejavu", columns=2, title="A8")
    store.attach(worked_each, 8, pdf, "bob")
    window = MainWindow(worked_each, Settings(reviewer="bob"))
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    screen = window.show_screen("extraction")
    qtbot.waitUntil(lambda: screen.snapshot is not None, timeout=20_000)
    screen.reports_view.selectRow([r.record for r in screen.reports.items].index(8))
    wait_idle(qtbot)
    screen.found.list.setCurrentRow(0)
    qtbot.mouseClick(screen.found.use_button, Qt.MouseButton.LeftButton)  # a long quote in the form's title
    wait_idle(qtbot)
    qtbot.waitUntil(lambda: screen._panes_sized, timeout=5_000)

    from PySide6.QtWidgets import QScrollArea

    area = screen.form.parentWidget()
    while not isinstance(area, QScrollArea):
        area = area.parentWidget()

    def cut() -> list[str]:
        """Moderator fields cut off at the left or right of the form's scroll area (scrolling down is fine)."""
        out = []
        for name, w in screen.form.mods.items():
            x = w.mapTo(area.viewport(), w.rect().topLeft()).x()
            if x < 0 or x + w.width() > area.viewport().width():
                out.append(name)
        return out

    assert screen.viewer.isVisible() and screen.viewer.width() > 300  # the PDF is beside the form ...
    assert cut() == [] and screen.form.stacked is False  # ... and every moderator field whole, side by side
    # dragged narrower, the form puts the moderators below the reported effect instead of cutting them
    left, form, pdf_w = screen.split.sizes()
    screen.split.setSizes([left, 420, pdf_w + form - 420])
    qtbot.waitUntil(lambda: screen.form.stacked is True, timeout=5_000)
    assert cut() == []


def test_a_z_test_is_used_as_a_z_test_with_its_n_and_a_beta_says_why_not(qtbot, worked_each, tmp_path):
    pdf = tmp_path / "z.pdf"
    write_pdf(pdf, ["Results. In all 120 clients (N = 120), the early WAI correlated more strongly with change "
                    "than the late one, z = 2.45, p = .014. In the regression, alliance predicted outcome, "
                    "\u03b2 = .24, p = .01."], font="dejavu")
    store.attach(worked_each, 7, pdf, "bob")
    window = open_window(qtbot, worked_each, "bob")
    screen = window.show_screen("extraction")
    qtbot.waitUntil(lambda: screen.snapshot is not None, timeout=20_000)
    screen.reports_view.selectRow([r.record for r in screen.reports.items].index(7))
    wait_idle(qtbot)
    assert "z.pdf</b> · 1 page · attached by bob" in screen.viewer.info.text()  # one page, not "1 pages"
    found = screen.found
    assert [s.kind for s in found.stats] == ["z", "beta"]
    found.list.setCurrentRow(1)
    assert not found.use_button.isEnabled() and "no conversion" in found.use_button.toolTip()
    found.list.setCurrentRow(0)
    assert found.use_button.isEnabled()
    qtbot.mouseClick(found.use_button, Qt.MouseButton.LeftButton)
    form = screen.form
    assert form.statistic.currentData() == "ztest" and form.edits["value"].text() == "2.45"
    assert form.edits["n"].text() == "120"
    form.update_preview()
    assert "r = .224" in form.conversion.text()  # r = 2.45 / sqrt(120) = .2237, in APA style
