"""The extraction screens on the worked demo: coding through the form, inline validation, edit/delete,
reconciliation of double coding, and the agreement report."""

from __future__ import annotations

import math

import pytest
from PySide6.QtCore import Qt
from screens import open_screen

from extraction import apa, coding, double_coding
from extraction.study_table import study_table
from gui import background

MODS = {"alliance_measure": "WAI", "alliance_rater": "client", "alliance_time": "early", "outcome_measure": "BDI",
        "outcome_rater": "client", "treatment": "CBT", "pub_source": "journal"}


def _screen(qtbot, db, who="bob", key="extraction"):
    return open_screen(qtbot, db, key, who)


def _select(qtbot, screen, record):
    rows = [r.record for r in screen.reports.items]
    screen.reports_view.selectRow(rows.index(record))
    qtbot.waitUntil(lambda: background.running() == 0, timeout=10_000)


def _type_moderators(qtbot, form, mods):
    for name, value in mods.items():
        editor = form.mods[name]
        editor.setFocus()
        target = editor.lineEdit() if hasattr(editor, "lineEdit") else editor
        target.clear()
        qtbot.keyClicks(target, value)


def test_typing_t_and_df_stores_the_effect_with_r_from_t(qtbot, worked):
    window, screen = _screen(qtbot, worked)
    assert [r.record for r in screen.reports.items] == [1, 2, 3, 4, 6, 7, 8]
    _select(qtbot, screen, 7)
    form = screen.form
    assert form.mods["pub_year"].text() == "2016"  # the report's year, filled in
    qtbot.keyClicks(form.label, "BDI, client")
    form.statistic.setCurrentIndex(form.statistic.findData("t"))
    assert form.edits["df"].isVisibleTo(form) and not form.edits["n1"].isVisibleTo(form)
    qtbot.keyClicks(form.edits["value"], "2.5")
    qtbot.keyClicks(form.edits["df"], "98")
    expected = 2.5 / math.sqrt(2.5**2 + 98)
    assert f"r = {apa.bounded(expected, 3)}" in form.conversion.text()  # live, before n and the moderators (APA)
    assert not screen.save_button.isEnabled()  # n and required moderators are still missing
    assert "missing required field 'n'" in form.messages.text()
    qtbot.keyClicks(form.edits["n"], "100")
    _type_moderators(qtbot, form, MODS)
    assert form.messages.text() == "" and screen.save_button.isEnabled()
    assert f"var(z) = {1 / 97:.5f}" in form.conversion.text()

    qtbot.keyClick(form.note, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(coding.effects(worked, coder="bob", record=7)) == 1, timeout=10_000)
    row = coding.effects(worked, coder="bob", record=7)[0]
    assert row.r == pytest.approx(expected, abs=1e-12)
    assert (row.statistic, row.value, row.df, row.n, row.label) == ("t", 2.5, 98, 100, "BDI, client")
    assert row.moderators["treatment"] == "CBT" and row.moderators["pub_year"] == 2016
    qtbot.waitUntil(lambda: screen.effects_table.rowCount() == 1, timeout=10_000)
    assert screen.effects_table.item(0).id == row.id
    qtbot.waitUntil(lambda: screen.reports.item(5).counts == {"bob": 1}, timeout=10_000)
    assert form.edits["value"].text() == "" and form.mods["treatment"].currentText() == "CBT"  # ready for the next


def test_an_impossible_value_keeps_save_disabled_and_says_why(qtbot, worked):
    window, screen = _screen(qtbot, worked)
    _select(qtbot, screen, 7)
    form = screen.form
    qtbot.keyClicks(form.label, "BDI")
    qtbot.keyClicks(form.edits["n"], "100")
    _type_moderators(qtbot, form, MODS)
    qtbot.keyClicks(form.edits["value"], "1.5")  # statistic r
    assert "r must lie in [-1, 1], got 1.5" in form.conversion.text()
    assert not screen.save_button.isEnabled()
    qtbot.keyClick(form.edits["value"], Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    form.edits["value"].setText("abc")
    assert "value: 'abc' is not a number" in form.messages.text()
    form.edits["value"].setText("0.3")
    form.mods["alliance_time"].setEditText("sometimes")
    assert "alliance_time: 'sometimes' is not an allowed value" in form.messages.text()
    assert not screen.save_button.isEnabled()
    form.mods["alliance_time"].setEditText("early")
    form.edits["n"].setText("3")
    assert "n: 3 is below the protocol minimum" in form.messages.text() or "n must be >= 4" in form.conversion.text()
    assert not screen.save_button.isEnabled()
    screen.save()
    background.wait_all()
    assert coding.effects(worked, record=7) == []


def test_ctrl_n_starts_a_new_effect_not_a_new_review(qtbot, worked, monkeypatch):
    import gui.start.view as start_view

    asked = []
    monkeypatch.setattr(start_view.QFileDialog, "getSaveFileName", lambda *a, **k: asked.append(a) or ("", ""))
    window, screen = _screen(qtbot, worked)
    _select(qtbot, screen, 7)
    qtbot.keyClicks(screen.form.edits["value"], "0.3")
    qtbot.keyClick(screen.form.edits["value"], Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert screen.form.edits["value"].text() == "" and asked == []
    window.show_screen("records")
    qtbot.keyClick(window.records, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert len(asked) == 1  # elsewhere Ctrl+N is still "New review"


def test_edit_stores_a_new_version_and_delete_withdraws_it(qtbot, worked):
    window, screen = _screen(qtbot, worked, who="ann")
    _select(qtbot, screen, 1)
    qtbot.waitUntil(lambda: screen.effects_table.rowCount() == 1, timeout=10_000)
    old = screen.effects_table.item(0)
    screen.edit_current()
    assert screen.form.edits["value"].text() == "0.31" and screen.form.mods["treatment"].currentText() == "CBT"
    screen.form.edits["value"].setText("0.35")
    assert screen.save_button.isEnabled()
    screen.save_button.click()
    qtbot.waitUntil(lambda: coding.effects(worked, record=1)[0].id != old.id, timeout=10_000)
    new = coding.effects(worked, record=1)[0]
    assert new.r == pytest.approx(0.35) and new.replaces == old.id and new.coder == "ann"
    assert [v.id for v in coding.history(worked, new.id)] == [old.id, new.id]
    qtbot.waitUntil(lambda: screen.effects_table.rowCount() == 1 and screen.effects_table.item(0).id == new.id,
                    timeout=10_000)
    dialog = screen.show_versions()
    assert dialog is not None and dialog.findChild(type(screen.reports_view), "versions").model().rowCount() == 2
    dialog.close()
    screen.effects_view.setFocus()
    qtbot.keyClick(screen.effects_view, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: coding.effects(worked, record=1) == [], timeout=10_000)
    assert coding.history(worked, new.id)[-1].kind == "deleted"
    qtbot.waitUntil(lambda: screen.effects_table.rowCount() == 0, timeout=10_000)


def _double_code(db):
    """bob codes reports 1 and 2 too: report 1 with another r, report 2 the same as ann."""
    mods = {"outcome_rater": "client", "pub_source": "journal", "alliance_measure": "WAI", "alliance_rater": "client",
            "alliance_time": "early", "outcome_measure": "BDI", "treatment": "CBT"}
    coding.code_effect(db, 1, "bob", "r", 0.33, n=84, label="BDI", moderators={**mods, "alliance_time": "mid"})
    coding.code_effect(db, 2, "bob", "r", 0.22, n=212, label="dropout", moderators={
        **mods, "alliance_measure": "HAq", "outcome_measure": "dropout", "treatment": "substance abuse"})


def test_reconciling_through_the_view_stores_a_reconciled_row(qtbot, worked):
    _double_code(worked)
    window, screen = _screen(qtbot, worked, who="carl", key="double-coding")
    assert [(i.record, i.label) for i in screen.keys.items] == [(1, "BDI"), (2, "dropout")]
    assert screen.current().record == 1
    table = screen.table
    differing = {r["field"] for r in table.rows if r["differs"]}
    assert differing == {"value", "r", "alliance_time", "location"}  # bob gave no location
    value_row = next(i for i, r in enumerate(table.rows) if r["field"] == "value")
    assert table.data(table.index(value_row, 0), Qt.ItemDataRole.BackgroundRole) is not None
    assert table.data(table.index(value_row, table.chosen_column)) == ""  # differing: nobody's value yet
    assert not screen.save_button.isEnabled()
    table.pick_all(0)  # ann's coding ...
    screen.table_view.setFocus()
    screen.table_view.setCurrentIndex(table.index(value_row, 1))
    qtbot.keyClick(screen.table_view, Qt.Key.Key_2)  # ... but bob's r
    assert table.chosen()["value"] == "0.33" and table.chosen()["alliance_time"] == "early"
    assert screen.save_button.isEnabled()
    screen.save_button.click()
    qtbot.waitUntil(lambda: (1, "BDI") in double_coding.coded_by_key(worked)[1], timeout=10_000)
    row = double_coding.coded_by_key(worked)[1][(1, "BDI")]
    assert row.kind == "reconciled" and row.coder == "carl" and row.r == pytest.approx(0.33)
    assert row.moderators["alliance_time"] == "early" and row.moderators["treatment"] == "CBT"
    assert study_table(worked).set_index("study_id").loc[1, "r"] == pytest.approx(0.33)
    qtbot.waitUntil(lambda: screen.keys.item(0).reconciled is not None, timeout=10_000)


def test_typed_reconciled_value_is_validated_inline(qtbot, worked):
    _double_code(worked)
    window, screen = _screen(qtbot, worked, who="carl", key="double-coding")
    screen.table.pick_all(1)
    value_row = next(i for i, r in enumerate(screen.table.rows) if r["field"] == "value")
    assert screen.table.setData(screen.table.index(value_row, screen.table.chosen_column), "2")
    assert "r must lie in [-1, 1]" in screen.messages.text() and not screen.save_button.isEnabled()
    screen.table.setData(screen.table.index(value_row, screen.table.chosen_column), "0.4")
    assert screen.save_button.isEnabled()
    assert next(r for r in screen.table.rows if r["field"] == "r")["chosen"] == ".400"  # APA r


def test_agreement_tab_shows_the_agreement_report(qtbot, worked):
    _double_code(worked)
    window, screen = _screen(qtbot, worked, who="carl", key="double-coding")
    report = double_coding.agreement(worked)[0]
    assert screen.pair.currentText() == "ann & bob"
    rows = {r["field"]: r for r in screen.agreement.items}
    assert rows["alliance time"]["agreement"] == f"{report.fields['alliance_time'].percent:.0f}%" == "50%"
    assert rows["r"]["mad"] == apa.bounded(report.r.mean_abs_difference, 3) == ".010"
    assert rows["r"]["icc"] == apa.bounded(report.r.icc)


def test_models_pass_the_model_tester(qtbot, qtmodeltester, worked):
    _double_code(worked)
    window, screen = _screen(qtbot, worked, who="ann")
    _select(qtbot, screen, 1)
    qtbot.waitUntil(lambda: screen.effects_table.rowCount() == 1, timeout=10_000)
    qtmodeltester.check(screen.reports)
    qtmodeltester.check(screen.effects_table)
    double = window.show_screen("double-coding")
    qtbot.waitUntil(lambda: double.snapshot is not None, timeout=20_000)
    qtmodeltester.check(double.keys)
    qtmodeltester.check(double.table, force_py=True)
    qtmodeltester.check(double.agreement)


def test_screens_are_calm_on_a_review_with_nothing_included(qtbot, tmp_path):
    from screening.demo import build_demo_review

    db = build_demo_review(tmp_path / "plain")
    try:
        window, screen = _screen(qtbot, db)
        assert screen.reports.rowCount() == 0 and "No report is included" in screen.summary.text()
        assert not screen.new_button.isEnabled() and not screen.save_button.isEnabled()
        double = window.show_screen("double-coding")
        qtbot.waitUntil(lambda: double.snapshot is not None, timeout=20_000)
        assert "No report has been coded by two coders" in double.summary.text()
    finally:
        background.wait_all()
        db.close()
