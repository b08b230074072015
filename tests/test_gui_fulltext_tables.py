"""The full text in the window, beyond prose: a statistic read in a table is listed, shown on its page and used
with its table as the location; a page set as a picture is named as unreadable in the list; the viewer zooms
by keyboard; an alias typed in the coding form ("mean" alliance time) is stored as the codebook's value.
Real PDFs (fpdf2, one page a picture), the worked demo review on SQLite and PostgreSQL, real Qt widgets."""

from __future__ import annotations

from PySide6.QtCore import Qt

from extraction import coding
from screening.fulltext import store
from tests.pdf_factory import write_pdf
from tests.screens import open_window, wait_idle

PAGES = [
    "Alliance in group CBT for social anxiety. Method: 64 adults took part (N = 64), assessed weekly.",
    "Table 2\nCorrelations of the alliance with outcome (N = 64)\nMeasure\t1\t2\t3\n"
    "1. WAI-SR client, mean of sessions 1-4\t—\n2. LSAS change\t−.37**\t—\n3. BDI-II change\t−.22\t.58**\t—\n"
    "Note. **p < .01.",
    "Results as a scanned page: r(62) = .29, p = .02",
]




def test_a_table_statistic_is_used_with_its_table_and_a_picture_page_is_named(qtbot, worked_each, tmp_path):
    pdf = tmp_path / "tables.pdf"
    write_pdf(pdf, PAGES, font="dejavu", title="Tables", pictures=frozenset({2}))
    store.attach(worked_each, 8, pdf, "bob")
    window = open_window(qtbot, worked_each, "bob")
    screen = window.show_screen("extraction")
    qtbot.waitUntil(lambda: screen.snapshot is not None, timeout=20_000)
    screen.reports_view.selectRow([r.record for r in screen.reports.items].index(8))
    wait_idle(qtbot)
    viewer, found = screen.viewer, screen.found
    assert [(s.table, s.value) for s in found.stats] == [("Table 2", -0.37), ("Table 2", -0.22), ("Table 2", 0.58)]
    assert found.list.item(0).text().startswith("p. 2, Table 2: LSAS change with WAI-SR client")
    note = found.list.item(found.list.count() - 1)
    assert note.text().startswith("⚠ page 3 has no text layer") and not note.flags() & Qt.ItemFlag.ItemIsSelectable
    assert "no text layer" not in viewer.info.text()
    viewer.go(2)  # the picture page: the viewer says so too
    wait_idle(qtbot)
    assert "This page has no text layer" in viewer.info.text()
    # click the table's r: its page, the cell highlighted, the row's and caption's cues underlined
    found.list.setCurrentRow(0)
    wait_idle(qtbot)
    assert viewer.page == 1 and viewer.last.index == 1
    assert {viewer.texts[1][h.start:h.end] for h, _ in viewer.last.boxes if h.kind == "current"} == {"−.37"}
    cues = {viewer.texts[1][h.start:h.end] for h, _ in viewer.last.boxes if h.kind == "cue"}
    assert {"WAI-SR", "client"} <= cues
    # zoom by keyboard
    before = viewer.zoom
    viewer.scroll.setFocus()
    qtbot.keyClick(viewer.scroll, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    wait_idle(qtbot)
    assert viewer.zoom > before and viewer.last.index == 1
    qtbot.keyClick(viewer.scroll, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    wait_idle(qtbot)
    assert viewer.zoom == before
    # Use: value, n (the caption's N), location with the table, the row label's alliance measure and rater
    qtbot.mouseClick(found.use_button, Qt.MouseButton.LeftButton)
    form = screen.form
    assert form.statistic.currentData() == "r" and form.edits["value"].text() == "-0.37"
    assert form.edits["n"].text() == "64" and form.location.text() == "p. 2, Table 2"
    assert form.mods["alliance_measure"].currentText() == "WAI-SR"
    assert form.mods["alliance_rater"].currentText() == "client"
    # the coder types the alliance time as the paper says it, "mean": the codebook stores "averaged"
    form.label.setText("LSAS, table")
    editor = form.mods["alliance_time"]
    editor.lineEdit().clear()
    qtbot.keyClicks(editor.lineEdit(), "mean")
    for name, value in {"outcome_measure": "Other: LSAS", "outcome_rater": "client", "treatment": "CBT",
                        "pub_source": "journal"}.items():
        form.mods[name].setEditText(value)
    form.update_preview()
    assert screen.save_button.isEnabled(), form.messages.text()
    screen.save()
    wait_idle(qtbot)
    [row] = [e for e in coding.effects(worked_each, record=8) if e.label == "LSAS, table"]
    assert row.moderators["alliance_time"] == "averaged"
    assert row.r == -0.37 and row.n == 64 and row.location == "p. 2, Table 2"
    assert row.provenance["page"] == 2 and "LSAS change with WAI-SR client" in row.provenance["quote"]


def test_use_fills_the_df_of_a_t_and_an_f_with_their_n(qtbot, worked_each, tmp_path):
    pdf = tmp_path / "tf.pdf"
    write_pdf(pdf, ["Results. Clients with a strong early alliance improved more on the BDI, t(46) = 2.50, "
                    "p = .016; the rater effect was F(1, 60) = 4.41, p = .040."], font="dejavu")
    store.attach(worked_each, 8, pdf, "bob")
    window = open_window(qtbot, worked_each, "bob")
    screen = window.show_screen("extraction")
    qtbot.waitUntil(lambda: screen.snapshot is not None, timeout=20_000)
    screen.reports_view.selectRow([r.record for r in screen.reports.items].index(8))
    wait_idle(qtbot)
    found, form = screen.found, screen.form
    assert [s.kind for s in found.stats] == ["t", "F"]
    for row, (stat, value, df, n) in enumerate([("t", "2.5", "46", "48"), ("F", "4.41", "60", "62")]):
        found.list.setCurrentRow(row)
        wait_idle(qtbot)
        qtbot.mouseClick(found.use_button, Qt.MouseButton.LeftButton)
        assert form.statistic.currentData() == stat and form.edits["value"].text() == value
        assert form.edits["df"].text() == df and form.edits["n"].text() == n and form.location.text() == "p. 1"
        assert form.mods["outcome_measure"].currentText() == "BDI"


def test_attach_one_pdf_from_the_viewers_button(qtbot, worked_each, tmp_path, monkeypatch):
    """The viewer's Attach… button: a file chosen (the native dialog is the one thing not driven here: it
    returns the path a person would pick) is stored with the record, its history says how, and it shows."""
    from PySide6.QtWidgets import QFileDialog

    pdf = tmp_path / "chosen.pdf"
    write_pdf(pdf, ["The alliance predicted outcome, r(40) = .35, p = .025, in this trial."])
    window = open_window(qtbot, worked_each, "bob")
    screen = window.show_screen("extraction")
    qtbot.waitUntil(lambda: screen.snapshot is not None, timeout=20_000)
    screen.reports_view.selectRow([r.record for r in screen.reports.items].index(7))
    wait_idle(qtbot)
    viewer = screen.viewer
    assert viewer.pdf is None and viewer.attach_button.isEnabled()
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(pdf)], "PDF (*.pdf)"))
    qtbot.mouseClick(viewer.attach_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot)
    wait_idle(qtbot)
    assert [a.file_name for a in store.attached(worked_each, 7)] == ["chosen.pdf"]
    assert store.history(worked_each, 7)[0].how == "file"
    assert viewer.pdf["file_name"] == "chosen.pdf" and [s.raw for s in screen.found.stats] == ["r(40) = .35, p = .025"]
