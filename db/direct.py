"""Reading a review through its database driver alone (sqlite3, or psycopg for PostgreSQL), without SQLAlchemy:
for `metasift status`, which must answer within half a second and would spend most of it importing SQLAlchemy
and the ORM models (about 0.4 s).

`open_direct` opens only a review that the normal way (`db.engine.open_review`) would open without doing or
saying anything more: a SQLite file or a ``postgresql://`` URL, stamped with this MetaSift's `SCHEMA_REVISION`
(an older review is upgraded by the normal way, a newer one refused), with one readable review row, the
password in the URL, the keyring or libpq's own files. For anything else it returns None and the caller opens
the review the normal way, which gives the messages (damaged, not a review, login refused, the password
prompt). A SQLite review is always opened read-only here (``mode=ro``: status writes nothing).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from db.credentials import redact, split_password, without_password
from db.health import is_sqlite_file, read_only_reason, read_only_uri
from db.revision import SCHEMA_REVISION

IS_ADMIN_SQL = ("SELECT r.rolsuper OR pg_has_role(current_user, t.tableowner, 'MEMBER') "
                "FROM pg_roles r, pg_tables t WHERE r.rolname = current_user "
                "AND t.schemaname = current_schema() AND t.tablename = 'member'")
"""PostgreSQL: is the login a superuser or does it own the review's tables (`db.pg_security.is_admin`)."""


@dataclass
class DirectReview:
    """An open review read through its driver. ``name``: as messages show it (no password)."""

    name: str
    is_sqlite: bool
    conn: Any  # sqlite3.Connection or psycopg.Connection
    errors: tuple[type[BaseException], ...]
    """The driver's exceptions: a caller that meets one falls back to the normal way."""

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """The rows of one SELECT; ``?`` marks a parameter (whatever the driver's own style)."""
        if not self.is_sqlite:
            sql = sql.replace("?", "%s")
        return [tuple(r) for r in self.conn.execute(sql, tuple(params)).fetchall()]

    def close(self) -> None:
        self.conn.close()


def _sqlite(target: str) -> DirectReview | None:
    path = Path(target).expanduser()
    if not path.is_file() or not is_sqlite_file(path):
        return None
    uri = read_only_uri(path) if read_only_reason(path) else f"{path.resolve().as_uri()}?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=15)
    except sqlite3.Error:
        return None
    return DirectReview(target, True, conn, (sqlite3.Error,))


def _postgres(target: str) -> DirectReview | None:
    if not target.startswith(("postgresql://", "postgres://")):
        return None
    import psycopg

    bare, password = split_password(target)  # not the keyring's (~0.2 s to load): see the module docstring
    try:
        conn = psycopg.connect(bare, password=password)
    except (psycopg.Error, ValueError):
        return None
    return DirectReview(redact(without_password(bare)), False, conn, (psycopg.Error,))


def open_direct(target: str) -> DirectReview | None:
    """The review at ``target`` opened through its driver, or None when the normal way must open it (see the
    module docstring)."""
    review = _postgres(target) if "://" in target else _sqlite(target)
    if review is None:
        return None
    try:
        revision = review.rows("SELECT version_num FROM alembic_version")
        if revision != [(SCHEMA_REVISION,)]:
            return _closed(review)
        check = ("SELECT count(*), sum(CASE WHEN created_at IS NOT NULL AND julianday(created_at) IS NULL "
                 "THEN 1 ELSE 0 END) FROM review" if review.is_sqlite else "SELECT count(*), 0 FROM review")
        found = review.rows(check)
        if found != [(1, 0)]:  # no review row, several, or an unreadable time: the normal way says so
            return _closed(review)
    except review.errors:
        return _closed(review)
    return review


def _closed(review: DirectReview) -> DirectReview | None:
    review.close()
    return None
