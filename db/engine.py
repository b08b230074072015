"""Open, create and migrate review databases (a SQLite file, or a PostgreSQL URL for a team).

A new review is created with ``create_all`` and stamped at the Alembic head. Opening an older review
backs it up (SQLite: a copy beside the file) and upgrades it; a review whose schema revision this
MetaSift does not know was written by a newer version and is refused.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlmodel import Session, SQLModel, create_engine, select

from db import models
from db.credentials import PASSWORD_REFUSALS, redact, split_secret, with_password, without_password
from db.errors import InputError, MetasiftError, ReviewVersionError
from db.health import (
    DamagedReview,
    ReadOnlyReview,
    diagnose,
    is_sqlite_file,
    read_only_reason,
    read_only_url,
    readonly_message,
)
from db.identity import lenient_identity
from db.revision import SCHEMA_REVISION

if TYPE_CHECKING:
    from alembic.config import Config

T = TypeVar("T")
APP_VERSION = "0.1.0"
"""MetaSift's version: the one place it is written (pyproject.toml reads it from here)."""
MIGRATIONS_DIR = Path(__file__).with_name("migrations")
REVIEW_SUFFIX = ".metasift"


def is_url(target: str) -> bool:
    """True when ``target`` is a database URL rather than a file path."""
    return "://" in str(target)


def review_url(target: str | Path) -> str:
    """The SQLAlchemy URL for a review path or URL (``postgresql://`` uses the psycopg 3 driver)."""
    text = str(target)
    if text.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + text.split("://", 1)[1]
    if is_url(text):
        return text
    return "sqlite:///" + str(Path(text).expanduser().resolve())


def display_name(target: str | Path) -> str:
    """A review's name for messages: the file path, or the URL without its password (every form of it)."""
    text = str(target)
    if is_url(text):
        return redact(without_password(text))
    return text


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001 - DBAPI hook
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=15000")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.close()


def _sqlite_read_only_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001 - DBAPI hook
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=15000")
    cur.close()


def make_engine(url: str, connect_args: dict[str, str] | None = None, *, name: str = "",
                read_only: str | None = None) -> Engine:
    """An engine for ``url`` with MetaSift's connection settings (``connect_args``: e.g. the password).
    ``read_only`` (the reason, for messages) opens a SQLite review without changing its journal; a write to a
    read-only review raises `ReadOnlyReview` naming the review ``name`` and the reason."""
    if url.startswith("sqlite"):
        # check_same_thread off: the import's writer thread uses the connection while the importing
        # thread parses (never both at once); sessions are still used one thread at a time.
        engine = create_engine(url, connect_args={"timeout": 15, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_read_only_pragmas if read_only else _sqlite_pragmas)

        def readonly_write(ctx) -> None:  # noqa: ANN001 - SQLAlchemy's ExceptionContext
            if "readonly" in str(ctx.original_exception).replace(" ", "").lower():
                raise ReadOnlyReview(readonly_message(name or url, read_only or "the file cannot be written"))

        event.listen(engine, "handle_error", readonly_write)
        return engine
    return create_engine(url, pool_pre_ping=True, connect_args=dict(connect_args or {}))


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revision() -> str:
    """The newest schema revision this MetaSift knows, as Alembic reads it from the migrations."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return {rev.revision for rev in script.walk_revisions()}


@dataclass
class ReviewDB:
    """An open review: its URL, engine, and a factory for sessions."""

    target: str
    url: str
    engine: Engine
    backup_path: Path | None = None
    read_only: str | None = None  # why the review cannot be written (None: it can)
    secret: dict[str, str] = field(default_factory=dict, repr=False)
    viewer: str | None = None
    facts: dict[str, object] = field(default_factory=dict, repr=False)
    """What does not change while the engine lives (e.g. the login and whether it administers the review)."""
    """Who reads through this handle (the typed name; on PostgreSQL the login counts): blind stages hide
    other members' votes from them (`screening.team.visible_filter`)."""

    def handover_target(self) -> str:
        """The target with its password, for a child process that opens the same review (never shown)."""
        password = self.secret.get("password")
        return with_password(self.target, password) if password is not None else self.target

    @property
    def name(self) -> str:
        return display_name(self.target)

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    def session(self) -> Session:
        """A new session; commit explicitly (``expire_on_commit`` is off so objects stay readable)."""
        return Session(self.engine, expire_on_commit=False)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work is committed on success and rolled back on any error."""
        with self.session() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def review(self) -> models.Review:
        with self.session() as session:
            row = session.exec(select(models.Review)).first()
        if row is None:
            raise MetasiftError(f"{self.name}: the review row is missing; the file is damaged")
        return row

    def close(self) -> None:
        self.engine.dispose()


class ReviewBusy(MetasiftError):
    """Another program held the review's write lock for longer than MetaSift waits; nothing was stored."""


WRITE_WAIT_S = 600.0
"""How long a write waits for another program's write (an import of 100,000 records) to finish, in
seconds; ``$METASIFT_WRITE_WAIT`` overrides it."""


def is_busy(exc: BaseException) -> bool:
    """True for SQLite's "database is locked" / "busy" (another connection holds the write lock)."""
    text = str(getattr(exc, "orig", exc)).lower()
    return isinstance(exc, (OperationalError, sqlite3.OperationalError)) and (
        "database is locked" in text or "database is busy" in text or "database table is locked" in text)


def while_busy(db: ReviewDB, work: Callable[[], T], what: str) -> T:
    """Run ``work`` (one whole transaction); while another program holds the review's write lock, wait and run
    it again, up to `WRITE_WAIT_S`; then `ReviewBusy` says clearly that ``what`` was not stored."""
    import os
    import time

    limit = float(os.environ.get("METASIFT_WRITE_WAIT", WRITE_WAIT_S))
    start = time.monotonic()
    while True:
        try:
            return work()
        except OperationalError as exc:
            if not is_busy(exc):
                raise
            waited = time.monotonic() - start
            if waited >= limit:
                raise ReviewBusy(f"{db.name} is busy: another program (an import?) has been writing to it for "
                                 f"{waited:.0f} s; {what} was NOT stored. Try again when it has finished.") from None
            time.sleep(0.25)


def _current_revision(engine: Engine) -> tuple[str | None, bool]:
    """(revision stamped in the database's ``alembic_version`` table, whether it has MetaSift's tables)."""
    with engine.connect() as conn:
        tables = inspect(conn)
        has_review = tables.has_table("review")
        if not tables.has_table("alembic_version"):
            return None, has_review
        revs = [row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))]
    if len(revs) > 1:
        raise MetasiftError(f"the review is stamped with several schema revisions ({', '.join(revs)})")
    return (revs[0] if revs else None), has_review


def create_review(target: str | Path, *, title: str = "Untitled review", protocol: str | None = None,
                  protocol_name: str | None = None, by: str = "") -> ReviewDB:
    """Create a new, empty review at ``target`` (path or URL) at the newest schema revision; a ``protocol``
    text given becomes its protocol version 1, stored by ``by``.

    Refuses a path or database that already holds a review.
    """
    target, secret = split_secret(str(target))
    url = review_url(target)
    if not is_url(target):
        path = Path(target).expanduser()
        if path.exists() and path.stat().st_size > 0:
            raise InputError(f"{target} already exists; choose a new file name or open it instead")
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url, secret)
    try:
        rev, has_review = _current_revision(engine)
        if rev is not None or has_review:
            raise InputError(f"{display_name(target)} already holds a MetaSift review")
        with engine.begin() as conn:
            from alembic import command

            SQLModel.metadata.create_all(conn)
            cfg = alembic_config(url)
            cfg.attributes["connection"] = conn
            command.stamp(cfg, "head")
            if conn.dialect.name == "postgresql":
                from db import pg_security

                pg_security.install(conn)
        with Session(engine) as session:
            session.add(models.Review(title=title, protocol=protocol, protocol_name=protocol_name,
                                      app_version=APP_VERSION))
            if protocol:  # version 1 of the protocol log (db.protocol_store)
                session.add(models.ProtocolVersion(version=1, name=protocol_name or "", text=protocol,
                                                   summary="the protocol the review was created with",
                                                   who=lenient_identity(by) if by else ""))
            session.commit()
    except OperationalError as exc:
        engine.dispose()
        reason = redact(exc.orig)
        if is_url(target) and any(t in reason for t in PASSWORD_REFUSALS):
            raise LoginRefused(login_refusal(display_name(target), reason)) from exc
        raise MetasiftError(f"cannot create a review at {display_name(target)}: {reason}") from exc
    except BaseException:
        engine.dispose()
        raise
    return ReviewDB(target=target, url=url, engine=engine, secret=secret)


def _backup_sqlite(url: str, revision: str) -> Path:
    src = Path(make_url(url).database or "")
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    dest = src.with_name(f"{src.name}.{revision}.{stamp}.bak")
    with sqlite3.connect(src) as s, sqlite3.connect(dest) as d:
        s.backup(d)
    return dest


class LoginRefused(MetasiftError):
    """The PostgreSQL server wanted a password it was not given, or refused the one it was given."""


def login_refusal(name: str, reason: str) -> str:
    """The message for `LoginRefused`: ``name`` (the review, no password) and libpq's ``reason``."""
    if PASSWORD_REFUSALS[0] in reason:
        return f"{name}: the server asks for this login's password and none was found ({reason})"
    return f"{name}: the server refused the login ({reason})"


def open_review(target: str | Path, *, upgrade: bool = True) -> ReviewDB:
    """Open an existing review, upgrading an older schema after backing it up.

    Raises `InputError` when there is no review at ``target``, `LoginRefused` when the server refuses the
    login's password (or got none), and `ReviewVersionError` when the review was written by a newer MetaSift.
    """
    target, secret = split_secret(str(target))
    url = review_url(target)
    read_only = None
    if not is_url(target):
        path = Path(target).expanduser()
        if not path.is_file():
            raise InputError(f"no review at {target}; create one with `metasift init {target}`")
        read_only = read_only_reason(path)
        if read_only:
            url = read_only_url(path)
    engine = make_engine(url, secret, name=display_name(target), read_only=read_only)
    try:
        try:
            rev, has_review = _current_revision(engine)
        except (OperationalError, sqlite3.DatabaseError, SQLAlchemyError) as exc:
            reason = redact(getattr(exc, "orig", exc))
            if is_url(target) and any(t in reason for t in PASSWORD_REFUSALS):
                raise LoginRefused(login_refusal(display_name(target), reason)) from exc
            if is_url(target) and reason.startswith("connection failed"):  # psycopg: no session at all
                raise MetasiftError(f"cannot connect to {display_name(target)} ({reason})") from exc
            if not is_url(target) and is_sqlite_file(Path(target).expanduser()):
                raise _damaged(target, exc) from exc
            raise InputError(f"{display_name(target)} is not a MetaSift review (cannot read it as a "
                             f"database: {reason})") from exc
        if rev is None:
            raise InputError(f"{display_name(target)} is not a MetaSift review (no schema revision found)"
                             if not has_review else
                             f"{display_name(target)} has MetaSift tables but no schema revision; "
                             "it was not written by MetaSift")
        if rev != SCHEMA_REVISION and rev not in known_revisions():
            raise ReviewVersionError(
                f"{display_name(target)} was written by a newer MetaSift (schema revision {rev}); "
                f"this MetaSift {APP_VERSION} knows revisions up to {head_revision()}. "
                "Upgrade MetaSift to open it; the review was not changed.")
        backup = None
        if rev != SCHEMA_REVISION:
            if read_only:
                raise ReadOnlyReview(f"{display_name(target)} needs an upgrade to this MetaSift's schema, but "
                                     f"{read_only}; copy it to a folder you can write to and open the copy")
            if not upgrade:
                raise ReviewVersionError(f"{display_name(target)} needs an upgrade from {rev}")
            if url.startswith("sqlite"):
                backup = _backup_sqlite(url, rev)
            from alembic import command

            with engine.connect() as conn:
                sqlite = url.startswith("sqlite")
                if sqlite:  # batch mode copies tables; a self-referencing key must not block the copy
                    conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
                    conn.commit()
                with conn.begin():
                    cfg = alembic_config(url)
                    cfg.attributes["connection"] = conn
                    command.upgrade(cfg, "head")
                    if sqlite and conn.exec_driver_sql("PRAGMA foreign_key_check").first() is not None:
                        raise MetasiftError(f"{display_name(target)}: the upgrade would break a reference "
                                            "between rows; nothing was changed (the backup is beside the file)")
                if sqlite:
                    conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                    conn.commit()
        db = ReviewDB(target=target, url=url, engine=engine, backup_path=backup, secret=secret, read_only=read_only)
        if not is_url(target):
            try:
                db.review()
            except (ValueError, sqlite3.DatabaseError, SQLAlchemyError) as exc:
                raise _damaged(target, exc) from exc
    except BaseException:
        engine.dispose()
        raise
    return db


def _damaged(target: str, exc: BaseException) -> DamagedReview:
    found = diagnose(Path(target).expanduser()) or f"reading it failed: {getattr(exc, 'orig', exc)}"
    return DamagedReview(f"{display_name(target)} is damaged ({found}); restore it from a backup (an upgrade "
                         "leaves a .bak copy beside the file)")

