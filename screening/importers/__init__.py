"""Importer registry: detect an export's format by content and read its records.

Each format module exposes ``IMPORTERS``; `detect` asks every importer to sniff the file and picks the
most confident one (a matching suffix and then ``priority`` break ties).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from db.errors import InputError
from screening.importers.base import Importer, ParsedRecord, SourceFile
from screening.importers.databases import database_or_none, tool_name
from screening.importers.fields import author_hygiene, field_hygiene

_MODULES = ("ris", "medline", "wos", "ovid", "proquest", "copac", "inspec", "cochrane", "pubmed_xml", "endnote_xml",
            "refer", "bibtex", "tabular")


def _load() -> list[Importer]:
    out: list[Importer] = []
    for mod in _MODULES:
        try:
            module = importlib.import_module(f"screening.importers.{mod}")
        except ModuleNotFoundError as exc:
            if exc.name == f"screening.importers.{mod}":
                continue
            raise
        out.extend(module.IMPORTERS)
    return out


_LOADED: list[Importer] | None = None


def importers() -> list[Importer]:
    """Every importer, loaded on first use (a parsing worker process that needs one format does not pay for
    loading pandas, XML and BibTeX readers)."""
    global _LOADED
    if _LOADED is None:
        _LOADED = _load()
    return _LOADED


def get_importer(name: str) -> Importer:
    for imp in importers():
        if imp.name == name:
            return imp
    raise InputError(f"unknown format {name!r}; known formats: {', '.join(i.name for i in importers())}")


@dataclass(frozen=True)
class Detection:
    """What `detect` found: the importer, its confidence, and the source database if the file says."""

    importer: Importer
    confidence: float
    source_db: str | None
    tool: str | None = None  # the screening tool or reference manager the file's clues name (not a database)


class UnsureFormat(InputError):
    """Detection could not tell the format: the message says what the file looks like and which formats
    might fit; ``candidates`` holds them as (name, label, confidence), best first, for a person to choose."""

    def __init__(self, message: str, *, file: str, candidates: list[tuple[str, str, float]]) -> None:
        super().__init__(message, file=file)
        self.candidates = candidates


def describe(source: SourceFile) -> str:
    """What the start of ``source`` looks like, in a few words, for a message."""
    head = source.head_bytes(8)
    for magic, what in ((b"PK\x03\x04", "a zip archive"), (b"\xd0\xcf\x11\xe0", "an OLE2 (old Office) file"),
                        (b"\x1f\x8b", "gzip-compressed data"), (b"%PDF", "a PDF document")):
        if head.startswith(magic):
            return what
    text = source.head_text(4096)
    if text is None:
        return "binary data, not text"
    lines = [ln.strip() for ln in text.lstrip("\ufeff").splitlines() if ln.strip()]
    if not lines:
        return "only blank lines"
    first = lines[0] if len(lines[0]) <= 60 else lines[0][:57] + "..."
    return f"text starting {first!r} ({len(lines)} non-blank line{'s' if len(lines) > 1 else ''} in its first 4 KB)"


def detect(source: SourceFile) -> Detection:
    """The importer for ``source``; raises `UnsureFormat` (an `InputError`) when nothing recognises it with
    confidence, naming what it saw and the formats that might fit."""
    if source.is_empty():
        raise InputError("is empty; expected a database export (RIS, MEDLINE, Web of Science, CSV, ...)",
                         file=source.name)
    scored: list[tuple[float, int, int, Importer]] = []
    for imp in importers():
        try:
            conf = float(imp.sniff(source))
        except InputError:
            raise
        except Exception:  # a sniffer must never break detection of the others
            conf = 0.0
        if conf > 0:
            scored.append((conf, int(source.suffix in imp.suffixes), imp.priority, imp))
    scored.sort(key=lambda t: (t[0], t[1], t[2]), reverse=True)
    if not scored or scored[0][0] < 0.2:
        candidates = [(imp.name, imp.label, round(conf, 2)) for conf, _, _, imp in scored[:4]]
        if not candidates:  # nothing claims it: the formats its suffix is used for
            candidates = [(imp.name, imp.label, 0.0) for imp in importers() if source.suffix in imp.suffixes][:4]
        fits = ", ".join(f"{name} ({label})" for name, label, _ in candidates) or "none"
        raise UnsureFormat(
            f"is not a format MetaSift recognises with confidence: it is {describe(source)}. The export formats "
            f"that might fit: {fits}; if it is one of them, pass --format NAME (all formats: `metasift formats`). "
            "Expected RIS, PubMed MEDLINE/nbib or XML, Web of Science, Scopus/CSV/TSV/XLSX/XLS, EndNote XML or "
            "tagged text, BibTeX, Ovid, Cochrane or ProQuest text", file=source.name, candidates=candidates)
    best = scored[0][3]
    return Detection(best, scored[0][0], *database_and_tool(best, source))


def database_and_tool(importer: Importer, source: SourceFile) -> tuple[str | None, str | None]:
    """(the canonical name of the database ``source`` came from, as its own content tells, else None;
    the screening tool or reference manager its clues name instead, else None). A tool (EPPI-Reviewer,
    Covidence, Rayyan, EndNote, Zotero, ...) is never the database: the caller asks the person."""
    try:
        raw = importer.source_database(source)
    except Exception:  # a clue reader must never break detection
        return None, None
    name = database_or_none(raw)
    return name, None if name else tool_name(raw)


def source_database(importer: Importer, source: SourceFile) -> str | None:
    """The canonical name of the database ``source`` came from (see `database_and_tool`), or None."""
    return database_and_tool(importer, source)[0]


def read_records(source: SourceFile, importer: Importer,
                 options: Mapping[str, Any] | None = None) -> Iterator[ParsedRecord]:
    """Records of ``source``; any error other than `InputError` is reported as one naming the file."""
    try:
        for rec in importer.read(source, options or {}):
            author_hygiene(rec)
            field_hygiene(rec)
            yield rec
    except InputError as exc:
        if exc.file is None:
            raise InputError(exc.detail, file=source.name, line=exc.line, record=exc.record) from exc
        raise
    except (RecursionError, MemoryError):
        raise
    except Exception as exc:  # last line of defence: never a traceback for a bad file
        raise InputError(f"could not be read as {importer.label}: {type(exc).__name__}: {exc}",
                         file=source.name) from exc


__all__ = ["Detection", "ParsedRecord", "SourceFile", "UnsureFormat", "describe", "detect", "get_importer",
           "importers", "read_records", "source_database"]
