"""The loading rules of background-loaded screens: newest load wins, stale screens reload when shown, results
for a closed screen are dropped."""

from __future__ import annotations

import threading

import shiboken6
from PySide6.QtWidgets import QWidget

from gui import background
from gui.refreshing import Refreshing


class Screen(Refreshing, QWidget):
    """Loads ``value`` after the gate opens; shows what arrived in ``shown_values``."""

    def __init__(self) -> None:
        super().__init__()
        self.shown_values: list[str] = []
        self.loads = 0
        self.gates: list[threading.Event] = []

    def reload(self) -> background.Task:
        self.loads += 1
        current = self.newest()
        gate = threading.Event()
        self.gates.append(gate)
        value = f"load {self.loads}"

        def work(progress, should_stop):
            gate.wait(10)
            return value

        return background.run_task("load", work, dialog=False, on_done=current(self.shown_values.append))


def test_only_the_newest_load_is_shown_even_when_an_older_one_finishes_last(qtbot):
    screen = Screen()
    qtbot.addWidget(screen)
    first, second = screen.reload(), screen.reload()
    screen.gates[1].set()
    qtbot.waitUntil(lambda: second.outcome == "ok", timeout=10_000)
    screen.gates[0].set()
    qtbot.waitUntil(lambda: first.outcome == "ok", timeout=10_000)
    assert screen.shown_values == ["load 2"]


def test_a_stale_screen_reloads_once_when_shown_and_not_before(qtbot):
    screen = Screen()
    qtbot.addWidget(screen)
    screen.shown()
    assert screen.loads == 0  # not stale: showing costs nothing
    screen.mark_stale("decisions")
    screen.mark_stale("records")
    assert screen.loads == 0
    screen.shown()
    screen.shown()
    assert screen.loads == 1
    screen.gates[0].set()
    qtbot.waitUntil(lambda: screen.shown_values == ["load 1"], timeout=10_000)


def test_a_result_for_a_closed_screen_is_dropped(qtbot):
    screen = Screen()
    delivered: list[str] = []
    current = screen.newest()
    handler = current(delivered.append)
    screen.deleteLater()
    qtbot.waitUntil(lambda: not shiboken6.isValid(screen), timeout=5_000)
    assert handler("late") is None and delivered == []
