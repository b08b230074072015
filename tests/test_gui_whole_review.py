"""A whole review in the desktop window, without the command line: import the demo exports, find duplicates,
screen title/abstract as two reviewers (switching "who am I" on the Start screen), resolve their conflict,
screen full texts, code effects, and pool, draw and export on the Analysis screen.

Real widgets, a real review database, key presses and button clicks; the database is checked through the core.
"""

from __future__ import annotations

import math

import pytest
from PySide6.QtCore import Qt

from db.engine import create_review
from extraction import coding
from extraction.pooling import effect_sizes, pool_report
from extraction.prisma import prisma_counts
from extraction.study_table import study_table
from gui import background
from gui.main_window import MainWindow
from gui.settings import Settings
from screening import decisions, duplicates, outcomes
from screening.counts import review_counts
from screening.demo import write_demo_exports
from tests.screens import wait_idle

TA, FT = "title_abstract", "full_text"
PNG = b"\x89PNG\r\n\x1a\n"
WAIT = 30_000
MODS = {"alliance_measure": "WAI", "alliance_rater": "client", "alliance_time": "early", "outcome_measure": "BDI",
        "outcome_rater": "client", "treatment": "CBT", "pub_source": "journal"}


def _be(qtbot, window, name):
    """Type my name into the Start screen's "Who am I" field, as a person switching reviewer would."""
    window.tabs.setCurrentWidget(window.start)
    field = window.start.reviewer
    field.setFocus()
    field.selectAll()
    qtbot.keyClicks(field, name)
    qtbot.keyClick(field, Qt.Key.Key_Return)  # editingFinished stores it in the settings the screens share
    assert window.settings.reviewer == name


def _screening(qtbot, window, stage, who):
    screen = window.show_screen("screening")
    if screen.stage_name != stage:
        screen.stage.setCurrentIndex(screen.stage.findData(stage))
    if screen.order_box.currentData() != "id":
        screen.order_box.setCurrentIndex(screen.order_box.findData("id"))
    qtbot.waitUntil(lambda: screen.queue is not None and screen.queue.stage == stage
                    and screen.queue.reviewer == who and background.running() == 0, timeout=WAIT)
    screen.setFocus()
    return screen


def _screen_all(qtbot, screen, plan, full_text=False):
    """Press one key per record shown until this reviewer has decided every record of ``plan``."""
    for _ in range(len(plan) * 3):
        rid = screen.current_id()
        if rid is None or rid in screen.queue.mine:
            break
        if full_text:
            screen.panel.full_text.setText(f"https://journals.example.org/papers/{rid}.pdf")
            screen.setFocus()
        qtbot.keyClick(screen, plan[rid])
    assert set(screen.queue.mine) >= set(plan)


def _select_report(qtbot, screen, record):
    rows = [r.record for r in screen.reports.items]
    screen.reports_view.selectRow(rows.index(record))
    wait_idle(qtbot, WAIT)


def _code(qtbot, screen, record, statistic, **values):
    _select_report(qtbot, screen, record)
    form = screen.form
    qtbot.keyClicks(form.label, "BDI, client")
    form.statistic.setCurrentIndex(form.statistic.findData(statistic))
    for name, text in values.items():
        form.edits[name].clear()
        qtbot.keyClicks(form.edits[name], text)
    for name, value in MODS.items():
        editor = form.mods[name]
        target = editor.lineEdit() if hasattr(editor, "lineEdit") else editor
        target.clear()
        qtbot.keyClicks(target, value)
    assert form.messages.text() == "" and screen.save_button.isEnabled(), form.messages.text()
    qtbot.mouseClick(screen.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(coding.effects(screen.ctx.db, record=record)) == 1, timeout=WAIT)
    wait_idle(qtbot, WAIT)


def test_a_whole_review_through_the_window(qtbot, tmp_path):
    db = create_review(tmp_path / "r.metasift", title="Alliance and outcome")
    window = MainWindow(db, Settings())
    qtbot.addWidget(window)
    window.show()
    try:
        _whole_review(qtbot, window, db, tmp_path)
    finally:
        wait_idle(qtbot, WAIT)
        background.wait_all()
        db.close()


def _whole_review(qtbot, window, db, tmp_path):
    # 1. import both exports through the Import screen
    _be(qtbot, window, "ann")
    exports = write_demo_exports(tmp_path / "exports")
    imp = window.show_screen("import")
    files = imp.add_files(list(exports))
    qtbot.waitUntil(lambda: all(f.state != "checking" for f in files), timeout=WAIT)
    assert [f.state for f in files] == ["ready", "ready"], [f.message for f in files]
    assert imp.import_button.text() == "Import 2 files"
    qtbot.mouseClick(imp.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: all(f.state == "imported" for f in files), timeout=WAIT)
    counts = review_counts(db)
    assert counts.batches == 2 and counts.records == sum(f.records for f in files) > 13
    assert set(counts.records_per_database) == {"PsycINFO", "PubMed"}
    wait_idle(qtbot, WAIT)

    # 2. find duplicates through the Duplicates screen
    dup = window.show_screen("duplicates")
    qtbot.waitUntil(lambda: dup.snapshot is not None, timeout=WAIT)
    qtbot.mouseClick(dup.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Last run" in dup.summary.text(), timeout=WAIT)
    wait_idle(qtbot, WAIT)
    groups = duplicates.groups(db)
    c = review_counts(db)
    assert groups and c.duplicate_groups == len(groups) and c.unique == counts.records - c.duplicates
    assert dup.groups.rowCount() == len(groups)
    # what the machine left for a person: the erratum notice against both copies of its article, one
    # cluster (one decision); N = all different (an erratum is a record of its own)
    assert dup.queue.rowCount() == 1 and len(dup.queue.item(0).cluster.pairs) == 2
    assert all("publication type conflict" in p.reasons for p in dup.queue.item(0).cluster.pairs)
    for _ in range(dup.queue.rowCount()):
        n = dup.queue.rowCount()
        dup.queue_view.setFocus()
        qtbot.keyClick(dup.queue_view, Qt.Key.Key_N)
        qtbot.waitUntil(lambda n=n: dup.queue.rowCount() == n - 1, timeout=WAIT)  # the row goes at once ...
    wait_idle(qtbot, WAIT)  # ... and the decision is stored by the background writer
    assert duplicates.queue(db) == []
    kept = sorted(r for r, o in outcomes.outcomes(db, TA).items() if r == o.kept_id)
    merged = {m for g in duplicates.groups(db) for m in g[1:]}
    assert merged and not merged & set(kept) and len(kept) == review_counts(db).unique

    # 3. title/abstract screening by ann, then bob; they disagree on one record
    excluded, disputed = kept[-3:], kept[0]
    ann = {r: Qt.Key.Key_1 if r in excluded else Qt.Key.Key_I for r in kept}
    bob = {**ann, disputed: Qt.Key.Key_2}
    reasons = decisions.protocol_of(db).exclusion_reasons
    screen = _screening(qtbot, window, TA, "ann")
    assert screen.queue.ids == kept and screen.current_id() == kept[0]
    _screen_all(qtbot, screen, ann)
    qtbot.waitUntil(lambda: "every record" in screen.placeholder.text(), timeout=WAIT)
    wait_idle(qtbot, WAIT)
    assert {r: o.verdicts.get("ann") for r, o in outcomes.outcomes(db, TA).items() if r in kept} == {
        r: "exclude" if r in excluded else "include" for r in kept}
    assert decisions.history(db, excluded[0])[-1].reason == reasons[TA][0]

    _be(qtbot, window, "bob")
    screen = _screening(qtbot, window, TA, "bob")
    assert screen.queue.mine == {} and screen.current_id() == kept[0]
    _screen_all(qtbot, screen, bob)
    wait_idle(qtbot, WAIT)
    states = {r: outcomes.outcome(db, r, TA) for r in kept}
    assert states[disputed].state == "conflict"
    assert states[disputed].verdicts == {"ann": "include", "bob": "exclude"}
    assert all(states[r].state == "excluded" for r in excluded)
    assert all(states[r].state == "included" for r in kept if r not in excluded and r != disputed)
    assert decisions.history(db, disputed)[-1].reason == reasons[TA][1]
    assert [c.record_id for c in outcomes.conflicts(db, TA)] == [disputed]

    # 4. carol resolves it on the Conflicts screen: include, as third reviewer
    _be(qtbot, window, "carol")
    conf = window.show_screen("conflicts")
    qtbot.waitUntil(lambda: conf.snapshot is not None and conf.conflicts.rowCount() == 1, timeout=WAIT)
    assert conf.current().conflict.record_id == disputed and conf.third.isChecked() and conf.by.text() == "carol"
    conf.list.setFocus()
    qtbot.keyClick(conf.list, Qt.Key.Key_I)
    qtbot.waitUntil(lambda: outcomes.outcome(db, disputed, TA).state == "included", timeout=WAIT)
    o = outcomes.outcome(db, disputed, TA)
    assert (o.resolved_by, o.method) == ("carol", "third_reviewer")
    qtbot.waitUntil(lambda: conf.conflicts.rowCount() == 0, timeout=WAIT)
    assert outcomes.conflicts(db, TA) == []
    wait_idle(qtbot, WAIT)

    # 5. full texts: both reviewers screen the included records (PDF path typed), excluding one with a reason
    included = [r for r in kept if r not in excluded]
    ft_out = included[3]
    ft_plan = {r: Qt.Key.Key_3 if r == ft_out else Qt.Key.Key_I for r in included}
    for who in ("ann", "bob"):
        _be(qtbot, window, who)
        screen = _screening(qtbot, window, FT, who)
        assert screen.queue.ids == included and screen.panel.full_text_row.isVisibleTo(screen)
        _screen_all(qtbot, screen, ft_plan, full_text=True)
        wait_idle(qtbot, WAIT)
    ft = outcomes.outcomes(db, FT)
    for r in included:
        assert ft[r].verdicts == ({"ann": "exclude", "bob": "exclude"} if r == ft_out else
                                  {"ann": "include", "bob": "include"})
        assert ft[r].state == ("excluded" if r == ft_out else "included")
        assert decisions.history(db, r)[-1].full_text == f"https://journals.example.org/papers/{r}.pdf"
    assert ft[ft_out].reason == reasons[FT][2]

    # 6. ann codes effects on the Extraction screen: one from t and df, two from r
    _be(qtbot, window, "ann")
    ext = window.show_screen("extraction")
    reports = [r for r in included if r != ft_out]
    qtbot.waitUntil(lambda: ext.snapshot is not None and [r.record for r in ext.reports.items] == reports,
                    timeout=WAIT)
    t_report = reports[0]
    _code(qtbot, ext, t_report, "t", value="2.5", df="98", n="100")
    row = coding.effects(db, coder="ann", record=t_report)[0]
    assert (row.statistic, row.value, row.df, row.n) == ("t", 2.5, 98, 100)
    assert row.r == pytest.approx(2.5 / math.sqrt(2.5**2 + 98), abs=1e-12)
    assert row.moderators["treatment"] == "CBT"
    _code(qtbot, ext, reports[1], "r", value="0.31", n="84")
    _code(qtbot, ext, reports[2], "r", value="0.22", n="212")
    assert sorted(e.record_id for e in coding.effects(db)) == sorted(reports[:3])

    # 7. analysis: the pooled estimate, the pictures, PRISMA, the export
    ana = window.show_screen("analysis")
    qtbot.waitUntil(lambda: ana.analysis is not None and ana.prisma_counts is not None, timeout=WAIT)
    table = study_table(db)
    table = table[table["r"].notna()].reset_index(drop=True)
    yi, vi, _ = effect_sizes(table)
    rep = pool_report(yi, vi, method="REML").pooled
    assert ana.analysis.k == rep.k == 3
    assert ana.analysis.report.pooled.estimate_r == pytest.approx(rep.estimate_r, abs=1e-12)
    assert f"k = <b>{rep.k}</b>" in ana.summary.text()
    counts = prisma_counts(db)
    assert counts.reports_included == len(reports) and not counts.problems()
    assert ana.prisma_counts.reports_included == counts.reports_included

    for kind, pane in (("forest", ana.forest), ("prisma", ana.prisma)):
        assert pane.save_button.isEnabled()
        out = tmp_path / f"{kind}.png"
        task = ana.save_picture(kind, out)  # what the pane's button does once the file dialog returns a path
        qtbot.waitUntil(lambda task=task: bool(task.outcome), timeout=WAIT)
        assert task.outcome == "ok" and out.read_bytes()[:8] == PNG

    import openpyxl

    ana.window().activateWindow()  # a shortcut fires only in the active window
    qtbot.waitUntil(ana.window().isActiveWindow, timeout=WAIT)
    ana.setFocus()
    qtbot.keyClick(ana, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    dialog = ana.export_dialog
    assert dialog is not None and dialog.isVisible() and dialog.xlsx.isChecked()
    out = tmp_path / "out" / "alliance.xlsx"
    out.parent.mkdir()  # an export names a folder that exists (a missing one is refused with its name)
    dialog.path.setText(str(out))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=WAIT)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "studies" and wb["studies"].max_row == 1 + len(study_table(db))
