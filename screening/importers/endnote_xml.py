"""EndNote XML (``<xml><records><record>``), as written by EndNote 15-20 and tools that mimic it.

Every value is wrapped in one or more ``<style>`` elements (a value may be split across several styled
runs); the whole file is often a single line and may be UTF-16. The ``rec-number`` is the record's
number in the EndNote library; the ``accession-num`` is the database's own id (PMID, WoS UT, ...),
preferred as ``source_id`` when present.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from html import unescape
from typing import Any
from xml.etree import ElementTree as ET

from db.errors import InputError
from screening.importers.base import ParsedRecord, SourceFile
from screening.importers.databases import WOS, database_or_none, from_ovid_link, tool_name
from screening.importers.fields import (
    clean,
    clean_abstract,
    normalize_doi,
    normalize_pmid,
    parse_year,
    split_authors,
    split_keywords,
)
from screening.importers.pubmed_xml import flatten, iter_xml_records, local, text_of, xml_head

_EXPECTED = "EndNote XML (<xml><records><record>)"
_SNIFF_RECORDS = re.compile(r"<xml>\s*<records>\s*<record>", re.S)
_REMOTE_DB = re.compile(r"<remote-database-(name|provider)>(.*?)</remote-database-\1>", re.S)
_TAGS = re.compile(r"<[^>]+>")


def _is_leaf(elem: ET.Element) -> bool:
    for c in elem:
        if c.tag != "style" and local(c.tag) != "style":
            return False
    return True


def _value(record: ET.Element, path: str) -> str:
    return text_of(record.find(path))


def _values(record: ET.Element, path: str) -> list[str]:
    return [v for v in (text_of(e) for e in record.findall(path)) if v]


def _v(raw: Mapping[str, Any], path: str) -> str:
    """The first value at ``path`` of a record's flattened fields (what ``text_of(record.find(path))`` gives
    for a leaf field, without searching the tree again: a large export has a million such lookups)."""
    x = raw.get(path)
    return (x[0] if x else "") if isinstance(x, list) else (x or "")


def _vs(raw: Mapping[str, Any], path: str) -> list[str]:
    x = raw.get(path)
    return [] if x is None else [v for v in (x if isinstance(x, list) else [x]) if v]


def _doi(record: ET.Element) -> str:
    doi = normalize_doi(_value(record, "electronic-resource-num"))
    if doi:
        return doi
    for url in _values(record, "urls//url"):
        if "doi.org/" in url.lower():
            doi = normalize_doi(url)
            if doi:
                return doi
    return ""


def _pmid(record: ET.Element, accession: str, remote_db: str) -> str:
    if accession and ("pubmed" in remote_db.lower() or "medline" in remote_db.lower()):
        return normalize_pmid(accession)
    for url in _values(record, "urls//url"):
        m = re.search(r"(?:pubmed/(?:\?term=)?|pubmed\.ncbi\.nlm\.nih\.gov/|pmid[:=])(\d{1,9})\b", url)
        if m:
            return m.group(1)
    return ""


def parse_endnote_record(record: ET.Element) -> ParsedRecord:
    """One ``<record>`` element as a record; all its fields are kept in ``raw``."""
    raw = flatten(record, _is_leaf)
    ref_type = record.find("ref-type")
    pub_type = ""
    if ref_type is not None:
        pub_type = clean(ref_type.get("name", "")) or text_of(ref_type)
        raw["ref-type/@name"] = pub_type
    accession = _v(raw, "accession-num")
    rec_number = _v(raw, "rec-number")
    remote_db = _v(raw, "remote-database-name") or _v(raw, "remote-database-provider")
    journal = (_v(raw, "periodical/full-title") or _v(raw, "titles/secondary-title")
               or _v(raw, "alt-periodical/full-title") or _v(raw, "periodical/abbr-1"))
    title = _v(raw, "titles/title") or _v(raw, "titles/short-title")
    year = parse_year(_v(raw, "dates/year")) or parse_year(_v(raw, "dates/pub-dates/date"))
    authors = split_authors(_vs(raw, "contributors/authors/author"))
    if not authors:
        authors = split_authors(_vs(raw, "contributors/secondary-authors/author"))
    keywords = split_keywords(_vs(raw, "keywords/keyword"), seps="")
    urls = _vs(raw, "urls/related-urls/url") or _values(record, "urls//url")
    other: dict[str, str] = {}
    if rec_number:
        other["endnote_rec_number"] = rec_number
    if accession:
        other["accession"] = accession
    isbn = _v(raw, "isbn")
    if isbn:
        other["isbn_issn"] = isbn
    wos = next((m.group(1) for u in urls if (m := _GO_TO_ISI.search(u))), "")
    if wos:  # a record EndNote took from Web of Science: "<Go to ISI>://WOS:000356201700010"
        other["wos"] = wos
    return ParsedRecord(
        title=title,
        abstract=clean_abstract(_v(raw, "abstract")),
        authors=authors,
        year=year,
        journal=journal,
        volume=_v(raw, "volume"),
        issue=_v(raw, "number") or _v(raw, "issue"),
        pages=_v(raw, "pages"),
        doi=_doi(record),
        pmid=_pmid(record, accession, remote_db),
        other_ids=other,
        language=_v(raw, "language"),
        keywords=keywords,
        pub_type=pub_type,
        url=urls[0] if urls else "",
        source_id=accession or wos or rec_number,
        raw=raw,
    )


_GO_TO_ISI = re.compile(r"<Go to ISI>://(WOS:\w+)", re.I)


class EndnoteXmlImporter:
    """EndNote XML library exports."""

    name = "endnote_xml"
    label = "EndNote XML"
    suffixes = (".xml",)
    priority = 50

    def sniff(self, source: SourceFile) -> float:
        """0.95 for ``<xml><records><record>``; 0.6 for an ``<xml>`` root naming EndNote as source-app."""
        head = xml_head(source)
        if not head:
            return 0.0
        if _SNIFF_RECORDS.search(head):
            return 0.95
        if "<xml>" in head and "<records>" in head:
            return 0.8
        if "<xml>" in head and "<source-app" in head and "EndNote" in head:
            return 0.6
        return 0.0

    def read(self, source: SourceFile, options: Mapping[str, Any]) -> Iterator[ParsedRecord]:
        """Yield one record per ``<record>`` element."""
        for n, (elem, line, _root) in enumerate(
                iter_xml_records(source, frozenset({"record"}), frozenset({"xml"}), _EXPECTED), start=1):
            try:
                rec = parse_endnote_record(elem)
            except (AttributeError, TypeError, ValueError) as exc:
                raise InputError(f"EndNote record could not be read: {exc}", file=source.name,
                                 line=line, record=n) from exc
            rec.line = line
            yield rec

    def source_database(self, source: SourceFile) -> str | None:
        """The canonical name of the records' ``remote-database-name`` (else ``-provider``, else an Ovid link's
        ``D=`` code). Never the EndNote library's file name (``<database>My refs.enl</database>``), which names
        no database; None when the records do not tell."""
        head = xml_head(source, 65536)
        found: list[str] = []
        tool = None
        for kind, value in _REMOTE_DB.findall(head):
            text = clean(_TAGS.sub("", value))
            name = database_or_none(text)
            if name:
                found.append(name)
                if kind == "name":
                    return name
            tool = tool or tool_name(text)
        if found:
            return found[0]
        if tool:  # records a screening tool wrote (Covidence, EPPI-Reviewer): the tool, not a database
            return tool
        if _GO_TO_ISI.search(unescape(head)):
            return WOS
        return from_ovid_link(head)


IMPORTERS = [EndnoteXmlImporter()]
