"""Import export files into a review: detect, read, clean, store — one transaction per file.

A file either lands whole (one `ImportBatch` plus all its records) or not at all: any error rolls the
transaction back, so a failed import changes nothing. A file whose bytes were imported before (same
SHA-256) is refused.
"""

from __future__ import annotations

import gc
import queue
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import CursorResult, delete, update
from sqlmodel import Session, col, select

from db.engine import ReviewDB
from db.errors import InputError
from db.models import ImportBatch, Record
from db.progress import Progress, ShouldStop, check_stop, never_stop, no_progress
from screening.importers import (
    Detection,
    ParsedRecord,
    SourceFile,
    database_and_tool,
    detect,
    get_importer,
    parallel,
    read_records,
)
from screening.importers.base import encode_columns
from screening.importers.databases import named_database

CHUNK = 2000


@dataclass(frozen=True)
class BatchSummary:
    """The outcome of importing one file (the CLI's ``--json`` batch entry)."""

    file: str
    format: str
    source_db: str
    records: int
    batch_id: int
    encoding: str | None = None
    warnings: tuple[str, ...] = ()  # repairs made while reading, each naming the file and lines
    exported_by: str = ""  # the screening tool or reference manager the file came through, when it says

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        out = {k: d[k] for k in ("file", "format", "source_db", "records", "batch_id")}
        if self.exported_by:
            out["exported_by"] = self.exported_by
        if self.warnings:  # only when something was repaired
            out["warnings"] = list(self.warnings)
        return out


def load_source(path: Path | str) -> SourceFile:
    """Read a file's bytes, with a clear message when it cannot be read."""
    p = Path(path)
    if not p.exists():
        raise InputError("does not exist", file=str(p))
    if p.is_dir():
        raise InputError("is a folder; give the export files inside it", file=str(p))
    try:
        return SourceFile(p)
    except OSError as exc:
        raise InputError(f"cannot be read: {exc.strerror}", file=str(p)) from exc


def already_imported(db: ReviewDB, path: Path | str) -> str:
    """"batch 3 (refs.ris, 120 records, 2026-05-01 10:00)" when ``db`` holds a file with these exact bytes,
    else "" (so the Import screen can say so before anyone presses Import)."""
    digest = load_source(path).sha256()
    with db.session() as session:
        prior = session.exec(select(ImportBatch).where(ImportBatch.sha256 == digest)).first()
    if prior is None:
        return ""
    return (f"batch {prior.id} ({prior.file_name}, {prior.record_count:,} records, "
            f"{prior.imported_at:%Y-%m-%d %H:%M})")


def preview(path: Path | str, *, format: str | None = None) -> Detection:
    """Detect a file's format and source database without importing it (for the GUI's preview)."""
    source = load_source(path)
    if format:
        imp = get_importer(format)
        return Detection(imp, 1.0, *database_and_tool(imp, source))
    return detect(source)


def import_file(db: ReviewDB, path: Path | str, *, source_db: str | None = None, format: str | None = None,
                options: Mapping[str, Any] | None = None, who: str = "",
                progress: Progress = no_progress, should_stop: ShouldStop = never_stop) -> BatchSummary:
    """Import one export into ``db`` in a single transaction and return its summary.

    ``format`` forces an importer by name; ``source_db`` overrides the database the content suggests;
    ``options`` go to the importer (e.g. ``{"mapping": {"title": "Article Title"}}`` for CSV).
    Raises `InputError` for a duplicate file, an unknown or malformed format, or a file with no records.
    """
    return import_files(db, [path], source_db=source_db, format=format, options=options, who=who,
                        progress=progress, should_stop=should_stop)[0]


@dataclass(frozen=True)
class ImportSpec:
    """One file with its own settings (what the GUI's import list holds): any of them may be None."""

    path: Path | str
    source_db: str | None = None
    format: str | None = None
    options: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Refused:
    """A file `import_good_files` left out, and why (the message names the file and line)."""

    file: str
    message: str


def import_good_files(db: ReviewDB, paths: Sequence[Path | str | ImportSpec], *, source_db: str | None = None,
                      format: str | None = None, options: Mapping[str, Any] | None = None, who: str = "",
                      progress: Progress = no_progress,
                      should_stop: ShouldStop = never_stop) -> tuple[list[BatchSummary], list[Refused]]:
    """Import each file in its own transaction, leaving out the ones refused: (imported, refused).

    Each file still lands whole or not at all; a refused file changes nothing. (`import_files` is the
    all-or-nothing import of several files together.)
    """
    specs = [p if isinstance(p, ImportSpec) else ImportSpec(p) for p in paths]
    done: list[BatchSummary] = []
    refused: list[Refused] = []
    n = max(1, len(specs))
    for k, spec in enumerate(specs):
        check_stop(should_stop)

        def sub(a: int, b: int, message: str = "", _k: int = k) -> None:
            progress(_k * 1000 + int(1000 * a / max(1, b)), n * 1000, message)

        try:
            done += import_files(db, [spec], source_db=source_db, format=format, options=options, who=who,
                                 progress=sub, should_stop=should_stop)
        except InputError as exc:
            refused.append(Refused(Path(spec.path).name, str(exc)))
    return done, refused


def import_files(db: ReviewDB, paths: Sequence[Path | str | ImportSpec], *, source_db: str | None = None,
                 format: str | None = None, options: Mapping[str, Any] | None = None, who: str = "",
                 progress: Progress = no_progress, should_stop: ShouldStop = never_stop) -> list[BatchSummary]:
    """Import several files in ONE transaction: all of them land, or (on any error) none does.

    ``paths`` may mix plain paths (which take ``source_db``/``format``/``options``) and `ImportSpec`s
    with settings of their own. The error names the bad file and, where known, its line or record.
    """
    specs = [p if isinstance(p, ImportSpec) else ImportSpec(p) for p in paths]
    sources = [load_source(spec.path) for spec in specs]
    seen: dict[str, str] = {}
    digests = [src.sha256() for src in sources]
    for src, digest in zip(sources, digests, strict=True):
        if digest in seen:
            raise InputError(f"has the same content as {seen[digest]}; give each export once",
                             file=src.name)
        seen[digest] = src.name
    total = sum(max(1, s.size) for s in sources)
    out: list[BatchSummary] = []
    with db.transaction() as session:
        offset = 0
        for spec, src, digest in zip(specs, sources, digests, strict=True):
            def sub(done: int, _total: int, message: str = "", _o: int = offset, _n: int = src.size) -> None:
                progress(_o + int(done * max(1, _n) / max(1, _total)), total, message)

            out.append(_import_source(
                session, src, digest, source_db=spec.source_db or source_db, format=spec.format or format,
                options=spec.options if spec.options is not None else options, who=who, progress=sub,
                should_stop=should_stop))
            offset += max(1, src.size)
        check_stop(should_stop)
    progress(total, total, f"{sum(b.records for b in out)} records imported")
    return out


def _import_source(session: Session, source: SourceFile, digest: str, *, source_db: str | None, format: str | None,
                   options: Mapping[str, Any] | None, who: str, progress: Progress,
                   should_stop: ShouldStop) -> BatchSummary:
    prior = session.exec(select(ImportBatch).where(ImportBatch.sha256 == digest)).first()
    if prior is not None:
        raise InputError(
            f"was already imported as batch {prior.id} ({prior.file_name}, {prior.record_count} records, "
            f"{prior.imported_at:%Y-%m-%d %H:%M}); importing it again would double-count its records",
            file=source.name)
    if format:
        importer = get_importer(format)
        detected_db, tool = database_and_tool(importer, source)
    else:
        det = detect(source)
        importer, detected_db, tool = det.importer, det.source_db, det.tool
    db_name = (named_database(source_db) if source_db and source_db.strip() else detected_db or "unknown").strip() \
        or "unknown"
    total_bytes = max(1, source.size)
    opts = dict(options or {})
    if tool:  # provenance: the file came through a screening tool or reference manager, not from a database
        opts["exported_by"] = tool

    batch = ImportBatch(file_name=source.name, sha256=digest, format=importer.name, source_db=db_name,
                        imported_by=who, options={k: v for k, v in opts.items() if _jsonable(v)})
    session.add(batch)
    session.flush()
    batch_id = batch.id
    assert batch_id is not None
    with _gc_paused(), RowWriter(session) as writer:
        count = _stream_rows(session, source, importer, opts, batch_id, writer, progress, should_stop,
                             total_bytes)
    if count == 0:
        raise InputError(f"contains no records (read as {importer.label})", file=source.name)
    values: dict[str, Any] = {"record_count": count}
    if source.warnings:  # kept with the batch: what was repaired stays visible after the import
        values["options"] = {**batch.options, "warnings": list(source.warnings)}
    session.execute(update(ImportBatch).where(col(ImportBatch.id) == batch_id).values(**values))
    progress(total_bytes, total_bytes, f"{source.name}: {count} records")
    return BatchSummary(file=source.name, format=importer.name, source_db=db_name, records=count,
                        batch_id=batch_id, encoding=source.encoding, warnings=tuple(source.warnings),
                        exported_by=tool or "")


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while streaming records: they form no cycles, and with
    hundreds of thousands of live objects the collector's generation scans cost more than parsing."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _stream_rows(session: Session, source: SourceFile, importer: Any, opts: Mapping[str, Any], batch_id: int,
                 writer: RowWriter, progress: Progress, should_stop: ShouldStop, total_bytes: int) -> int:
    rows: list[tuple[Any, ...]] = []
    count = 0
    n_lines = 0
    if parallel.supports(source, importer):
        encoded = parallel.parallel_rows(source, importer)
    else:
        encoded = ((rec.line, rec.source_id, encode_columns(rec)) for rec in read_records(source, importer, opts))
    nul_records = 0
    for line, source_id, columns in encoded:
        count += 1
        if any(type(c) is str and "\x00" in c for c in columns):  # PostgreSQL refuses NUL in text
            columns = tuple(c.replace("\x00", "") if type(c) is str else c for c in columns)
            nul_records += 1
        rows.append((batch_id, count, source_id or f"{batch_id}-{count}", *columns))
        if len(rows) >= CHUNK:
            check_stop(should_stop)
            writer.write(rows)
            rows = []
            if line:
                n_lines = n_lines or source.line_count()
                frac = min(1.0, line / n_lines)
            else:
                frac = 0.5
            progress(int(total_bytes * frac), total_bytes, f"{source.name}: {count} records")
    if rows:
        writer.write(rows)
    if nul_records:
        source.warn(f"NUL characters removed from {nul_records} record{'s' if nul_records > 1 else ''}")
    return count


def _jsonable(value: Any) -> bool:
    return isinstance(value, str | int | float | bool | dict | list | type(None))


_COLUMNS = ("batch_id", "ordinal", "source_id", "title", "abstract", "authors", "year", "journal", "volume",
            "issue", "pages", "doi", "pmid", "other_ids", "language", "keywords", "pub_type", "url", "raw")


class RowWriter:
    """Bulk-insert records through the DBAPI cursor of the session's connection (same transaction).

    SQLAlchemy's ORM/Core insert costs more than the parsing itself at 100,000 records (per-row
    parameter processing and JSON type handling), so rows go to ``executemany`` as tuples with the
    JSON columns serialised here. The database work runs on a writer thread (the drivers release the
    GIL while the database works), overlapping with parsing; at most two batches wait in its queue.
    Use as a context manager: leaving it waits for the writer and re-raises its error, if any.
    """

    def __init__(self, session: Session) -> None:
        conn = session.connection()
        dbapi = conn.connection.dbapi_connection
        assert dbapi is not None, "the session's connection is open"
        self._dbapi = dbapi
        mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        self._sql = (f"INSERT INTO record ({', '.join(_COLUMNS)}) "
                     f"VALUES ({', '.join([mark] * len(_COLUMNS))})")
        self._queue: queue.Queue[list[tuple[Any, ...]] | None] = queue.Queue(maxsize=2)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="metasift-import-writer", daemon=True)

    def __enter__(self) -> RowWriter:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._queue.put(None)
        self._thread.join()
        if self._error is not None and exc[0] is None:
            raise self._error

    def _run(self) -> None:
        while (rows := self._queue.get()) is not None:
            if self._error is not None:
                continue  # drain: the main thread learns of the error at the next write or at exit
            try:
                cur = self._dbapi.cursor()
                try:
                    cur.executemany(self._sql, rows)
                finally:
                    cur.close()
            except BaseException as exc:  # handed to the main thread
                self._error = exc

    @staticmethod
    def row(rec: ParsedRecord, batch_id: int, ordinal: int) -> tuple[Any, ...]:
        return (batch_id, ordinal, rec.source_id or f"{batch_id}-{ordinal}", *encode_columns(rec))

    def write(self, rows: list[tuple[Any, ...]]) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put(rows)


@dataclass(frozen=True)
class BatchInfo:
    """One imported file in the import history; ``can_undo``: nothing a person did refers to its records."""

    batch_id: int
    file: str
    format: str
    source_db: str
    records: int
    imported_at: datetime
    imported_by: str
    sha256: str
    options: dict[str, Any]
    can_undo: bool

    def to_json(self) -> dict[str, Any]:
        return {"batch_id": self.batch_id, "file": self.file, "format": self.format, "source_db": self.source_db,
                "records": self.records, "imported_at": self.imported_at, "imported_by": self.imported_by,
                "sha256": self.sha256, "options": self.options, "can_undo": self.can_undo}


@dataclass(frozen=True)
class BatchUndone:
    """An import `undo_batch` removed."""

    batch_id: int
    file: str
    records_removed: int
    by: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class DatabaseCorrected:
    """A batch's source database as `set_batch_database` corrected it (``old`` -> ``source_db``)."""

    batch_id: int
    file: str
    old: str
    source_db: str
    by: str

    def to_json(self) -> dict[str, Any]:
        return {"batch_id": self.batch_id, "file": self.file, "from": self.old, "source_db": self.source_db,
                "by": self.by}


def batches(db: ReviewDB) -> list[BatchInfo]:
    """The import history, oldest first."""
    with db.session() as session:
        rows = session.exec(select(ImportBatch).order_by(col(ImportBatch.id))).all()
        blocked = _batches_in_use(session)
    return [BatchInfo(b.id, b.file_name, b.format, b.source_db, b.record_count, b.imported_at, b.imported_by,
                      b.sha256, b.options, b.id not in blocked) for b in rows if b.id is not None]


def _batches_in_use(session: Session) -> dict[int, str]:
    """Batch id -> why it cannot be undone (a screening decision, a coded effect, a person's duplicate or
    sample-link decision on one of its records)."""
    from db.models import DuplicateDecision, EffectSize, SampleLink, ScreeningDecision

    why: dict[int, str] = {}
    checks = [
        (select(Record.batch_id).join(ScreeningDecision, col(ScreeningDecision.record_id) == Record.id),
         "records have screening decisions"),
        (select(Record.batch_id).join(EffectSize, col(EffectSize.record_id) == Record.id),
         "records have coded effects"),
    ]
    for table, label in ((DuplicateDecision, "duplicate decisions by a person"),
                         (SampleLink, "shared-sample decisions by a person")):
        for column in (table.record_a, table.record_b):
            checks.append((select(Record.batch_id).join(table, col(column) == Record.id)
                           .where(col(table.who) != "")
                           .where(col(table.decision).not_in(("auto", "queued", "suggested"))),
                           f"records have {label}"))
    for query, label in checks:
        for bid in session.exec(query.distinct()):
            why.setdefault(int(bid), label)
    return why


def undo_batch(db: ReviewDB, batch_id: int, who: str = "") -> BatchUndone:
    """Remove an import that nobody has worked on yet: its records, the machine's duplicate and
    sample-link suggestions about them, and the batch itself, in one transaction (so the same file can be
    imported again). Refused once a person has screened, coded, merged or linked any of its records."""
    from db.models import DuplicateDecision, SampleLink

    with db.transaction() as session:
        batch = session.get(ImportBatch, batch_id)
        if batch is None:
            raise InputError(f"there is no import batch {batch_id}")
        reason = _batches_in_use(session).get(batch_id)
        if reason is not None:
            raise InputError(f"batch {batch_id} ({batch.file_name}) cannot be undone: its {reason}")
        ids = select(Record.id).where(Record.batch_id == batch_id)
        for table in (DuplicateDecision, SampleLink):
            session.execute(delete(table).where(col(table.record_a).in_(ids) | col(table.record_b).in_(ids)))
        removed = session.execute(delete(Record).where(col(Record.batch_id) == batch_id))
        n = cast(CursorResult[Any], removed).rowcount  # a DELETE's result is a cursor result
        session.execute(delete(ImportBatch).where(col(ImportBatch.id) == batch_id))
    return BatchUndone(batch_id, batch.file_name, int(n or 0), who)


def set_batch_database(db: ReviewDB, batch_id: int, name: str, who: str = "") -> DatabaseCorrected:
    """Correct the database an imported file came from (PRISMA's per-database counts follow: they are
    grouped by the batch's database). ``name`` is stored as given, or as its canonical form when it is a
    known database's name or code ("psyh" -> "PsycINFO")."""
    clean_name = " ".join(name.split())
    if not clean_name:
        raise InputError("the database name is empty; give the database searched, e.g. PsycINFO")
    new = named_database(clean_name)
    with db.transaction() as session:
        batch = session.get(ImportBatch, batch_id)
        if batch is None:
            raise InputError(f"there is no import batch {batch_id}")
        old = batch.source_db
        batch.source_db = new
        batch.options = {**batch.options, "database_history": [
            *batch.options.get("database_history", []), {"from": old, "to": new, "by": who}]}
        session.add(batch)
    return DatabaseCorrected(batch_id, batch.file_name, old, new, who)
