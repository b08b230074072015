"""The screening screen shows the chosen stopping rule's verdict and assumption on the reviewer's decisions
(offscreen Qt, real widgets, the demo review in a real database)."""

from __future__ import annotations

import os

from PySide6.QtCore import Qt

from screening import duplicates
from screening.demo import build_demo_review
from tests.screens import open_window


def test_rule_verdict_and_assumption_follow_the_decisions_and_the_chosen_rule(qtbot, tmp_path):
    db = build_demo_review(tmp_path)
    duplicates.run_dedup(db, who="machine")
    try:
        window = open_window(qtbot, db, "Ann")
        screen = window.show_screen("screening")
        qtbot.waitUntil(lambda: screen.queue is not None and screen.current_id() is not None, timeout=20_000)
        screen.setFocus()
        assert screen.top.rule.currentData() == "hypergeometric" and not screen.top.stop_button.isEnabled()
        qtbot.keyClick(screen, Qt.Key.Key_I)
        for _ in range(4):  # the ranking re-ranks (after each decision this early) and checks the rule
            qtbot.keyClick(screen, Qt.Key.Key_E)
        qtbot.waitUntil(lambda: "cannot be rejected" in screen.top.rule_text.text(), timeout=30_000)
        text = screen.top.rule_text.text()
        assert "recall below 95% cannot be rejected" in text and "random sample" in text
        assert "Callaghan" in text and not screen.top.stop_button.isEnabled()

        screen.top.rule.setCurrentIndex(screen.top.rule.findData("consecutive"))
        qtbot.waitUntil(lambda: "no recall guarantee" in screen.top.rule_text.text(), timeout=30_000)
        assert "more consecutive irrelevant records needed (run 4 of 50)" in screen.top.rule_text.text()
        assert not screen.top.stop_button.isEnabled()
        if os.environ.get("METASIFT_SCREENSHOT"):
            window.resize(1280, 800)
            qtbot.wait(300)
            window.grab().save(os.environ["METASIFT_SCREENSHOT"])
    finally:
        db.close()


def test_random_sample_of_the_rest_and_undo_of_the_stop_on_screen(qtbot, tmp_path, monkeypatch):
    """On a real review (393 records): start a random sample (logged), screen it without a relevant record
    until the exact test is met (most of it stored through the back end, then the screen reloaded: the sample
    is read back from the log), stop by it (the note names the sample), then undo the stop with a reason."""
    from conftest import corpus_or_skip
    from PySide6.QtWidgets import QInputDialog, QMessageBox

    from db.engine import create_review
    from extraction.prisma import prisma_counts
    from screening.decisions import decide, stopped_by_rule
    from screening.importing import import_file
    from screening.stop_sample import current_sample, sample_order

    asked: list[str] = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.Yes)
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: (asked.append(a[2]) or
                                                                  "a second search brought new records", True))
    db = create_review(tmp_path / "nsaids.metasift", title="NSAIDs")
    import_file(db, corpus_or_skip() / "labeled_screening" / "srd__Cohen_2006_NSAIDS.csv")
    try:
        window = open_window(qtbot, db, "Ann")
        screen = window.show_screen("screening")
        qtbot.waitUntil(lambda: screen.queue is not None and screen.current_id() is not None, timeout=30_000)
        ids = list(screen.queue.ids)
        n = len(ids)
        for k, rid in enumerate(ids[:40]):  # 20 included, 20 excluded before the sample
            decide(db, rid, "Ann", "title_abstract", "include" if k % 2 == 0 else "exclude")
        screen.reload()
        qtbot.waitUntil(lambda: screen.queue is not None and len(screen.queue.mine) == 40, timeout=30_000)
        screen.setFocus()
        top = screen.top
        assert top.sample_button.isVisible() and not top.undo_stop_button.isVisible()
        top.sample_button.click()
        assert "random order" in asked[-1] and "simple random sample" in asked[-1]
        qtbot.waitUntil(lambda: screen.stops.sample is not None, timeout=20_000)
        sample = current_sample(db, "title_abstract", "Ann")
        assert sample is not None and sample.sample_from == 40 and sample.started_by == "ann"
        planned = sample.planned
        assert 0 < planned < n - 40
        assert "Random sample of the rest (records in random order): <b>0</b> screened" in top.sample_text.text()
        assert not top.rule.isEnabled() and not top.order.isEnabled() and top.sample_button.text().startswith("End")
        rest = [r for r in sample_order(ids, sample.seed) if r not in screen.queue.mine]
        assert screen.current_id() == rest[0]  # the sample's random order, not the ranking's
        for rid in rest[:planned - 3]:
            decide(db, rid, "Ann", "title_abstract", "exclude")
        screen.reload()  # the sample is read back from the team log
        qtbot.waitUntil(lambda: screen.queue is not None and len(screen.queue.mine) == 40 + planned - 3
                        and f"<b>{planned - 3:,}</b> screened, <b>0</b> relevant" in top.sample_text.text(),
                        timeout=30_000)
        assert not top.stop_button.isEnabled()
        window.activateWindow()  # the screen's keys are window shortcuts (under Xvfb the window must be active)
        qtbot.waitUntil(window.isActiveWindow, timeout=10_000)
        screen.setFocus()
        for rid in rest[planned - 3:planned]:
            assert screen.current_id() == rid
            qtbot.keyClick(screen, Qt.Key.Key_E)
        assert f"<b>{planned:,}</b> screened, <b>0</b> relevant" in top.sample_text.text()
        assert "test: <b>met</b>" in top.sample_text.text() and "exact hypergeometric" in top.sample_text.text()
        assert top.stop_button.isEnabled()
        if os.environ.get("METASIFT_SCREENSHOT_SAMPLE"):
            window.resize(1400, 860)
            qtbot.wait(300)
            window.grab().save(os.environ["METASIFT_SCREENSHOT_SAMPLE"])
        top.stop_button.click()
        qtbot.waitUntil(lambda: stopped_by_rule(db) is not None, timeout=20_000)
        stop = stopped_by_rule(db)
        assert stop is not None and "sample_from 40" in stop.rule and stop.not_screened == n - 40 - planned
        assert prisma_counts(db).stopped_unscreened == n - 40 - planned
        qtbot.waitUntil(lambda: top.undo_stop_button.isVisible(), timeout=20_000)
        assert "stopped by" in top.sample_text.text()
        top.undo_stop_button.click()
        assert "Why is the stop undone?" in asked[-1]
        qtbot.waitUntil(lambda: stopped_by_rule(db) is None, timeout=20_000)
        assert prisma_counts(db).stopped_unscreened == 0
        qtbot.waitUntil(lambda: not top.undo_stop_button.isVisible(), timeout=20_000)
    finally:
        db.close()
