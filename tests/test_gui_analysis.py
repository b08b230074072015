"""The analysis screen on the worked demo: the pooled estimate, methods, moderators, the pictures and
saving them, PRISMA, and the export dialog."""

from __future__ import annotations

import csv
import os

import pytest
from PySide6.QtCore import Qt
from screens import open_screen

from extraction import apa
from extraction.pooling import effect_sizes, moderator_table, pool_report, trim_and_fill
from extraction.prisma import prisma_counts
from extraction.study_table import study_table
from gui import background


def _screen(qtbot, db):
    return open_screen(qtbot, db, "analysis", "ann", timeout=30_000)


def _expected(db, method):
    table = study_table(db)
    yi, vi, _ = effect_sizes(table[table["r"].notna()].reset_index(drop=True))
    return yi, vi, pool_report(yi, vi, method=method)


def test_the_screen_shows_the_pooled_estimate_of_the_study_table(qtbot, worked):
    window, screen = _screen(qtbot, worked)
    for method in ("REML", "DL", "FE"):
        if method != "REML":
            screen.analysis = None
            screen.method.setCurrentIndex(screen.method.findData(method))
            qtbot.waitUntil(lambda: screen.analysis is not None, timeout=30_000)
        _, _, rep = _expected(worked, method)
        text = screen.summary.text()
        assert screen.analysis.k == rep["k"] == 6
        assert f"k = <b>{rep['k']}</b>" in text
        assert f"r = {apa.bounded(rep['estimate_r'])}</b> {apa.interval(rep['ci_r'])}" in text
        assert f"τ² = {rep['tau2']:.4f} · I² = {rep['i2']:.1f}% · Q({rep['q_df']}) = {rep['q']:.2f}" in text
        assert f"prediction interval {apa.interval(rep['pi_r'])}" in text
        assert screen.analysis.report["estimate_r"] == pytest.approx(rep["estimate_r"], abs=1e-12)
    assert "FE fixed-effect model" in screen.summary.text()


def test_moderator_table_matches_the_core(qtbot, worked, qtmodeltester):
    window, screen = _screen(qtbot, worked)
    frame = study_table(worked)
    frame = frame[frame["r"].notna()].reset_index(drop=True)
    frame["yi"], frame["vi"], _ = effect_sizes(frame)
    treatment = moderator_table(frame, ["treatment"])
    rows = [r for r in screen.moderators.items if r["moderator"] == "treatment"]
    assert [r["category"] for r in rows] == list(treatment["category"])
    assert [r["k"] for r in rows] == list(treatment["k"])
    cbt = screen.moderators.index(screen.moderators.items.index(rows[0]), 3)
    assert screen.moderators.data(cbt) == apa.bounded(treatment["r"][0])
    assert "pub_year" not in {r["moderator"] for r in screen.moderators.items}
    qtmodeltester.check(screen.moderators)


def test_forest_funnel_and_prisma_are_drawn_in_the_window(qtbot, worked):
    window, screen = _screen(qtbot, worked)
    for pane in (screen.forest, screen.funnel, screen.prisma):
        assert pane.canvas is not None and pane.canvas.figure is not None and pane.save_button.isEnabled()
    assert "6 independent samples" in screen.forest.note.text()
    counts = prisma_counts(worked)
    assert f"{counts.reports_included:,} reports of {counts.studies_included:,} studies" in screen.prisma.note.text()
    screen.analysis = None
    screen.trimfill.setChecked(True)
    qtbot.waitUntil(lambda: screen.analysis is not None, timeout=30_000)
    yi, vi, _ = _expected(worked, "REML")
    tf = trim_and_fill(yi, vi)
    assert screen.analysis.trimfill["k0"] == tf.k0
    assert f"<b>{tf.k0}</b> {'study' if tf.k0 == 1 else 'studies'} imputed" in screen.funnel.note.text()
    said = [t.get_text() for ax in screen.analysis.funnel.axes for t in ax.texts]
    assert any(f"{tf.k0} {'study' if tf.k0 == 1 else 'studies'} imputed" in t for t in said), said


def test_the_aggregation_is_named_and_can_be_chosen(qtbot, worked):
    window, screen = _screen(qtbot, worked)
    assert screen.aggregation.currentData() == "composite"
    assert "Hunter–Schmidt composite correlation with ρ = .50" in screen.summary.text()
    assert "as MAc&#x27;s agg" in screen.summary.text()
    screen.analysis = None
    screen.aggregation.setCurrentIndex(screen.aggregation.findData("mean"))
    qtbot.waitUntil(lambda: screen.analysis is not None, timeout=30_000)
    assert screen.analysis.aggregation == "mean" and "the mean of a sample&#x27;s correlations" in screen.summary.text()
    table = study_table(worked, method="mean")
    yi, vi, _ = effect_sizes(table[table["r"].notna()].reset_index(drop=True))
    assert screen.analysis.report["estimate_r"] == pytest.approx(pool_report(yi, vi)["estimate_r"], abs=1e-12)
    composite = study_table(worked, method="composite")
    assert not composite["r"].equals(table["r"])  # the worked demo has a sample with two effects


def test_moderator_columns_fit_their_content(qtbot, worked):
    window, screen = _screen(qtbot, worked)
    screen.tabs.setCurrentIndex(0)
    view = screen.moderators_view
    qtbot.waitUntil(lambda: view.horizontalHeader().sectionSize(7) > 0, timeout=10_000)
    header = view.horizontalHeader()
    assert not header.stretchLastSection()
    for col in range(screen.moderators.columnCount()):
        assert header.sectionSize(col) >= view.sizeHintForColumn(col), col


def test_saving_the_forest_plot_writes_a_png(qtbot, worked, tmp_path, monkeypatch):
    import gui.analysis.figure as figure

    window, screen = _screen(qtbot, worked)
    out = tmp_path / "forest.png"
    task = screen.save_picture("forest", out)
    qtbot.waitUntil(lambda: bool(task.outcome), timeout=30_000)
    assert task.outcome == "ok" and out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    monkeypatch.setattr(figure.QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(tmp_path / "prisma"), "SVG drawing (*.svg)"))
    screen.prisma.save_button.click()  # the file dialog, then the background save
    assert background.running() == 1
    qtbot.waitUntil(lambda: background.running() == 0, timeout=30_000)
    assert b"<svg" in (tmp_path / "prisma.svg").read_bytes()[:400]


def test_export_dialog_writes_an_xlsx_with_every_sheet(qtbot, worked, tmp_path):
    import openpyxl

    window, screen = _screen(qtbot, worked)
    dialog = screen.open_export()
    assert dialog.isVisible() and dialog.rho.value() == 0.5 and dialog.path.text().endswith("-studies.xlsx")
    (tmp_path / "out").write_text("a file, not a folder")
    out = tmp_path / "out" / "alliance.xlsx"
    dialog.path.setText(str(out))
    dialog.export_button.click()  # the destination cannot be a folder: the dialog says so, naming it
    qtbot.waitUntil(lambda: "is not a folder" in dialog.status.text(), timeout=30_000)
    assert str(out.parent) in dialog.status.text() and "bug" not in dialog.status.text()
    assert dialog.result is None
    (tmp_path / "out").unlink()  # now a new folder is made for the export
    qtbot.waitUntil(dialog.export_button.isEnabled, timeout=30_000)
    dialog.export_button.click()
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=30_000)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["studies", "records", "effects", "decisions", "codebook", "summary"]
    assert wb["studies"].max_row == 1 + len(study_table(worked))
    assert str(out) in dialog.status.text() and dialog.open_button.isEnabled()


def test_export_dialog_writes_one_level_as_csv(qtbot, worked, tmp_path):
    window, screen = _screen(qtbot, worked)
    dialog = screen.open_export()
    dialog.level.setCurrentIndex(dialog.level.findData("effects"))
    dialog.csv.setChecked(True)
    assert dialog.path.text().endswith("-effects.csv")
    dialog.path.setText(str(tmp_path / "effects"))  # the suffix is added
    dialog.rho.setValue(0.8)
    task = dialog.run()
    qtbot.waitUntil(lambda: bool(task.outcome), timeout=30_000)
    with open(tmp_path / "effects.csv", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 7 and dialog.result["level"] == "effects"


def test_a_review_without_effects_explains_instead_of_failing(qtbot, tmp_path):
    from PySide6.QtWidgets import QMessageBox

    from screening.demo import build_demo_review

    db = build_demo_review(tmp_path / "plain")
    try:
        window, screen = _screen(qtbot, db)
        assert "no independent sample has a coded effect yet" in screen.summary.text()
        assert screen.forest.canvas is None and not screen.forest.save_button.isEnabled()
        assert screen.moderators.rowCount() == 0
        assert window.findChildren(QMessageBox, "error-dialog") == []
    finally:
        background.wait_all()
        db.close()


def test_estimator_knapp_hartung_cis_and_meta_regression_on_the_screen(qtbot, worked, tmp_path):
    from extraction.pooling.moderators import mods_regression
    from gui.analysis.actions import METHODS

    window, screen = _screen(qtbot, worked)
    assert [screen.method.itemData(i) for i in range(screen.method.count())] == list(METHODS)
    assert {"EB", "HS", "HE", "SJ"} <= set(METHODS)
    screen.analysis = None
    screen.method.setCurrentIndex(screen.method.findData("PM"))
    qtbot.waitUntil(lambda: screen.analysis is not None, timeout=30_000)
    screen.analysis = None
    screen.test.setCurrentIndex(screen.test.findData("knha"))
    qtbot.waitUntil(lambda: screen.analysis is not None, timeout=30_000)
    yi, vi, _ = _expected(worked, "PM")
    rep = pool_report(yi, vi, method="PM", test="knha")
    text = screen.summary.text()
    assert f"t({rep['df']}) = {rep['z']:.2f}" in text and "Knapp–Hartung" in text
    assert f"r = {apa.bounded(rep['estimate_r'])}</b> {apa.interval(rep['ci_r'])}" in text
    ci = rep["confint"]
    assert f"τ² [{ci['tau2'][1]:.4f}, {ci['tau2'][2]:.4f}]" in text and "Q-profile" in text
    screen.analysis = None
    screen.mods.setText("pub_year + treatment")
    qtbot.mouseClick(screen.findChild(type(screen.refresh_button), "fit-regression"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: screen.analysis is not None, timeout=30_000)
    table = study_table(worked)
    usable = table[table["r"].notna()].reset_index(drop=True)
    reg, _ = mods_regression(yi, vi, usable, "pub_year + treatment", method="PM", test="knha")
    html = screen.regression.text()
    assert f"F({reg.qm_df}, {reg.ddf}) = {reg.qm:.4f}" in html
    for c in reg.coefficients:
        assert f"{c.estimate:.4f}" in html and c.name in html
    if os.environ.get("METASIFT_SCREENSHOT"):
        screen.tabs.setCurrentIndex(screen.tabs.indexOf(screen.regression.parentWidget()))
        window.resize(1300, 850)
        qtbot.wait(300)
        window.grab().save(os.environ["METASIFT_SCREENSHOT"])
    screen.analysis = None
    screen.mods.setText("nothere + pub_year")
    screen.mods.returnPressed.emit()
    qtbot.waitUntil(lambda: screen.analysis is not None, timeout=30_000)
    assert "nothere" in screen.regression.text()
