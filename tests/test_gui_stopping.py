"""The screening screen shows the chosen stopping rule's verdict and assumption on the reviewer's decisions
(offscreen Qt, real widgets, the demo review in a real database)."""

from __future__ import annotations

import os

from PySide6.QtCore import Qt

from gui.main_window import MainWindow
from gui.settings import Settings
from screening import duplicates
from screening.demo import build_demo_review


def test_rule_verdict_and_assumption_follow_the_decisions_and_the_chosen_rule(qtbot, tmp_path):
    db = build_demo_review(tmp_path)
    duplicates.run_dedup(db, who="machine")
    try:
        window = MainWindow(db, Settings(reviewer="Ann"))
        qtbot.addWidget(window)
        window.show()
        screen = window.show_screen("screening")
        qtbot.waitUntil(lambda: screen.queue is not None and screen.current_id() is not None, timeout=20_000)
        screen.setFocus()
        assert screen.top.rule.currentData() == "hypergeometric" and not screen.top.stop_button.isEnabled()
        qtbot.keyClick(screen, Qt.Key.Key_I)
        for _ in range(4):  # five decisions: the ranking re-ranks and checks the rule
            qtbot.keyClick(screen, Qt.Key.Key_E)
        qtbot.waitUntil(lambda: "assumes" in screen.top.rule_text.text(), timeout=30_000)
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
