"""Cleaning helpers every importer shares: text, years, DOIs, PMIDs, authors, pages, keywords.

Importers map vendor fields to MetaSift's fields declaratively and run the values through these, so
the same DOI or year looks the same whichever database it came from.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

# the one DOI canonicaliser, shared with the deduplication (re-exported for the importers)
from screening.doi import normalize_doi as normalize_doi
from screening.ris_types import publication_type_label

if TYPE_CHECKING:
    from screening.importers.base import ParsedRecord

_TAGS = re.compile(r"</?(?:i|b|u|em|strong|sup|sub|p|br|span|sc|inf|scp|mml:[a-z]+|math|div|li|ul|ol|a|small|"
                   r"font|tt|abbr)\b[^>]*>", re.I)
# Europe PMC and publishers' feeds mark the sections of a structured abstract as HTML headings; Crossref,
# Lens and OpenAlex pass on the publisher's JATS markup (<jats:title>Background</jats:title><jats:p>...).
_HEADING = re.compile(r"<(h[1-6]|jats:title)\b[^>]*>\s*(.*?)\s*</\1\s*>", re.I | re.S)
_JATS_INLINE = re.compile(r"</?jats:(?:italic|bold|sup|sub|sc|underline|monospace|inline-formula|roman|ext-link|xref)"
                          r"\b[^>]*>", re.I)
_JATS = re.compile(r"</?jats:[\w.-]+\b[^>]*>", re.I)
_LEAD_ABSTRACT = re.compile(r"^\s*Abstract:\s*", re.I)
_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d)(?!\d)")
_COMPACT_DATE = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d)(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?!\d)")  # 20170812
_PAGE_PREFIX = re.compile(r"^(?:pp?\.\s*|pp?\s+|pages?\s*:?\s*)(?=\S*\d)", re.I)
_PAGE_DASH = re.compile(r"\s*(?:-{1,3}|[\u2010-\u2015\u2212])\s*")
_PMID = re.compile(r"^\d{1,9}$")
_NA = frozenset({"", "na", "n/a", "nan", "none", "null", "[no abstract available]", "no abstract available",
                 "[no abstract]", "no abstract"})


def clean(value: object) -> str:
    """Collapse whitespace, strip, unescape HTML entities and drop inline markup tags."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if "&" in text:
        text = html.unescape(text)
    if "<" in text:
        if "</h" in text or "</H" in text or "</jats:title" in text:
            text = _LEAD_ABSTRACT.sub("", _HEADING.sub(_heading, text).lstrip())
        if "jats:" in text:
            text = _JATS.sub(" ", _JATS_INLINE.sub("", text))
        text = _TAGS.sub("", text)
    if "  " in text or "\t" in text or "\n" in text or "\r" in text or "\xa0" in text:
        return " ".join(text.split())
    return text.strip()


def _heading(m: re.Match[str]) -> str:
    head = m.group(2).strip()
    return f" {head}: " if head and head[-1] not in ".:?!" else f" {head} "


def clean_abstract(value: object) -> str:
    """Like `clean`, but placeholder abstracts ("NA", "[No abstract available]") become empty."""
    text = clean(value)
    return "" if text.lower() in _NA else text


def first(values: Iterable[str] | str | None) -> str:
    """The first non-empty cleaned value of a list (or the value itself)."""
    if values is None:
        return ""
    if isinstance(values, str):
        return clean(values)
    for v in values:
        c = clean(v)
        if c:
            return c
    return ""


def first_of(fields: Mapping[str, Iterable[str]], *tags: str) -> str:
    """The first non-empty cleaned value among ``tags`` of a tag -> values mapping (tags in order of
    preference), else ""."""
    for tag in tags:
        for v in fields.get(tag, ()):
            c = clean(v)
            if c:
                return c
    return ""


def parse_year(value: object) -> int | None:
    """The first plausible publication year (1500-2099) in ``value``, else None.

    Handles "2019", "2019/05/03", "1999/08//undefined", "May 2019", "2019 May 3", 2019.0 and compact dates
    ("Start date: 20170812", as TRID writes).
    """
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        v = int(value)
        return v if 1500 <= v <= 2099 else None
    m = _YEAR.search(str(value)) or _COMPACT_DATE.search(str(value))
    return int(m.group(1)) if m else None


def normalize_pmid(value: object) -> str:
    """Digits of a PubMed id ("12345678", "PMID: 12345678", "12345678 [pubmed]"), else ""."""
    text = clean(value)
    m = re.search(r"\d{1,9}", text)
    if not m:
        return ""
    digits = m.group(0)
    return digits if _PMID.match(digits) else ""


def split_authors(value: str | Iterable[str] | None, sep: str = ";") -> list[str]:
    """A list of author names from a list, or from one string separated by ``sep``."""
    if value is None:
        return []
    items = value.split(sep) if isinstance(value, str) else list(value)
    out = []
    for item in items:
        c = clean(item).strip(" ,;.")
        if c:
            out.append(c)
    return out


_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
# "[Author, Reprint Author; E-mail: a@b.org]" (WoS/Embase author annotations), "(a@b.org)", "E-mail: a@b"
_ANNOTATION = re.compile(r"\s*\[([^\]]*\b(?:author|e-?mail|corresponding|affiliation)\b[^\]]*)\]", re.I)
_PAREN_EMAIL = re.compile(r"\s*[(<]\s*(?:e-?mail:?\s*)?[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+\s*[)>]", re.I)
_LOOSE_EMAIL = re.compile(r"[,;\s]*(?:e-?mail:?\s*)?[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+", re.I)
# affiliation marks after a name: "Smith J1,2", "Smith, J.1,2,+", "Smith J.*", "Smith J\u00b9\u00b2", "Smith J \u2020"
_MARKS = re.compile(r"(?<=[^\W\d_]|[.)])\s*(?:[\d\u00b9\u00b2\u00b3\u2070-\u2079*+\u2020\u2021\u00a7#]+[,\s]*)+$")
_ROLES = re.compile(r"\b(reprint author|corresponding author|editor)\b", re.I)
# Scopus's "Author full names" carry each author's Scopus id: "Liu, Fengyuan (60410297700)"
_AUTHOR_ID = re.compile(r"\s*\((\d{6,})\)\s*$")


def clean_author(value: str, notes: dict[str, list[str]] | None = None) -> str:
    """One author name without vendor annotations, e-mail addresses or affiliation marks.

    ``"Smith, J. [Author, Reprint Author; E-mail: js@x.org]"`` -> ``"Smith, J."``; ``"Lee K (k@y.kr)"``
    -> ``"Lee K"``; ``"Zhang Y1,2,+"`` -> ``"Zhang Y"``. What was removed and is worth keeping (e-mail
    addresses, roles such as "Reprint Author") is appended to ``notes`` ("email", "role" -> values, the
    role as "Reprint Author: Smith, J.").
    """
    name = clean(value)
    if not name:
        return ""
    emails = _EMAIL.findall(name) if "@" in name else []
    roles: list[str] = []
    if "[" in name:
        for m in _ANNOTATION.finditer(name):
            roles.extend(r.title() for r in _ROLES.findall(m.group(1)))
        name = _ANNOTATION.sub("", name)
    if "@" in name:
        name = _LOOSE_EMAIL.sub("", _PAREN_EMAIL.sub("", name))
    if name.endswith(")") and (author_id := _AUTHOR_ID.search(name)):
        name = name[:author_id.start()]  # the author's Scopus id: not the record's (raw keeps it)
    name = _MARKS.sub("", name).strip(" ,;")
    if notes is not None:
        for e in emails:
            if e not in notes.setdefault("email", []):
                notes["email"].append(e)
        for r in roles:
            notes.setdefault("role", []).append(f"{r}: {name}")
    return name


# What vendors write where a work has no named author: ProQuest and EBSCOhost "Anonymous", Web of Science
# "[Anonymous]", others "Anon." or "Anonymous author(s)", APA PsycInfo "No authorship indicated". None of them
# is a person (two unrelated editorials must not share an author in the deduplication).
_NO_AUTHOR = re.compile(r"^[\[(\s]*(?:anon(?:ymous|\.)?(?:\s+authors?|\s+author\(s\))?|no authorship indicated|"
                        r"authorship not indicated|author unknown|unknown author|no author(?:s| listed| given)?|"
                        r"\[?no authors? listed\]?)[\])\s.]*$", re.I)


def is_no_author(name: str) -> bool:
    """True for a placeholder that stands for "no named author" ("Anonymous", "[Anonymous]", "Anon.",
    "No authorship indicated"), never for a person's name ("Anon, K." is a person)."""
    return bool(name) and name[:1] in "AaNnUu[(" and bool(_NO_AUTHOR.match(name))


def author_hygiene(rec: ParsedRecord) -> None:
    """Clean ``rec.authors`` in place with `clean_author`; e-mails and roles go to ``rec.other_ids``
    ("author_email", "author_role", "; "-joined). Authors that were only an annotation, and placeholders
    for "no named author" (`is_no_author`), are dropped (``raw`` keeps them as exported)."""
    if not any(("[" in a or "@" in a or a[-1:].isdigit() or a[-1:] in "*+\u2020\u2021\u00a7#)"
                or "\u00b9" <= a[-1:] <= "\u2079" or is_no_author(a)) for a in rec.authors):
        return
    notes: dict[str, list[str]] = {}
    cleaned = [clean_author(a, notes) for a in rec.authors if not is_no_author(a)]
    rec.authors = [a for a in cleaned if a and not is_no_author(a)]
    for key, values in notes.items():
        rec.other_ids.setdefault(f"author_{key}", "; ".join(values))


def clean_pages(value: str) -> str:
    """"278-298" from "pp 278-298", "p. 278", "59—67", "1 - 10", "111--188"; other text as it is."""
    text = _PAGE_PREFIX.sub("", value.strip())
    return _PAGE_DASH.sub("-", text) if any(c.isdigit() for c in text) else text


_ISBN = re.compile(r"(?:97[89])?\d{9}[\dX]", re.I)


# EBSCOhost appends its source marker and a copyright notice to every abstract it exports.
_EBSCO_TAIL = re.compile(r"\s*(?:\[(?:ABSTRACT|ABSTRACTS?) FROM [A-Z ]+\]\s*)?(?:Copyright of .{1,600}?\(Copyright "
                         r"applies to all Abstracts\.?\)\s*)?$", re.S)
_EBSCO_MARK = re.compile(r"\s*\[(?:ABSTRACT|ABSTRACTS?) FROM [A-Z ]+\]\s*$")


# Dimensions and some publishers' feeds glue the section headings of a structured abstract to the text:
# "BackgroundAnthropogenic light ... birds.MethodsThe protocol ...". A heading is only taken when it starts
# the abstract or follows a sentence's end and runs straight into a capitalised word.
_GLUED_HEADING = re.compile(
    r"(^|(?<=[.!?)\]]))\s*(Background|Introduction|Objectives?|Aims?|Purpose|Context|Methods?|Materials and methods|"
    r"Design|Setting|Participants|Interventions?|Results|Findings|Review findings|Discussion|Conclusions?|"
    r"Implications|Limitations|Trial registration)(?=[A-Z][a-z])")


# SciELO and some Scopus records begin the abstract with its own label: "ABSTRACT Body condition ...".
_LABEL = re.compile(r"^(?:[Aa]bstract|ABSTRACT|[Ss]ummary|SUMMARY)\s*[:.\-\u2013]?\s+(?=[A-Z\d(\[])")


def unglue_headings(text: str) -> str:
    """"Background: Anthropogenic light ... birds. Methods: The protocol ..." from Dimensions' glued form."""
    if not _GLUED_HEADING.search(text):
        return text
    return _GLUED_HEADING.sub(lambda m: f"{' ' if m.start() else ''}{m.group(2)}: ", text).strip()


def strip_abstract_notices(text: str) -> str:
    """``text`` without EBSCOhost's "[ABSTRACT FROM AUTHOR]" marker and its "Copyright of ... (Copyright
    applies to all Abstracts.)" notice at the end (they are not the authors' words)."""
    if "Copyright applies to all Abstracts" not in text and "FROM " not in text:
        return text
    return _EBSCO_MARK.sub("", _EBSCO_TAIL.sub("", text)).strip()


def field_hygiene(rec: ParsedRecord) -> None:
    """Tidy fields every importer fills the same way: page ranges (`clean_pages`), an ISBN that a vendor
    wrote in its ISSN field (RIS ``SN`` holds either) moved to ``other_ids["isbn"]``, EBSCOhost's notices at
    the end of abstracts (`strip_abstract_notices`) and glued section headings (`unglue_headings`); ``raw``
    keeps every value as exported."""
    if rec.pages:
        rec.pages = clean_pages(rec.pages)
    if rec.abstract:
        rec.abstract = _LABEL.sub("", unglue_headings(strip_abstract_notices(rec.abstract)), count=1)
    if rec.other_ids and ("issn" in rec.other_ids or "isbn_issn" in rec.other_ids or "eissn" in rec.other_ids):
        standard_numbers(rec.other_ids)
    if rec.url and " - " in rec.url and (glued := _TAG_IN_LINK.search(rec.url)):
        rec.url = rec.url[:glued.start()]
        if glued.group(1) == "U2" and re.fullmatch(r"L\d{6,12}", glued.group(2).strip()):
            rec.other_ids.setdefault("embase", glued.group(2).strip())  # Embase's accession number
    if rec.url and (" " in rec.url or ";" in rec.url or "|" in rec.url or rec.url.count("://") > 1):
        links = split_links(rec.url)
        if links:
            rec.url = links[0]
            if len(links) > 1:
                rec.other_ids.setdefault("url", " ".join(links[1:]))
    if not rec.pmid and rec.url:  # a PubMed link is the PMID (Lens, RefWorks and Rayyan exports link records so)
        rec.pmid = pmid_of_links([rec.url, *str(rec.other_ids.get("url", "")).split()])


# An ISSN: four digits, an optional hyphen, three digits and a check digit (0-9 or X); never part of a longer
# run of digits or hyphens (an ISBN such as 978-1-4020-9345-3 holds "4020-9345").
_ISSN_CODE = re.compile(r"(?<![\w\-])(\d{4})[\-\u2010-\u2013]?(\d{3}[\dXx])(?![\w\-])")
_ISBN_RUN = re.compile(r"(?<![\w\-])\d(?:[\- ]?\d){8,11}[\- ]?[\dXx](?![\w\-])")
_NUMBER_PREFIX = re.compile(r"\b(e-?issn|p-?issn|issn|isbn)[\s:\-]+(?=\d)", re.I)
_E_ISSN = re.compile(r"(?<![\w\-])[Ee](?=\d{4}-?\d{3}[\dXx](?![\w\-]))")
_ISSN_LABEL = re.compile(r"^\s*[(\[]\s*([^)\]]{0,40})[)\]]")
_ELECTRONIC = re.compile(r"electr|online|internet|digital|\be-?issn|\beissn|\bweb\b|\(e\)|^e$", re.I)


def parse_standard_numbers(text: str) -> tuple[list[tuple[str, bool]], list[str]]:
    """(ISSNs as (canonical "1234-567X", electronic?), ISBNs as written) in one ISSN/ISBN field.

    Vendors put two numbers in one field: "1234-5678 (Print) 2345-6789 (Electronic)" (EndNote and Ovid
    RIS), "1234-5678; 2345-6789", "12345678 23456789", "eISSN: 2345-6789"; an ISBN may sit beside them. The
    kind comes from the label after a number ("(Electronic)", "(Online)") or before it ("eISSN:",
    "Online ISSN"); a number without a label is the print (or linking) ISSN."""
    isbns: list[str] = []
    text = _NUMBER_PREFIX.sub(r"\1 ", text)  # ERIC's "ISSN-0022-0167", "EISSN-1939-2168"
    text = _E_ISSN.sub("eISSN ", text)  # Ovid's ERIC: "E2196-7822", an electronic ISSN
    rest = text
    for m in _ISBN_RUN.finditer(text):
        bare = re.sub(r"[\s\-]", "", m.group(0))
        if _ISBN.fullmatch(bare) and (len(bare) == 10 or bare[:3] in ("978", "979")):
            isbns.append(m.group(0).strip())
            rest = rest.replace(m.group(0), " ; " + " " * (len(m.group(0)) - 3), 1)
    issns: list[tuple[str, bool]] = []
    prev = 0
    for m in _ISSN_CODE.finditer(rest):
        before = rest[prev:m.start()].split(";")[-1].split(",")[-1]
        after = _ISSN_LABEL.match(rest[m.end():])
        label = (after.group(1) if after else "") or before
        issns.append((f"{m.group(1)}-{m.group(2).upper()}", bool(_ELECTRONIC.search(label.strip()))))
        prev = m.end() + (after.end() if after else 0)
    return issns, isbns


def standard_numbers(other: dict[str, str]) -> None:
    """Split and canonicalise the ISSN/ISBN fields of ``other`` in place (`parse_standard_numbers`):
    ``issn`` the print (or first) ISSN, ``eissn`` the electronic one, ``issn_other`` any further ISSNs,
    ``isbn`` the ISBNs ("; "-joined). A value that holds no recognisable number is left as it is."""
    printed: list[str] = []
    electronic: list[str] = []
    isbns: list[str] = []
    taken: list[str] = []
    for key in ("issn", "isbn_issn", "eissn"):
        value = other.get(key)
        if not isinstance(value, str) or not value.strip():
            continue
        issns, found_isbns = parse_standard_numbers(value)
        if not issns and not found_isbns:
            continue
        taken.append(key)
        for code, is_e in issns:
            (electronic if is_e or key == "eissn" else printed).append(code)
        isbns.extend(found_isbns)
    if not taken:
        return
    for key in taken:
        other.pop(key)
    printed = list(dict.fromkeys(printed))
    electronic = [c for c in dict.fromkeys(electronic) if c not in printed]
    first = printed[0] if printed else (electronic.pop(0) if electronic else "")
    more = printed[1:]
    if first:
        other["issn"] = first
    if electronic:
        other["eissn"] = electronic[0]
        more.extend(electronic[1:])
    if more:
        other["issn_other"] = "; ".join(more)
    if isbns:
        known = [v for v in (other.get("isbn", "") or "").split("; ") if v]
        other["isbn"] = "; ".join(dict.fromkeys([*known, *isbns]))


_SCHEME = re.compile(r"^(?:[a-z][\w+.\-]*://|www\.|doi:|://)", re.I)
_LOCAL_LINK = re.compile(r"^(?:file|internal-pdf)://", re.I)
# a RIS tag glued into a link by a tool that flattened lines ("...&from=export U2 - L2029880245", Rayyan)
_TAG_IN_LINK = re.compile(r"\s+([A-Z][A-Z0-9])\s{1,2}-\s+(\S.*)$")
# a link glued to the one before it (Lens's links re-exported by EndNote: "...pub/25937https://link.springer..."):
# a scheme inside a piece, except as a parameter ("?url=https://", "%3A") or an archived page's address
# ("web.archive.org/web/2020/https://...")
_GLUED = re.compile(r"(?<=[^=%:(\s])(?=https?://)", re.I)
_ARCHIVED = re.compile(r"archive\.org/web/\w*/?$|[?&]\w*=$", re.I)


def _unglue(piece: str) -> list[str]:
    if piece.lower().count("://") < 2:
        return [piece]
    out: list[str] = []
    start = 0
    for m in _GLUED.finditer(piece):
        if m.start() == 0 or _ARCHIVED.search(piece[start:m.start()]):
            continue
        out.append(piece[start:m.start()])
        start = m.start()
    out.append(piece[start:])
    return out


_PUBMED_LINK = re.compile(r"(?:pubmed\.ncbi\.nlm\.nih\.gov/|ncbi\.nlm\.nih\.gov/pubmed/|"
                          r"europepmc\.org/(?:abstract|article)/MED/)(\d{1,9})(?![\d])", re.I)


def pmid_of_links(links: Iterable[str]) -> str:
    """The PMID of the first PubMed (or Europe PMC MEDLINE) link among ``links``
    ("https://pubmed.ncbi.nlm.nih.gov/33796074/" -> "33796074"), else ""."""
    for v in links:
        if "pubmed" in v or "europepmc" in v or "PubMed" in v:
            m = _PUBMED_LINK.search(v)
            if m:
                return m.group(1)
    return ""


def split_links(value: str) -> list[str]:
    """The links in one URL field: ProQuest writes its document link and a library's link resolver on one
    ``UR`` line ("https://search.proquest.com/docview/1 http://link.example/?url_ver=..."), EPPI-Reviewer
    and others separate links by spaces or ";". A piece that starts no link continues the one before (a
    link wrapped onto the next line, which the reader joined with a space). A field with fewer than two links,
    or with text before its first link, is returned whole."""
    pieces = [p for piece in re.split(r"[\s;|]+", value.strip()) for p in _unglue(piece.strip(" ,")) if p]
    if sum(bool(_SCHEME.match(p)) for p in pieces) < 2 or not _SCHEME.match(pieces[0]):
        return [value.strip()]  # one link (or text around links): kept as it is
    links: list[str] = []
    for piece in pieces:
        if links and not _SCHEME.match(piece):
            links[-1] += piece
        else:
            links.append(piece)
    web = [link for link in links if not _LOCAL_LINK.match(link)]  # a PDF on the exporter's computer: no link
    return web or [value.strip()]


def split_keywords(value: str | Iterable[str] | None, seps: str = ";") -> list[str]:
    """Keywords from a list or a separated string, cleaned, de-duplicated in order."""
    if value is None:
        return []
    items: list[str] = []
    raw = [value] if isinstance(value, str) else list(value)
    if len(seps) == 1:
        for part in raw:
            items.extend(part.split(seps))
    else:
        pattern = "[" + re.escape(seps) + "]"
        for part in raw:
            items.extend(re.split(pattern, part) if seps else [part])
    seen: set[str] = set()
    out = []
    for item in items:
        c = clean(item).strip(" ,;.")
        low = c.lower()
        if c and low not in seen:
            seen.add(low)
            out.append(c)
    return out


def join_pages(start: str | None, end: str | None) -> str:
    """"123-129" from start/end pages (either may be empty)."""
    s, e = clean(start), clean(end)
    if s and e and e != s:
        return f"{s}-{e}"
    return s or e


def display_value(value: object, field: str = "") -> str:
    """A stored field as one line of text for a side-by-side view: lists joined with '; ', None as '',
    publication types as words (`publication_type_label`)."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    text = str(value).strip()
    return publication_type_label(text) if field == "pub_type" else text
