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
from screening.importers.fields import author_hygiene

_MODULES = ("ris", "medline", "wos", "ovid", "proquest", "copac", "inspec", "pubmed_xml", "endnote_xml",
            "bibtex", "tabular")


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


def detect(source: SourceFile) -> Detection:
    """The importer for ``source``; raises `InputError` when nothing recognises it."""
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
    if not scored:
        raise InputError(
            "is not a format MetaSift recognises; expected RIS, PubMed MEDLINE/nbib or XML, Web of "
            "Science, Scopus/CSV/TSV/XLSX/XLS, EndNote XML, BibTeX, Ovid or ProQuest text",
            file=source.name)
    scored.sort(key=lambda t: (t[0], t[1], t[2]), reverse=True)
    best = scored[0][3]
    if scored[0][0] < 0.2:
        raise InputError(f"does not look like any export format MetaSift reads (best guess {best.label}, "
                         "too uncertain)", file=source.name)
    try:
        db = best.source_database(source)
    except Exception:
        db = None
    return Detection(best, scored[0][0], db)


def read_records(source: SourceFile, importer: Importer,
                 options: Mapping[str, Any] | None = None) -> Iterator[ParsedRecord]:
    """Records of ``source``; any error other than `InputError` is reported as one naming the file."""
    try:
        for rec in importer.read(source, options or {}):
            author_hygiene(rec)
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


__all__ = ["Detection", "ParsedRecord", "SourceFile", "detect", "get_importer", "importers", "read_records"]
