"""The records screen's screening filters (outcome per stage, screened / not yet screened by a reviewer) over
the lazy model, and the import screen's history with Undo import (the records screen follows)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from gui.imports.model import BatchesModel
from gui.records.model import RecordsModel
from screening import decisions, outcomes
from screening.importing import batches, import_file
from tests.screens import open_window

TA = "title_abstract"


@pytest.fixture
def screened(deduped_demo):
    db = deduped_demo
    kept = [r for r, o in sorted(outcomes.outcomes(db, TA).items()) if r == o.kept_id]
    plan = {kept[0]: ("include", "include"), kept[1]: ("exclude", "exclude"), kept[2]: ("include", "exclude"),
            kept[3]: ("include", None), kept[4]: (None, "exclude")}
    for rid, (ann, bob) in plan.items():
        for who, verdict in (("Ann", ann), ("Bob", bob)):
            if verdict:
                decisions.decide(db, rid, who, TA, verdict)
    return db


def _open(qtbot, db):
    window = open_window(qtbot, db, "Ann")
    screen = window.show_screen("records")
    assert screen._index == {}  # outcomes are read only when a screening filter is used
    screen.reviewer.showPopup()  # opening the reviewer list reads them (in the background)
    qtbot.waitUntil(lambda: screen.reviewer.count() > 1, timeout=20_000)
    screen.reviewer.hidePopup()
    return window, screen


def _shown(screen) -> set[int]:
    return {screen.model.record_id(r) for r in range(screen.model.rowCount())}


def test_outcome_filter_shows_exactly_the_records_with_that_outcome(qtbot, screened):
    _window, screen = _open(qtbot, screened)
    outs = outcomes.outcomes(screened, TA)
    for state in ("included", "excluded", "conflict", "pending"):
        screen.outcome.setCurrentIndex(screen.outcome.findData(state))
        expected = {rid for rid, o in outs.items() if o.state == state}
        assert expected and _shown(screen) == expected, state  # duplicate members carry their group's outcome
        assert screen.count.text() == f"{len(expected):,} records"
    assert any(o.kept_id != rid for rid, o in outs.items() if o.state == "pending")
    screen.database.setCurrentText("PubMed")  # combined with the database filter (SQL)
    pubmed = {screen.model.record_id(r) for r in range(screen.model.rowCount())}
    assert pubmed and pubmed < {rid for rid, o in outs.items() if o.state == "pending"}


def test_reviewer_filter_screened_and_not_yet_screened(qtbot, screened):
    _window, screen = _open(qtbot, screened)
    outs = outcomes.outcomes(screened, TA)
    labels = [screen.reviewer.itemText(i) for i in range(screen.reviewer.count())]
    assert labels == ["Any reviewer", "Screened by ann", "Not yet screened by ann", "Screened by bob",
                      "Not yet screened by bob"]
    screen.reviewer.setCurrentIndex(screen.reviewer.findData("by:ann"))
    assert _shown(screen) == {rid for rid, o in outs.items() if "ann" in o.verdicts}
    screen.reviewer.setCurrentIndex(screen.reviewer.findData("not:bob"))
    assert _shown(screen) == {rid for rid, o in outs.items() if "bob" not in o.verdicts}
    screen.outcome.setCurrentIndex(screen.outcome.findData("conflict"))  # both filters together
    assert _shown(screen) == {rid for rid, o in outs.items() if "bob" not in o.verdicts and o.state == "conflict"}
    screen.outcome.setCurrentIndex(0)
    screen.reviewer.setCurrentIndex(0)
    assert screen.model.rowCount() == len(outs)


def test_filtered_records_model_passes_the_model_tester(qtmodeltester, screened):
    model = RecordsModel(screened)
    keep = frozenset(rid for rid, o in outcomes.outcomes(screened, TA).items() if o.state == "excluded")
    model.set_filter("", "", keep)
    assert {model.record_id(r) for r in range(model.rowCount())} == keep
    qtmodeltester.check(model)
    qtmodeltester.check(BatchesModel(screened))


def test_undo_import_of_an_unworked_batch(qtbot, screened, monkeypatch, tmp_path):
    extra = tmp_path / "extra.ris"
    extra.write_text("TY  - JOUR\nTI  - An extra record about the working alliance\nPY  - 2020\nER  - \n\n"
                     "TY  - JOUR\nTI  - Another extra record\nPY  - 2021\nER  - \n", encoding="utf-8")
    summary = import_file(screened, extra, source_db="Scopus")
    window, _records = _open(qtbot, screened)
    before = window.records.model.rowCount()
    screen = window.show_screen("import")
    model = screen.batches
    assert model.headerData(7, Qt.Orientation.Horizontal) == "Can undo"
    rows = {model.entry(r).batch_id: r for r in range(model.rowCount())}
    assert [model.data(model.index(r, 7)) for r in sorted(rows.values())][0] == "yes"  # newest first
    old = min(rows)  # the demo's first batch has screening decisions: it cannot be undone
    screen.history.selectRow(rows[old])
    assert model.data(model.index(rows[old], 7)).startswith("no") and not screen.undo_button.isEnabled()

    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.Yes)
    screen.history.selectRow(rows[summary.batch_id])
    assert screen.undo_button.isEnabled()
    screen.undo_button.click()
    assert "extra.ris" in asked[0] and "2 records" in asked[0]
    qtbot.waitUntil(lambda: summary.batch_id not in [b.batch_id for b in batches(screened)], timeout=20_000)
    qtbot.waitUntil(lambda: window.records.model.rowCount() == before - 2, timeout=20_000)
    qtbot.waitUntil(lambda: model.rowCount() == len(rows) - 1, timeout=20_000)
