"""The conflicts & agreement screen on the demo review: both verdicts shown, a resolution with one key, and the
agreement table equal to `screening.agreement`."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from screens import open_screen

from gui.conflicts.actions import ConflictRow
from gui.conflicts.model import agreement_model, conflicts_model, counts_model, counts_rows
from screening import agreement, decisions, outcomes
from screening.agreement import CATEGORIES

TA = "title_abstract"


@pytest.fixture
def screened(deduped_demo):
    """Ann and Bob screened the first eight kept records; they disagree on three."""
    db = deduped_demo
    kept = [r for r, o in sorted(outcomes.outcomes(db, TA).items()) if r == o.kept_id][:8]
    ann = ["include", "include", "exclude", "exclude", "exclude", "maybe", "include", "exclude"]
    bob = ["include", "exclude", "exclude", "exclude", "include", "maybe", "include", "exclude"]
    for rid, a, b in zip(kept, ann, bob, strict=True):
        decisions.decide(db, rid, "Ann", TA, a, reason="no alliance measure" if a == "exclude" else "")
        decisions.decide(db, rid, "Bob", TA, b, note="unsure" if b != a else "")
    return db, kept


def _screen(qtbot, db, reviewer="Carol"):
    return open_screen(qtbot, db, "conflicts", reviewer)


def _num(value, digits=2):
    return "—" if value is None else f"{value:.{digits}f}"


def test_conflicts_list_shows_both_verdicts_unblinded(qtbot, screened):
    db, kept = screened
    _window, screen = _screen(qtbot, db)
    expected = [c.record_id for c in outcomes.conflicts(db, TA)]
    assert expected == [kept[1], kept[4], kept[5]]
    assert [screen.conflicts.item(r).conflict.record_id for r in range(screen.conflicts.rowCount())] == expected
    text = screen.conflicts.data(screen.conflicts.index(0, 2))
    assert "ann: include" in text and "bob: exclude" in text
    detail = screen.detail.toPlainText()
    assert "ann" in detail and "bob" in detail and "unsure" in detail
    assert screen.tabs.tabText(0) == "Conflicts (3)"


def test_resolving_with_keys_stores_a_resolution(qtbot, screened):
    db, kept = screened
    _window, screen = _screen(qtbot, db)
    screen.list.setFocus()
    assert screen.current().conflict.record_id == kept[1] and screen.by.text() == "Carol"
    qtbot.keyClick(screen.list, Qt.Key.Key_I)
    qtbot.waitUntil(lambda: outcomes.outcome(db, kept[1], TA).state == "included", timeout=20_000)
    o = outcomes.outcome(db, kept[1], TA)
    assert (o.resolved_by, o.method) == ("carol", "third_reviewer")
    qtbot.waitUntil(lambda: screen.conflicts.rowCount() == 2, timeout=20_000)

    # consensus, exclude with reason 4 (the key names the reason)
    assert screen.current().conflict.record_id == kept[4]
    qtbot.keyClick(screen.list, Qt.Key.Key_C)
    assert screen.consensus.isChecked() and screen.by.text() == "ann+bob"
    qtbot.keyClick(screen.list, Qt.Key.Key_4)
    reason = decisions.protocol_of(db).exclusion_reasons[TA][3]
    qtbot.waitUntil(lambda: outcomes.outcome(db, kept[4], TA).state == "excluded", timeout=20_000)
    o = outcomes.outcome(db, kept[4], TA)
    assert (o.resolved_by, o.method, o.reason) == ("ann+bob", "consensus", reason)

    qtbot.waitUntil(lambda: screen.conflicts.rowCount() == 1, timeout=20_000)
    qtbot.keyClick(screen.list, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # withdraw the last one
    qtbot.waitUntil(lambda: outcomes.outcome(db, kept[4], TA).state == "conflict", timeout=20_000)
    assert decisions.history(db, kept[4])[-1].kind == "undo"


def test_agreement_table_matches_the_back_end(qtbot, screened):
    db, _kept = screened
    _window, screen = _screen(qtbot, db)
    screen.tabs.setCurrentIndex(1)
    expected = agreement.agreement(db, TA)
    assert len(expected) == 1 and expected[0].n == 8
    m = screen.agreement
    assert m.rowCount() == 1
    row = [m.data(m.index(0, c)) for c in range(m.columnCount())]
    e = expected[0]
    assert row[1] == "ann × bob" and row[2] == "8"
    assert row[3:6] == [_num(e.percent, 1), _num(e.kappa), _num(e.ac1)]
    ie = e.include_exclude
    assert row[6:9] == [_num(ie.percent, 1), _num(ie.kappa), _num(ie.ac1)]
    c = screen.counts
    assert [[c.data(c.index(r, k + 1)) for k in range(3)] for r in range(3)] == [
        [str(e.counts[a][b]) for b in CATEGORIES] for a in CATEGORIES]
    assert e.counts["include"]["exclude"] == 1 and e.counts["exclude"]["include"] == 1


def test_conflict_and_agreement_models_pass_the_model_tester(qtmodeltester, screened):
    db, _kept = screened
    found = [ConflictRow(c, {"title": f"record {c.record_id}"}) for c in outcomes.conflicts(db, TA)]
    stats = agreement.agreement(db, TA)
    for model, items in ((conflicts_model(), found), (agreement_model(), stats), (counts_model(),
                                                                                 counts_rows(stats[0]))):
        model.set_items(items)
        assert model.rowCount() == len(items) > 0
        qtmodeltester.check(model)


def test_a_reviewer_in_the_conflict_resolves_by_consensus(qtbot, screened):
    db, kept = screened
    _window, screen = _screen(qtbot, db, reviewer="Ann")
    assert screen.current().conflict.record_id == kept[1]
    assert screen.consensus.isChecked() and screen.by.text() == "ann+bob"
    qtbot.keyClick(screen.list, Qt.Key.Key_I)
    qtbot.waitUntil(lambda: outcomes.outcome(db, kept[1], TA).state == "included", timeout=20_000)
    assert outcomes.outcome(db, kept[1], TA).method == "consensus"


def test_conflict_verdicts_show_the_protocol_version_they_were_made_under(qtbot, deduped_demo):
    from extraction.protocol_check import store_protocol
    from screening.protocol import bundled_protocol_text, default_protocol_text

    db = deduped_demo
    store_protocol(db, default_protocol_text(), "Ann")
    rid = min(r for r, o in outcomes.outcomes(db, TA).items() if r == o.kept_id)
    decisions.decide(db, rid, "Ann", TA, "include")
    store_protocol(db, bundled_protocol_text("cbt_depression"), "Ann", "a second version")
    decisions.decide(db, rid, "Bob", TA, "exclude", reason="not CBT")
    (c,) = [c for c in outcomes.conflicts(db, TA) if c.record_id == rid]
    assert [(v.reviewer, v.protocol_version) for v in c.verdicts] == [("ann", 1), ("bob", 2)]
    assert [v["protocol_version"] for v in c.to_json()["verdicts"]] == [1, 2]
    _window, screen = _screen(qtbot, db)
    html = screen.detail.toHtml()
    assert "protocol v1" in html and "protocol v2" in html
