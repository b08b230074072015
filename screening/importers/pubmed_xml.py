"""PubMed / MEDLINE XML: efetch ``PubmedArticleSet`` (articles and books), NLM ``MedlineCitationSet``.

Gzip-compressed files (``.xml.gz``, the NLM baseline/update files) are decompressed as a stream. The
XML is read with a pull parser fed line by line (a long line in pieces of at most 1 MB), so each record
knows the line it starts on and finished records are dropped from memory; more than 64 MB of XML without a
record ending (a decompression bomb) is refused. Entity declarations are refused by a defusedxml parser
that reads the prolog. Inline markup inside titles and abstracts (``<i>``,
``<sup>``, MathML) is kept as its plain text.

Also home of the small XML and text helpers the EndNote XML and BibTeX importers share.
"""

from __future__ import annotations

import codecs
import io
import re
import zlib
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, cast
from xml.etree import ElementTree as ET

from db.errors import InputError
from screening.importers.base import ParsedRecord, SourceFile
from screening.importers.fields import (
    clean,
    clean_abstract,
    normalize_doi,
    normalize_pmid,
    parse_year,
    split_keywords,
)

_GZIP_MAGIC = b"\x1f\x8b"
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.S)


# ---------------------------------------------------------------- shared helpers (EndNote XML, BibTeX)

def source_text(source: SourceFile) -> str:
    """``source.text``, but UTF-16 without a byte-order mark decoded as UTF-16 (not as UTF-8 with NULs).

    ASCII-range UTF-16 is valid UTF-8, so a BOM-less UTF-16 file would otherwise arrive as text with
    a NUL after every character.
    """
    text = source.text
    sample = text[:4000]
    if sample and sample.count("\x00") > len(sample) // 4:
        head = source.data[:4000]
        odd, even = head[1::2].count(0), head[0::2].count(0)
        enc = "utf-16-le" if odd > even else "utf-16-be"
        try:
            return source.data.decode(enc)
        except UnicodeDecodeError as exc:
            raise InputError(f"looks like {enc} text but byte {exc.start} is not valid {enc}",
                             file=source.name) from exc
    return text


_LOCAL: dict[str, str] = {}


def local(tag: object) -> str:
    """An element tag without its ``{namespace}``; "" for comments and processing instructions. (Cached:
    it runs for every element event, a million times for a large EndNote export.)"""
    try:
        return _LOCAL[tag]  # type: ignore[index]
    except (KeyError, TypeError):
        pass
    if not isinstance(tag, str):
        return ""
    name = tag.rsplit("}", 1)[-1]
    if len(_LOCAL) < 10_000:  # a hostile file's endless distinct tags are not cached
        _LOCAL[tag] = name
    return name


def text_of(elem: ET.Element | None) -> str:
    """All text inside ``elem`` (inline markup flattened), whitespace collapsed; "" for None."""
    if elem is None:
        return ""
    return clean("".join(elem.itertext()))


def flatten(elem: ET.Element, is_leaf: Any, prefix: str = "", out: dict[str, Any] | None = None,
            qualifiers: Iterable[str] = (), depth: int = 0) -> dict[str, Any]:
    """``{path: text}`` of the leaf fields under ``elem`` (repeated paths become lists).

    ``is_leaf(child)`` says where to stop descending; attributes named in ``qualifiers`` are added to
    the key (``ArticleId[IdType=doi]``) so that siblings stay apart. Below 40 levels everything is
    taken as one leaf (no real export nests that deep; a hostile file must not exhaust the stack).
    """
    out = {} if out is None else out
    quals = tuple(qualifiers)
    for child in elem:
        tag = local(child.tag)
        if not tag:
            continue
        for q in quals:
            if q in child.attrib:
                tag = f"{tag}[{q}={child.attrib[q]}]"
                break
        key = f"{prefix}/{tag}" if prefix else tag
        if depth >= 40 or is_leaf(child):
            value = text_of(child)
            if not value:
                continue
            if key in out:
                prev = out[key]
                out[key] = [*prev, value] if isinstance(prev, list) else [prev, value]
            else:
                out[key] = value
        else:
            flatten(child, is_leaf, key, out, quals, depth + 1)
    return out


PIECE = 1 << 20  # characters fed to the parser at once: a one-line 200 MB file is not one feed
MAX_RECORD_CHARS = 32 << 20  # XML between two record ends; a real record is under 1 MB


def iter_lines(source: SourceFile) -> Iterator[tuple[str, int]]:
    """The file as (piece of text, newlines in it), decompressing gzip as a stream.

    A piece is a line (ends kept), or at most `PIECE` characters of a longer line; a run of whitespace
    without markup (blank lines) comes as one piece however many lines it has, so 200 million blank lines
    cost one feed per megabyte, not one per line.
    """
    if source.head_bytes(2) == _GZIP_MAGIC:
        decoder: codecs.IncrementalDecoder = codecs.getincrementaldecoder("utf-8")()
        inflate = zlib.decompressobj(wbits=47)
        first = True
        try:
            with source.open_bytes() as raw:
                while block := raw.read(1 << 16):
                    while block:
                        data = inflate.decompress(block, PIECE)
                        block = inflate.unconsumed_tail
                        text = decoder.decode(data)
                        if first and text:
                            text, first = _strip_decl(text), False
                        yield from _pieces(text)
                    if inflate.eof and inflate.unused_data:  # concatenated gzip members
                        rest = inflate.unused_data
                        inflate = zlib.decompressobj(wbits=47)
                        raw = io.BytesIO(rest + raw.read())
            yield from _pieces(decoder.decode(b"", final=True))
        except zlib.error as exc:
            raise InputError(f"is a damaged or truncated gzip file ({exc})", file=source.name) from exc
        except UnicodeDecodeError as exc:
            raise InputError("holds compressed data that is not UTF-8 text", file=source.name) from exc
        return
    if source.stream_encoding() in ("utf-8", "utf-8-sig") and source.loaded_text() is None:
        # streamed from disk: a 200 MB one-line EndNote export is never held whole, as bytes or as text
        decoder = codecs.getincrementaldecoder(source.stream_encoding())()
        first = True
        with source.open_bytes() as raw:
            while block := raw.read(PIECE):
                text = decoder.decode(block)
                if first and text:
                    text, first = _strip_decl(text), False
                yield from _pieces(text)
        yield from _pieces(decoder.decode(b"", final=True))
        return
    text = _strip_decl(source_text(source))
    yield from _pieces(text)


def _pieces(text: str) -> Iterator[tuple[str, int]]:
    if not text:
        return
    if text.isspace():
        yield text, text.count("\n")
        return
    for line in text.splitlines(keepends=True):
        if len(line) <= PIECE:
            yield line, 1 if line.endswith(("\n", "\r")) else 0
        else:
            for i in range(0, len(line), PIECE):
                part = line[i:i + PIECE]
                yield part, 1 if part.endswith(("\n", "\r")) else 0


def _strip_decl(text: str) -> str:
    # The text is already decoded: an encoding="UTF-16" declaration must not mislead the parser.
    # Keep its line breaks so that line numbers stay right.
    return _XML_DECL.sub(lambda m: "\n" * m.group(0).count("\n"), text, count=1)


def iter_xml_records(source: SourceFile, record_tags: frozenset[str], root_tags: frozenset[str],
                     expected: str) -> Iterator[tuple[ET.Element, int, str]]:
    """Yield (element, first line, root tag) for each outermost element whose tag is in ``record_tags``.

    Raises `InputError` for XML that is not well formed (with the line) or whose root element is not
    one of ``root_tags`` (``expected`` names the format in the message).
    """
    parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("start", "end"))
    root: ET.Element | None = None
    depth_in_record = 0
    start_line = 0
    lineno = 1

    def events() -> Iterator[tuple[str, ET.Element]]:
        try:
            # asked for "start" and "end" only, every event is (event, element)
            yield from cast("Iterator[tuple[str, ET.Element]]", parser.read_events())
        except ET.ParseError as exc:  # pragma: no cover - read_events re-raises feed errors
            raise _parse_error(source, exc) from exc

    def handle() -> Iterator[tuple[ET.Element, int, str]]:
        nonlocal root, depth_in_record, start_line
        for event, elem in events():
            tag = elem.tag
            if tag not in record_tags:  # most events: a field inside a record (un-namespaced tags)
                if root is not None and type(tag) is str and "}" not in tag:
                    continue
                tag = local(tag)
            if root is None:
                root = elem
                if tag not in root_tags:
                    raise InputError(f"is XML with root element <{tag}>, not {expected}",
                                     file=source.name, line=lineno)
            if event == "start":
                if tag in record_tags:
                    if depth_in_record == 0:
                        start_line = lineno
                    depth_in_record += 1
                continue
            if tag in record_tags:
                depth_in_record -= 1
                if depth_in_record == 0:
                    yield elem, start_line, local(root.tag)
                    if elem is not root:
                        root.clear()

    guard: ET.XMLPullParser | None = _guard_parser()
    since_record = 0
    records_done = 0
    try:
        lineno = 1
        for piece, newlines in iter_lines(source):
            if guard is not None:  # entity declarations can only come before the root element
                _guard_feed(guard, piece, source, lineno)
            parser.feed(piece)
            since_record += len(piece)
            before = lineno
            for found in handle():
                since_record = 0
                records_done += 1
                yield found
            if guard is not None and root is not None:
                guard = None
            if since_record > MAX_RECORD_CHARS:
                where = "in one record" if depth_in_record else "without a complete record"
                raise InputError(f"holds more than {MAX_RECORD_CHARS >> 20} MB of XML {where}; no export record is "
                                 "that large (a damaged file, or a decompression bomb); expected "
                                 f"{expected}", file=source.name, line=start_line if depth_in_record else before)
            lineno += newlines
        try:
            parser.close()
        except ET.ParseError as exc:
            if records_done and _is_cut_short(exc):  # the complete records before the cut are kept
                where = f"inside a record (from line {start_line})" if depth_in_record else "after its last record"
                source.warn(f"the file ends {where} without closing it: the file may be truncated; the "
                            f"{records_done} complete record{'s' if records_done > 1 else ''} before the cut "
                            "were imported", line=start_line if depth_in_record else lineno)
                return
            raise
        yield from handle()
    except ET.ParseError as exc:
        raise _parse_error(source, exc) from exc
    if root is None:
        raise InputError(f"holds no XML elements; expected {expected}", file=source.name)


def _guard_parser() -> ET.XMLPullParser:
    """A defusedxml parser that sees the prolog: it refuses entity declarations and external entities
    explicitly (expat's amplification limit would also stop a "billion laughs", but with a cryptic
    message, and only for expansion, not for a declared external file)."""
    from defusedxml.ElementTree import DefusedXMLParser

    return ET.XMLPullParser(events=("start",), _parser=DefusedXMLParser(
        target=ET.TreeBuilder(), forbid_dtd=False, forbid_entities=True, forbid_external=True))


def _guard_feed(guard: ET.XMLPullParser, piece: str, source: SourceFile, line: int) -> None:
    from defusedxml import DefusedXmlException

    try:
        guard.feed(piece)
        for _ in guard.read_events():
            pass
    except DefusedXmlException as exc:
        name = getattr(exc, "name", "") or ""
        raise InputError(f"declares the XML entity {name!r}: XML entity declarations and external entities are "
                         "refused (they can exhaust memory or read local files, and no database export uses "
                         "them)", file=source.name, line=line) from exc
    except ET.ParseError:
        pass  # the main parser reports well-formedness errors with their line


def _is_cut_short(exc: ET.ParseError) -> bool:
    msg = str(exc)
    return "no element found" in msg or "unclosed token" in msg


def _parse_error(source: SourceFile, exc: ET.ParseError) -> InputError:
    line = exc.position[0] if getattr(exc, "position", None) else None
    msg = str(exc).split(": line", 1)[0]
    if "no element found" in msg or "unclosed token" in msg:
        return InputError(f"XML ends before the document is complete (truncated?): {msg}",
                          file=source.name, line=line)
    return InputError(f"is not well-formed XML: {msg}", file=source.name, line=line)


def xml_head(source: SourceFile, size: int = 16384) -> str:
    """The first ``size`` characters of an XML (or gzip-compressed XML) file; "" when unreadable."""
    data = source.head_bytes(65536)
    if data.startswith(_GZIP_MAGIC):
        try:
            raw = zlib.decompressobj(wbits=31).decompress(data[:65536], size * 4)
        except zlib.error:
            return ""
        return raw.decode("utf-8", errors="replace")[:size]
    head = source.head_text(size)
    if head is None:
        return ""
    if head[:200].count("\x00") > 20:
        try:
            return source_text(source)[:size]
        except InputError:
            return ""
    return head


# ---------------------------------------------------------------- PubMed XML

_ROOTS = frozenset({"PubmedArticleSet", "PubmedBookArticleSet", "MedlineCitationSet", "PubmedArticle",
                    "PubmedBookArticle", "MedlineCitation"})
_RECORDS = frozenset({"PubmedArticle", "PubmedBookArticle", "MedlineCitation"})
_SNIFF = re.compile(r"<(PubmedArticleSet|PubmedArticle|PubmedBookArticle|MedlineCitationSet|"
                    r"MedlineCitation)[\s>]")
_EXPECTED = "PubMed XML (PubmedArticleSet / MedlineCitationSet)"


def _is_leaf(elem: ET.Element) -> bool:
    # PubMed's own elements are CamelCase; inline markup (<i>, <sup>, MathML) is lower-case.
    return not any(local(c.tag)[:1].isupper() for c in elem)


def _author(a: ET.Element) -> str:
    if a.get("ValidYN") == "N":
        return ""
    collective = text_of(a.find("CollectiveName"))
    if collective:
        return collective
    last = text_of(a.find("LastName"))
    given = text_of(a.find("Initials")) or text_of(a.find("ForeName"))
    if last and given:
        return f"{last}, {given}"
    return last or given


def _abstract(container: ET.Element | None) -> str:
    if container is None:
        return ""
    parts = []
    for ab in container.iter("AbstractText"):
        body = text_of(ab)
        if not body:
            continue
        label = clean(ab.get("Label", ""))
        parts.append(f"{label}: {body}" if label and label.upper() != "UNLABELLED" else body)
    return clean_abstract(" ".join(parts))


def _first_text(elem: ET.Element, *paths: str) -> str:
    for p in paths:
        value = text_of(elem.find(p))
        if value:
            return value
    return ""


def _pages(pagination: ET.Element | None) -> str:
    if pagination is None:
        return ""
    pgn = text_of(pagination.find("MedlinePgn"))
    if pgn:
        return pgn
    start, end = text_of(pagination.find("StartPage")), text_of(pagination.find("EndPage"))
    return f"{start}-{end}" if start and end and start != end else start or end


def _ids(elem: ET.Element) -> dict[str, str]:
    out: dict[str, str] = {}
    for aid in elem.iter("ArticleId"):
        kind = (aid.get("IdType") or "").lower()
        value = text_of(aid)
        if kind and value and kind not in out:
            out[kind] = value
    for eid in elem.iter("ELocationID"):
        kind = (eid.get("EIdType") or "").lower()
        value = text_of(eid)
        if kind and value and eid.get("ValidYN", "Y") != "N" and kind not in out:
            out[kind] = value
    return out


def _year(elem: ET.Element) -> int | None:
    for path in (".//JournalIssue/PubDate", ".//Book/PubDate", ".//ArticleDate", ".//PubDate"):
        date = elem.find(path)
        if date is None:
            continue
        year = parse_year(text_of(date.find("Year"))) or parse_year(text_of(date.find("MedlineDate")))
        if year:
            return year
    for date in elem.iter("PubMedPubDate"):
        if date.get("PubStatus") in ("pubmed", "entrez"):
            year = parse_year(text_of(date.find("Year")))
            if year:
                return year
    return None


def parse_pubmed_record(elem: ET.Element) -> ParsedRecord:
    """One ``PubmedArticle``, ``PubmedBookArticle`` or ``MedlineCitation`` element as a record."""
    tag = local(elem.tag)
    citation = elem
    if tag != "MedlineCitation":
        for child_tag in ("MedlineCitation", "BookDocument"):
            found = elem.find(child_tag)
            if found is not None:
                citation = found
                break
    article = citation.find("Article")
    body = article if article is not None else citation
    book = citation.find("Book")

    title = _first_text(body, "ArticleTitle", "VernacularTitle")
    journal = text_of(body.find("Journal/Title")) or text_of(body.find("Journal/ISOAbbreviation"))
    if book is not None:
        book_title = text_of(book.find("BookTitle"))
        if not title:
            title = book_title
        elif book_title:
            journal = journal or book_title

    author_lists = list(body.findall("AuthorList"))
    if not author_lists and book is not None:
        author_lists = list(book.findall("AuthorList"))
    authors = [a for al in author_lists for a in (_author(x) for x in al.findall("Author")) if a]

    ids = _ids(elem)
    pmid = normalize_pmid(text_of(citation.find("PMID"))) or normalize_pmid(ids.get("pubmed", ""))
    doi = normalize_doi(ids.get("doi", ""))
    keywords = [text_of(k) for k in citation.iter("Keyword")]
    keywords += [text_of(m.find("DescriptorName")) for m in citation.iter("MeshHeading")]
    kw = split_keywords(keywords, seps="")
    pub_types = [text_of(p) for p in citation.iter("PublicationType")]
    other = {k: v for k, v in ids.items() if k not in ("doi", "pubmed")}
    issn = text_of(body.find("Journal/ISSN"))
    if issn:
        other["issn"] = issn
    isbn = text_of(book.find("Isbn")) if book is not None else ""
    if isbn:
        other["isbn"] = isbn

    raw = flatten(elem, _is_leaf, qualifiers=("IdType", "EIdType", "Label", "PubStatus", "IssnType"))
    raw["_element"] = tag
    return ParsedRecord(
        title=title,
        abstract=_abstract(body.find("Abstract")) or _abstract(citation.find("Abstract")),
        authors=authors,
        year=_year(elem),
        journal=journal,
        volume=text_of(body.find("Journal/JournalIssue/Volume")),
        issue=text_of(body.find("Journal/JournalIssue/Issue")),
        pages=_pages(body.find("Pagination")) or _pages(citation.find("Pagination")),
        doi=doi,
        pmid=pmid,
        other_ids=other,
        language=_first_text(body, "Language") or _first_text(citation, "Language"),
        keywords=kw,
        pub_type="; ".join(p for p in pub_types if p),
        url=f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" if pmid else "",
        source_id=pmid,
        raw=raw,
    )


class PubmedXmlImporter:
    """PubMed efetch XML and NLM MEDLINE XML (optionally gzip-compressed)."""

    name = "pubmed_xml"
    label = "PubMed / MEDLINE XML"
    suffixes = (".xml", ".gz")
    priority = 50

    def sniff(self, source: SourceFile) -> float:
        """0.95 when the head names a PubMed/MEDLINE XML element, else 0."""
        head = xml_head(source)
        if not head or "<" not in head:
            return 0.0
        return 0.95 if _SNIFF.search(head) else 0.0

    def read(self, source: SourceFile, options: Mapping[str, Any]) -> Iterator[ParsedRecord]:
        """Yield one record per article / book article / citation, in file order."""
        for n, (elem, line, _root) in enumerate(
                iter_xml_records(source, _RECORDS, _ROOTS, _EXPECTED), start=1):
            try:
                rec = parse_pubmed_record(elem)
            except (AttributeError, TypeError, ValueError) as exc:
                raise InputError(f"PubMed record could not be read: {exc}", file=source.name,
                                 line=line, record=n) from exc
            rec.line = line
            yield rec

    def source_database(self, source: SourceFile) -> str | None:
        """"MEDLINE" for an NLM MedlineCitationSet, else "PubMed"."""
        head = xml_head(source)
        if "<MedlineCitationSet" in head:
            return "MEDLINE"
        return "PubMed" if _SNIFF.search(head) else None


IMPORTERS = [PubmedXmlImporter()]
