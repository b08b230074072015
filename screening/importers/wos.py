"""Web of Science plain-text ("tagged") exports: .txt, .ciw, .isi (also Zoological Record, Inspec and
MEDLINE on the WoS platform, and the same text saved with a .ris suffix).

Two-character tags then a space; continuation lines start with three spaces. ``FN``/``VR`` head the
file, ``PT`` opens a record, ``ER`` closes it, ``EF`` ends an export (often missing; exports concatenated
into one file are all read). For author and cited-reference tags each continuation line is another value;
for the rest it continues the text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from db.errors import InputError
from screening.importers.base import ParsedRecord, SourceFile
from screening.importers.databases import WOS, wos_ut_database
from screening.importers.fields import (
    clean,
    clean_abstract,
    join_pages,
    normalize_doi,
    normalize_pmid,
    parse_year,
    split_keywords,
)
from screening.importers.fields import first_of as _first
from screening.importers.tagged import add_value, raw_fields, split_lines

_LIST_TAGS = frozenset({"AU", "AF", "BA", "BF", "CA", "GP", "ED", "CR", "C1", "C3", "EM", "RI", "OI", "FU",
                        "SE", "BE"})
_TAG = re.compile(r"^([A-Z][A-Z0-9]) ")


def iter_wos(lines: Iterable[str], truncated: Callable[[int], None] | None = None,
             ) -> Iterator[tuple[int, dict[str, list[str]]]]:
    """(first line, tag -> values) per record; ``truncated(first line)`` is called for a last record the file
    ends inside (no ``ER``/``EF`` after it)."""
    fields: dict[str, list[str]] | None = None
    start = 0
    last = ""
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        if line.startswith("   ") or line.startswith("\t"):
            if fields is not None and last:
                value = line.strip()
                bucket = fields[last]
                if last in _LIST_TAGS:
                    bucket.append(value)
                else:
                    bucket[-1] = f"{bucket[-1]} {value}" if bucket[-1] else value
            continue
        tag = line[:2]
        if line.rstrip() in ("ER", "EF"):
            tag = line.rstrip()
        elif not _TAG.match(line[:3]):
            # a tag glued to its value ("AUGilles, H"), as damaged files have: read it as tag + value
            if len(line) > 2 and line[:2].isalpha() and line[:2].isupper() and fields is not None:
                add_value(fields, tag, line[2:].strip())
                last = tag
            continue
        value = line[3:].strip()
        if tag == "ER":
            if fields is not None:
                yield start, fields
            fields, last = None, ""
        elif tag == "EF":
            # end of one export; files concatenated by hand go on with the next FN header
            if fields is not None and len(fields) > 1:
                yield start, fields
            fields, last = None, ""
        elif tag in ("FN", "VR") and fields is None:
            continue
        elif tag == "PT" or fields is None:
            if fields is not None:
                yield start, fields  # a record that lost its ER
            fields, start = {}, lineno
            add_value(fields, tag, value)
            last = tag
        else:
            add_value(fields, tag, value)
            last = tag
    if fields is not None and len(fields) > 1:
        if truncated is not None:
            truncated(start)
        yield start, fields


def to_record(fields: dict[str, list[str]], line: int) -> ParsedRecord:
    authors = [clean(a) for a in (fields.get("AF") or fields.get("AU") or fields.get("CA") or []) if clean(a)]
    bp, ep = _first(fields, "BP"), _first(fields, "EP")
    pages = join_pages(bp, ep) or _first(fields, "PS", "AR")  # PS: the page span (Zoological Record)
    other = {k: v for k, v in (("issn", _first(fields, "SN")), ("eissn", _first(fields, "EI")),
                               ("article_number", _first(fields, "AR"))) if v}
    keywords = split_keywords([" ".join(fields.get("DE", [])), " ".join(fields.get("ID", []))], seps=";")
    return ParsedRecord(
        title=_first(fields, "TI"),
        abstract=clean_abstract(" ".join(fields.get("AB", []))),
        authors=authors,
        year=parse_year(_first(fields, "PY", "EA", "PD")),
        journal=_first(fields, "SO", "SE", "J9", "JI"),
        volume=_first(fields, "VL"),
        issue=_first(fields, "IS"),
        pages=pages,
        doi=normalize_doi(_first(fields, "DI", "D2")),
        pmid=normalize_pmid(_first(fields, "PM")),
        other_ids=other,
        language=_first(fields, "LA"),
        keywords=keywords,
        pub_type=_first(fields, "DT", "PT"),
        url="",
        source_id=_first(fields, "UT"),
        raw=raw_fields(fields),
        line=line,
    )


TRUNCATED = ("the last record has no closing 'ER' line: the file may be truncated (that record was imported "
             "as it is)")


def rows_from_lines(lines: Iterable[str], first_line: int = 1,
                    truncated: Callable[[int], None] | None = None) -> Iterator[ParsedRecord]:
    """Records of a run of lines whose first is line ``first_line`` of the file (for parallel parsing)."""
    for n, (line, fields) in enumerate(iter_wos(lines, truncated), start=1):
        if "PT" not in fields and "TI" not in fields:
            raise InputError("holds a record with neither PT nor TI; expected Web of Science records from 'PT' "
                             "to 'ER'", line=line + first_line - 1, record=n if first_line == 1 else None)
        yield to_record(fields, line + first_line - 1)


class WosTaggedImporter:
    name = "wos"
    label = "Web of Science plain text"
    suffixes = (".txt", ".ciw", ".isi", ".ris")
    priority = 55

    def sniff(self, source: SourceFile) -> float:
        head = source.head_text()
        if head is None:
            return 0.0
        lines = split_lines(head)[:200]
        first = next((ln for ln in lines if ln.strip()), "").lstrip("\ufeff")
        if first.startswith("FN ") and any(ln.startswith("PT ") for ln in lines):
            return 0.98
        if first.startswith("FN ") or (first.startswith("PT ") and any(ln.startswith("UT ") or
                                                                      ln.startswith("AU ") for ln in lines)):
            return 0.7
        return 0.0

    def read(self, source: SourceFile, options: Mapping[str, Any]) -> Iterator[ParsedRecord]:
        yield from rows_from_lines(source.iter_lines(), truncated=lambda line: source.warn(TRUNCATED, line))

    def source_database(self, source: SourceFile) -> str | None:
        head = source.head_text(65536) or ""
        m = re.search(r"^UT (\w+:\S*)", head, re.M)
        return wos_ut_database(m.group(1)) if m else WOS


IMPORTERS = [WosTaggedImporter()]
