"""ProQuest plain-text report ("Report Information from ProQuest", "Document N of M" blocks).

Each document block runs from its "Document N of M" line to the next ``____`` separator: the title
line, then ``Field: value`` lines (values may run over several lines, e.g. long abstracts). Only the
document blocks are read: the table of contents before them and the optional "Bibliography"
(BibTeX) section after them are skipped, so nothing is counted twice.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from db.errors import InputError
from screening.importers.base import ParsedRecord, SourceFile
from screening.importers.fields import (
    clean,
    clean_abstract,
    normalize_doi,
    normalize_pmid,
    parse_year,
    split_authors,
    split_keywords,
)

_DOC = re.compile(r"^\s*Document (\d+) of (\d+)\s*$")
_SEPARATOR = re.compile(r"^_{10,}\s*$")
_URL_LINE = re.compile(r"^https?://\S+$")
_LABELS = frozenset(s.lower() for s in (
    "Abstract", "Accession number", "Advisor", "Author", "Author e-mail address", "Author affiliation",
    "Classification", "Coden", "Committee member", "Company / organization", "Conference title",
    "Contributor", "Copyright", "Country of publication", "Database", "Degree", "Degree date",
    "Department", "Dissertation/thesis number", "Document feature", "Document type", "Document URL",
    "DOI", "e-ISSN", "Editor", "Feature", "First page", "Full text", "Identifier / keyword", "ISBN",
    "ISSN", "Issue", "Journal subset", "Language", "Language of publication", "Last updated", "Links",
    "Location", "MeSH", "Number of pages", "Pages", "Peer reviewed", "People", "Place of publication",
    "ProQuest document ID", "Publication date", "Publication note", "Publication subject",
    "Publication title", "Publication year", "Publisher", "PubMed ID", "School code", "Section",
    "Source", "Source type", "Subject", "Supplement", "Title", "University location",
    "University/institution", "Update", "Volume", "Year", "Scholarly", "Source attribution",
))
_FIELD = re.compile(r"^([A-Za-z][A-Za-z0-9 /&()-]{0,40}?):\s?(.*)$")


def _split_document(lines: list[str]) -> tuple[str, list[tuple[str, str]]]:
    """(heading title, [(label, value)]) of one document block."""
    heading = ""
    fields: list[list[str]] = []
    for line in lines:
        text = line.strip()
        if not text:
            continue
        m = _FIELD.match(text)
        if m and m.group(1).strip().lower() in _LABELS:
            fields.append([m.group(1).strip(), m.group(2).strip()])
        elif _URL_LINE.match(text) and (not fields or fields[-1][0].lower() not in ("links", "abstract",
                                                                                    "full text")):
            fields.append(["URL", text])
        elif fields:
            fields[-1][1] = f"{fields[-1][1]}\n{text}" if fields[-1][1] else text
        elif not heading:
            heading = text
        else:
            heading = f"{heading} {text}"
    return heading, [(label, value) for label, value in fields]


def _record(heading: str, pairs: list[tuple[str, str]]) -> ParsedRecord:
    by: dict[str, list[str]] = {}
    for label, value in pairs:
        by.setdefault(label.lower(), []).append(value)

    def get(*labels: str) -> str:
        for label in labels:
            for v in by.get(label, []):
                if clean(v):
                    return clean(v)
        return ""

    authors: list[str] = []
    for v in by.get("author", []):
        authors.extend(split_authors(v.replace("\n", ";")))
    keywords = []
    for v in by.get("identifier / keyword", []) + by.get("subject", []) + by.get("mesh", []):
        keywords.extend(split_keywords(v, seps=";" if ";" in v else ","))
    other = {k: get(k) for k in ("isbn", "issn", "dissertation/thesis number", "accession number")
             if get(k)}
    raw: dict[str, Any] = {}
    for label, value in pairs:
        if label in raw:
            prev = raw[label]
            raw[label] = [*prev, value] if isinstance(prev, list) else [prev, value]
        else:
            raw[label] = value
    raw["_heading"] = heading
    source_id = get("proquest document id")
    return ParsedRecord(
        title=get("title") or clean(heading),
        abstract=clean_abstract(" ".join(by.get("abstract", []))),
        authors=authors,
        year=(parse_year(get("publication year")) or parse_year(get("year"))
              or parse_year(get("publication date")) or parse_year(get("degree date"))),
        journal=get("publication title"),
        volume=get("volume"),
        issue=get("issue"),
        pages=get("pages"),
        doi=normalize_doi(get("doi")),
        pmid=normalize_pmid(get("pubmed id")),
        other_ids=other,
        language=get("language", "language of publication"),
        keywords=split_keywords(keywords, seps=""),
        pub_type=get("document type", "source type"),
        url=get("document url", "url"),
        source_id=source_id,
        raw=raw,
    )


class ProquestImporter:
    """ProQuest plain-text ("Report Information from ProQuest") exports."""

    name = "proquest"
    label = "ProQuest text report"
    suffixes = (".txt",)
    priority = 45

    def sniff(self, source: SourceFile) -> float:
        """0.95 for the report header; 0.8 for "Document 1 of N" with ProQuest field labels."""
        head = source.head_text()
        if not head:
            return 0.0
        if "Report Information from ProQuest" in head[:2000]:
            return 0.95
        if re.search(r"^\s*Document 1 of \d+\s*$", head, re.M) and "ProQuest document ID:" in head:
            return 0.8
        return 0.0

    def read(self, source: SourceFile, options: Mapping[str, Any]) -> Iterator[ParsedRecord]:
        """Yield one record per "Document N of M" block."""
        lines = source.text.splitlines()
        expected: int | None = None
        i = 0
        while i < len(lines):
            m = _DOC.match(lines[i])
            if not m:
                i += 1
                continue
            start = i + 1
            expected = int(m.group(2))
            j = i + 1
            while j < len(lines) and not _SEPARATOR.match(lines[j]) and not _DOC.match(lines[j]):
                j += 1
            heading, pairs = _split_document(lines[i + 1:j])
            if not pairs and not heading:
                raise InputError(f"ProQuest document {m.group(1)} is empty; expected a title and "
                                 "'Field: value' lines", file=source.name, line=start)
            rec = _record(heading, pairs)
            rec.line = start
            yield rec
            i = j
        if expected is None:
            raise InputError("has no 'Document N of M' blocks; expected a ProQuest text report",
                             file=source.name)

    def source_database(self, source: SourceFile) -> str | None:
        """The first document's "Database:" value (e.g. "ProQuest Dissertations & Theses Global")."""
        m = re.search(r"^Database:\s*(.+?)\s*$", source.text[:200_000], re.M)
        if m and clean(m.group(1)):
            value = clean(m.group(1))
            return value if "proquest" in value.lower() else f"{value} (ProQuest)"
        return "ProQuest"


IMPORTERS = [ProquestImporter()]
