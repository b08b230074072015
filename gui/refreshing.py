"""The loading rules every screen with background-loaded content follows.

A screen loads its content off the GUI thread (`reload`, returning the `Task`). Loads can overlap (the user
changes a filter while the last load runs), so only the newest one's result is shown; a result that arrives
after the screen was closed is dropped. A change made elsewhere in the review only marks the screen stale, and
it reloads when it is next shown, so a hidden screen costs nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gui.background import alive

Handler = Callable[..., Any]


class Refreshing:
    """Mixin for a QWidget screen: implement ``reload()``; wrap its result handlers with ``newest()``'s
    function. Set ``_stale = True`` in ``__init__`` to load only when first shown."""

    _generation: int = 0
    _stale: bool = False

    def reload(self) -> Any:
        raise NotImplementedError

    def refresh(self) -> Any:
        """Reload now (the screen is showing)."""
        return self.reload()

    def mark_stale(self, what: str) -> None:
        """Something changed in the review (``what``: "records", "decisions", ...): reload when next shown."""
        self._stale = True

    def shown(self) -> None:
        """The screen's tab was brought to the front."""
        if self.needs_reload():
            self._stale = False
            self.reload()
        self.focus_when_shown()

    def needs_reload(self) -> bool:
        """Whether being shown must load the screen again (by default: when it was marked stale)."""
        return self._stale

    def focus_when_shown(self) -> None:
        """Where the keyboard goes when the screen is shown (nothing by default)."""

    def newest(self) -> Callable[[Handler], Handler]:
        """Begin a load; returns ``current(fn)``, which makes ``fn`` run only if no later load has begun and
        the screen still exists when the result arrives."""
        self._generation += 1
        generation = self._generation

        def current(fn: Handler) -> Handler:
            return alive(self, lambda *args: fn(*args) if generation == self._generation else None)  # type: ignore[arg-type]

        return current
