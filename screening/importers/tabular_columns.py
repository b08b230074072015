"""Column auto-mapping for tabular exports: which header holds which `ParsedRecord` field.

Headers are compared after `norm_header` (lower case, letters and digits only), so "Author(s)",
"author_s" and "AUTHORS" meet. Each field has a priority list of vendor header names; a field may match
several columns (used in order: the first non-empty cell wins, except keywords, which are merged).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from screening.importers.databases import wos_ut_database

_NON_ALNUM = re.compile(r"[^0-9a-z]+")

# Fields a user may map explicitly (``options["mapping"]``): the ParsedRecord attributes that hold text.
MAPPABLE_FIELDS: tuple[str, ...] = (
    "title", "abstract", "authors", "year", "journal", "volume", "issue", "pages", "doi", "pmid",
    "language", "keywords", "pub_type", "url", "source_id",
)


def norm_header(name: object) -> str:
    """``"Author(s) ID"`` -> ``"authorsid"``: lower case, only letters and digits."""
    return _NON_ALNUM.sub("", str(name).lower())


def _n(*names: str) -> tuple[str, ...]:
    return tuple(norm_header(n) for n in names)


# Generic vendor header names, best first. Two-letter tags are Ovid's (the Excel export of Ovid uses
# them); Web of Science tags have their own map below because WoS "ID" means Keywords Plus.
GENERIC: dict[str, tuple[str, ...]] = {
    "title": _n("Title", "Document Title", "Article Title", "Item Title", "Title Primary", "Primary Title",
                "display_name", "TI"),
    "abstract": _n("Abstract", "Abstract Note", "AB"),
    "authors": _n("Authors", "Author", "Author Names", "Authors, Primary", "Author full names",
                  "authorships.author.display_name", "AU", "Creators", "First Author", "first_authors"),
    "year": _n("Year", "Publication Year", "Pub Year", "Published Year", "publication_year", "PY", "YR",
               "Date Published", "Publication Date", "Date of Publication", "publication_date", "Date",
               "DP", "Issue Date", "Citation", "Source"),
    "journal": _n("Source title", "Journal", "Journal Title", "Publication Title", "Journal/Book",
                  "Periodical Full", "primary_location.source.display_name", "Publication", "Journal Name",
                  "NJ", "JN", "SO", "Source", "Secondary Title", "Periodical Abbrev", "alternate_title3",
                  "alternate_title2"),
    "volume": _n("Volume", "Journal Volume", "biblio.volume", "VL", "VO"),
    "issue": _n("Issue", "Issue Number", "Journal Issue", "Number", "biblio.issue", "IP"),
    "pages": _n("Pages", "Page Range", "Pagination", "PG"),
    "page_start": _n("Page start", "Start Page", "First Page", "biblio.first_page"),
    "page_end": _n("Page end", "End Page", "Last Page", "biblio.last_page", "Other Pages"),
    "doi": _n("DOI", "Item DOI", "ids.doi", "DO", "DI", "Digital Object Identifier"),
    "pmid": _n("PubMed ID", "PMID", "pubmed_id", "pubmedID", "Medline PMID", "ids.pmid", "PubMed"),
    "language": _n("Language of Original Document", "Language", "Article Language", "LA", "LG"),
    "keywords": _n("Author Keywords", "Keywords", "Index Keywords", "Manual Tags", "KW", "MeSH Terms",
                   "Subjects"),
    "pub_type": _n("Document Type", "Publication Type", "Item Type", "Content Type", "Doctype",
                   "Reference Type", "ENTRYTYPE", "type", "PT", "type_of_reference"),
    "url": _n("Link", "URL", "PDF Link", "Full Text Link", "External URL", "Source URLs",
              "primary_location.landing_page_url", "PLink", "Open URL Link"),
    "source_id": _n("EID", "UT", "Lens ID", "CENTRAL ID", "Covidence #", "key", "ID", "record_id",
                    "Record Number", "Reference Id", "Accession Number", "Embase Accession ID", "PUI", "UI",
                    "(internal) id", "ORN", "UT (Unique WOS ID)", "Unique WOS ID", "Accession Number (UT)"),
}

# Web of Science tab-delimited export (header row of field tags).
WOS_TAGS: dict[str, tuple[str, ...]] = {
    "title": ("ti",), "abstract": ("ab",), "authors": ("au", "af", "ca"), "year": ("py", "ea", "pd"),
    "journal": ("so", "se", "bs"), "volume": ("vl",), "issue": ("is",), "page_start": ("bp",),
    "page_end": ("ep",), "pages": ("ps", "ar"), "doi": ("di", "d2"), "pmid": ("pm",), "language": ("la",),
    "keywords": ("de", "id"), "pub_type": ("dt", "pt"), "url": (), "source_id": ("ut",),
}

# Extra identifiers kept in ``other_ids`` (normalised header -> id name).
OTHER_IDS: dict[str, str] = {
    "eid": "eid", "ut": "wos", "lensid": "lens", "pmcid": "pmcid", "pmcid2": "pmcid", "pmc": "pmcid",
    "centralid": "central", "embaseaccessionid": "embase", "pui": "pui", "covidence": "covidence",
    "idsopenalex": "openalex", "microsoftacademicid": "mag", "accessionnumber": "accession",
    "internalid": "abstrackr", "issn": "issn", "eissn": "eissn", "isbn": "isbn",
}

_WOS_SIGNATURE = frozenset({"pt", "au", "ti", "so"})


def is_wos_header(norm: Sequence[str]) -> bool:
    """True when a header row is made of Web of Science field tags (PT, AU, TI, SO, ... UT)."""
    s = set(norm)
    return _WOS_SIGNATURE <= s and ("ut" in s or "py" in s)


KNOWN_HEADERS: frozenset[str] = frozenset(
    {n for names in GENERIC.values() for n in names} | set(OTHER_IDS)
    | {"labelincluded", "labelabstractscreening", "included", "shorttitle", "meshterms", "issn"})


def header_score(cells: Sequence[object]) -> int:
    """How many cells of a row are header names MetaSift knows (to find the header row)."""
    seen: set[str] = set()
    for c in cells:
        n = norm_header(c)
        if n in KNOWN_HEADERS or (len(n) == 2 and n in _WOS_TAG_SET):
            seen.add(n)
    return len(seen)


_WOS_TAG_SET = frozenset(t for tags in WOS_TAGS.values() for t in tags) | {"pt", "c1", "rp", "cr", "nr"}


def auto_map(headers: Sequence[str]) -> dict[str, list[int]]:
    """{field: [column indices, best first]} from the header names (WoS tag rows get the WoS map).

    A column is used by one field only, the first in the priority walk; fields without a match are absent.
    """
    norm = [norm_header(h) for h in headers]
    table = WOS_TAGS if is_wos_header(norm) else GENERIC
    positions: dict[str, list[int]] = {}
    for i, n in enumerate(norm):
        if n:
            positions.setdefault(n, []).append(i)
    taken: set[int] = set()
    out: dict[str, list[int]] = {}
    # Specific fields first so a generic name ("Source") is only used where nothing better matched.
    for fld in ("title", "abstract", "authors", "doi", "pmid", "page_start", "page_end", "pages", "volume",
                "issue", "keywords", "language", "pub_type", "url", "source_id", "journal", "year"):
        cols: list[int] = []
        for name in table.get(fld, ()):
            # the year may also be read from a citation string another field already uses
            shared = fld == "year" and name in ("source", "citation")
            cols.extend(i for i in positions.get(name, ()) if shared or i not in taken)
        if cols:
            taken.update(cols)
            out[fld] = cols
    return out


def other_id_columns(headers: Sequence[str]) -> list[tuple[int, str]]:
    """(column index, id name) for identifier columns kept in ``other_ids``."""
    ids = {**OTHER_IDS, **_WOS_OTHER_IDS} if is_wos_header([norm_header(h) for h in headers]) else OTHER_IDS
    return [(i, ids[norm_header(h)]) for i, h in enumerate(headers) if norm_header(h) in ids]


_WOS_OTHER_IDS = {"sn": "issn", "ei": "eissn", "bn": "isbn"}  # Web of Science's tags in a tab-delimited header


def vendor_of(headers: Sequence[str], preamble: str = "", sample: Sequence[str] = ()) -> str | None:
    """The source database a header row (plus any preamble text and a first data row) points to."""
    s = {norm_header(h) for h in headers}
    pre = preamble.lower()
    first = " ".join(str(c) for c in sample).lower()
    if is_wos_header(list(s)) or s & {"utuniquewosid", "uniquewosid"} or first.startswith("wos:") \
            or " wos:" in first:
        return wos_ut_database(" ".join(str(c) for c in sample))  # "ZOOREC:...": Zoological Record
    if "ovid technologies" in pre or "ovid technologies" in first:
        return "Ovid"
    if s & {"emtreedrugindexterms", "emtreemedicalindexterms", "embaseaccessionid"} or "search query" in pre:
        return "Embase"
    if "eid" in s and ("sourcetitle" in s or "authorsid" in s):
        return "Scopus"
    if "lensid" in s:
        return "Lens"
    if s & {"idsopenalex", "authorshipsauthordisplayname"} or "openalex.org/w" in first:
        return "OpenAlex"
    if "documenttitle" in s and s & {"ieeeterms", "documentidentifier"}:
        return "IEEE Xplore"
    if {"itemtitle", "itemdoi"} <= s:
        return "SpringerLink"
    if "articletitle" in s and "plink" in s:
        return "CINAHL"
    if s & {"centralid", "cochranereviewgroupcode"}:
        return "Cochrane Library"
    if "covidence" in s:
        return "Covidence"
    if "internalid" in s and "sourceid" in s:
        return "abstrackr"
    if "shorttitle" in s and "included" in s:
        return "EPPI-Reviewer"
    if "rayyan-" in first or {"key", "pubmedid", "pmcid"} <= s:
        return "Rayyan"
    if {"itemtype", "abstractnote"} <= s:
        return "Zotero"
    if {"referencetype", "authorsprimary"} <= s:
        return "RefWorks"
    if {"pmid", "citation", "firstauthor"} <= s:
        return "PubMed"
    if s == {"authors", "title", "publication", "volume", "number", "pages", "year", "publisher"}:
        return "Google Scholar"
    return None
