"""Where the statistics finder reads: a record's stored PDF (its page texts), or a file (PDF, plain text,
HTML) given on the command line. HTML is reduced to its text with the standard library's parser."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from db.engine import ReviewDB
from db.errors import InputError
from extraction.statfinder.find import FoundStatistic, find_statistics, no_text_notes, pages_without_text
from extraction.statfinder.layout import Box, candidate_ranges
from screening.fulltext.ocr import OcrResult

MAX_TEXT_BYTES = 20 * 1024 * 1024
Progress = Callable[[int, int, str], None]


class _Text(HTMLParser):
    _SKIP = {"script", "style", "head"}
    _BLOCK = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "section", "table", "caption"}
    _CELL = {"td", "th"}
    """A table's cells are kept on their row's line, a tab apart (`tables` reads a row a line)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in self._SKIP:
            self._skip += 1
        elif tag in self._BLOCK:
            self.parts.append("\n")
        elif tag in self._CELL:
            self.parts.append("\t")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self._skip:
            self._skip -= 1
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_text(html: str) -> str:
    p = _Text()
    p.feed(html)
    p.close()
    return "".join(p.parts)


@dataclass(frozen=True)
class Paper:
    """What the finder reads of one paper: its page texts; for a PDF also the boxes of the characters of the
    pages that hold a table (`screening.fulltext.pdf.char_boxes`; None for the other pages), its picture pages
    (`picture_pages`) and, when OCR was asked for, the OCR text of those (1-based page -> text) and notes."""

    pages: list[str]
    boxes: list[list[Box | None] | None] | None = None
    pictures: list[int] = field(default_factory=list)
    ocr: dict[int, str] = field(default_factory=dict)
    ocr_notes: list[str] = field(default_factory=list)

    @property
    def without_text(self) -> list[int]:
        return pages_without_text(self.pages, self.pictures)

    def notes(self) -> list[str]:
        return no_text_notes(self.without_text, self.pictures, sorted(self.ocr)) + self.ocr_notes

    def statistics(self, codebook: Any = None) -> list[FoundStatistic]:
        """`find_statistics` on the pages, an OCR text in place of its picture page (its statistics marked)."""
        pages = [self.ocr.get(i, t) for i, t in enumerate(self.pages, start=1)]
        boxes = [None if i in self.ocr else b for i, b in enumerate(self.boxes or [], start=1)] or None
        found = find_statistics(pages, codebook, boxes=boxes)
        for s in found:
            s.ocr = s.page in self.ocr
        return found


def pdf_paper(data: bytes, pages: list[str], ocr: bool = False, progress: Progress | None = None,
              should_stop: Callable[[], bool] | None = None) -> Paper:
    """``pages`` (a PDF's stored page texts) with the character boxes of its pages with a table caption, its
    picture pages and, with ``ocr``, their OCR text (`screening.fulltext.ocr`, told ``progress`` per page and
    asked ``should_stop``; an `InputError` without Tesseract)."""
    from screening.fulltext.pdf import char_boxes, picture_pages

    wanted = {i: spans for i, t in enumerate(pages) if t and (spans := candidate_ranges(t))}
    got = char_boxes(data, wanted, pages) if wanted else {}
    pictures = picture_pages(data, pages)
    read = OcrResult()
    if ocr:
        from screening.fulltext.ocr import ocr_pages

        read = ocr_pages(data, pages_without_text(pages, pictures), progress=progress, should_stop=should_stop)
    return Paper(pages, [got.get(i) for i in range(len(pages))], pictures, read.texts, read.notes)


def read_paper(path: Path, ocr: bool = False) -> Paper:
    """A PDF, text or HTML file as the finder reads it (`file_pages`; a PDF as `pdf_paper` reads it)."""
    from screening.fulltext.pdf import read_pdf
    from screening.fulltext.store import read_file

    path = Path(path)
    data = read_file(path) if path.suffix.lower() == ".pdf" or _starts_pdf(path) else None
    if data is None:
        if ocr:
            raise InputError("--ocr reads the picture pages of a PDF; this is a text file", file=str(path))
        return Paper(file_pages(path))
    return pdf_paper(data, read_pdf(data, path.name).page_text, ocr)


def _starts_pdf(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(5) == b"%PDF-"
    except OSError:
        return False


def file_pages(path: Path) -> list[str]:
    """The page texts of a PDF, or the one "page" of a text or HTML file (decoded with charset-normalizer)."""
    from screening.fulltext.pdf import read_pdf
    from screening.fulltext.store import read_file

    path = Path(path)
    if path.suffix.lower() == ".pdf":
        return read_pdf(read_file(path), path.name).page_text
    if not path.is_file():
        raise InputError("no such file", file=str(path))
    if path.stat().st_size > MAX_TEXT_BYTES:
        raise InputError(f"larger than {MAX_TEXT_BYTES // 2**20} MiB; not a paper's text", file=str(path))
    data = path.read_bytes()
    if data[:5] == b"%PDF-":
        return read_pdf(data, path.name).page_text
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise InputError("cannot tell the text's encoding (is it a binary file?)", file=str(path))
    text = str(best)
    markup = text.lstrip()[:15].lower().startswith(("<!doctype", "<html"))
    if path.suffix.lower() in (".html", ".htm", ".xhtml") or markup:
        text = html_text(text)
    return [text]


def record_paper(db: ReviewDB, record_id: int, sha256: str | None = None, ocr: bool = False,
                 progress: Progress | None = None, should_stop: Callable[[], bool] | None = None
                 ) -> tuple[dict[str, Any], Paper]:
    """``record_id``'s attached PDF (newest, or ``sha256``) as `AttachedPdf.to_json` and as `pdf_paper` reads it."""
    from screening.fulltext.store import page_texts, pdf_bytes

    which, pages = page_texts(db, record_id, sha256)
    return which.to_json(), pdf_paper(pdf_bytes(db, record_id, which.sha256)[1], pages, ocr, progress, should_stop)


def record_statistics(db: ReviewDB, record_id: int, sha256: str | None = None, ocr: bool = False,
                      progress: Progress | None = None, should_stop: Callable[[], bool] | None = None
                      ) -> tuple[dict[str, Any], list[FoundStatistic]]:
    """The statistics in ``record_id``'s attached PDF (newest, or ``sha256``), with the codebook's cues.
    Returns (which PDF, as `AttachedPdf.to_json` with ``pages_without_text``, ``picture_pages``, ``ocr_pages``
    (the pages read by OCR) and ``ocr_notes`` (the pages OCR could not read), the statistics). ``ocr``, ``progress`` and
    ``should_stop`` as `pdf_paper` takes them."""
    from extraction.coding import settings

    which, paper = record_paper(db, record_id, sha256, ocr, progress, should_stop)
    return {**which, "pages_without_text": paper.without_text, "picture_pages": paper.pictures,
            "ocr_pages": sorted(paper.ocr), "ocr_notes": paper.ocr_notes}, paper.statistics(settings(db).codebook)
