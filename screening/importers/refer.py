"""EndNote tagged text (the Refer format EndNote imports): ``%T Title``, ``%A Author``, ``%0 Journal Article``.

Google Scholar's "EndNote" link, the AIS eLibrary, ScienceDirect and many publishers' ``.enw`` downloads
write it, as does EndNote's own "EndNote Export" style. Records are runs of ``%X value`` lines separated by
blank lines; the tag is one character after ``%`` (a letter, a digit or one of ``@!#$]&()*+^><[=~?``); an
untagged line continues the value before it (for ``%K`` it is another keyword, as EndNote writes one per
line). The database a record came from is in ``%~`` (Name of Database) or ``%W`` (Database Provider, often
a platform such as "EBSCOhost", which names no database).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from db.errors import InputError
from screening.importers.base import ParsedRecord, SourceFile
from screening.importers.databases import canonical_database, database_or_none, from_ovid_link, tool_name
from screening.importers.fields import (
    clean,
    clean_abstract,
    first_of,
    normalize_doi,
    normalize_pmid,
    parse_year,
    split_keywords,
)
from screening.importers.tagged import add_value, raw_fields, split_lines

_TAG = re.compile(r"^%([0-9A-Za-z@!#$\]&()*+^><\[=~?]) ?(.*)$")
_SNIFF_TAG = re.compile(r"^%([0-9A-Z@!#$\]&()*+^><\[=~?]) \S", re.M)


def iter_refer(lines: Iterable[str]) -> Iterator[tuple[int, dict[str, list[str]]]]:
    """(first line, tag -> values) per blank-line separated record of ``%X value`` lines."""
    fields: dict[str, list[str]] | None = None
    start = 0
    last = ""
    for lineno, line in enumerate(lines, start=1):
        m = _TAG.match(line) if line.startswith("%") else None
        if m is None:
            stripped = line.strip()
            if not stripped:
                if fields:
                    yield start, fields
                fields, last = None, ""
            elif fields is not None and last:
                bucket = fields[last]
                if last == "K" or not bucket[-1]:
                    bucket.append(stripped)
                else:
                    bucket[-1] = f"{bucket[-1]} {stripped}"
            continue
        tag, value = m.group(1), m.group(2).strip()
        if fields is None:
            fields, start = {}, lineno
        elif tag == "0" and "0" in fields:  # a new record with no blank line before it
            yield start, fields
            fields, start = {}, lineno
        add_value(fields, tag, value)
        last = tag
    if fields:
        yield start, fields


def _doi(fields: Mapping[str, list[str]]) -> str:
    for tag in ("R", "U", "Z", "M"):
        for v in fields.get(tag, ()):
            if tag == "R" or "doi" in v.lower():
                d = normalize_doi(v)
                if d:
                    return d
    return ""


def to_record(fields: dict[str, list[str]], line: int) -> ParsedRecord:
    """Map one EndNote tagged record to a `ParsedRecord`."""
    db_hint = " ".join(fields.get("~", []) + fields.get("W", [])).lower()
    accession = first_of(fields, "M")
    other = {k: v for k, v in (("issn", first_of(fields, "@")), ("accession", accession),
                               ("pmcid", first_of(fields, "2"))) if v}
    pmid = normalize_pmid(accession) if accession.isdigit() and ("pubmed" in db_hint or "medline" in db_hint) else ""
    return ParsedRecord(
        title=first_of(fields, "T", "Q"),
        abstract=next((a for a in map(clean_abstract, fields.get("X", ())) if a), ""),
        authors=[a for a in (clean(v).strip(" ;") for v in fields.get("A", ())) if a],
        year=next((y for t in ("D", "8", "7") for y in map(parse_year, fields.get(t, ())) if y), None),
        journal=first_of(fields, "J", "B", "O"),
        volume=first_of(fields, "V"),
        issue=first_of(fields, "N"),
        pages=first_of(fields, "P", "&"),
        doi=_doi(fields),
        pmid=pmid,
        other_ids=other,
        language=first_of(fields, "G"),
        keywords=split_keywords(fields.get("K", []), seps=";"),
        pub_type=first_of(fields, "0"),
        url=first_of(fields, "U", ">"),
        source_id=accession if re.fullmatch(r"[\w.:/\-]{1,64}", accession) and accession.strip("0") else "",
        raw=raw_fields(fields),
        line=line,
    )


class ReferImporter:
    name = "refer"
    label = "EndNote tagged text (Refer, .enw)"
    suffixes = (".enw", ".txt", ".refer", ".end")
    priority = 40

    def sniff(self, source: SourceFile) -> float:
        """0.9 when the head is ``%X value`` lines with a title (``%T``) and an author, type or year."""
        head = source.head_text()
        if not head:
            return 0.0
        tags = _SNIFF_TAG.findall(head.lstrip("\ufeff"))
        lines = [ln for ln in split_lines(head)[:200] if ln.strip()]
        if len(tags) < 3 or "T" not in tags or not {"A", "0", "D"} & set(tags):
            return 0.0
        tagged = sum(ln.startswith("%") for ln in lines)
        return 0.9 if tagged >= 0.3 * len(lines) else 0.5

    def read(self, source: SourceFile, options: Mapping[str, Any]) -> Iterator[ParsedRecord]:
        found = False
        for line, fields in iter_refer(source.iter_lines()):
            if "T" not in fields and "0" not in fields and "A" not in fields:
                raise InputError("holds a record with no title (%T), type (%0) or author (%A) line; expected "
                                 "EndNote tagged records of '%T Title' lines separated by blank lines", line=line)
            found = True
            yield to_record(fields, line)
        if not found:
            raise InputError("holds no EndNote tagged records ('%T Title' lines)")

    def source_database(self, source: SourceFile) -> str | None:
        """The database of the ``%~`` (Name of Database) lines, else of ``%W`` (Database Provider) when it
        names a database rather than a platform, else a tool's name (reported as the tool), else an Ovid or
        EBSCOhost link's database code, else the AIS eLibrary for its links; None when the file does not
        tell (Google Scholar's downloads carry no clue)."""
        head = source.head_text(65536) or ""
        values = re.findall(r"^%([~W]) (.+)$", head, re.M)
        for tag in ("~", "W"):
            for t, v in values:
                name = database_or_none(v) if t == "~" else canonical_database(v)
                if t == tag and name:
                    return name
        tool = next((v for _, v in values if tool_name(v)), None)
        if tool:
            return tool
        name = from_ovid_link(head)
        if name:
            return name
        if re.search(r"^%U https?://aisel\.aisnet\.org/", head, re.M):
            return "AIS eLibrary"
        return None


IMPORTERS = [ReferImporter()]
