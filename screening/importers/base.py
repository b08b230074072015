"""The importer contract: every export format is an `Importer` in the registry.

An importer declares the suffixes it accepts, a ``sniff`` that returns a confidence in [0, 1] from the
head of the file, and ``read`` that yields `ParsedRecord` objects (read raw -> clean -> records). A
``.txt`` can be RIS, MEDLINE, Web of Science or Ovid, so detection is by content; the suffix only
breaks ties.

``read`` raises `db.errors.InputError` naming the file and the line or record for anything it cannot
understand; it must never let another exception escape (the registry wraps stray ones, and the
hypothesis fuzz tests hold each importer to that).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from screening.importers.decoding import decode_bytes


@dataclass(slots=True)
class ParsedRecord:
    """One record as an importer hands it over, fields already cleaned (see ``fields.py``)."""

    title: str = ""
    abstract: str = ""
    authors: list[str] = field(default_factory=list)
    year: int | None = None
    journal: str = ""
    volume: str = ""
    issue: str = ""
    pages: str = ""
    doi: str = ""
    pmid: str = ""
    other_ids: dict[str, str] = field(default_factory=dict)
    language: str = ""
    keywords: list[str] = field(default_factory=list)
    pub_type: str = ""
    url: str = ""
    source_id: str = ""
    raw: dict[str, Any] = field(default_factory=dict)
    line: int | None = None  # first line of the record in the file, when the format has lines

    def as_row(self) -> dict[str, Any]:
        return {
            "source_id": self.source_id, "title": self.title, "abstract": self.abstract,
            "authors": self.authors, "year": self.year, "journal": self.journal, "volume": self.volume,
            "issue": self.issue, "pages": self.pages, "doi": self.doi, "pmid": self.pmid,
            "other_ids": self.other_ids, "language": self.language, "keywords": self.keywords,
            "pub_type": self.pub_type, "url": self.url, "raw": self.raw,
        }


class SourceFile:
    """An export file: its bytes, and its text decoded once on demand (BOM, UTF-8, UTF-16, cp1252)."""

    def __init__(self, path: Path | str, data: bytes | None = None) -> None:
        self.path = Path(path)
        self.name = self.path.name
        self.data = self.path.read_bytes() if data is None else data
        self._text: str | None = None
        self.encoding: str | None = None

    @property
    def suffix(self) -> str:
        return self.path.suffix.lower()

    @property
    def text(self) -> str:
        """The whole file as text; line endings are left as they are (CR, LF, CRLF)."""
        if self._text is None:
            self._text, self.encoding = decode_bytes(self.data, self.name)
        return self._text

    def head_text(self, size: int = 16384) -> str | None:
        """The first ``size`` characters, or None when the file is binary (zip, OLE, NUL-heavy)."""
        if is_binary(self.data[:4096]):
            return None
        return self.text[:size]


def is_binary(head: bytes) -> bool:
    """True for zip (xlsx), OLE (xls), gzip, PDF and other files that are not text."""
    if head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"\x1f\x8b", b"%PDF")):
        return True
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    if not head:
        return False
    nul = head.count(b"\x00")
    if nul and nul / len(head) > 0.3 and (head[1::2].count(b"\x00") > len(head) * 0.4
                                        or head[0::2].count(b"\x00") > len(head) * 0.4):
        return False  # UTF-16 without a BOM
    return nul > 0


class Importer(Protocol):
    """What every export format provides."""

    name: str  # stable machine name, e.g. "ris", "medline", "wos", "csv"
    label: str  # for people, e.g. "RIS", "PubMed MEDLINE (nbib)"
    suffixes: tuple[str, ...]  # lower-case, with dot
    priority: int  # breaks ties between equal sniff confidences (higher wins)

    def sniff(self, source: SourceFile) -> float:
        """Confidence in [0, 1] that ``source`` is in this format, from its head only."""
        ...

    def read(self, source: SourceFile, options: Mapping[str, Any]) -> Iterator[ParsedRecord]:
        """Yield the records; raise `InputError` (with file and line/record) on malformed input."""
        ...

    def source_database(self, source: SourceFile) -> str | None:
        """The database the export came from (e.g. "PubMed", "Scopus"), when the content tells."""
        ...
