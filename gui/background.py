"""Run core functions off the GUI thread, with results delivered on the GUI thread.

A task runs a plain callable (bind its arguments with `functools.partial`). The core reports through plain
callables (``progress(done, total, message)``, ``should_stop()``): a callable that takes ``progress`` or
``should_stop`` keyword arguments, as the core's long functions do, gets the task's, which turn them into Qt
signals and a thread-safe flag. Reads run on Qt's global pool; every database write runs
on ONE serial pool, so writes never race each other and land in the order they were asked for. A progress
dialog with Cancel appears only when the work takes longer than `DIALOG_DELAY_MS`. Errors become dialogs
(`gui.errors.report_error`) and log entries; a `Cancelled` error becomes the ``cancelled`` signal.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QRunnable, Qt, QThreadPool, QTimer, Signal, Slot
from PySide6.QtWidgets import QDialog, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from db.errors import Cancelled
from gui.errors import log_error, report_error
from gui.gc_guard import collect_on_gui_thread

Work = Callable[..., Any]
"""What a task runs: ``fn()``, or ``fn(progress=..., should_stop=...)`` for the hooks it names."""
HOOKS = ("progress", "should_stop")
DIALOG_DELAY_MS = 600
_WRITE_POOL: QThreadPool | None = None
_LIVE: set[Task] = set()


def write_pool() -> QThreadPool:
    """The single-thread pool every database write goes through."""
    global _WRITE_POOL
    if _WRITE_POOL is None:
        _WRITE_POOL = QThreadPool()
        _WRITE_POOL.setMaxThreadCount(1)
        _WRITE_POOL.setObjectName("metasift-writes")
    return _WRITE_POOL


def read_pool() -> QThreadPool:
    return QThreadPool.globalInstance()


def wait_all(msecs: int = 30_000) -> bool:
    """Wait for queued writes and reads to finish (on quit, and in tests)."""
    return write_pool().waitForDone(msecs) and read_pool().waitForDone(msecs)


def alive(owner: QObject, fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn``, skipped once ``owner`` was deleted (background results can arrive after a screen closed)."""
    def call(*args: Any) -> Any:
        return fn(*args) if shiboken6.isValid(owner) else None

    return call


def _hooks(fn: Work) -> tuple[str, ...]:
    """Which of `HOOKS` ``fn`` takes as keyword arguments (all of them with ``**kwargs``)."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):  # a builtin without a signature takes no hooks
        return ()
    if any(p.kind is p.VAR_KEYWORD for p in params):
        return HOOKS
    names = {p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    return tuple(h for h in HOOKS if h in names)


def running() -> int:
    """How many tasks have not delivered their outcome yet."""
    return len(_LIVE)


class Task(QObject):
    """One piece of background work. Connect to ``succeeded`` / ``failed`` / ``cancelled``; ``finished``
    always follows one of them. ``cancel()`` asks the work to stop at its next ``should_stop()`` check."""

    progressed = Signal(int, int, str)
    succeeded = Signal(object)
    failed = Signal(object)
    cancelled = Signal()
    finished = Signal()
    _done = Signal(str, object)  # emitted on the worker thread, delivered on the GUI thread

    def __init__(self, title: str, fn: Work) -> None:
        # Owned by the application, not by its Python wrapper: the worker thread may drop the last Python
        # reference (when its runnable is freed), and a QObject must not be destroyed there. The GUI thread
        # deletes it (``deleteLater``) once the outcome is delivered; its Python attributes stay readable.
        super().__init__(QCoreApplication.instance())
        self.title = title
        self.fn = fn
        self.hooks = _hooks(fn)
        self.outcome = ""  # "ok" | "error" | "cancelled" once finished
        self.result: Any = None
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._last: tuple[int, str] = (-1, "")
        self._done.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    # -- called on the worker thread ------------------------------------------------------------
    def report(self, done: int, total: int, message: str = "") -> None:
        """The ``progress`` callback handed to the core (emits at most once per percent or message)."""
        pct = int(100 * done / total) if total > 0 else 0
        if (pct, message) != self._last:
            self._last = (pct, message)
            self.progressed.emit(int(done), int(total), str(message))

    def should_stop(self) -> bool:
        return self._stop.is_set()

    def _run(self) -> None:
        try:
            given = {"progress": self.report, "should_stop": self.should_stop}
            result = self.fn(**{h: given[h] for h in self.hooks})
        except Cancelled as exc:
            outcome, value = "cancelled", exc
        except BaseException as exc:  # noqa: BLE001 - every error is delivered to the GUI, never lost
            log_error(exc, self.title)
            outcome, value = "error", exc
        else:
            outcome, value = "ok", result
        try:
            self._done.emit(outcome, value)
        except RuntimeError:  # the task's Qt object went with the window (app closing): nobody to tell
            pass

    # -- GUI thread -----------------------------------------------------------------------------
    def cancel(self) -> None:
        self._stop.set()

    @Slot(str, object)
    def _deliver(self, outcome: str, value: object) -> None:
        self.outcome = outcome
        try:
            self._emit(outcome, value)
        except RuntimeError as exc:  # a receiver was deleted meanwhile (its screen closed): nothing to show
            log_error(exc, f"{self.title}: delivering the result")
        finally:
            self.finished.emit()
            _LIVE.discard(self)
            self.deleteLater()

    def _emit(self, outcome: str, value: object) -> None:
        if outcome == "ok":
            self.result = value
            self.succeeded.emit(value)
        elif outcome == "cancelled":
            self.error = value  # type: ignore[assignment]
            self.cancelled.emit()
        else:
            self.error = value  # type: ignore[assignment]
            self.failed.emit(value)


class _Runner(QRunnable):
    def __init__(self, task: Task) -> None:
        super().__init__()
        self.task = task
        self.setAutoDelete(True)

    def run(self) -> None:
        self.task._run()


class ProgressDialog(QDialog):
    """The window-modal progress dialog with Cancel (shown only for slow work)."""

    def __init__(self, task: Task, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setObjectName("progress-dialog")
        self.setWindowTitle(task.title)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setMinimumWidth(420)
        self.task = task
        self.label = QLabel(task.title + "…")
        self.label.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button, 0, Qt.AlignmentFlag.AlignRight)
        task.progressed.connect(self.update_progress)
        task.finished.connect(self.close_quietly)

    @Slot(int, int, str)
    def update_progress(self, done: int, total: int, message: str) -> None:
        if total > 0:
            self.bar.setRange(0, 1000)
            self.bar.setValue(int(1000 * min(done, total) / total))
        if message:
            self.label.setText(message)

    def reject(self) -> None:
        """Cancel (the button or Esc): ask the work to stop; the dialog closes when it has."""
        self.task.cancel()
        self.cancel_button.setEnabled(False)
        self.label.setText("Cancelling… (nothing of this step will be stored)")

    @Slot()
    def close_quietly(self) -> None:
        self.done(0)
        self.deleteLater()


def run_task(title: str, fn: Work, *, parent: QWidget | None = None, write: bool = False,
             on_done: Callable[[Any], None] | None = None, on_error: Callable[[BaseException], None] | None = None,
             on_cancel: Callable[[], None] | None = None, dialog: bool = True,
             dialog_delay_ms: int = DIALOG_DELAY_MS) -> Task:
    """Start ``fn`` (a `Work`) in the background and return its `Task`.

    ``write=True`` queues it on the serial write pool. ``on_done(result)`` runs on the GUI thread; errors go
    to ``on_error`` when given, else to an error dialog; ``on_cancel`` runs when the work was cancelled.
    ``dialog`` shows a progress dialog with Cancel once the work has run ``dialog_delay_ms``.
    """
    collect_on_gui_thread()  # before any work leaves the GUI thread: cycles holding Qt objects die there
    task = Task(title, fn)
    _LIVE.add(task)
    if on_done is not None:
        task.succeeded.connect(on_done)
    task.failed.connect(on_error if on_error is not None else (lambda exc: report_error(parent, exc, title)))
    if on_cancel is not None:
        task.cancelled.connect(on_cancel)
    if dialog:
        def show() -> None:
            if task.outcome:
                return
            box = ProgressDialog(task, parent)
            task.dialog = box  # type: ignore[attr-defined]
            box.show()

        QTimer.singleShot(dialog_delay_ms, task, show)
    (write_pool() if write else read_pool()).start(_Runner(task))
    return task
