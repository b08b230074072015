"""Tables the PDF text layer does not give one row a line, read from where their characters sit
(`extraction.statfinder.layout`): cells that wrap (set in the middle, at the top or at the bottom of their
row), headers on two lines, a table written column by column, a table set sideways, and a table beside the
other column of a two-column page. Every PDF is written here with fpdf2 and read back with pypdfium2, through
`metasift stats FILE.pdf --json` where the CLI is the point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fpdf import FPDF

from cli.app import main
from extraction.statfinder.find import find_statistics
from extraction.statfinder.sources import read_paper
from tests.pdf_factory import FONTS

WRAPPED = [["Alliance measure (rater)", "Pearson r", "p", "n"],
           ["Working Alliance Inventory short revised, client", ".31", ".004", "84"],
           ["California Psychotherapy Alliance Scales, therapist", ".18", ".10", "82"],
           ["Helping Alliance questionnaire, observer", "-.05", ".62", "80"]]


def _pdf() -> FPDF:
    pdf = FPDF(format="A4")
    pdf.add_font("dejavu", fname=str(FONTS["dejavu"]))
    pdf.add_page()
    pdf.set_font("dejavu", size=10)
    return pdf


def _caption(pdf: FPDF, text: str, x: float | None = None, w: float = 0) -> None:
    if x is not None:
        pdf.set_x(x)
    pdf.multi_cell(w, 5, text, new_x="LEFT" if x is not None else "LMARGIN", new_y="NEXT")


def _wrapped_pdf(path: Path, v_align: str, rows: list[list[str]] = WRAPPED, padding: float = 0) -> None:
    pdf = _pdf()
    _caption(pdf, "Table 3\nAlliance and outcome (BDI-II change) by rater")
    with pdf.table(col_widths=(3, 1, 1, 1), width=110, line_height=5, first_row_as_headings=False,
                   text_align="LEFT", v_align=v_align, padding=(padding, 0)) as table:
        for cells in rows:
            row = table.row()
            for c in cells:
                row.cell(c.replace("-", "\u2212"))
    _caption(pdf, "Note. N = 84 at intake.")
    pdf.output(str(path))


def _table(found):
    return [(s.value, s.p, s.n) for s in found if s.table]


@pytest.mark.parametrize("v_align", ["MIDDLE", "TOP", "BOTTOM"])
def test_cells_that_wrap_and_a_header_on_two_lines(tmp_path, v_align):
    path = tmp_path / "wrapped.pdf"
    _wrapped_pdf(path, v_align)
    paper = read_paper(path)
    text = paper.pages[0]
    assert "Pearson\r\nr" in text or "Pearson\r\n" in text  # the text layer splits header and rows
    got = [s for s in paper.statistics() if s.table]
    assert _table(got) == [(0.31, 0.004, 84), (0.18, 0.10, 82), (-0.05, 0.62, 80)]
    assert "Working Alliance Inventory short revised, client: r = .31" in got[0].sentence
    assert "California Psychotherapy Alliance Scales, therapist" in got[1].sentence
    assert [text[s.start:s.end] for s in got] == [".31", ".18", "\u2212.05"]  # the cells, for the highlights
    assert [s.cues["alliance_rater"]["value"] for s in got] == ["client", "therapist", "observer"]
    assert got[0].cues["alliance_measure"]["value"] == "WAI" and got[0].check and got[0].check.consistent
    assert all(s.suggestion().location == "p. 1, Table 3" for s in got)


def _by_columns(pdf: FPDF, columns: list[list[str]], x: float, y: float, widths: list[float]) -> None:
    """A table written one column after the other (each cell placed by its own text command)."""
    for k, col in enumerate(columns):
        for j, cell in enumerate(col):
            pdf.text(x + sum(widths[:k]), y + 6 * j, cell)


TIME = [["Time", "Session 2", "Session 6", "Termination"], ["r", ".21", ".36", ".40"], ["p", ".030", "<.001", "<.001"],
        ["n", "104", "98", "91"]]


def test_a_table_written_column_by_column(tmp_path, capsys):
    pdf = _pdf()
    _caption(pdf, "Table 4\nAlliance (HAq-II) and outcome by time")
    _by_columns(pdf, TIME, 20, pdf.get_y() + 6, [40, 25, 25, 25])
    path = tmp_path / "columns.pdf"
    pdf.output(str(path))
    paper = read_paper(path)
    assert ".21\r\n.36\r\n.40\r\np" in paper.pages[0]  # one column after the other in the text layer
    assert main(["stats", str(path), "--json"]) in (0, None)
    data = json.loads(capsys.readouterr().out)
    rows = [(s["value"], s["p"], s["n"]) for s in data["statistics"] if s["kind"] == "r"]
    assert rows == [(0.21, 0.03, 104), (0.36, 0.001, 98), (0.4, 0.001, 91)]
    got = [s for s in paper.statistics() if s.table]
    assert [s.sentence.split(" — ")[1] for s in got] == ["Session 2: r = .21", "Session 6: r = .36",
                                                         "Termination: r = .40"]
    assert got[0].cues["alliance_measure"]["value"] == "HAq"
    assert [paper.pages[0][s.start:s.end] for s in got] == [".21", ".36", ".40"]


def test_a_table_set_sideways(tmp_path):
    pdf = _pdf()
    pdf.multi_cell(0, 5, "Results. The alliance predicted outcome at every session (Table 4, turned).")
    with pdf.rotation(90, 100, 200):
        pdf.text(60, 170, "Table 4")
        pdf.text(60, 176, "Alliance (HAq-II) and outcome by time")
        _by_columns(pdf, TIME, 60, 186, [40, 25, 25, 25])
    path = tmp_path / "sideways.pdf"
    pdf.output(str(path))
    got = [s for s in read_paper(path).statistics() if s.table]
    assert _table(got) == [(0.21, 0.03, 104), (0.36, 0.001, 98), (0.4, 0.001, 91)]
    assert "Termination: r = .40" in got[2].sentence


def test_a_table_beside_the_other_column_of_a_two_column_page(tmp_path):
    """The right column's prose, written after the table, shares the table's lines on the page: it is not
    read into the rows (the table ends at the first character above its caption)."""
    pdf = _pdf()
    _caption(pdf, "Method. Clients rated the alliance after the second session.", w=85)
    y = pdf.get_y() + 4
    pdf.set_y(y)
    _caption(pdf, "Table 2\nAlliance and outcome", x=10, w=85)
    _by_columns(pdf, [["Scale", "WAI-S", "CALPAS"], ["r", ".30", ".22"], ["n", "60", "58"]], 10, pdf.get_y() + 6,
                [35, 20, 20])
    pdf.set_xy(110, 15)
    prose = ("Discussion. The alliance and the outcome were related in both samples 12 18 and in the "
             "follow-up 3 6 of the trial; the effects were small in the later 40 60 sessions and larger early on.")
    pdf.multi_cell(85, 6, prose)
    path = tmp_path / "two-columns.pdf"
    pdf.output(str(path))
    got = [s for s in read_paper(path).statistics() if s.table]
    assert _table(got) == [(0.30, None, 60), (0.22, None, 58)]
    assert [s.sentence.split(" — ")[1] for s in got] == ["WAI-S: r = .30", "CALPAS: r = .22"]


def test_a_subheading_stays_apart_and_a_wrapped_interval_is_one_cell(tmp_path):
    pdf = _pdf()
    _caption(pdf, "Table 5\nSubgroups of the alliance-outcome correlation")
    rows = [["Subgroup", "k", "r", "95% CI", "p"], ["Client ratings", "", "", "", ""],
            ["Early alliance", "14", ".31", "[.24, .38]", ".001"], ["Therapist ratings", "", "", "", ""],
            ["Early alliance", "9", ".17", "[.08, .26]", ".012"]]
    with pdf.table(col_widths=(3, 1, 1, 1.2, 1), width=100, line_height=5, first_row_as_headings=False,
                   text_align="LEFT", v_align="TOP") as table:
        for cells in rows:
            row = table.row()
            for c in cells:
                row.cell(c)
    path = tmp_path / "subgroups.pdf"
    pdf.output(str(path))
    paper = read_paper(path)
    assert "[.24,\r\n.38]" in paper.pages[0]  # the interval wraps in its narrow column
    got = [s for s in paper.statistics() if s.table]
    assert [(s.value, s.p, s.ci) for s in got] == [(0.31, 0.001, (0.24, 0.38)), (0.17, 0.012, (0.08, 0.26))]
    assert [s.sentence.split(" — ")[1] for s in got] == ["Early alliance: r = .31", "Early alliance: r = .17"]


def test_the_same_tables_as_text_are_read_as_before(tmp_path):
    """No boxes (a text file): the text's order, as the other table tests read it."""
    path = tmp_path / "t.txt"
    path.write_text("Table 4\nAlliance (HAq-II) and outcome by time\nTime r p n\nSession 2 .21 .030 104\n",
                    encoding="utf-8")
    paper = read_paper(path)
    assert paper.boxes is None
    assert _table(paper.statistics()) == _table(find_statistics(paper.pages)) == [(0.21, 0.03, 104)]


CAPITALS = [["Alliance measure (rater)", "Pearson r", "p", "n"],
            ["Working Alliance Inventory Short Revised (client)", ".31", ".004", "84"],
            ["California Psychotherapy Alliance Scales (therapist)", ".18", ".10", "82"],
            ["Helping Alliance Questionnaire Revised (observer)", "\u2212.05", ".62", "80"]]


@pytest.mark.parametrize("padding", [0, 1.5])
@pytest.mark.parametrize("v_align", ["MIDDLE", "TOP", "BOTTOM"])
def test_row_labels_that_wrap_onto_a_line_starting_with_a_capital_are_whole(tmp_path, v_align, padding):
    """Every label's second line starts in capitals (no lower-case or indented continuation anywhere in the
    table); the numbers sit at the top, middle or bottom of their row; rows set close or a little apart."""
    path = tmp_path / "capitals.pdf"
    _wrapped_pdf(path, v_align, CAPITALS, padding)
    paper = read_paper(path)
    assert "Inventory\r\nShort Revised" in paper.pages[0]  # the labels wrap in the text layer
    got = [s for s in paper.statistics() if s.table]
    assert _table(got) == [(0.31, 0.004, 84), (0.18, 0.10, 82), (-0.05, 0.62, 80)]
    assert [s.sentence.split(" — ")[1] for s in got] == [
        "Working Alliance Inventory Short Revised (client): r = .31",
        "California Psychotherapy Alliance Scales (therapist): r = .18",
        "Helping Alliance Questionnaire Revised (observer): r = -.05"]
    assert [s.cues["alliance_rater"]["value"] for s in got] == ["client", "therapist", "observer"]


@pytest.mark.parametrize("v_align, padding", [("BOTTOM", 0), ("TOP", 1.5), ("MIDDLE", 1.5)])
def test_a_subheading_in_capitals_before_and_between_wrapped_rows_stays_apart(tmp_path, v_align, padding):
    """Subheadings are no label's rest, even where the rows' labels wrap onto capital lines: a short one fits
    before the next label's first word with room to spare (numbers at the bottom of their rows), and rows set
    apart by a little space (cell padding) show that a subheading is farther from the label above it than a
    label's own lines are. Left as is: numbers at the top, no space between rows, a subheading right under a
    label line that fills its column (same font, same spacing) is read into that label."""
    rows = [CAPITALS[0], ["Client ratings", "", "", ""], CAPITALS[1], ["Therapist ratings", "", "", ""],
            CAPITALS[2]]
    path = tmp_path / "subheadings.pdf"
    _wrapped_pdf(path, v_align, rows, padding)
    got = [s for s in read_paper(path).statistics() if s.table]
    assert [s.sentence.split(" — ")[1] for s in got] == [
        "Working Alliance Inventory Short Revised (client): r = .31",
        "California Psychotherapy Alliance Scales (therapist): r = .18"]


def test_capital_wraps_in_a_table_written_column_by_column(tmp_path):
    """The benchmark's third layout (`tests.pdf_factory`, ``tables="columns"``: labels wrapped in a narrow
    first column, each cell its own text command), labels wrapping in capitals."""
    from tests.pdf_factory import write_pdf

    page = ("Table 2\nAlliance and outcome by measure\nMeasure\tr\tp\tn\n"
            "Working Alliance Inventory Short Form\t.29\t.003\t96\n"
            "California Psychotherapy Alliance Scales\t.21\t.040\t94\n\nNote. Client ratings.")
    path = tmp_path / "columns.pdf"
    write_pdf(path, [page], font="dejavu", tables="columns")
    got = [s for s in read_paper(path).statistics() if s.table]
    assert [(s.value, s.p, s.n) for s in got] == [(0.29, 0.003, 96), (0.21, 0.04, 94)]
    assert [s.sentence.split(" — ")[1] for s in got] == ["Working Alliance Inventory Short Form: r = .29",
                                                         "California Psychotherapy Alliance Scales: r = .21"]
