"""The analysis screen on the worked demo: the pooled estimate, methods, moderators, the pictures and
saving them, PRISMA, and the export dialog."""

from __future__ import annotations

import csv
import os

import numpy as np
import pandas as pd
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
    return yi, vi, pool_report(yi, vi, method=method).pooled


def test_the_screen_shows_the_pooled_estimate_of_the_study_table(qtbot, worked):
    window, screen = _screen(qtbot, worked)
    for method in ("REML", "DL", "FE"):
        if method != "REML":
            screen.analysis = None
            screen.method.setCurrentIndex(screen.method.findData(method))
            qtbot.waitUntil(lambda: screen.analysis is not None, timeout=30_000)
        _, _, rep = _expected(worked, method)
        text = screen.summary.text()
        assert screen.analysis.k == rep.k == 6
        assert f"k = <b>{rep.k}</b>" in text
        assert f"r = {apa.bounded(rep.estimate_r)}</b> {apa.interval(rep.ci_r)}" in text
        assert f"τ² = {rep.tau2:.4f} · I² = {rep.i2:.1f}% · Q({rep.q_df}) = {rep.q:.2f}" in text
        assert f"prediction interval {apa.interval(rep.pi_r)}" in text
        assert screen.analysis.report.pooled.estimate_r == pytest.approx(rep.estimate_r, abs=1e-12)
    assert "FE fixed-effect model" in screen.summary.text()


def test_moderator_table_matches_the_core(qtbot, worked, qtmodeltester):
    window, screen = _screen(qtbot, worked)
    frame = study_table(worked)
    frame = frame[frame["r"].notna()].reset_index(drop=True)
    frame["yi"], frame["vi"], _ = effect_sizes(frame)
    treatment = moderator_table(frame, ["treatment"])
    lines = [line for line in screen.moderators.items if line.row.moderator == "treatment"]
    assert [line.row.category for line in lines] == list(treatment["category"])
    assert [line.row.k for line in lines] == list(treatment["k"])
    cbt = screen.moderators.index(screen.moderators.items.index(lines[0]), 3)
    assert screen.moderators.data(cbt) == apa.bounded(treatment["r"][0])
    assert "pub_year" not in {line.row.moderator for line in screen.moderators.items}
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
    assert screen.analysis.trimfill.k0 == tf.k0
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
    assert screen.analysis.report.pooled.estimate_r == pytest.approx(pool_report(yi, vi).pooled.estimate_r, abs=1e-12)
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
    assert len(rows) == 7 and dialog.result.level == "effects"


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
    full = pool_report(yi, vi, method="PM", test="knha")
    rep = full.pooled
    text = screen.summary.text()
    assert f"t({rep.df}) = {rep.z:.2f}" in text and "Knapp–Hartung" in text
    assert f"r = {apa.bounded(rep.estimate_r)}</b> {apa.interval(rep.ci_r)}" in text
    ci = full.confint
    assert ci is not None and f"τ² [{ci.tau2[1]:.4f}, {ci.tau2[2]:.4f}]" in text and "Q-profile" in text
    screen.analysis = None
    screen.mods.setText("pub_year + treatment")
    qtbot.mouseClick(screen.findChild(type(screen.refresh_button), "fit-regression"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: screen.analysis is not None, timeout=30_000)
    table = study_table(worked)
    usable = table[table["r"].notna()].reset_index(drop=True)
    reg, _ = mods_regression(yi, vi, usable, "pub_year + treatment", method="PM", test="knha")
    html = screen.regression.text()
    assert f"F({reg.qm_df}, {reg.ddf}) = {reg.qm:.4f}" in html and "p p" not in html
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


def test_three_level_model_with_cr2_is_chosen_on_the_screen_and_equals_metafor(qtbot, worked, tmp_path):
    from extraction import apa
    from extraction.export_frames import effects_frame
    from tests.r_oracle import printed_equal, run_r

    window, screen = _screen(qtbot, worked)
    assert not screen.multilevel.isVisible()
    assert "one r" in screen.assumes.text() and "rho" in screen.assumes.text()
    screen.analysis = None
    screen.aggregation.setCurrentIndex(screen.aggregation.findData("multilevel"))
    qtbot.waitUntil(lambda: screen.multilevel_result is not None and screen.analysis is not None, timeout=30_000)
    assert screen.multilevel.isVisible() and "CR2" in screen.assumes.text()
    fit = screen.multilevel_result
    effects = effects_frame(worked)[["study_id", "z", "var_z"]].rename(columns={"z": "yi", "var_z": "vi"})
    effects["es"] = range(len(effects))
    r = run_r("res <- rma.mv(yi, vi, random = ~ 1 | study_id/es, data = dat)\n"
              "rob <- robust(res, cluster = dat$study_id, clubSandwich = TRUE)\n"
              "out <- list(b = c(rob$beta), se = rob$se, df = rob$ddf, lb = rob$ci.lb, ub = rob$ci.ub,"
              " s2 = res$sigma2, k = res$k)", effects, packages=("metafor", "jsonlite", "clubSandwich"))
    c = fit.pooled
    assert fit.fit.k == r["k"] == 7 and fit.fit.n_clusters == 6
    assert printed_equal(c.estimate, r["b"]) and printed_equal(c.se, r["se"])
    assert c.df is not None and printed_equal(c.df, r["df"], 2)
    assert printed_equal(c.ci[0], r["lb"]) and printed_equal(c.ci[1], r["ub"])
    for ours, theirs in zip(fit.fit.sigma2, r["s2"], strict=True):
        assert printed_equal(ours, theirs)
    text = screen.multilevel.text()
    assert f"r = {apa.bounded(float(np.tanh(c.estimate)))}</b>" in text and "cluster-robust CR2 SE" in text
    assert " p p " not in text and "p &lt; .001" in text
    assert f"t({c.df:.2f}) = {c.stat:.2f}" in text and "<b>6</b> samples" in text
    assert "σ²<sub>sample</sub>" in text and "σ²<sub>effect</sub>" in text
    if os.environ.get("METASIFT_SCREENSHOT"):
        window.resize(1400, 900)
        qtbot.wait(300)
        window.grab().save(os.environ["METASIFT_SCREENSHOT"].replace(".png", "-multilevel.png"))
    screen.multilevel_result = None
    screen.method.setCurrentIndex(screen.method.findData("DL"))
    qtbot.waitUntil(lambda: screen.multilevel_result is not None, timeout=30_000)
    assert "(REML)" in screen.multilevel.text() and "not DL" in screen.multilevel.text()
    screen.aggregation.setCurrentIndex(screen.aggregation.findData("composite"))
    assert not screen.multilevel.isVisible()


def test_sensitivity_tab_shows_leave_one_out_cumulative_and_influence_with_their_plots(qtbot, worked, tmp_path):
    from extraction.pooling import diagnostics as dg
    from tests.r_oracle import printed_equal, run_r

    window, screen = _screen(qtbot, worked)
    assert screen.sensitivity is None  # refits run only once their tab is shown
    screen.tabs.setCurrentWidget(screen.sensitivity_page)
    qtbot.waitUntil(lambda: screen.sensitivity is not None, timeout=30_000)
    yi, vi, _ = _expected(worked, "REML")
    labels = [str(s) for s in study_table(worked).query("r == r")["label"]]
    loo = dg.leave_one_out(yi, vi)
    assert [r.label for r in screen.loo_model.items] == [f"-{lab}" for lab in labels]
    assert screen.loo_model.data(screen.loo_model.index(0, 1)) == f"{loo[0].estimate:.4f}"
    assert screen.cum_model.rowCount() == len(yi) and screen.influence_model.rowCount() == len(yi)
    r = run_r("res <- rma(yi, vi, data = dat); l <- leave1out(res); inf <- influence(res)$inf\n"
              "out <- list(est = l$estimate, tau2 = l$tau2, rstudent = inf$rstudent, cook = inf$cook.d,"
              " hat = inf$hat)", pd.DataFrame({"yi": yi, "vi": vi}))
    for row, est, tau2 in zip(screen.loo_model.items, r["est"], r["tau2"], strict=True):
        assert printed_equal(row.estimate, est) and printed_equal(row.tau2, tau2)
    for row, rs, cook, hat in zip(screen.influence_model.items, r["rstudent"], r["cook"], r["hat"], strict=True):
        assert printed_equal(row.rstudent, rs) and printed_equal(row.cook_d, cook)
        assert printed_equal(row.hat, hat)
    for pane in (screen.loo_plot, screen.cum_plot, screen.baujat):
        assert pane.canvas is not None and pane.save_button.isEnabled()
    assert "influential" in screen.sensitivity_note.text()
    out = tmp_path / "baujat.svg"
    task = screen.save_picture("baujat", out)
    qtbot.waitUntil(lambda: bool(task.outcome), timeout=30_000)
    assert task.outcome == "ok" and b"<svg" in out.read_bytes()[:400]
    # a numeric first moderator draws the bubble plot on the meta-regression tab
    screen.analysis = None
    screen.mods.setText("pub_year")
    screen.mods.returnPressed.emit()
    qtbot.waitUntil(lambda: screen.analysis is not None, timeout=30_000)
    assert screen.analysis.bubble is not None and screen.bubble.canvas is not None
    ax = screen.analysis.bubble.axes[0]
    assert ax.get_xlabel() == "pub_year" and len(ax.collections[0].get_offsets()) == len(yi)
    screen.analysis = None
    screen.mods.setText("treatment")
    screen.mods.returnPressed.emit()
    qtbot.waitUntil(lambda: screen.analysis is not None, timeout=30_000)
    assert screen.bubble.canvas is None and "numeric" in screen.bubble.placeholder.text()
    if os.environ.get("METASIFT_SCREENSHOT"):
        window.resize(1400, 900)
        screen.tabs.setCurrentWidget(screen.sensitivity_page)
        screen.sensitivity_tabs.setCurrentIndex(2)
        qtbot.wait(300)
        window.grab().save(os.environ["METASIFT_SCREENSHOT"].replace(".png", "-sensitivity.png"))


def test_a_long_forest_plot_is_shown_a_page_at_a_time_and_saved_whole(qtbot, worked, tmp_path, monkeypatch):
    from xml.sax.saxutils import escape as xml_escape

    from gui.analysis import actions

    monkeypatch.setattr(actions, "PAGE_ROWS", 4)
    window, screen = _screen(qtbot, worked)
    labels = [str(s) for s in study_table(worked).query("r == r")["label"]]

    def shown() -> list[str]:
        return [t.get_text() for t in screen.forest.canvas.figure.axes[0].texts]

    assert screen.pager.isVisible() and screen.page_label.text() == "samples 1–4 of 6"
    first = shown()
    assert labels[:4] == [t for t in first if t in labels] and "RE model (REML, k = 6)" in first
    assert not screen.page_prev.isEnabled() and screen.page_next.isEnabled()
    canvas = screen.forest.canvas
    screen.page_next.click()
    qtbot.waitUntil(lambda: screen.forest.canvas is not canvas, timeout=30_000)
    second = shown()
    assert [t for t in second if t in labels] == labels[4:] and "RE model (REML, k = 6)" in second
    assert screen.page_label.text() == "samples 5–6 of 6" and not screen.page_next.isEnabled()
    # the same x axis and pooled row on every page; the weights are those of all samples
    assert [t for t in first if t.startswith(" 0.24 [")] == [t for t in second if t.startswith(" 0.24 [")]
    out = tmp_path / "forest.svg"
    task = screen.save_picture("forest", out)
    qtbot.waitUntil(lambda: bool(task.outcome), timeout=30_000)
    svg = out.read_text(encoding="utf-8")
    assert all(f"<!-- {xml_escape(lab)} -->" in svg for lab in labels)  # the file has every row
