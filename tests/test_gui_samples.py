"""The shared-samples screen on the demo review: suggest, link with L, undo with U, reject with N."""

from __future__ import annotations

from PySide6.QtCore import Qt
from screens import open_screen

from extraction import samples
from screening.counts import review_counts


def _screen(qtbot, db):
    return open_screen(qtbot, db, "samples", "Coder")


def _suggested(qtbot, screen):
    qtbot.mouseClick(screen.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: screen.suggested.rowCount() > 0, timeout=30_000)
    return screen.current_pair()


def _decision(db, a, b) -> str:
    return samples.link_history(db, a, b)[-1].decision


def test_suggestions_show_their_evidence_and_l_links_u_undoes(qtbot, demo):
    window, screen = _screen(qtbot, demo)
    before = review_counts(demo, stages=()).samples
    a, b = _suggested(qtbot, screen)
    expected = samples.suggestions(demo)[0].to_json()
    assert expected["ids"] == [a, b]
    for item in expected["evidence"]:
        assert item["detail"] in screen.heading.text()
    assert expected["strength"] in screen.heading.text()
    assert screen.compare.headers[0].startswith(f"#{a}")

    screen.suggested_view.setFocus()
    qtbot.keyClick(screen.suggested_view, Qt.Key.Key_L)
    qtbot.waitUntil(lambda: _decision(demo, a, b) == "confirmed", timeout=20_000)
    assert samples.independent_samples(demo) == before - 1
    assert samples.link_history(demo, a, b)[-1].who == "Coder"
    qtbot.waitUntil(lambda: f"<b>{before - 1}</b> independent" in screen.summary.text(), timeout=20_000)
    assert any([a, b] == g.ids for g in screen.joined.items)

    qtbot.keyClick(screen.suggested_view, Qt.Key.Key_U)
    qtbot.waitUntil(lambda: _decision(demo, a, b) == "undone", timeout=20_000)
    assert review_counts(demo, stages=()).samples == before
    qtbot.waitUntil(lambda: screen.current_pair() == (a, b), timeout=20_000)


def test_n_rejects_a_suggestion(qtbot, demo):
    _window, screen = _screen(qtbot, demo)
    a, b = _suggested(qtbot, screen)
    n = screen.suggested.rowCount()
    qtbot.keyClick(screen.suggested_view, Qt.Key.Key_N)
    qtbot.waitUntil(lambda: _decision(demo, a, b) == "rejected", timeout=20_000)
    left = [list(s.ids) for s in samples.suggestions(demo)]
    assert [a, b] not in left and len(left) == n - 1
    qtbot.waitUntil(lambda: [list(s.ids) for s in screen.snapshot.suggestions] == left, timeout=20_000)
    assert screen.current_pair() == tuple(left[0])  # the next suggestion is up


def test_sample_models_pass_the_qt_model_tester(qtmodeltester, qtbot, demo):
    _window, screen = _screen(qtbot, demo)
    _suggested(qtbot, screen)
    qtbot.keyClick(screen.suggested_view, Qt.Key.Key_L)
    qtbot.waitUntil(lambda: screen.joined.rowCount() > 0, timeout=20_000)
    qtmodeltester.check(screen.suggested)
    qtmodeltester.check(screen.joined)
    qtmodeltester.check(screen.compare)
