"""The desktop shell on the demo review (offscreen Qt): the lazy records model and the records screen."""

from __future__ import annotations

from PySide6.QtCore import Qt

from gui.main_window import MainWindow
from gui.records.model import RecordsModel
from screening.demo import STUDIES


def test_records_model_passes_qt_model_tester(qtmodeltester, demo):
    model = RecordsModel(demo)
    qtmodeltester.check(model)
    expected = sum(s.in_psycinfo for s in STUDIES) + sum(s.in_pubmed for s in STUDIES)
    assert model.rowCount() == expected


def test_sorting_and_filtering_run_in_sql(demo):
    model = RecordsModel(demo)
    model.sort(2, Qt.SortOrder.DescendingOrder)  # year
    years = [model.data(model.index(r, 2)) for r in range(model.rowCount())]
    assert years == sorted(years, reverse=True)
    model.set_filter("alleanza")
    assert model.rowCount() == 1
    assert "Alleanza terapeutica" in model.data(model.index(0, 4))
    model.set_filter("", database="PubMed")
    assert model.rowCount() == sum(s.in_pubmed for s in STUDIES)


def test_main_window_shows_the_demo_and_search_filters(qtbot, demo):
    window = MainWindow(demo)
    qtbot.addWidget(window)
    window.show()
    screen = window.records
    assert "records" in screen.count.text()
    qtbot.keyClicks(screen.search, "veterans")
    assert screen.model.rowCount() == 3  # the thesis and its article (PsycINFO) + the article (PubMed)
    assert "veterans" in screen.details.toPlainText().lower()
    assert "records" in window.statusBar().currentMessage()
