"""The Cochrane Library's own plain-text export (CDSR reviews and CENTRAL trials).

Records start at a ``Record #1 of 25`` line; fields are ``XX: value`` lines (``ID``, ``AU``, ``TI``, ``SO``,
``YR``, ``VL``, ``NO``, ``PG``, ``PM``, ``XR``, ``PT``, ``KY``, ``DOI``, ``AB``, ``US``, ...); an untagged line
continues the field before it. Line endings may be CR only (older exports). A CENTRAL record's ``ID`` is
``CN-01234567``, a review's ``CD012345``. The format has no library reader, so it is tokenised here with
the shared line-tagged helpers (`tagged.split_lines`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from db.errors import InputError
from screening.importers.base import ParsedRecord, SourceFile
from screening.importers.databases import CDSR
from screening.importers.fields import (
    clean,
    clean_abstract,
    normalize_doi,
    normalize_pmid,
    parse_year,
    split_authors,
    split_keywords,
)
from screening.importers.fields import first_of as _first
from screening.importers.tagged import add_value, raw_fields, split_lines

_RECORD = re.compile(r"^\s*Record #(\d+) of (\d+)\s*$")
_FIELD = re.compile(r"^([A-Z][A-Z0-9]{1,3}): ?(.*)$")
_CENTRAL = "Cochrane CENTRAL"
_CDSR = CDSR


def _database_of(record_id: str) -> str | None:
    if record_id.upper().startswith("CN-"):
        return _CENTRAL
    if re.match(r"^CD\d{6}", record_id.upper()):
        return _CDSR
    return None


def iter_cochrane(lines: list[str]) -> Iterator[tuple[int, dict[str, list[str]]]]:
    """(first line, tag -> values) per ``Record #N of M`` block."""
    fields: dict[str, list[str]] | None = None
    start, last = 0, ""
    for n, line in enumerate(lines, start=1):
        if _RECORD.match(line):
            if fields:
                yield start, fields
            fields, start, last = {}, n, ""
            continue
        if fields is None or not line.strip():
            continue
        m = _FIELD.match(line)
        if m:
            last = m.group(1)
            add_value(fields, last, m.group(2).strip())
        elif last:
            fields[last][-1] = f"{fields[last][-1]} {line.strip()}".strip()
    if fields:
        yield start, fields


def to_record(fields: dict[str, list[str]], line: int) -> ParsedRecord:
    record_id = _first(fields, "ID")
    pm = _first(fields, "PM")
    pmid = normalize_pmid(re.sub(r"(?i)^pubmed\s*", "", pm)) if pm else ""
    other = {k: v for k, v in (("cochrane_id", record_id), ("cross_references", "; ".join(fields.get("XR", []))),
                               ("issn", _first(fields, "SN"))) if v}
    db = _database_of(record_id)
    if db:
        other["database"] = db
    keywords: list[str] = []
    for v in fields.get("KY", []):
        keywords.extend(split_keywords(v, ";"))
    return ParsedRecord(
        title=_first(fields, "TI"),
        abstract=clean_abstract(" ".join(fields.get("AB", []))),
        authors=split_authors([a for v in fields.get("AU", []) for a in v.split(";")]),
        year=parse_year(_first(fields, "YR")),
        journal=_first(fields, "SO"),
        volume=_first(fields, "VL"),
        issue=_first(fields, "NO"),
        pages=_first(fields, "PG"),
        doi=normalize_doi(_first(fields, "DOI", "DI")),
        pmid=pmid,
        other_ids=other,
        language=_first(fields, "LA"),
        keywords=split_keywords(keywords, ""),
        pub_type=clean("; ".join(fields.get("PT", []) or fields.get("TY", []))),
        url=_first(fields, "US", "UR"),
        source_id=record_id,
        raw=raw_fields(fields),
        line=line,
    )


class CochraneTextImporter:
    """Cochrane Library plain text (``Record #1 of N`` blocks of ``XX: value`` fields)."""

    name = "cochrane_text"
    label = "Cochrane Library plain text"
    suffixes = (".txt",)
    priority = 40

    def sniff(self, source: SourceFile) -> float:
        """0.95 for ``Record #N of M`` lines followed by ``ID:``/``TI:``/``AU:`` fields."""
        head = source.head_text()
        if head is None:
            return 0.0
        lines = split_lines(head)[:300]
        if not any(_RECORD.match(ln) for ln in lines):
            return 0.0
        tags = {m.group(1) for ln in lines if (m := _FIELD.match(ln))}
        if {"TI", "ID"} <= tags or {"TI", "AU", "SO"} <= tags:
            return 0.95
        return 0.0

    def read(self, source: SourceFile, options: Mapping[str, Any]) -> Iterator[ParsedRecord]:
        found = False
        for line, fields in iter_cochrane(list(source.iter_lines())):
            found = True
            if "TI" not in fields and "ID" not in fields:
                raise InputError("Cochrane record has neither an ID: nor a TI: line", file=source.name, line=line)
            yield to_record(fields, line)
        if not found:
            raise InputError("has no 'Record #1 of N' lines; expected a Cochrane Library plain-text export",
                             file=source.name)

    def source_database(self, source: SourceFile) -> str | None:
        """CENTRAL when every record id in the head is ``CN-...``, CDSR when every one is ``CD...``."""
        head = source.head_text(65536) or ""
        dbs = {_database_of(m) for m in re.findall(r"^ID: ?(\S+)", head.replace("\r", "\n"), re.M)}
        dbs.discard(None)
        return dbs.pop() if len(dbs) == 1 else None


IMPORTERS = [CochraneTextImporter()]
