"""PubMed MEDLINE / .nbib text (also PubMed Central's MEDLARS display, and the same text saved as .txt
or .ris).

Tags are four characters padded with spaces before ``- `` ("PMID- ", "TI  - ", "FAU - "); continuation
lines start with six spaces. A record is a block between blank lines that holds a ``PMID`` (a second
``PMID`` also starts a new record, for files whose blank lines were lost). Databases other than PubMed
write the same layout without a PMID: ERIC's .nbib opens each record with ``OWN - ERIC`` and carries its
accession number in ``OID`` (EJ/ED numbers); such a block is a record when it has a title.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from screening.importers.base import ParsedRecord, SourceFile
from screening.importers.databases import canonical_database
from screening.importers.fields import (
    clean,
    clean_abstract,
    normalize_doi,
    normalize_pmid,
    parse_year,
    split_keywords,
)
from screening.importers.fields import first_of as _first
from screening.importers.tagged import add_value, raw_fields, split_lines

_TAG = re.compile(r"^([A-Z][A-Z0-9]{1,3}) *-(?: |$|(?=\S))")
_LIST_TAGS = frozenset({"AU", "FAU", "MH", "OT", "PT", "AID", "LID", "IS", "AD", "LA", "GR", "RN", "SI"})


def parse_tag(line: str) -> tuple[str, str] | None:
    if len(line) >= 6 and line[4:6] == "- " and line[0].isupper():
        return line[:4].rstrip(), line[6:].strip()
    m = _TAG.match(line)
    if m and len(m.group(0)) <= 6:
        return m.group(1), line[m.end():].strip()
    return None


def _is_record(fields: Mapping[str, list[str]]) -> bool:
    return "PMID" in fields or ("TI" in fields and ("OWN" in fields or "OID" in fields))


def iter_medline(lines: Iterable[str]) -> Iterator[tuple[int, dict[str, list[str]]]]:
    fields: dict[str, list[str]] = {}
    start = 0
    last = ""
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            if _is_record(fields):
                yield start, fields
            fields, last = {}, ""
            continue
        if line[0] in " \t":
            if last:
                bucket = fields[last]
                bucket[-1] = f"{bucket[-1]} {line.strip()}" if bucket[-1] else line.strip()
            continue
        parsed = parse_tag(line)
        if parsed is None:
            continue
        tag, value = parsed
        if (tag == "PMID" and "PMID" in fields) or (tag == "OWN" and "PMID" not in fields and _is_record(fields)):
            yield start, fields
            fields = {}
        if not fields:
            start = lineno
        add_value(fields, tag, value)
        last = tag
    if _is_record(fields):
        yield start, fields


def _doi(fields: Mapping[str, list[str]]) -> str:
    for tag in ("LID", "AID"):
        for v in fields.get(tag, ()):
            if "[doi]" in v:
                d = normalize_doi(v.replace("[doi]", ""))
                if d:
                    return d
    return ""


def to_record(fields: dict[str, list[str]], line: int) -> ParsedRecord:
    authors = [clean(a) for a in (fields.get("FAU") or fields.get("AU") or []) if clean(a)]
    if not authors:
        authors = [clean(a) for a in fields.get("CN", []) if clean(a)]
    pmid = normalize_pmid(_first(fields, "PMID"))
    accession = _first(fields, "OID") if not pmid else ""
    # every IS line: `fields.standard_numbers` tells print from electronic ("(Electronic)", ERIC's "EISSN-")
    issn = "; ".join(clean(v) for v in fields.get("IS", []) if clean(v))
    other = {k: v for k, v in (("pmcid", _first(fields, "PMC")), ("issn", issn), ("accession", accession)) if v}
    kw = [v.replace("*", "") for t in ("OT", "MH") for v in fields.get(t, ())]
    return ParsedRecord(
        title=_first(fields, "TI", "BTI", "TT"),
        abstract=clean_abstract(" ".join(fields.get("AB", []))),
        authors=authors,
        year=parse_year(_first(fields, "DP", "DEP", "DA")),
        journal=_first(fields, "JT", "TA", "BTI"),
        volume=_first(fields, "VI"),
        issue=_first(fields, "IP"),
        pages=_first(fields, "PG"),
        doi=_doi(fields),
        pmid=pmid,
        other_ids=other,
        language=_first(fields, "LA"),
        keywords=split_keywords(kw, seps=""),
        pub_type=_first(fields, "PT"),
        url=f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" if pmid else _first(fields, "URL", "UR"),
        source_id=pmid or accession,
        raw=raw_fields(fields),
        line=line,
    )


def rows_from_lines(lines: Iterable[str], first_line: int = 1) -> Iterator[ParsedRecord]:
    """Records of a run of lines whose first is line ``first_line`` of the file (for parallel parsing)."""
    for line, fields in iter_medline(lines):
        yield to_record(fields, line + first_line - 1)


class MedlineImporter:
    name = "medline"
    label = "PubMed MEDLINE (nbib)"
    suffixes = (".nbib", ".txt", ".medline")
    priority = 60

    def sniff(self, source: SourceFile) -> float:
        head = source.head_text()
        if head is None:
            return 0.0
        lines = split_lines(head)[:300]
        pmid = sum(1 for ln in lines if ln.startswith("PMID- "))
        tags = sum(1 for ln in lines if len(ln) >= 6 and ln[4:6] == "- ")
        if pmid and tags >= 3:
            return 0.97
        own = sum(1 for ln in lines if ln.startswith(("OWN - ", "OID - ")))
        if own and tags >= 3 and not any(ln.startswith(("TY  - ", "ER  -")) for ln in lines):
            return 0.96  # MEDLINE layout without PMIDs (ERIC and other non-PubMed databases)
        return 0.0

    def read(self, source: SourceFile, options: Mapping[str, Any]) -> Iterator[ParsedRecord]:
        yield from rows_from_lines(source.iter_lines())

    def source_database(self, source: SourceFile) -> str | None:
        head = source.head_text() or ""
        own = re.search(r"^OWN - (\S.*)$", head, re.M)
        if own and not re.search(r"^PMID- ", head, re.M):
            return canonical_database(own.group(1)) or clean(own.group(1))
        return "PubMed Central" if head.lstrip().startswith("PMC - ") else "PubMed"


IMPORTERS = [MedlineImporter()]
