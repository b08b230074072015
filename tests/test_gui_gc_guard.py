"""Cyclic garbage is collected on the GUI thread, never on a background task's thread (where freeing Qt
objects crashes the process)."""

from __future__ import annotations

import gc
import threading

from gui import background
from gui.gc_guard import INTERVAL_MS, collect_if_due, collect_on_gui_thread, installed


class _Cyclic:
    """An object in a reference cycle that records the thread its finaliser ran on."""

    died_on: list[str] = []

    def __init__(self) -> None:
        self.me = self

    def __del__(self) -> None:
        _Cyclic.died_on.append(threading.current_thread().name)


def test_the_app_collects_cycles_on_the_gui_thread_while_a_task_allocates(qtbot):
    assert collect_on_gui_thread() and installed() and not gc.isenabled()
    gc.collect()
    _Cyclic.died_on.clear()
    for _ in range(50):
        _Cyclic()  # garbage at once, reachable only from itself

    def allocate(progress, should_stop):
        # enough live container allocations to cross every generation's threshold: with automatic
        # collection on, the cycles above would be freed here, on the worker thread
        return [[i] for i in range(200_000)]

    task = background.run_task("allocate", allocate, dialog=False)
    qtbot.waitUntil(lambda: task.outcome == "ok", timeout=20_000)
    qtbot.waitUntil(lambda: len(_Cyclic.died_on) == 50, timeout=10 * INTERVAL_MS)
    assert set(_Cyclic.died_on) == {threading.main_thread().name}  # while or after the task ran: never on it


def test_collection_stays_off_and_generations_are_collected_when_due(qtbot):
    collect_on_gui_thread()
    gc.enable()  # e.g. code that restores the state it found
    collect_if_due()
    assert not gc.isenabled()
    gc.collect()
    for _ in range(gc.get_threshold()[0] + 10):
        _Cyclic()
    assert collect_if_due() >= gc.get_threshold()[0]
    assert collect_if_due() == 0  # nothing due right after a collection


def test_full_collections_are_spaced_by_their_cost(qtbot, monkeypatch):
    from gui import gc_guard

    collect_on_gui_thread()
    monkeypatch.setattr(gc_guard, "_next_full", 0.0)

    def full_collections() -> int:
        return gc.get_stats()[2]["collections"]

    def make_full_due() -> None:
        for _ in range(gc.get_threshold()[2] + 1):
            gc.collect(1)  # each generation-1 collection counts towards generation 2
        assert gc.get_count()[2] > gc.get_threshold()[2]

    make_full_due()
    before = full_collections()
    collect_if_due()
    assert full_collections() == before + 1
    assert gc_guard._next_full > 0  # the next one waits 1 / FULL_SHARE times as long as this one took
    monkeypatch.setattr(gc_guard, "_next_full", gc_guard.time.monotonic() + 60)
    make_full_due()
    collect_if_due()
    assert full_collections() == before + 1  # too soon: a generation-1 collection instead
    monkeypatch.setattr(gc_guard, "_next_full", 0.0)
    collect_if_due()
    assert full_collections() == before + 2
