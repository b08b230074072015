"""Errors as dialogs, never tracebacks: a plain message for MetaSift's own errors, and the details of any
other error in a log file (``$METASIFT_HOME/metasift.log`` or ``~/.local/share/metasift/metasift.log``)."""

from __future__ import annotations

import logging
import os
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from db.credentials import redact
from db.errors import Cancelled, MetasiftError

LOG = logging.getLogger("metasift.gui")


def data_home() -> Path:
    """MetaSift's data folder: $METASIFT_HOME, else ~/.local/share/metasift."""
    home = os.environ.get("METASIFT_HOME")
    return Path(home) if home else Path.home() / ".local" / "share" / "metasift"


def log_path() -> Path:
    return data_home() / "metasift.log"


class RedactingFormatter(logging.Formatter):
    """A formatter whose every line (message and traceback) has its passwords redacted."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def setup_logging() -> Path:
    """Send the GUI's log to `log_path` (re-pointed when $METASIFT_HOME changes); return the path."""
    path = log_path()
    for handler in list(LOG.handlers):
        if isinstance(handler, RotatingFileHandler) and Path(handler.baseFilename) != path.resolve():
            LOG.removeHandler(handler)
            handler.close()
    if not any(isinstance(h, RotatingFileHandler) for h in LOG.handlers):
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = RotatingFileHandler(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
        handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(threadName)s %(message)s"))
        LOG.addHandler(handler)
        LOG.setLevel(logging.INFO)
        LOG.propagate = False
    return path


def describe(exc: BaseException, context: str = "") -> str:
    """The dialog text for ``exc``: MetaSift's message as is; other errors in one line plus the log path."""
    if isinstance(exc, MetasiftError):
        return redact(exc)
    what = f"{context} failed" if context else "Something went wrong"
    return (f"{what}: {type(exc).__name__}: {redact(exc)}\n\nThis is a bug in MetaSift; the details are in "
            f"{log_path()}. Nothing was stored by the step that failed.")


def log_error(exc: BaseException, context: str = "") -> None:
    setup_logging()
    if isinstance(exc, MetasiftError):
        LOG.warning("%s: %s", context or "error", exc)
    else:
        LOG.error("%s", context or "unexpected error", exc_info=(type(exc), exc, exc.__traceback__))


def report_error(parent: QWidget | None, exc: BaseException, context: str = "") -> QMessageBox | None:
    """Log ``exc`` and show it in a window-modal message box (non-blocking); `Cancelled` shows nothing."""
    log_error(exc, context)
    if isinstance(exc, Cancelled):
        return None
    icon = QMessageBox.Icon.Warning if isinstance(exc, MetasiftError) else QMessageBox.Icon.Critical
    box = QMessageBox(icon, f"MetaSift — {context}" if context else "MetaSift", describe(exc, context),
                      QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("error-dialog")
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


def install_excepthook() -> None:
    """Uncaught exceptions in Qt slots become dialogs (and log entries) instead of tracebacks."""

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc, tb)
            return
        exc.__traceback__ = tb
        app = QApplication.instance()
        parent = app.activeWindow() if isinstance(app, QApplication) else None
        report_error(parent, exc)

    sys.excepthook = hook
