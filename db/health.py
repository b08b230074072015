"""Read-only and damaged SQLite reviews: opening one that cannot be written, and saying what is wrong with one
that cannot be read.

- Read-only: a review file without write permission, or in a folder (file system) that cannot be written,
  is opened read-only (SQLite ``mode=ro``; ``immutable=1`` when not even SQLite's shared-memory file can be
  made beside it). Reading works; any write fails with `ReadOnlyReview`, which says why.
- Damaged: `diagnose` runs SQLite's own checks (``PRAGMA quick_check``, ``foreign_key_check``) and MetaSift's
  (the review row, stored times that SQLite's ``julianday`` cannot read) and names the first that fails, so a
  damaged file is reported as "damaged: <check>: <detail>" instead of a Python error from deep inside.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from urllib.parse import quote

from db.errors import MetasiftError

SQLITE_HEADER = b"SQLite format 3\x00"


class ReadOnlyReview(MetasiftError):
    """A write to a review that is open read-only."""


class DamagedReview(MetasiftError):
    """The review file is damaged: a check of its contents failed."""


def is_sqlite_file(path: Path) -> bool:
    """True when the file starts with SQLite's header (a damaged review still does; a PDF does not)."""
    try:
        with path.open("rb") as fh:
            return fh.read(16) == SQLITE_HEADER
    except OSError:
        return False


def _writable(path: Path) -> bool:
    if os.access in os.supports_effective_ids:  # the user the process acts as, not the one who started it
        return os.access(path, os.W_OK, effective_ids=True)
    return os.access(path, os.W_OK)


def read_only_reason(path: Path) -> str | None:
    """Why the review file cannot be written (None when it can): a read-only file system, the file's
    permissions, or its folder's."""
    try:
        if os.statvfs(path).f_flag & os.ST_RDONLY:
            return "it is on a read-only file system"
    except (OSError, AttributeError):
        pass
    if not _writable(path):
        return "the file is read-only" if _writable(path.parent) else "the file and its folder are read-only"
    if not _writable(path.parent):
        return f"its folder {path.parent} is read-only"
    return None


def read_only_uri(path: Path) -> str:
    """SQLite's URI that opens ``path`` read-only (immutable when SQLite cannot add its -shm file)."""
    wal_ready = path.with_name(path.name + "-shm").exists() or _writable(path.parent)
    try:
        if os.statvfs(path).f_flag & os.ST_RDONLY:
            wal_ready = False
    except (OSError, AttributeError):
        pass
    query = "mode=ro" if wal_ready else "mode=ro&immutable=1"
    return f"file:{quote(str(path.resolve()))}?{query}"


def read_only_url(path: Path) -> str:
    """The SQLAlchemy URL of `read_only_uri`."""
    return f"sqlite:///{read_only_uri(path)}&uri=true"


def readonly_message(name: str, reason: str) -> str:
    return (f"{name} is open read-only ({reason}): reading, listing and exporting work, but nothing can be "
            "stored; copy the review to a folder you can write to, or ask its owner for write access")


def diagnose(path: Path) -> str | None:
    """The first failed check of a SQLite review (``"<check>: <detail>"``), or None when every check passes.

    Time: one pass over the file (quick_check) plus one scan of each time column.
    """
    if not is_sqlite_file(path):
        return "file header: the file does not start with SQLite's header (it is not a SQLite database)"
    try:
        con = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        return f"open: {exc}"
    try:
        rows = [r[0] for r in con.execute("PRAGMA quick_check(5)")]
        if rows != ["ok"]:
            return "SQLite quick_check: " + "; ".join(rows)
        bad = con.execute("PRAGMA foreign_key_check").fetchall()
        if bad:
            return f"foreign keys: {len(bad)} row(s) point to missing rows (first: table {bad[0][0]}, row {bad[0][1]})"
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "review" not in tables:
            return "tables: the review table is missing"
        if con.execute("SELECT count(*) FROM review").fetchone()[0] != 1:
            return "review row: there must be exactly one review row"
        for table in sorted(tables):
            for col in con.execute(f'PRAGMA table_info("{table}")'):
                if str(col[2]).upper() not in ("DATETIME", "TIMESTAMP"):
                    continue
                found = con.execute(f'SELECT rowid, "{col[1]}" FROM "{table}" WHERE "{col[1]}" IS NOT NULL '
                                    f'AND julianday("{col[1]}") IS NULL LIMIT 1').fetchone()
                if found:
                    return f"stored times: {table}.{col[1]} of row {found[0]} is not a time ({found[1]!r})"
    except sqlite3.DatabaseError as exc:
        return f"SQLite: {exc}"
    finally:
        con.close()
    return None
