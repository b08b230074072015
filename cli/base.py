"""Shared pieces of the command line: results, the terminal progress bar, review opening.

A command module (``cli/cmd_*.py``) defines ``register(subparsers)``; each sub-command sets
``handler=fn`` where ``fn(args) -> Result``. With ``--json`` the CLI prints ``result.data`` as one JSON
document on stdout; otherwise ``result.text``. Errors are raised as `db.errors.InputError` (exit 2) or
`MetasiftError` (exit 1) and printed as one line on stderr. A handler opens its review with
``with open_for(args) as db:`` (or ``contextlib.closing`` around `create_review`), never open/try/close.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from db.engine import ReviewDB


@dataclass
class Result:
    """What a command returns: the JSON document and the human-readable text."""

    data: Any
    text: str = ""
    exit_code: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def add_review_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("review", metavar="REVIEW",
                        help="review file (e.g. my-review.metasift) or postgresql:// URL")


def add_reviewer_arg(parser: argparse.ArgumentParser, who: str) -> None:
    """``--reviewer NAME``; ``who`` says what the name is for ("who decides")."""
    parser.add_argument("--reviewer", default=None, help=f"{who} (default: $METASIFT_USER or $USER)")


def add_json_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON document on stdout")


def open_for(args: argparse.Namespace) -> closing[ReviewDB]:
    """The review named by ``args.review``, for ``with open_for(args) as db:`` (closed when the block ends),
    opened through `with_login` (the password prompt). Database code is imported here, not on top: ``--help``
    and argument errors load none of it."""
    from db.engine import open_review

    db = with_login(args.review, open_review)
    db.viewer = reviewer_name(args)
    return closing(db)


def with_login(target: str, work: Callable[[str], ReviewDB]) -> ReviewDB:
    """``work(target)`` (open or create a review); a PostgreSQL server that wants a password libpq could not
    find (``~/.pgpass``, ``PGPASSFILE``, a service file), or refused the one found, gets one typed at a prompt
    on a terminal, kept in the system keyring when ``$METASIFT_KEYRING=1``. The password never appears in any
    output; without a terminal the message says where a password can come from."""
    from db.credentials import PASSWORD_REFUSALS, keep_in_keyring, with_password, without_password
    from db.engine import LoginRefused, display_name

    try:
        return work(target)
    except LoginRefused as exc:
        if not sys.stdin.isatty():
            if PASSWORD_REFUSALS[0] in str(exc):  # no password found anywhere
                raise LoginRefused(f"{exc}. Give the password through ~/.pgpass, PGPASSFILE or a pg_service.conf "
                                   "entry (?service=NAME), keep it in the system keyring (METASIFT_KEYRING=1 at a "
                                   "terminal prompt), or run the command in a terminal to be asked") from None
            raise LoginRefused(f"{exc}. The password found (in the URL, ~/.pgpass, PGPASSFILE, the service file or "
                               "the system keyring) is not this login's: correct it there, or run the command in a "
                               "terminal to be asked (METASIFT_KEYRING=1 keeps the new one)") from None
    import getpass

    bare = without_password(target)
    password = getpass.getpass(f"password for {display_name(bare)}: ")
    db = work(with_password(bare, password))
    if os.environ.get("METASIFT_KEYRING") == "1" and not keep_in_keyring(bare, password):
        print("metasift: no system keyring is usable; the password was not kept", file=sys.stderr)
    return db


def reviewer_name(args: argparse.Namespace) -> str:
    return getattr(args, "reviewer", None) or os.environ.get("METASIFT_USER") or os.environ.get("USER", "")


class TerminalProgress:
    """A ``progress(done, total, message)`` callback drawing a bar on stderr (only on a terminal)."""

    def __init__(self, enabled: bool | None = None, width: int = 30) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.width = width
        self._last = 0.0
        self._drawn = False

    def __call__(self, done: int, total: int, message: str = "") -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if done < total and now - self._last < 0.1:
            return
        self._last = now
        frac = done / total if total else 1.0
        filled = int(self.width * frac)
        bar = "#" * filled + "-" * (self.width - filled)
        sys.stderr.write(f"\r[{bar}] {frac:6.1%} {message[:50]:<50}")
        sys.stderr.flush()
        self._drawn = True

    def finish(self) -> None:
        if self._drawn:
            sys.stderr.write("\n")
            sys.stderr.flush()
            self._drawn = False

    def __enter__(self) -> TerminalProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        """``with TerminalProgress() as bar:`` ends the bar's line however the block ends."""
        self.finish()


def table(rows: list[list[Any]], headers: list[str]) -> str:
    """A plain aligned text table."""
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
