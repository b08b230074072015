"""Matching a folder of PDFs to the review's records: by DOI, else by title with first author and year.

For each PDF (checked and read as `screening.fulltext.pdf.read_pdf` does):

1. **DOI.** The DOI in the PDF's document information, else the first DOI on its first page, compared with
   the records' DOIs as the deduplication normalises them. A DOI naming exactly one duplicate group matches.
2. **Title + first author + year.** Otherwise each record title (normalised like the deduplication's, at
   least `MIN_TITLE` characters) is looked for in the first page's text with rapidfuzz's ``partial_ratio``
   (the title is one line among many there). A title scoring at least `TITLE_SCORE` matches when the first
   author's surname or the record's year is also on the first page; the best such group wins, and two groups
   with the same best score are reported as ambiguous, never guessed — except that an erratum or retraction
   notice (the deduplication's `is_erratum`), which repeats its article's title, gives way to the article.

Every PDF is reported: matched (record, how, score, evidence) or unmatched (why). A match is to the kept
record of a duplicate group, so the PDF serves every copy.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import load_only
from sqlmodel import select

from db.engine import ReviewDB
from db.errors import InputError
from db.models import Record
from db.progress import Progress, ShouldStop, check_stop, never_stop, no_progress
from screening.fulltext.pdf import PdfInfo, read_pdf
from screening.fulltext.store import attach_bytes, read_file

TITLE_SCORE = 90.0
MIN_TITLE = 20
FIRST_PAGE_CHARS = 4000


@dataclass
class FolderMatch:
    """One PDF of the folder and what it matched."""

    file: str
    record_id: int | None = None
    how: str = ""
    score: float = 0.0
    evidence: list[str] = field(default_factory=list)
    problem: str = ""
    """Why it matched nothing (or could not be read)."""
    attached: bool = False
    info: PdfInfo | None = field(default=None, repr=False)
    data: bytes = field(default=b"", repr=False)

    def to_json(self, labels: dict[int, str] | None = None) -> dict[str, Any]:
        return {"file": self.file, "record_id": self.record_id,
                "record": (labels or {}).get(self.record_id or -1, "") if self.record_id else "",
                "how": self.how, "score": round(self.score, 1), "evidence": self.evidence,
                "problem": self.problem, "attached": self.attached}


@dataclass
class _Candidates:
    by_doi: dict[str, set[int]]
    titles: dict[int, str]
    surname: dict[int, str]
    year: dict[int, int | None]
    notice: set[int]


def _candidates(db: ReviewDB) -> _Candidates:
    from screening.decisions import group_map
    from screening.dedup.normalize import is_erratum, normalize_author, normalize_doi, normalize_title, split_authors

    with db.session() as session:
        canon = group_map(session)
        wanted = load_only(Record.id, Record.title, Record.authors, Record.year, Record.doi)  # type: ignore[arg-type]
        rows = [(int(r.id or 0), r.title, r.authors, r.year, r.doi)
                for r in session.exec(select(Record).options(wanted))]
    out = _Candidates({}, {}, {}, {}, set())
    for rid, title, authors, year, doi in rows:
        kept = canon.get(rid, rid)
        d = normalize_doi(doi)
        if d:
            out.by_doi.setdefault(d, set()).add(kept)
        t = normalize_title(title)
        if len(t) >= MIN_TITLE and kept not in out.titles:
            out.titles[kept] = t
            first = split_authors(authors)[:1]
            out.surname[kept] = normalize_author(first[0]).split(" ")[0] if first else ""
            out.year[kept] = year
            if is_erratum(title):
                out.notice.add(kept)
    return out


def _match_one(info: PdfInfo, cands: _Candidates) -> tuple[int | None, str, float, list[str], str]:
    from rapidfuzz import fuzz, process

    from screening.dedup.normalize import normalize_title

    if info.doi:
        groups = cands.by_doi.get(info.doi, set())
        if len(groups) == 1:
            return next(iter(groups)), "doi", 100.0, [f"DOI {info.doi}"], ""
        if len(groups) > 1:
            return None, "", 0.0, [], f"DOI {info.doi} names {len(groups)} different records; attach by hand"
    head = normalize_title(info.page_text[0][:FIRST_PAGE_CHARS]) if info.page_text else ""
    meta_title = normalize_title(info.meta.get("Title", ""))
    if not head and not meta_title:
        return None, "", 0.0, [], "no text on the first page and no title in the PDF (a scan without OCR?)"
    words = set(head.split())
    found = process.extract(head, cands.titles, scorer=fuzz.partial_ratio, score_cutoff=TITLE_SCORE, limit=10)
    if meta_title and len(meta_title) >= MIN_TITLE:
        found += process.extract(meta_title, cands.titles, scorer=fuzz.ratio, score_cutoff=TITLE_SCORE, limit=10)
    best: dict[int, tuple[float, list[str]]] = {}
    for _title, score, rid in found:
        surname, year = cands.surname.get(rid, ""), cands.year.get(rid)
        ev = [f"title {score:.0f}%"]
        if surname and surname in words:
            ev.append(f"first author {surname}")
        if year and re.search(rf"\b{year}\b", info.page_text[0][:FIRST_PAGE_CHARS]):
            ev.append(f"year {year}")
        if len(ev) > 1 and score > best.get(rid, (0.0, []))[0]:
            best[rid] = (float(score), ev)
    if not best:
        near = [f"#{rid} ({score:.0f}%)" for _t, score, rid in found[:3]]
        return None, "", 0.0, [], ("no record's DOI or title is on the first page" if not near else
                                   "title similar to " + ", ".join(near) + " but neither its first author nor "
                                   "its year is on the first page")
    ranked = sorted(best.items(), key=lambda kv: (-kv[1][0], kv[0] in cands.notice))
    if len(ranked) > 1 and ranked[0][1][0] == ranked[1][1][0] and (ranked[0][0] in cands.notice) == (
            ranked[1][0] in cands.notice):
        return None, "", 0.0, [], ("as close to #" + " and #".join(str(r) for r, _ in ranked[:2])
                                   + "; attach by hand")
    rid, (score, ev) = ranked[0]
    return rid, "title", score, ev, ""


def match_folder(db: ReviewDB, folder: Path | str, progress: Progress = no_progress,
                 should_stop: ShouldStop = never_stop) -> list[FolderMatch]:
    """Every ``*.pdf`` in ``folder`` (not its subfolders), by name, with the record it matches or why not."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError("not a folder", file=str(folder))
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".pdf")
    if not files:
        raise InputError("the folder holds no .pdf file", file=str(folder))
    cands = _candidates(db)
    out = []
    for i, path in enumerate(files):
        check_stop(should_stop)
        progress(i, len(files), path.name)
        m = FolderMatch(file=path.name)
        try:
            m.data = read_file(path)
            m.info = read_pdf(m.data, path.name)
        except InputError as exc:
            m.problem = exc.detail
            out.append(m)
            continue
        m.record_id, m.how, m.score, m.evidence, m.problem = _match_one(m.info, cands)
        out.append(m)
    progress(len(files), len(files), "matched")
    return out


def record_choices(db: ReviewDB) -> list[tuple[int, str]]:
    """Every record a PDF can be attached to (each duplicate group's kept record), as ``(id, "label · title
    (year)")`` sorted by label: what the folder preview offers when the coder reassigns a PDF by hand."""
    from screening.decisions import group_map
    from screening.duplicates import labels

    with db.session() as session:
        canon = group_map(session)
        rows = session.exec(select(Record.id, Record.title, Record.year)).all()
    heads = [(int(rid), title or "", year) for rid, title, year in rows if rid is not None
             and canon.get(int(rid), int(rid)) == rid]
    names = labels(db, [rid for rid, _, _ in heads])
    out = [(rid, f"{names.get(rid, f'#{rid}')} · {title[:90]}" + (f" ({year})" if year else ""))
           for rid, title, year in heads]
    return sorted(out, key=lambda c: c[1].lower())


def attach_folder(db: ReviewDB, folder: Path | str, who: str, dry_run: bool = False,
                  progress: Progress = no_progress, should_stop: ShouldStop = never_stop,
                  confirm: Callable[[FolderMatch], bool] | None = None) -> list[FolderMatch]:
    """Match ``folder`` (see `match_folder`) and, unless ``dry_run``, attach every match (``confirm`` may
    leave some out, e.g. those a person unticked in the preview). Each attachment is its own transaction."""
    matches = match_folder(db, folder, progress, should_stop)
    if dry_run:
        return matches
    for m in matches:
        if m.record_id is None or (confirm is not None and not confirm(m)):
            continue
        check_stop(should_stop)
        attach_bytes(db, m.record_id, m.data, m.file, who, how="folder", info=m.info,
                     note=f"matched by {m.how}: {'; '.join(m.evidence)}")
        m.attached = True
    return matches
