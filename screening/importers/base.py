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

import codecs
import hashlib
import io
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from db.errors import InputError
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

_ENCODER = json.JSONEncoder(ensure_ascii=False)  # one encoder: json.dumps(..., ensure_ascii=False) builds one per call


def encode_columns(rec: ParsedRecord) -> tuple[Any, ...]:
    """A record's stored columns after batch, ordinal and source_id, with the JSON ones serialised (the
    order of ``screening.importing._COLUMNS``)."""
    dumps = _ENCODER.encode
    return (rec.title, rec.abstract, dumps(rec.authors), rec.year, rec.journal, rec.volume, rec.issue, rec.pages,
            rec.doi, rec.pmid, dumps(rec.other_ids), rec.language, dumps(rec.keywords), rec.pub_type, rec.url,
            dumps(rec.raw))


class SourceFile:
    """An export file. Its bytes and its whole decoded text load on demand; ``iter_lines`` streams
    large text files from disk without holding them in memory."""

    CHUNK = 1 << 20

    def __init__(self, path: Path | str, data: bytes | None = None) -> None:
        self.path = Path(path)
        self.name = self.path.name
        self._data = data
        self._text: str | None = None
        self.encoding: str | None = None
        self.warnings: list[str] = []  # what was repaired while reading (bad bytes, NULs, a cut last record)

    def warn(self, message: str, line: int | None = None) -> None:
        """Record a repair the import made, naming this file (and the line, when given)."""
        where = f"{self.name}, line {line}" if line is not None else self.name
        if message not in self.warnings:
            self.warnings.append(f"{where}: {message}")

    @property
    def suffix(self) -> str:
        return self.path.suffix.lower()

    @property
    def data(self) -> bytes:
        """All the file's bytes (read once, then kept)."""
        if self._data is None:
            self._data = self.path.read_bytes()
        return self._data

    @property
    def size(self) -> int:
        return len(self._data) if self._data is not None else self.path.stat().st_size

    def head_bytes(self, size: int = 65536) -> bytes:
        if self._data is not None:
            return self._data[:size]
        with self.path.open("rb") as fh:
            return fh.read(size)

    def open_bytes(self) -> BinaryIO:
        """A binary file object over the bytes (from memory when they are loaded, else from disk)."""
        if self._data is not None:
            return io.BytesIO(self._data)
        return self.path.open("rb")

    def loaded_text(self) -> str | None:
        """The decoded text when it is already in memory (else None: nothing is decoded here)."""
        return self._text

    def _chunks(self) -> Iterator[bytes]:
        if self._data is not None:
            yield self._data
            return
        with self.path.open("rb") as fh:
            while chunk := fh.read(self.CHUNK):
                yield chunk

    def sha256(self) -> str:
        """SHA-256 of the bytes, streamed from disk when they are not loaded."""
        digest = hashlib.sha256()
        for chunk in self._chunks():
            digest.update(chunk)
        return digest.hexdigest()

    def is_empty(self) -> bool:
        return not any(chunk.strip() for chunk in self._chunks())

    @property
    def text(self) -> str:
        """The whole file as text; line endings are left as they are (CR, LF, CRLF)."""
        if self._text is None:
            self._text, self.encoding = decode_bytes(self.data, self.name, self.warnings)
        return self._text

    def head_text(self, size: int = 16384) -> str | None:
        """About the first ``size`` characters, or None when the file is binary (zip, OLE, NUL-heavy)."""
        if self._text is not None:
            return self._text[:size]
        head = self.head_bytes(max(4 * size, 65536))
        if is_binary(head[:4096]):
            return None
        if len(head) >= self.size:
            try:
                return self.text[:size]
            except InputError:  # undecodable: no text format can claim it
                return None
        for cut in range(4):  # the head may end inside a multi-byte character
            try:
                return decode_bytes(head[: len(head) - cut], self.name)[0][:size]
            except InputError:
                continue
        return None

    def stream_encoding(self) -> str:
        """The encoding of the whole file, found by a streaming pass (UTF-8 unless proven otherwise)."""
        if self.encoding is not None:
            return self.encoding
        if self._data is not None:
            return self._decode_all()
        head = self.head_bytes(4096)
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or head[:200].count(0) > 20:
            return self._decode_all()
        enc = "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            for chunk in self._chunks():
                if b"\x00" in chunk:  # NULs are removed (with a warning) by the whole-text decoder
                    return self._decode_all()
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return self._decode_all()
        self.encoding = enc
        return enc

    def _decode_all(self) -> str:
        self.text  # noqa: B018 - decodes and sets self.encoding
        return self.encoding or "utf-8"

    def iter_lines(self) -> Iterator[str]:
        """The file's lines without their endings (CR, LF, CRLF or mixed), streamed when possible."""
        enc = self.stream_encoding()
        if self._text is not None or self._data is not None:
            text = self.text
            if text.startswith("\ufeff"):
                text = text[1:]
            lines = _NEWLINES.split(text)
            if lines and lines[-1] == "":
                lines.pop()
            yield from lines
            return
        with self.path.open("r", encoding=enc, newline="") as fh:
            tail = ""
            while chunk := fh.read(self.CHUNK):
                if chunk.endswith("\r"):  # keep a CRLF pair together
                    chunk += fh.read(1)
                lines = (tail + chunk).replace("\r\n", "\n").replace("\r", "\n").split("\n")
                tail = lines.pop()
                yield from lines
            if tail:
                yield tail

    def line_count(self) -> int:
        """Number of lines, counted on the bytes (for progress bars)."""
        n_lf = n_cr = 0
        for chunk in self._chunks():
            n_lf += chunk.count(b"\n")
            n_cr += chunk.count(b"\r")
        return max(n_lf, n_cr) + 1


_NEWLINES = re.compile(r"\r\n?|\n")


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
    return nul > max(2, len(head) // 100)  # a few stray NULs in text are removed by the decoder, with a warning


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
