"""Ovid text exports (Embase, APA PsycInfo, Ovid MEDLINE, ...), in two layouts.

* ``ovid``: the tagged layout of Ovid's "Citavi" / "EndNote" export options. Records start at a
  ``<1. >`` marker; fields are ``TI  - value`` lines; any other non-blank line continues the previous
  field (Ovid indents continuations in some exports and not in others).
* ``ovid_display``: Ovid's labelled display text. Records start at ``<1>``; a field label
  ("Author", "Title", "Source", ...) stands alone at the start of a line and its value lines follow,
  indented.

Also holds `parse_tagged`, the line grouping the Copac and Inspec importers reuse.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from db.errors import InputError
from screening.importers.base import ParsedRecord, SourceFile
from screening.importers.databases import database_or_none, from_ovid_link
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

_MARK = re.compile(r"^<(\d+)\. ?>\s*$")
_TAG = re.compile(r"^([A-Z][A-Z0-9]) {1,2}- ?(.*)$")  # "TI  - " and the one-space "TI - " some exports write
_DISPLAY_MARK = re.compile(r"^<(\d+)>\s*$")
_FOREIGN = re.compile(r"^(TY  - |PMID- |FN |PT [A-Z]|ER\s*$)", re.M)
# The document-type labels Ovid appends to titles ("... review.[Review]", "... trial. [Article]"): the
# known ones anywhere at the end, any other capitalised one- to four-word label (or ";"-list of them,
# PsycINFO's "[Journal; Peer Reviewed Journal]") only right after the title's closing punctuation.
_KNOWN_LABELS = (r"References|Review|Reviews|Article|Articles|Editorial|Comment|Letter|Erratum|Abstract|"
                 r"Miscellaneous|Case Reports?|Meeting Abstract|Conference Abstract|Conference Paper|"
                 r"Conference Proceeding|Conference Review|News|Historical Article|Journal Article|Clinical Trial|"
                 r"Report|Reports|Book|Chapter|Book Chapter|Dissertation|Dissertation Abstract|Note|Short Survey|"
                 r"Editorial Material|Retracted Publication|Retraction|Correction|Randomized Controlled Trial|"
                 r"Systematic Review|Meta-Analysis|Published Erratum|Journal|Peer Reviewed Journal|Electronic "
                 r"Collection|Thesis|Proceedings|Guideline|Practice Guideline|Comparative Study|Evaluation Study")
_TITLE_LABEL = re.compile(rf"\s*\[(?:{_KNOWN_LABELS})(?:\s*;\s*(?:{_KNOWN_LABELS}))*\]\.?\s*$", re.I)
_ANY_LABEL = re.compile(r"(?<=[.?!)\]])\s*\[[A-Z][A-Za-z\-]*(?: [A-Za-z\-]+){0,3}"
                        r"(?:\s*;\s*[A-Z][A-Za-z\-]*(?: [A-Za-z\-]+){0,3})*\]\.?\s*$")
_SO_VOL = re.compile(r"(?:Vol\.?\s*)?(?P<vol>\d+[A-Za-z]?)\s*(?:\((?P<iss>[^)]*)\))?\s*"
                     r"(?::\s*(?P<pg>[A-Za-z]?\d+(?:\s*-\s*[A-Za-z]?\d+)?)|\s*\((?P<pg2>[^)]*)\))?")
_SO_PAREN_DATE = re.compile(r"^(?P<j>[^(]+?), \((?:[A-Za-z]{3,9}\.? )?(?:\d{1,2} )?\d{4}\)\s*"
                            r"(?:Vol\.? ?(?P<v>[^,\s]+))?(?:,? No\.? ?(?P<i>[^,\s]+))?"
                            r"(?:,? pp?\.? ?(?P<p>[A-Za-z]?\d+(?: ?- ?[A-Za-z]?\d+)?))?")
_DEGREES = re.compile(r"(?:[,\s]+(?:MD|PhD|MSc|MS|BSc|BS|MA|BA|RN|MPH|DrPH|DPhil|FRCP|FRCS|FACS|DDS|"
                      r"DMD|DVM|PharmD|MBBS|MBChB|Jr|Sr|Prof|Dr))+\.?$")


def parse_tagged(lines: list[str],
                 tag_re: re.Pattern[str]) -> tuple[list[tuple[str, str]], dict[str, list[str]]]:
    """Group a record's lines into fields: ([(tag, value)], {tag: [values]}).

    ``tag_re`` matches a field's first line with groups (tag, value); any other non-blank line
    continues the previous field (joined with a space). Lines before the first tag are ignored.
    """
    fields: list[list[str]] = []
    for line in lines:
        m = tag_re.match(line)
        if m:
            fields.append([m.group(1), m.group(2).strip()])
        elif line.strip() and fields:
            fields[-1][1] = f"{fields[-1][1]} {line.strip()}".strip()
    pairs = [(t, v) for t, v in fields]
    by_tag: dict[str, list[str]] = {}
    for t, v in pairs:
        by_tag.setdefault(t, []).append(v)
    return pairs, by_tag


def split_records(text: str, marker: re.Pattern[str]) -> Iterator[tuple[int, list[str]]]:
    """(first line number, lines) of each record that starts at a ``marker`` line."""
    start = 0
    current: list[str] | None = None
    for n, line in enumerate(text.splitlines(), start=1):
        if marker.match(line):
            if current is not None:
                yield start, current
            start, current = n, []
        elif current is not None:
            current.append(line)
    if current is not None:
        yield start, current


def strip_title_label(title: str) -> str:
    """A title without Ovid's trailing document-type labels ("... review.[Review]" -> "... review.",
    "... study. [Article]", "... [Journal; Peer Reviewed Journal]"); a title that is all brackets (MEDLINE's
    translated titles, "[Effect of ...]") is left alone."""
    text = title.strip()
    for _ in range(3):  # "... .[Review] [Article]"
        new = _TITLE_LABEL.sub("", text)
        new = _ANY_LABEL.sub("", new) if new == text else new
        if new == text or not new.strip():
            break
        text = new
    return clean(text)


def parse_source(so: str) -> dict[str, str]:
    """Journal, volume, issue, pages from an Ovid/Embase source string (best effort).

    "Ecohydrology.   8(6):1048-1064, September 2015." ; "The Journal of Neuroscience. Vol.25(29), 2005,
    pp. 6797-6806." ; "BMC Proceedings. Conference: ... 12 (Supplement 3) (no pagination), 2018."
    """
    so = clean(so)
    out = {"journal": "", "volume": "", "issue": "", "pages": ""}
    if not so:
        return out
    m = _SO_PAREN_DATE.match(so)  # BIOSIS / Zoological Record: "Journal, (JUL 2019) Vol. 66, No. 4, pp. 1-9."
    if m:
        out["journal"] = m.group("j").strip()
        out["volume"] = m.group("v") or ""
        out["issue"] = m.group("i") or ""
        out["pages"] = (m.group("p") or "").replace(" ", "")
        return out
    journal, sep, rest = so.partition(". ")
    out["journal"] = journal.strip(" .") if sep else so.strip(" .")
    if "[Ed" in out["journal"]:  # a book chapter: "Editor [Ed]; ... (2005). Book title. (pp. 1-9)."
        book = re.search(r"\(\d{4}\)\.\s*(.+?)\.\s", so)
        out["journal"] = book.group(1).strip() if book else ""
    pp = re.search(r"\bpp?\.\s*([A-Za-z]?\d+(?:\s*-\s*[A-Za-z]?\d+)?)", rest)
    for m in _SO_VOL.finditer(rest):
        if m.group("iss") is not None or m.group("pg"):
            out["volume"] = m.group("vol")
            out["issue"] = (m.group("iss") or "").strip()
            pages = m.group("pg") or m.group("pg2") or ""
            out["pages"] = "" if "pagination" in pages.lower() else pages.replace(" ", "")
            break
    else:
        m = re.search(r"Vol\.?\s*(\d+)", rest)
        if m:
            out["volume"] = m.group(1)
    if pp and not out["pages"]:
        out["pages"] = pp.group(1).replace(" ", "")
    return out


def _db_name(db: str) -> str | None:
    """The canonical name of an Ovid ``DB`` value ("APA PsycInfo", "Ovid MEDLINE(R) ALL", "psyc")."""
    return database_or_none(clean(db))


def tagged_record(by: dict[str, list[str]]) -> ParsedRecord:
    """A record from Ovid tagged fields (``TI``, ``AU``, ``AB``, ``SO``, ...)."""
    src = parse_source(_first(by, "SO"))
    db = _first(by, "DB")
    ui = _first(by, "UI")
    an = _first(by, "AN")
    pmid = normalize_pmid(_first(by, "PM"))
    if not pmid and ui and "medline" in db.lower():
        pmid = normalize_pmid(ui)
    year = (parse_year(_first(by, "YR")) or parse_year(_first(by, "PY")) or parse_year(_first(by, "DP"))
            or parse_year(_first(by, "SO")))
    keywords = split_keywords([v.lstrip("*") for v in by.get("MH", [])], seps="")
    for tag in ("KW", "ID"):
        for v in by.get(tag, []):
            keywords.extend(split_keywords(v, seps=";" if ";" in v else ","))
    other = {k.lower(): _first(by, k) for k in ("IS", "IB", "AN", "UI") if _first(by, k)}
    return ParsedRecord(
        title=strip_title_label(_first(by, "TI")),
        abstract=clean_abstract(" ".join(by.get("AB", []))),
        authors=split_authors(by.get("AU") or by.get("FA") or []),
        year=year,
        journal=_first(by, "JN", "JT", "JA") or src["journal"],
        volume=_first(by, "VO", "VI") or src["volume"],
        issue=_first(by, "IP") or src["issue"],
        pages=_first(by, "PG") or src["pages"],
        doi=normalize_doi(_first(by, "DO", "DI")),
        pmid=pmid,
        other_ids=other,
        language=_first(by, "LG", "LA"),
        keywords=split_keywords(keywords, seps=""),
        pub_type="; ".join(clean(v) for v in by.get("PT", []) if clean(v)),
        url=_first(by, "UR", "XL"),
        source_id=ui or an,
    )


def _raw(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    raw: dict[str, Any] = {}
    for t, v in pairs:
        if t in raw:
            prev = raw[t]
            raw[t] = [*prev, v] if isinstance(prev, list) else [prev, v]
        else:
            raw[t] = v
    return raw


def dedent(text: str) -> str:
    """``text`` without the indentation every non-blank line shares (some Ovid exports indent every line,
    record markers and labels included, by one space)."""
    lines = text.split("\n")
    body = [ln for ln in lines if ln.strip()]
    if not body or not all(ln[:1] == " " for ln in body[:200]):
        return text
    cut = min(len(ln) - len(ln.lstrip(" ")) for ln in body[:200])
    if not all(ln[:cut] == " " * cut for ln in body):
        return text
    return "\n".join(ln[cut:] for ln in lines)


def _text(source: SourceFile) -> str:
    return dedent(source.text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n"))


def _head(source: SourceFile) -> str:
    head = source.head_text()
    return "" if head is None else dedent(head.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n"))


class OvidTaggedImporter:
    """Ovid tagged export text (``<1. >`` markers, ``XX  - `` tags)."""

    name = "ovid"
    label = "Ovid tagged text"
    suffixes = (".txt", ".ovd", ".cgi")
    priority = 45

    def sniff(self, source: SourceFile) -> float:
        """0.95 with ``<N. >`` markers and Ovid ``VN``/``DB`` tags; 0.8 with markers and tags only."""
        head = _head(source)
        if not head or _FOREIGN.search(head):
            return 0.0
        marks = re.search(r"^<\d+\. ?>\s*$", head, re.M)
        tags = len(re.findall(r"^[A-Z][A-Z0-9] {1,2}- ", head, re.M))
        if not marks or tags < 2:
            return 0.0
        if re.search(r"^(VN {1,2}- Ovid|DB {1,2}- )", head, re.M):
            return 0.95
        return 0.8

    def read(self, source: SourceFile, options: Mapping[str, Any]) -> Iterator[ParsedRecord]:
        """Yield one record per ``<N. >`` block."""
        found = False
        for line, lines in split_records(_text(source), _MARK):
            found = True
            pairs, by = parse_tagged(lines, _TAG)
            if not pairs:
                raise InputError("Ovid record has no 'XX  - value' fields", file=source.name, line=line)
            rec = tagged_record(by)
            rec.raw = _raw(pairs)
            rec.line = line
            yield rec
        if not found:
            raise InputError("has no Ovid record markers ('<1. >'); expected an Ovid tagged export",
                             file=source.name)

    def source_database(self, source: SourceFile) -> str | None:
        """The canonical name of the ``DB`` field ("Embase"), else of the links' ``D=`` code; None when the
        head names several databases or none (the Import screen then asks)."""
        head = _head(source)
        dbs = list(dict.fromkeys(n for m in re.findall(r"^DB {1,2}- (.+)$", head, re.M) if (n := _db_name(m))))
        if len(dbs) == 1:
            return dbs[0]
        return None if dbs else from_ovid_link(head)


# ---------------------------------------------------------------- labelled display text

_LABELS = {
    "title": "TI", "author": "AU", "authors": "AU", "authors full name": "FA", "abstract": "AB",
    "source": "SO", "accession number": "AN", "unique identifier": "UI", "doi number": "DO",
    "digital object identifier": "DO", "language": "LG", "document type": "PT", "publication type": "PT",
    "issn": "IS", "isbn": "IB", "year of publication": "YR", "publication year": "YR",
    "date of publication": "DP", "author keywords": "KW", "keywords": "KW", "keyword heading": "KW",
    "mesh subject headings": "MH", "subject headings": "MH", "emtree heading": "MH",
    "journal name": "JN", "volume": "VO", "issue": "IP", "issue/part": "IP", "page": "PG", "pages": "PG",
    "pubmed id": "PM", "database": "DB", "url": "UR", "link to the ovid full text or citation": "XL",
    "status": "ST", "institution": "IN", "doi": "DO", "journal abbreviation": "JA", "major concepts": "KW",
    "concepts": "KW", "descriptors": "KW", "identifiers": "KW", "key phrase headings": "KW",
    "broad terms": "KW", "heading words": "KW", "index terms": "KW", "subject": "KW", "subject headings (mesh)": "MH",
    "authors name": "AU", "author name": "AU", "publication date": "DP", "year": "YR", "pubmed identifier": "PM",
    "isbn/issn": "IS", "journal title": "JN", "title of the article": "TI", "article title": "TI",
}
_ID_LIKE = frozenset({"AN", "UI", "LG", "IS", "IB", "DO", "YR", "PM"})
_DISPLAY_LABEL = re.compile(r"^(Accession Number|Author|Authors|Title|Source|Unique Identifier|Abstract|"
                            r"Authors Full Name|Year of Publication|Publication Year)\s*$", re.M)


def _display_fields(lines: list[str]) -> list[tuple[str, str]]:
    fields: list[list[str]] = []
    for line in lines:
        if not line.strip():
            continue
        if not line[0].isspace():
            fields.append([clean(line), ""])
        elif fields:
            fields[-1][1] = f"{fields[-1][1]}\n{line.strip()}" if fields[-1][1] else line.strip()
    return [(label, value) for label, value in fields]


def _display_authors(values: list[str]) -> list[str]:
    out = []
    for value in values:
        for part in re.split(r";|\n", value):
            name = re.sub(r"(?:\s+[\d*+#\u2020\u2021]+(?:,\s*[\d*+#]+)*)+\s*$", "", part.strip())
            name = _DEGREES.sub("", name.strip()).strip(" ,.;")
            if name:
                out.append(name)
    return split_authors(out)


class OvidDisplayImporter:
    """Ovid labelled display text (``<1>`` markers, a label line then indented value lines)."""

    name = "ovid_display"
    label = "Ovid display text"
    suffixes = (".txt",)
    priority = 44

    def sniff(self, source: SourceFile) -> float:
        """0.9 with ``<N>`` markers and Ovid field labels ("Author", "Title", "Source", ...)."""
        head = _head(source)
        if not head or _FOREIGN.search(head):
            return 0.0
        if not re.search(r"^<\d+>\s*$", head, re.M):
            return 0.0
        labels = len(_DISPLAY_LABEL.findall(head))
        return 0.9 if labels >= 2 else 0.0

    def read(self, source: SourceFile, options: Mapping[str, Any]) -> Iterator[ParsedRecord]:
        """Yield one record per ``<N>`` block."""
        found = False
        file_db = self.source_database(source) or ""
        for line, lines in split_records(_text(source), _DISPLAY_MARK):
            found = True
            pairs = _display_fields(lines)
            if not pairs:
                raise InputError("Ovid record has no labelled fields", file=source.name, line=line)
            by: dict[str, list[str]] = {}
            for label, value in pairs:
                tag = _LABELS.get(label.lower())
                if tag:
                    by.setdefault(tag, []).append(value.rstrip(".") if tag in _ID_LIKE else value)
            if file_db and "DB" not in by:
                by["DB"] = [file_db]
            authors = _display_authors(by.pop("AU", []))
            rec = tagged_record(by)
            rec.authors = authors or rec.authors
            if not rec.year:
                rec.year = parse_year(_first(by, "ST"))
            rec.keywords = split_keywords(rec.keywords, seps="")
            rec.raw = _raw(pairs)
            rec.line = line
            yield rec
        if not found:
            raise InputError("has no Ovid record markers ('<1>'); expected Ovid display text",
                             file=source.name)

    def source_database(self, source: SourceFile) -> str | None:
        """The database of the file's ``Database: Embase <1974 to ...>`` header line, of a ``Database`` label,
        or of the links' ``D=`` code; None when the display text does not tell."""
        head = _head(source)
        for pattern in (r"^Database: (.+?)(?:\s*<[^>]*>)?\s*$", r"^Database\s*\n\s+(.+)$"):
            names = {n for m in re.findall(pattern, head, re.M) if (n := _db_name(m))}
            if len(names) == 1:
                return names.pop()
        return from_ovid_link(head)


IMPORTERS = [OvidTaggedImporter(), OvidDisplayImporter()]
