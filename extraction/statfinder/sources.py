"""Where the statistics finder reads: a record's stored PDF (its page texts), or a file (PDF, plain text,
HTML) given on the command line. HTML is reduced to its text with the standard library's parser."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from db.engine import ReviewDB
from db.errors import InputError
from extraction.statfinder.find import FoundStatistic, find_statistics, pages_without_text

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
    from screening.fulltext.store import page_texts

    which, pages = page_texts(db, record_id, sha256)
    return {**which.to_json(), "pages_without_text": pages_without_text(pages)}, find_statistics(
        pages, settings(db).codebook)
