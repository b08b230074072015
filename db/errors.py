"""Error types shared by every layer.

`InputError` is the user's fault (bad file, bad argument): the CLI prints its message and exits 2.
Any other `MetasiftError` exits 1. Neither ever shows a traceback unless ``--debug`` is given.
"""

from __future__ import annotations


class MetasiftError(Exception):
    """Base class for errors MetaSift reports to the user as a plain message."""

    exit_code = 1


class InputError(MetasiftError):
    """Bad input: a file that is not what it claims, a malformed value, an unknown record.

    The message names the file (and line or record where known) and what was expected.
    """

    exit_code = 2

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 record: int | None = None) -> None:
        where = []
        if file:
            where.append(str(file))
        if line is not None:
            where.append(f"line {line}")
        if record is not None:
            where.append(f"record {record}")
        self.file, self.line, self.record = file, line, record
        self.detail = message
        super().__init__(f"{': '.join([', '.join(where), message]) if where else message}")


class ReviewVersionError(MetasiftError):
    """The review was written by a newer MetaSift (its schema revision is unknown to this one)."""

    exit_code = 2


class Cancelled(MetasiftError):
    """Long work was stopped by ``should_stop()``; nothing of it was stored."""
