"""PDFs stored in the review and attached to records (append-only `PdfAttachment` log over `PdfBlob` rows).

* ``attach`` checks and reads a PDF (`screening.fulltext.pdf.read_pdf`), stores its bytes once per sha256
  (the same file attached twice, or to two records, is one blob) and appends an ``attach`` row naming who,
  when, the file name and how (file, folder, drop). Attaching a PDF the record already has is a no-op.
* ``detach`` appends a ``detach`` row: the PDF leaves the record, its bytes and the history stay.
* A record's full texts are those of its duplicate group (a PDF attached to one copy serves them all).

Who acts is the review's member (`screening.team.acting`): on PostgreSQL the login, elsewhere the name given.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from db.engine import ReviewDB
from db.errors import InputError
from db.models import PdfAttachment, PdfBlob, Record
from screening.fulltext.pdf import MAX_PDF_BYTES, PdfInfo, check_bytes, read_pdf

HOWS = ("file", "folder", "drop")


@dataclass(frozen=True)
class AttachedPdf:
    """A PDF attached to a record now: which, since when, by whom, from which file."""

    record_id: int
    sha256: str
    size: int
    pages: int
    file_name: str
    who: str
    at: str
    meta: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"record_id": self.record_id, "sha256": self.sha256, "size": self.size, "pages": self.pages,
                "file_name": self.file_name, "attached_by": self.who, "attached_at": self.at,
                "title": self.meta.get("Title", ""), "author": self.meta.get("Author", "")}


@dataclass(frozen=True)
class AttachResult:
    record_id: int
    sha256: str
    pages: int
    size: int
    file_name: str
    stored: bool
    """False when the review already held these bytes (stored once, by sha256)."""
    already_attached: bool

    def to_json(self) -> dict[str, Any]:
        return {"record_id": self.record_id, "sha256": self.sha256, "pages": self.pages, "size": self.size,
                "file_name": self.file_name, "stored_new": self.stored, "already_attached": self.already_attached}


def read_file(path: Path) -> bytes:
    """The bytes of a PDF file, refusing a missing file, a folder, or one over the size limit unread."""
    path = Path(path)
    if not path.is_file():
        raise InputError("no such file" if not path.exists() else "not a file", file=str(path))
    size = path.stat().st_size
    if size > MAX_PDF_BYTES:
        raise InputError(f"the file is {size / 2**20:.1f} MiB; MetaSift stores PDFs up to "
                         f"{MAX_PDF_BYTES // 2**20} MiB", file=str(path))
    return path.read_bytes()


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _group(session: Session, record_id: int) -> list[int]:
    from screening.decisions import group_of

    if session.get(Record, int(record_id)) is None:
        raise InputError(f"there is no record #{record_id} in this review")
    return group_of(session, int(record_id))


def _current(session: Session, record_ids: list[int]) -> dict[int, PdfAttachment]:
    """pdf id -> its latest ``attach`` row still in force on any of ``record_ids``."""
    rows = session.exec(select(PdfAttachment).where(
        col(PdfAttachment.record_id).in_(record_ids)).order_by(col(PdfAttachment.id)))
    live: dict[int, PdfAttachment] = {}
    for row in rows:
        if row.action == "attach":
            live.setdefault(row.pdf_id, row)
        else:
            live.pop(row.pdf_id, None)
    return live


def attached_in(session: Session, record_id: int) -> list[AttachedPdf]:
    """The PDFs attached now to ``record_id``'s duplicate group, oldest attachment first."""
    live = _current(session, _group(session, record_id))
    if not live:
        return []
    q = select(PdfBlob).options(defer(PdfBlob.data), defer(PdfBlob.page_text))  # type: ignore[arg-type]
    blobs = {b.id: b for b in session.exec(q.where(col(PdfBlob.id).in_(list(live))))}
    out = []
    for pdf_id, row in sorted(live.items(), key=lambda kv: kv[1].id or 0):
        b = blobs[pdf_id]
        out.append(AttachedPdf(record_id=row.record_id, sha256=b.sha256, size=b.size, pages=b.pages,
                               file_name=row.file_name, who=row.who, at=row.at.isoformat() if row.at else "",
                               meta=dict(b.meta or {})))
    return out


def attached(db: ReviewDB, record_id: int) -> list[AttachedPdf]:
    with db.session() as session:
        return attached_in(session, record_id)


def _write(db: ReviewDB, act: str, fn):  # noqa: ANN001, ANN202 - one transaction, the server's refusal made clear
    from screening.team import server_refusal

    try:
        with db.transaction() as session:
            return fn(session)
    except DBAPIError as exc:
        if isinstance(exc, IntegrityError):
            raise
        refused = server_refusal(exc, act)
        if refused is not None:
            raise refused from None
        raise


def attach_bytes(db: ReviewDB, record_id: int, data: bytes, file_name: str, who: str, how: str = "file",
                 info: PdfInfo | None = None, note: str = "") -> AttachResult:
    """Store ``data`` (the PDF ``file_name``) once by sha256 and attach it to ``record_id``; committed on return."""
    from screening.team import acting, require

    if how not in HOWS:
        raise InputError(f"unknown way of attaching {how!r}; expected one of {', '.join(HOWS)}")
    check_bytes(data, file_name)
    digest = sha256_of(data)
    with db.session() as session:
        known = session.exec(select(PdfBlob.id, PdfBlob.pages).where(PdfBlob.sha256 == digest)).first()
    if known is None and info is None:
        info = read_pdf(data, file_name)

    def work(session: Session) -> AttachResult:
        me = acting(db, session, who)
        require(me, "screener", "coder", "lead", act="attach full texts")
        group = _group(session, record_id)
        blob = session.exec(select(col(PdfBlob.id), col(PdfBlob.pages)).where(PdfBlob.sha256 == digest)).first()
        stored = blob is None
        pdf_id: int
        if blob is None:
            assert info is not None
            row = PdfBlob(sha256=digest, size=len(data), pages=info.pages, data=data, page_text=info.page_text,
                          meta={**info.meta, **({"doi": info.doi} if info.doi else {})}, added_by=me.identity)
            session.add(row)
            session.flush()
            pdf_id, pages = int(row.id or 0), info.pages
        else:
            pdf_id, pages = int(blob[0] or 0), blob[1]
        if pdf_id in _current(session, group):
            return AttachResult(record_id, digest, pages, len(data), file_name, stored, True)
        session.add(PdfAttachment(record_id=int(record_id), pdf_id=pdf_id, action="attach", file_name=file_name,
                                  how=how, note=note, who=me.identity, member_id=me.id))
        return AttachResult(record_id, digest, pages, len(data), file_name, stored, False)

    try:
        return _write(db, "attach full texts", work)
    except IntegrityError:  # another member stored the same bytes at the same moment: attach theirs
        return _write(db, "attach full texts", work)


def attach(db: ReviewDB, record_id: int, path: Path | str, who: str, how: str = "file") -> AttachResult:
    """Attach the PDF file at ``path`` to ``record_id`` (see `attach_bytes`)."""
    path = Path(path)
    return attach_bytes(db, record_id, read_file(path), path.name, who, how)


def detach(db: ReviewDB, record_id: int, who: str, sha256: str | None = None, note: str = "") -> AttachedPdf:
    """Take a PDF off ``record_id``'s group (the only one, or the one whose sha256 starts with ``sha256``)."""
    from screening.team import acting, require

    def work(session: Session) -> AttachedPdf:
        me = acting(db, session, who)
        require(me, "screener", "coder", "lead", act="detach full texts")
        now = attached_in(session, record_id)
        if sha256:
            now = [a for a in now if a.sha256.startswith(sha256.lower())]
        if not now:
            raise InputError(f"record #{record_id} has no attached PDF" + (f" {sha256}" if sha256 else ""))
        if len(now) > 1:
            raise InputError(f"record #{record_id} has {len(now)} PDFs attached; say which with --sha256 "
                             + " or ".join(a.sha256[:12] for a in now))
        gone = now[0]
        pdf_id = int(session.exec(select(col(PdfBlob.id)).where(PdfBlob.sha256 == gone.sha256)).one() or 0)
        session.add(PdfAttachment(record_id=gone.record_id, pdf_id=pdf_id, action="detach",
                                  file_name=gone.file_name, note=note, who=me.identity, member_id=me.id))
        return gone

    return _write(db, "detach full texts", work)


@dataclass(frozen=True)
class PdfEvent:
    """One attach or detach in a record's PDF history."""

    action: str  # attach or detach
    record_id: int
    sha256: str
    file_name: str
    how: str  # file, folder, drop
    who: str
    at: str  # ISO 8601, UTC ("" when unknown)
    note: str

    def to_json(self) -> dict[str, Any]:
        return {"action": self.action, "record_id": self.record_id, "sha256": self.sha256,
                "file_name": self.file_name, "how": self.how, "who": self.who, "at": self.at, "note": self.note}


def history(db: ReviewDB, record_id: int) -> list[PdfEvent]:
    """Every attach and detach on ``record_id``'s group, oldest first (who, when, which PDF, which file)."""
    with db.session() as session:
        group = _group(session, record_id)
        rows = session.exec(select(PdfAttachment, col(PdfBlob.sha256))
                            .join(PdfBlob, col(PdfBlob.id) == col(PdfAttachment.pdf_id))
                            .where(col(PdfAttachment.record_id).in_(group))
                            .order_by(col(PdfAttachment.id))).all()
    return [PdfEvent(r.action, r.record_id, sha, r.file_name, r.how, r.who, r.at.isoformat() if r.at else "", r.note)
            for r, sha in rows]


def _pick(session: Session, record_id: int, sha256: str | None) -> AttachedPdf:
    now = attached_in(session, record_id)
    if sha256:
        now = [a for a in now if a.sha256.startswith(sha256.lower())]
    if not now:
        raise InputError(f"record #{record_id} has no attached PDF" + (f" {sha256}" if sha256 else "")
                         + "; attach one with `metasift attach REVIEW --record R FILE.pdf`")
    return now[-1]


def pdf_bytes(db: ReviewDB, record_id: int, sha256: str | None = None) -> tuple[AttachedPdf, bytes]:
    """The newest PDF attached to ``record_id`` (or the one whose sha256 starts with ``sha256``) and its bytes."""
    with db.session() as session:
        which = _pick(session, record_id, sha256)
        data = session.exec(select(PdfBlob.data).where(PdfBlob.sha256 == which.sha256)).one()
    return which, bytes(data)


def page_texts(db: ReviewDB, record_id: int, sha256: str | None = None) -> tuple[AttachedPdf, list[str]]:
    """The stored text of each page of a record's PDF (see `pdf_bytes` for which one)."""
    with db.session() as session:
        which = _pick(session, record_id, sha256)
        texts = session.exec(select(PdfBlob.page_text).where(PdfBlob.sha256 == which.sha256)).one()
    return which, list(texts)
