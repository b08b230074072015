"""The screening screen on the demo review (offscreen Qt, real widgets, real database): keys store decisions,
Ctrl+Z compensates, number keys give the stage's reasons, blind mode, and no outcome recomputation per key."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from screens import open_screen

from gui import background
from screening import decisions, duplicates, outcomes

TA = "title_abstract"


@pytest.fixture
def demo(deduped_demo):
    return deduped_demo


def _screen(qtbot, db, reviewer="Ann"):
    window, screen = open_screen(qtbot, db, "screening", reviewer)
    screen.setFocus()
    return window, screen


def _mine(db, rid, who="ann"):  # verdicts are keyed by identity
    return outcomes.outcome(db, rid, TA).verdicts.get(who)


def test_i_key_stores_an_include_and_ctrl_z_compensates(qtbot, demo):
    _window, screen = _screen(qtbot, demo)
    rid = screen.current_id()
    assert rid is not None and _mine(demo, rid) is None
    qtbot.keyClick(screen, Qt.Key.Key_I)
    qtbot.waitUntil(lambda: _mine(demo, rid) == "include", timeout=20_000)
    stored = decisions.history(demo, rid)[-1]
    assert (stored.kind, stored.reviewer, stored.verdict, stored.stage) == ("decision", "ann", "include", TA)
    assert screen.current_id() != rid  # moved on to the next record at once
    assert screen.queue.mine[rid] == "include"
    assert "1</b> of" in screen.progress.text()

    qtbot.keyClick(screen, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: _mine(demo, rid) is None, timeout=20_000)
    rows = decisions.history(demo, rid)
    assert rows[-1].kind == "undo" and rows[-1].undoes == stored.id  # a compensating row; nothing deleted
    assert stored.id in [r.id for r in rows]
    qtbot.waitUntil(lambda: screen.current_id() == rid, timeout=20_000)  # back on the undone record
    assert rid not in screen.queue.mine


def test_number_keys_exclude_with_the_stage_reasons(qtbot, demo):
    _window, screen = _screen(qtbot, demo)
    reasons = decisions.protocol_of(demo).exclusion_reasons[TA]
    first = screen.current_id()
    qtbot.keyClick(screen, Qt.Key.Key_3)
    second = screen.current_id()
    assert second != first
    qtbot.keyClick(screen, Qt.Key.Key_1)
    for rid, reason in ((first, reasons[2]), (second, reasons[0])):
        qtbot.waitUntil(lambda rid=rid: _mine(demo, rid) == "exclude", timeout=20_000)
        row = decisions.history(demo, rid)[-1]
        assert (row.verdict, row.reason) == ("exclude", reason)
    assert [b.text().split(maxsplit=1)[1] for b in screen.panel.reason_buttons] == list(reasons)


def test_note_field_takes_letters_without_deciding(qtbot, demo):
    _window, screen = _screen(qtbot, demo)
    rid = screen.current_id()
    screen.panel.note.setFocus()
    qtbot.keyClicks(screen.panel.note, "Check the sample")
    assert screen.panel.note.text() == "Check the sample" and screen.current_id() == rid
    qtbot.keyClick(screen.panel.note, Qt.Key.Key_Return)
    qtbot.keyClick(screen, Qt.Key.Key_M)
    qtbot.waitUntil(lambda: _mine(demo, rid) == "maybe", timeout=20_000)
    assert decisions.history(demo, rid)[-1].note == "Check the sample"


def test_blind_mode_hides_the_other_verdict_until_mine(qtbot, demo):
    kept = sorted(outcomes.outcomes(demo, TA).items())
    rid = next(r for r, o in kept if r == o.kept_id)
    decisions.decide(demo, rid, "Bob", TA, "exclude", reason="children or adolescents", note="kids")
    _window, screen = _screen(qtbot, demo)
    screen.show_record(rid)
    text = screen.panel.verdicts.text()
    assert "bob" in text and "hidden" in text and "exclude" not in text and "kids" not in text

    screen.blind.setChecked(False)  # blind off: shown
    assert "exclude" in screen.panel.verdicts.text() and "children" in screen.panel.verdicts.text()
    screen.blind.setChecked(True)
    assert "exclude" not in screen.panel.verdicts.text()

    qtbot.keyClick(screen, Qt.Key.Key_I)
    qtbot.waitUntil(lambda: _mine(demo, rid) == "include", timeout=20_000)
    screen.show_record(rid)
    qtbot.waitUntil(lambda: "exclude" in screen.panel.verdicts.text(), timeout=20_000)
    assert "hidden" not in screen.panel.verdicts.text()


def test_moving_and_deciding_never_recompute_all_outcomes(qtbot, demo, monkeypatch):
    _window, screen = _screen(qtbot, demo)
    calls = []
    real = outcomes.outcomes
    monkeypatch.setattr(outcomes, "outcomes", lambda *a, **k: calls.append(a) or real(*a, **k))
    start = screen.current_id()
    for key in (Qt.Key.Key_Right, Qt.Key.Key_J, Qt.Key.Key_Left, Qt.Key.Key_K):
        qtbot.keyClick(screen, key)
    assert screen.current_id() == start
    qtbot.keyClick(screen, Qt.Key.Key_Right)
    assert screen.current_id() != start
    qtbot.keyClick(screen, Qt.Key.Key_E)
    qtbot.keyClick(screen, Qt.Key.Key_I)
    qtbot.waitUntil(lambda: background.running() == 0, timeout=30_000)
    assert calls == []
    assert sum(1 for v in outcomes.outcomes(demo, TA).values() if "ann" in v.verdicts and v.kept_id == v.record_id) \
        == len(screen.queue.mine) == 2


def test_duplicates_are_screened_once_and_show_their_databases(qtbot, demo):
    _window, screen = _screen(qtbot, demo)
    groups = duplicates.groups(demo)
    assert groups
    kept = groups[0][0]
    assert set(screen.queue.ids).isdisjoint(m for g in groups for m in g[1:])
    screen.show_record(kept)
    html = screen.record.toHtml()
    assert "PsycINFO" in html and "PubMed" in html


def test_full_text_needs_the_pdf_and_a_reason(qtbot, demo):
    kept = [r for r, o in outcomes.outcomes(demo, TA).items() if r == o.kept_id][:1]
    for who in ("Ann", "Bob"):
        decisions.decide(demo, kept[0], who, TA, "include")
    _window, screen = _screen(qtbot, demo)
    screen.stage.setCurrentIndex(screen.stage.findData("full_text"))
    qtbot.waitUntil(lambda: screen.queue.stage == "full_text" and screen.current_id() == kept[0], timeout=20_000)
    assert screen.queue.ids == kept and screen.panel.full_text_row.isVisibleTo(screen)
    qtbot.keyClick(screen, Qt.Key.Key_I)  # no PDF named yet: nothing stored
    qtbot.waitUntil(lambda: background.running() == 0, timeout=20_000)
    assert outcomes.outcome(demo, kept[0], "full_text").verdicts == {}
    screen.panel.full_text.setText("https://journals.example.org/papers/study.pdf")
    screen.setFocus()
    qtbot.keyClick(screen, Qt.Key.Key_2)
    qtbot.waitUntil(lambda: outcomes.outcome(demo, kept[0], "full_text").verdicts.get("ann") == "exclude",
                    timeout=20_000)
    row = decisions.history(demo, kept[0])[-1]
    assert row.full_text == "https://journals.example.org/papers/study.pdf"
    assert row.reason == decisions.protocol_of(demo).exclusion_reasons["full_text"][1]


def _use_cbt_protocol(db) -> None:
    from extraction.protocol_check import store_protocol
    from screening.protocol import bundled_protocol_text

    store_protocol(db, bundled_protocol_text("cbt_depression"), "Ann", "CBT for depression")


def test_the_criteria_panel_reads_the_records_year_and_language_and_shows_labels(qtbot, demo):
    """Years and language criteria decide from the record's own fields; the panel names criteria by label."""
    from sqlmodel import select

    from db.models import Record

    _use_cbt_protocol(demo)
    with demo.transaction() as session:  # a German language field on every record (as a database exports it)
        for rec in session.exec(select(Record)):
            rec.language = "ger"
            session.add(rec)
    _window, screen = _screen(qtbot, demo)
    rid = screen.current_id()
    with demo.session() as session:
        year = session.get(Record, rid).year
    assert year is not None
    text = screen.panel.criteria.text()
    # labels, not ids
    for label in ("CBT", "randomised controlled trial", "published 1980 or later",
                  "English, German, French or Italian"):
        assert f"<b>{label}</b>" in text
    assert "<b>rct</b>" not in text and "<b>years</b>" not in text and "<b>language</b>" not in text
    # the record's year and language field were passed: not "no publication year", not detected from English text
    assert f"published {year}" in text and "no publication year" not in text
    assert "de (language field)" in text and "detected" not in text
    view = screen.cache.get(rid, screen.queue, screen.blind.isChecked())
    assert view.assessment.criteria["years"].verdict == ("met" if year >= 1980 else "not_met")
    assert view.assessment.criteria["language"].verdict == "met"


def test_the_verdicts_panel_shows_the_protocol_version_of_each_decision(qtbot, demo):
    from extraction.protocol_check import store_protocol
    from screening.protocol import default_protocol_text

    store_protocol(demo, default_protocol_text(), "Ann")
    _use_cbt_protocol(demo)  # version 2
    _window, screen = _screen(qtbot, demo)
    rid = screen.current_id()
    qtbot.keyClick(screen, Qt.Key.Key_I)
    qtbot.waitUntil(lambda: _mine(demo, rid) == "include", timeout=20_000)
    assert decisions.history(demo, rid)[-1].protocol_version == 2
    screen.cache.drop(rid)
    screen.show_record(rid)
    qtbot.waitUntil(lambda: "protocol v2" in screen.panel.verdicts.text(), timeout=20_000)
    assert "You: <b>include</b>" in screen.panel.verdicts.text()
    # the reviewer's own decision log on the record: include, undone, exclude, each with its version
    decisions.undo(demo, "Ann", TA)
    decisions.decide(demo, rid, "Ann", TA, "exclude", reason="not CBT")
    screen.cache.drop(rid)
    screen.show_record(rid)
    qtbot.waitUntil(lambda: "Your log:" in screen.panel.verdicts.text(), timeout=20_000)
    text = screen.panel.verdicts.text()
    assert text.index("include") < text.index("undone") < text.index("exclude", text.index("Your log:"))
    assert text.count("protocol v2") >= 3


def test_the_history_dialog_shows_every_act_with_its_protocol_version(qtbot, demo):
    """H (or History…) opens the record's full decision history: every stage, undos and the protocol version
    each act was made under; another reviewer's verdict stays hidden in blind mode until mine."""
    from extraction.protocol_check import store_protocol
    from gui.screening.history import COLUMNS, HIDDEN
    from screening.protocol import default_protocol_text

    store_protocol(demo, default_protocol_text(), "Ann")  # version 1
    kept = sorted(outcomes.outcomes(demo, TA).items())
    rid = next(r for r, o in kept if r == o.kept_id)
    decisions.decide(demo, rid, "Bob", TA, "exclude", reason="children or adolescents", note="kids")
    _use_cbt_protocol(demo)  # version 2
    _window, screen = _screen(qtbot, demo)
    screen.show_record(rid)
    assert screen.blind.isChecked()
    qtbot.keyClick(screen, Qt.Key.Key_H)
    dialog = screen.history_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.table.rowCount() == 1 and dialog.table.columnCount() == len(COLUMNS)
    assert dialog.cell(0, "Who") == "bob" and dialog.cell(0, "Verdict") == HIDDEN
    assert dialog.cell(0, "Note") == "" and dialog.cell(0, "Protocol") == "v1"
    dialog.close()

    decisions.decide(demo, rid, "Ann", TA, "include")
    decisions.undo(demo, "Ann", TA)
    decisions.decide(demo, rid, "Ann", TA, "exclude", reason="not CBT")
    screen.history_button.click()
    dialog = screen.history_dialog
    rows = [[dialog.cell(i, c) for c in ("Who", "Act", "Verdict", "Reason", "Protocol")]
            for i in range(dialog.table.rowCount())]
    assert rows == [["bob", "decision", "exclude", "children or adolescents", "v1"],
                    ["You", "decision", "include", "", "v2"],
                    ["You", "undo", "undoes include", "", "v2"],
                    ["You", "decision", "exclude", "not CBT", "v2"]]
    assert dialog.cell(0, "Note") == "kids" and dialog.cell(0, "Stage") == "Title / abstract"
    # the same history `metasift screen history --json` reports, and the stage outcomes
    hist = outcomes.record_history(demo, rid)
    assert len(hist.rows) == dialog.table.rowCount()
    assert f"<b>{hist.states[TA]}</b>" in dialog.outcomes.text()
