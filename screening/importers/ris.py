"""RIS from every vendor: EBSCOhost, Ovid, Scopus, Embase, Web of Science, ProQuest, Cochrane, PubMed via
reference managers, and re-exports from EndNote, Zotero, Mendeley, RefWorks, Citavi, Covidence, Rayyan,
EPPI-Reviewer.

Records run from ``TY`` to ``ER``. Quirks handled: BOMs, CR/LF/CRLF and mixed line endings, ``ER  -``
with or without trailing spaces, untagged continuation lines (joined with a space; for keyword tags
each continuation line is another keyword, as Rayyan writes them), Ovid's "1." record-number lines and
other text between records, a missing final ``ER``, a repeated ``TY`` inside a record, a record
missing its ``ER`` before a blank line and the next ``TY``, APA PsycNET's four-letter ``PMID  - `` line
(read as the PMID, not as a continuation of the line before it).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from db.errors import InputError
from screening.importers.base import ParsedRecord, SourceFile
from screening.importers.databases import WOS, canonical_database, database_or_none, from_ovid_link, tool_name
from screening.importers.fields import (
    clean,
    clean_abstract,
    first_of,
    join_pages,
    normalize_doi,
    normalize_pmid,
    parse_year,
    pmid_of_links,
    split_keywords,
)
from screening.importers.tagged import split_lines

_TAG = re.compile(r"^([A-Z][A-Z0-9]) {1,2}-(?: (.*)|\s*)$")
_PMID_TAG = re.compile(r"^PMID {0,2}- ?(.*)$")
_KEYWORD_TAGS = frozenset({"KW", "DE"})
_TAGSET = frozenset(a + b for a in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" for b in "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_LIST_TAGS = frozenset({"AU", "A1", "A2", "A3", "A4", "KW", "ED"})

# Field map: MetaSift field -> RIS tags in order of preference.
TITLE = ("TI", "T1", "CT", "BT", "ST")
ABSTRACT = ("AB", "N2")
AUTHORS = ("AU", "A1")
YEAR = ("PY", "Y1", "DA", "Y2")
JOURNAL = ("JF", "T2", "JO", "JA", "J2", "J1", "BT", "T3")
URL = ("UR", "L2", "L1")
SOURCE_ID = ("AN", "ID", "U1", "M1")


def parse_tag(line: str) -> tuple[str, str] | None:
    """(tag, value) for a RIS tag line, else None. Fast path for the canonical ``XX  - `` shape."""
    if len(line) >= 5 and line[2:5] == "  -" and line[0].isupper() and (line[1].isupper() or line[1].isdigit()):
        return line[:2], line[6:].strip() if len(line) > 6 else ""
    if len(line) >= 4 and "-" in line[2:5]:
        m = _TAG.match(line.rstrip())
        if m:
            return m.group(1), (m.group(2) or "").strip()
    if line.startswith("PMID") and (m := _PMID_TAG.match(line)):  # APA PsycNET writes "PMID  - 12345"
        return "PMID", m.group(1).strip()
    return None


def iter_ris(lines: Iterable[str], truncated: Callable[[int], None] | None = None,
             empty: Callable[[int], None] | None = None) -> Iterator[tuple[int, dict[str, list[str]]]]:
    """(first line, tag -> values) per record of RIS lines; ``truncated(first line)`` is called for a last
    record the file ends inside (no ``ER`` after it), ``empty(first line)`` for a record with nothing but
    its ``TY`` line (no record; the caller says so)."""
    fields: dict[str, list[str]] | None = None
    start = 0
    last_tag = ""
    prev_blank = False
    for lineno, line in enumerate(lines, start=1):
        # inline fast path of parse_tag: "XX  - value"
        if line[2:5] == "  -" and line[:2] in _TAGSET:
            tag, value = line[:2], line[6:].strip()
        else:
            parsed = parse_tag(line)
            if parsed is None:
                stripped = line.strip()
                if fields is not None and stripped and last_tag:
                    bucket = fields[last_tag]
                    if last_tag in _KEYWORD_TAGS:
                        bucket.append(stripped)
                    elif bucket[-1]:
                        bucket[-1] = f"{bucket[-1]} {stripped}"
                    else:
                        bucket[-1] = stripped
                prev_blank = not stripped
                continue
            tag, value = parsed
        if tag == "ER":
            if fields is not None and (len(fields) > 1 or "TY" not in fields):
                yield start, fields
            elif fields is not None and empty is not None:  # a lone "TY" between TY and ER is no record
                empty(start)
            fields, last_tag = None, ""
        elif fields is None:
            fields, start = {tag: [value]}, lineno
            last_tag = tag
        elif tag == "TY" and prev_blank and len(fields) > 1:
            yield start, fields  # a record that lost its ER
            fields, start = {tag: [value]}, lineno
            last_tag = tag
        else:
            values = fields.get(tag)
            if values is None:
                fields[tag] = [value]
            else:
                values.append(value)
            last_tag = tag
        prev_blank = False
    if fields is not None and len(fields) > 1:
        if truncated is not None:
            truncated(start)
        yield start, fields


def _first(fields: Mapping[str, list[str]], tags: tuple[str, ...]) -> str:
    return first_of(fields, *tags)


def _doi(fields: Mapping[str, list[str]]) -> str:
    for tag in ("DO", "DI", "M3", "UR", "L3", "L2", "N1", "AN"):
        for v in fields.get(tag, ()):
            if tag in ("DO", "DI") or "doi" in v.lower():
                d = normalize_doi(v)
                if d:
                    return d
    return ""


def _pmid(fields: Mapping[str, list[str]], db_hint: str) -> str:
    for tag in ("PM", "PMID"):
        if tag in fields:
            return normalize_pmid(fields[tag][0])
    for v in [*fields.get("C2", ()), *fields.get("N1", ()), *fields.get("M1", ())]:
        m = re.search(r"PMID:?\s*(\d{1,9})", v)
        if m:
            return m.group(1)
    for v in fields.get("C3", ()):  # the Cochrane Library: "C3  -  PUBMED 38407106,EMBASE 643589775"
        m = re.search(r"\bPUBMED\s+(\d{1,9})\b", v)
        if m:
            return m.group(1)
    an = fields.get("AN", [""])[0].strip()
    if an.isdigit() and len(an) <= 9 and ("pubmed" in db_hint or "medline" in db_hint):
        return an
    if "embase" in db_hint:  # embase.com writes the MEDLINE PMID in C5
        c5 = fields.get("C5", [""])[0].strip()
        if c5.isdigit() and len(c5) <= 9:
            return c5
    for v in [*fields.get("L2", ()), *fields.get("UR", ())]:  # an Ovid MEDLINE link: its AN is the PMID
        m = _OVID_MEDLINE_AN.search(v)
        if m:
            return m.group(1)
    return pmid_of_links([*fields.get("UR", ()), *fields.get("L2", ())])


_OVID_MEDLINE_AN = re.compile(r"ovidweb\.cgi\?\S*?[?&]D=(?:med[a-z]*|prem|mesz|mesx)\d*&\S*?\bAN=(\d{1,9})\b", re.I)


_ID_LIKE = re.compile(r"[\w.:/\-]{1,64}")


_EMBASE_ID = re.compile(r"L\d{6,12}")


def _embase_id(fields: Mapping[str, list[str]]) -> str:
    """Embase's accession number ("L2029880245"), which embase.com writes in U2."""
    return next((v.strip() for v in fields.get("U2", ()) if _EMBASE_ID.fullmatch(v.strip())), "")


def _source_id(fields: Mapping[str, list[str]]) -> str:
    """The record's identifier from AN, ID, U1 or M1 (Embase's accession number in U2 first): the first value
    that reads like one (no spaces, at most 64 characters, not only zeros). "0", "User definable 1. ..." or
    Ovid's "vwt, 1307333" are not ids; two records must never share a made-up one."""
    embase = _embase_id(fields)
    if embase:
        return embase
    for tag in SOURCE_ID:
        for v in fields.get(tag, ()):
            c = clean(v)
            if c and _ID_LIKE.fullmatch(c) and c.strip("0"):
                return c
    return ""


_LOCAL_FILE = re.compile(r"^(?:file:|internal-pdf:|[a-z]:\\|/)", re.I)


def _url(fields: Mapping[str, list[str]]) -> str:
    """The record's link: ``UR``, else an ``L2``/``L1`` web link. ``L1`` (and sometimes ``L2``) also holds
    the path of a PDF on the exporting person's computer (``file://...``, EndNote's ``internal-pdf://``),
    which is no link to the record; ``raw`` keeps it."""
    for tag in URL:
        for v in fields.get(tag, ()):
            c = clean(v)
            if c and (tag == "UR" or not _LOCAL_FILE.match(c)):
                return c
    return ""


def to_record(fields: dict[str, list[str]], line: int) -> ParsedRecord:
    """Map one RIS record's tags to a `ParsedRecord`."""
    db_hint = " ".join(fields.get("DB", []) + fields.get("DP", [])).lower()
    authors = [a for a in (clean(v).strip(" ;") for t in AUTHORS for v in fields.get(t, ())) if a]
    sp, ep = _first(fields, ("SP",)), _first(fields, ("EP",))
    other: dict[str, str] = {}
    for key, tag in (("issn", "SN"), ("accession", "AN"), ("ref_id", "ID"), ("pmcid", "C2")):
        v = _first(fields, (tag,))
        if v:
            other[key] = v
    if embase := _embase_id(fields):
        other["embase"] = embase  # the key the Embase CSV/XLSX reader gives its accession number
    return ParsedRecord(
        title=_first(fields, TITLE),
        abstract=next((a for t in ABSTRACT for a in map(clean_abstract, fields.get(t, ())) if a), ""),
        authors=authors,
        year=next((y for t in YEAR for y in map(parse_year, fields.get(t, ())) if y), None),
        journal=_first(fields, JOURNAL),
        volume=_first(fields, ("VL", "VO")),
        issue=_first(fields, ("IS", "CP")),
        pages=join_pages(sp, ep) if "-" not in sp else sp,
        doi=_doi(fields),
        pmid=_pmid(fields, db_hint),
        other_ids=other,
        language=_first(fields, ("LA",)),
        keywords=split_keywords([v for t in ("KW", "DE") for v in fields.get(t, ()) if not _EPPI_KEYWORD.fullmatch(
            v.strip())], seps=";"),
        pub_type=_first(fields, ("TY",)),
        url=_url(fields),
        source_id=_source_id(fields),
        raw=fields,  # every tag as exported, each with its list of values
        line=line,
    )


# Clues after the ``DB`` lines (which `database_or_none` reads first), in order.
_DB_PATTERNS = (
    (re.compile(r"^AN  - WOS:", re.M), WOS),
    (re.compile(r"scopus\.com", re.I), "Scopus"),
    (re.compile(r"^DP  - .*(proquest)", re.I | re.M), "ProQuest"),
    (re.compile(r"ncbi\.nlm\.nih\.gov/pubmed|pubmed\.ncbi", re.I), "PubMed"),
    (re.compile(r"^DP  - .*dimensions|^UR  - https?://app\.dimensions\.ai/", re.I | re.M), "Dimensions"),
    (re.compile(r"lens\.org", re.I), "Lens"),
    (re.compile(r"^UR  - https?://trid\.trb\.org/", re.I | re.M), "TRID"),
    (re.compile(r"^(?:DP|PB)  - .*(?:psycnet|american psychological association)", re.I | re.M), "PsycINFO"),
    (re.compile(r"psycnet\.apa\.org", re.I), "PsycINFO"),
)
_DB_LINE = re.compile(r"^(?:DB|DP)  - (.+)$", re.M)
# EPPI-Reviewer writes this keyword into every record it exports as RIS: its mark, not the authors' keyword.
_EPPI_MARK = re.compile(r"^KW  - eppi-reviewer\d?\s*$", re.M | re.I)
_EPPI_KEYWORD = re.compile(r"eppi-reviewer\d?", re.I)
# A reference manager's links to the PDFs it keeps, a screening tool's own record ids: the file is that tool's
# export, not a database's.
_FILE_MARKS = (
    (re.compile(r"^L[1-4]  - internal-pdf://", re.M), "EndNote"),
    (re.compile(r"^L[1-4]  - .*Mendeley Desktop[\\/]", re.M | re.I), "Mendeley"),
    (re.compile(r"^L[1-4]  - .*[\\/]Zotero[\\/]storage[\\/]", re.M | re.I), "Zotero"),
    (re.compile(r"^AN  - rayyan-\d+\s*$", re.M), "Rayyan"),  # Rayyan's own record ids
)


def _clue_database(head: str) -> str | None:
    """The database the links' and ids' clues of the head's records point to, record by record: the name the
    most records point to, when every record with a clue points to it (a Lens export links each record to
    lens.org and some to PubMed too: Lens); None when some records point elsewhere only (a reference manager's
    library of Scopus and Lens records, or of WoS and Dimensions ones, is from no one database)."""
    order = {name: i for i, (_, name) in enumerate(_DB_PATTERNS)}
    counts: dict[str, int] = {}
    per_record: list[set[str]] = []
    for block in _ER_LINE.split(head)[:-1]:  # records closed by their ER line (the head may end inside one)
        if "TY  - " not in block:
            continue
        names = {n for n in (from_ovid_link(block), *(name for pattern, name in _DB_PATTERNS
                                                      if pattern.search(block))) if n}
        if names:
            per_record.append(names)
            for n in names:
                counts[n] = counts.get(n, 0) + 1
    if not counts:
        return None
    best = min(counts, key=lambda n: (-counts[n], order.get(n, -1)))
    return best if all(best in names for names in per_record) else None


_ER_LINE = re.compile(r"^ER  -.*$", re.M)


TRUNCATED = ("the last record has no closing 'ER  - ' line: the file may be truncated (that record was imported "
             "as it is)")


def report_empty(source: SourceFile, skipped: list[int]) -> None:
    """Warn about the records that held nothing but their ``TY`` line (lines of the file, ascending); the
    sequential reader and the parallel one (`screening.importers.parallel`) both warn through this."""
    if not skipped:
        return
    shown = ", ".join(map(str, skipped[:8])) + (f" and {len(skipped) - 8} more" if len(skipped) > 8 else "")
    source.warn(f"line{'s' if len(skipped) > 1 else ''} {shown}: {len(skipped)} record"
                f"{'s' if len(skipped) > 1 else ''} with nothing but a type line (TY) between TY and ER "
                f"{'were' if len(skipped) > 1 else 'was'} not imported")


def rows_from_lines(lines: Iterable[str], first_line: int = 1,
                    truncated: Callable[[int], None] | None = None,
                    empty: Callable[[int], None] | None = None) -> Iterator[ParsedRecord]:
    """Records of a run of lines whose first is line ``first_line`` of the file (for parallel parsing)."""
    for n, (line, fields) in enumerate(iter_ris(lines, truncated, empty), start=1):
        if "TY" not in fields and not any(t in fields for t in TITLE):
            raise InputError("holds a record with neither a TY type line nor a title; expected RIS records from "
                             "'TY  - ' to 'ER  - '", line=line + first_line - 1,
                             record=n if first_line == 1 else None)
        yield to_record(fields, line + first_line - 1)


class RisImporter:
    name = "ris"
    label = "RIS"
    suffixes = (".ris", ".txt", ".enw", ".nbib")
    priority = 50

    def sniff(self, source: SourceFile) -> float:
        head = source.head_text()
        if head is None:
            return 0.0
        tags = 0
        ty = er = 0
        for line in split_lines(head)[:400]:
            parsed = parse_tag(line)
            if parsed:
                tags += 1
                ty += parsed[0] == "TY"
                er += parsed[0] == "ER"
        if ty and tags >= 3:
            return 0.95
        if (er or ty) and tags >= 2:
            return 0.6
        return 0.1 if tags >= 3 else 0.0

    def read(self, source: SourceFile, options: Mapping[str, Any]) -> Iterator[ParsedRecord]:
        skipped: list[int] = []
        yield from rows_from_lines(source.iter_lines(), truncated=lambda line: source.warn(TRUNCATED, line),
                                   empty=skipped.append)
        report_empty(source, skipped)

    def source_database(self, source: SourceFile) -> str | None:
        """The canonical database of the ``DB`` (or ``DP``) lines; else the screening tool or reference manager
        whose mark the file carries (a ``DB`` line naming it, EPPI-Reviewer's keyword, the links to the PDFs an
        EndNote, Mendeley or Zotero library keeps), which the caller turns
        into "database unknown, exported by ..."; else the database of an Ovid link's ``D=`` code or of the
        other clues in `_DB_PATTERNS`; None when the file does not tell (a platform such as EBSCOhost is not
        a database)."""
        head = source.head_text(65536) or ""
        for m in _DB_LINE.finditer(head):
            name = database_or_none(m.group(1)) if m.group(0).startswith("DB") else canonical_database(
                m.group(1))
            if name:
                return name
        # No database line: a screening tool's or reference manager's mark comes before the links' clues (a
        # re-export mixes the records of every database searched; the first record's link names one of them).
        # It is reported as the tool, never as the database.
        tool = next((m.group(1) for m in _DB_LINE.finditer(head) if tool_name(m.group(1))), None)
        if tool or _EPPI_MARK.search(head):
            return tool or "EPPI-Reviewer"
        for mark, manager in _FILE_MARKS:
            if mark.search(head):
                return manager
        return _clue_database(head)


IMPORTERS = [RisImporter()]
