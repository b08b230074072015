"""BibTeX / BibLaTeX (Zotero, JabRef, Scopus, Mendeley exports) via bibtexparser 2.x.

Text comes from ``SourceFile.text`` (BOMs, UTF-16, cp1252 handled there). bibtexparser splits the
file and resolves ``@string`` macros; LaTeX is decoded to Unicode with its `LatexDecodingMiddleware`,
applied field by field: author lists are split on top-level ``and`` *before* decoding (so braced
corporate names survive), and DOIs / URLs are never decoded. Bare ``%`` and ``&`` are escaped first:
exports put them in abstracts unescaped, and LaTeX would read ``%`` as the start of a comment.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping
from typing import Any

import bibtexparser
from bibtexparser.middlewares import LatexDecodingMiddleware
from bibtexparser.model import DuplicateBlockKeyBlock, Entry, MiddlewareErrorBlock, ParsingFailedBlock

from db.errors import InputError
from screening.importers.base import ParsedRecord, SourceFile
from screening.importers.databases import WOS, from_ovid_link
from screening.importers.fields import (
    clean,
    clean_abstract,
    normalize_doi,
    normalize_pmid,
    parse_year,
    split_keywords,
)
from screening.importers.pubmed_xml import source_text

_ENTRY = re.compile(r"^[ \t]*@[ \t]*([A-Za-z]+)[ \t]*[{(]", re.M)
_NOT_ENTRIES = frozenset({"comment", "string", "preamble"})
_UNESCAPED = re.compile(r"(?<!\\)([%&#])")
_NO_DECODE = frozenset({"doi", "url", "eprint", "file", "pmid", "pmcid", "issn", "isbn", "eid", "urldate",
                        "link", "pdf", "arxivid", "archiveprefix", "bdsk-url-1"})
# Text-mode symbol macros Zotero writes that pylatexenc does not know.
_MACRO_TEXT = {"textgreater": ">", "textless": "<", "textbar": "|", "textunderscore": "_"}
_MACROS = re.compile(r"\\(" + "|".join(_MACRO_TEXT) + r")(?![A-Za-z])(?:\{\})?")
_AND = re.compile(r"\s+and\s+", re.I)
_SCOPUS = re.compile(r"(^|,)\s*source\s*=\s*[{\"]\s*Scopus\b|scopus\.com/inward", re.I | re.M)

logging.getLogger("bibtexparser").setLevel(logging.ERROR)  # failed blocks are reported as InputError


class _LatexText(LatexDecodingMiddleware):
    """bibtexparser's LaTeX decoder, applied to single values on request."""

    def decode(self, value: str) -> str:
        """Unicode text of a LaTeX value; the value itself when pylatexenc cannot read it."""
        if not any(c in value for c in "\\{}$~%&#"):
            return value
        value = _MACROS.sub(lambda m: _MACRO_TEXT[m.group(1)], value)
        text, error = self._transform_python_value_string(_UNESCAPED.sub(r"\\\1", value))
        return value if error else text


_DECODER = _LatexText()


def split_names(value: str) -> list[str]:
    """Split a BibTeX name list on " and " outside braces ("{Smith and Sons} and Doe, J")."""
    parts: list[str] = []
    depth = start = i = 0
    while i < len(value):
        c = value[i]
        if c == "{":
            depth += 1
        elif c == "}":
            depth = max(0, depth - 1)
        elif depth == 0 and c.isspace():
            m = _AND.match(value, i)
            if m:
                parts.append(value[start:i])
                i = start = m.end()
                continue
        i += 1
    parts.append(value[start:])
    return [p for p in (p.strip() for p in parts) if p]


def _name(value: str) -> str:
    text = clean(_DECODER.decode(value)).replace("{", "").replace("}", "")
    return clean(text).strip(" ,;.")  # as fields.split_authors does, so names compare across formats


def _keywords(values: list[str]) -> list[str]:
    out: list[str] = []
    for v in values:
        out.extend(split_keywords(v, seps=";" if ";" in v else ","))
    return split_keywords(out, seps="")


def _unenclose(value: str) -> str:
    """``value`` without one pair of outer braces or quotes (for entries the parse stack skipped)."""
    value = value.strip()
    if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
        return value[1:-1]
    if len(value) >= 2 and value[0] == "{" and value[-1] == "}":
        depth = 0
        for i, c in enumerate(value):
            depth += (c == "{") - (c == "}")
            if depth == 0:
                return value[1:-1] if i == len(value) - 1 else value
    return value


def _fields(entry: Entry, enclosed: bool = False) -> dict[str, str]:
    out: dict[str, str] = {}
    for f in entry.fields:
        key = f.key.lower().strip()
        value = f.value if isinstance(f.value, str) else str(f.value)
        if enclosed:
            value = _unenclose(value)
        if key in out:  # repeated field (Scopus repeats funding_details): keep all
            out[key] = f"{out[key]}; {value}"
        else:
            out[key] = value
    return out


def parse_bibtex_entry(entry: Entry, enclosed: bool = False) -> ParsedRecord:
    """One bibtexparser `Entry` as a record (raw holds the undecoded field values).

    ``enclosed``: the values still carry their ``{...}`` / quotes (an entry bibtexparser set aside,
    e.g. for a repeated field).
    """
    raw = _fields(entry, enclosed)

    def get(*keys: str) -> str:
        for k in keys:
            v = raw.get(k, "")
            if v.strip():
                return clean(_unescape(v) if k in _NO_DECODE else _DECODER.decode(v))
        return ""

    authors = [n for n in (_name(p) for p in split_names(raw.get("author", ""))) if n]
    if not authors:
        authors = [n for n in (_name(p) for p in split_names(raw.get("editor", ""))) if n]
    year = parse_year(raw.get("year", "")) or parse_year(raw.get("date", ""))
    keywords = _keywords([get(k) for k in ("author_keywords", "keywords", "keyword", "mesh")
                          if raw.get(k, "").strip()])
    pages = get("pages").replace("--", "-").replace("\u2013", "-")
    other: dict[str, str] = {}
    for k in ("issn", "isbn", "eid", "pmcid", "art_number"):
        if raw.get(k, "").strip():
            other[k] = clean(_unescape(raw[k]))
    return ParsedRecord(
        title=get("title"),
        abstract=clean_abstract(get("abstract")),
        authors=authors,
        year=year,
        journal=get("journal", "journaltitle", "booktitle", "series"),
        volume=get("volume"),
        issue=get("number", "issue"),
        pages=pages,
        doi=normalize_doi(get("doi")) or normalize_doi(get("url") if "doi.org" in raw.get("url", "") else ""),
        pmid=normalize_pmid(raw.get("pmid", "")) or _key_pmid(entry.key),
        other_ids=other,
        language=get("language", "langid"),
        keywords=keywords,
        pub_type=get("document_type", "type") or entry.entry_type.lower(),
        url=get("url"),
        source_id=entry.key.strip(),
        raw={"ENTRYTYPE": entry.entry_type, "ID": entry.key, **raw},
    )


_ESCAPED = re.compile(r"\{?\\([_&%#$])\}?")
_KEY_PMID = re.compile(r"^\s*(?:PMID|pmid|PubMed)[:_\-]?\s*(\d{1,9})\s*$")


def _unescape(value: str) -> str:
    """An identifier or link as written, without its LaTeX escapes (WoS writes ``10.1007/x-9\\_3`` for the DOI
    10.1007/x-9_3, ``{\\&}`` for &)."""
    return _ESCAPED.sub(r"\1", value) if "\\" in value else value


def _key_pmid(key: str) -> str:
    """The PMID of an entry keyed by it (Europe PMC writes ``@article {PMID:36879665,``)."""
    m = _KEY_PMID.match(key)
    return m.group(1) if m else ""


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


class BibtexImporter:
    """BibTeX and BibLaTeX files."""

    name = "bibtex"
    label = "BibTeX"
    suffixes = (".bib", ".bibtex", ".txt")
    priority = 40

    def sniff(self, source: SourceFile) -> float:
        """0.9 when the head has ``@type{`` entries at line starts (and no RIS/MEDLINE/WoS tags)."""
        head = source.head_text()
        if head is None:
            return 0.0
        if head[:200].count("\x00") > 20:
            try:
                head = source_text(source)[:16384]
            except InputError:
                return 0.0
        head = _normalise_newlines(head)
        if re.search(r"^(TY  - |PMID- |FN |PT [A-Z])", head, re.M):
            return 0.0
        types = [t.lower() for t in _ENTRY.findall(head)]
        entries = [t for t in types if t not in _NOT_ENTRIES]
        if entries:
            return 0.9
        return 0.3 if types else 0.0

    def read(self, source: SourceFile, options: Mapping[str, Any]) -> Iterator[ParsedRecord]:
        """Yield one record per entry; a block bibtexparser cannot parse raises `InputError` with its line."""
        text = _normalise_newlines(source_text(source))
        try:
            library = bibtexparser.parse_string(text)
        except RecursionError:
            raise
        except Exception as exc:
            raise InputError(f"could not be parsed as BibTeX: {exc}", file=source.name) from exc
        blocks = library.blocks
        if not any(isinstance(b, Entry | ParsingFailedBlock) for b in blocks):
            raise InputError("holds no BibTeX entries (@article{...}, @book{...}, ...)", file=source.name)
        for n, block in enumerate(blocks, start=1):
            entry: Any = block
            enclosed = False
            if isinstance(block, ParsingFailedBlock) and isinstance(block.ignore_error_block, Entry):
                entry = block.ignore_error_block  # duplicate key or field: the entry itself is fine
                enclosed = not isinstance(block, DuplicateBlockKeyBlock | MiddlewareErrorBlock)
            elif isinstance(block, ParsingFailedBlock):
                line = (block.start_line or 0) + 1
                detail = str(block.error).splitlines()
                reason = " ".join(s.strip() for s in detail[1:] if s.strip()) or (detail[0] if detail else "")
                raise InputError(f"BibTeX entry could not be parsed ({reason}); expected "
                                 "@type{key, field = {value}, ...}", file=source.name, line=line)
            if not isinstance(entry, Entry):
                continue
            try:
                rec = parse_bibtex_entry(entry, enclosed)
            except (ValueError, TypeError, AttributeError, IndexError) as exc:
                raise InputError(f"BibTeX entry {entry.key!r} could not be read: {exc}", file=source.name,
                                 line=(entry.start_line or 0) + 1, record=n) from exc
            rec.line = (entry.start_line or 0) + 1
            yield rec

    def source_database(self, source: SourceFile) -> str | None:
        """"Scopus" for a Scopus BibTeX export (``source = {Scopus}`` or scopus.com links), `WOS` for
        WoS's (``@article{ WOS:...`` keys, ``Unique-ID = {WOS:...}``), else None."""
        try:
            head = source_text(source)[:65536]
        except InputError:
            return None
        if _SCOPUS.search(head) or re.search(r"note\s*=\s*[{\"][^}\"]*\bScopus\b", head, re.I):
            return "Scopus"
        if re.search(r"@\w+\s*\{\s*WOS:|unique-id\s*=\s*[{\"]\s*WOS:|web-of-science-categories\s*=", head, re.I):
            return WOS  # Web of Science's BibTeX export
        if re.search(r"@\w+\s*\{\s*PMID:\d+\s*,", head) and "europepmc.org" in head:
            return "Europe PMC"
        return from_ovid_link(head)  # an Ovid or EBSCOhost link's database code


IMPORTERS = [BibtexImporter()]
