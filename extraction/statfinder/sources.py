"""Where the statistics finder reads: a record's stored PDF (its page texts), or a file (PDF, plain text,
HTML) given on the command line. HTML is reduced to its text with the standard library's parser."""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from db.engine import ReviewDB
from db.errors import InputError
from extraction.statfinder.find import FoundStatistic, find_statistics, pages_without_text
from extraction.statfinder.layout import Box, has_caption

MAX_TEXT_BYTES = 20 * 1024 * 1024


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
    """What the finder reads of one paper: its page texts and, for a PDF, the boxes of the characters of the
    pages that hold a table (`screening.fulltext.pdf.char_boxes`; None for the other pages)."""

    pages: list[str]
    boxes: list[list[Box | None] | None] | None = None

    def statistics(self, codebook: Any = None) -> list[FoundStatistic]:
        return find_statistics(self.pages, codebook, boxes=self.boxes)


def pdf_paper(data: bytes, pages: list[str]) -> Paper:
    """``pages`` (a PDF's stored page texts) with the character boxes of its pages with a table caption."""
    from screening.fulltext.pdf import char_boxes

    wanted = [i for i, t in enumerate(pages) if t and has_caption(t)]
    got = char_boxes(data, wanted) if wanted else {}
    return Paper(pages, [got.get(i) for i in range(len(pages))])


def read_paper(path: Path) -> Paper:
    """A PDF, text or HTML file as the finder reads it (`file_pages`, with the boxes of a PDF's tables)."""
    from screening.fulltext.pdf import read_pdf
    from screening.fulltext.store import read_file

    path = Path(path)
    data = read_file(path) if path.suffix.lower() == ".pdf" or _starts_pdf(path) else None
    if data is None:
        return Paper(file_pages(path))
    return pdf_paper(data, read_pdf(data, path.name).page_text)


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


def record_statistics(db: ReviewDB, record_id: int, sha256: str | None = None
                      ) -> tuple[dict[str, Any], list[FoundStatistic]]:
    """The statistics in ``record_id``'s attached PDF (newest, or ``sha256``), with the codebook's cues.
    Returns (which PDF, as `AttachedPdf.to_json` with ``pages_without_text``, the statistics)."""
    from extraction.coding import settings
    from screening.fulltext.store import page_texts, pdf_bytes

    which, pages = page_texts(db, record_id, sha256)
    paper = Paper(pages)
    if any(t and has_caption(t) for t in pages):
        paper = pdf_paper(pdf_bytes(db, record_id, which.sha256)[1], pages)
    return {**which.to_json(), "pages_without_text": pages_without_text(pages)}, paper.statistics(
        settings(db).codebook)
