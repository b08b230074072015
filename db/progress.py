"""Progress reporting and cooperative cancel as plain callables (no Qt, no tqdm).

Long functions take ``progress(done, total, message)`` and ``should_stop() -> bool``. The GUI adapts
them to signals, the CLI to a terminal bar. ``sub_progress`` maps a sub-step onto a slice of a parent
bar, so composed work reports one monotone bar.
"""

from __future__ import annotations

from collections.abc import Callable

from db.errors import Cancelled

Progress = Callable[[int, int, str], None]
ShouldStop = Callable[[], bool]


def no_progress(done: int, total: int, message: str = "") -> None:
    """A progress callback that ignores everything."""


def never_stop() -> bool:
    """A should_stop callback that never asks to stop."""
    return False


def sub_progress(progress: Progress, start: int, end: int, scale: int) -> Progress:
    """Report a sub-step of ``scale`` units as the parent's range [start, end] of ``scale`` units."""

    def report(done: int, total: int, message: str = "") -> None:
        frac = done / total if total else 1.0
        progress(start + round((end - start) * frac), scale, message)

    return report


def check_stop(should_stop: ShouldStop) -> None:
    """Raise `Cancelled` when the caller asked to stop."""
    if should_stop():
        raise Cancelled("cancelled by the user; nothing was stored")
