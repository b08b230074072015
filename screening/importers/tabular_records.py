"""Turn one row of a tabular export into a `ParsedRecord` (authors and keywords split per vendor style)."""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping, Sequence

from screening.importers.base import ParsedRecord
from screening.importers.fields import (
    clean,
    clean_abstract,
    join_pages,
    normalize_doi,
    normalize_pmid,
    parse_year,
    split_authors,
    split_keywords,
)

_AND = re.compile(r"\s+and\s+")
_NULL = re.compile(r",\s*null\b", re.I)
_PERSON = re.compile(r"(?:[A-Z][\w'\-]*\.?\s+){1,4}[A-Z][\w'\-]+")  # "R. L. Whistler", "Ada Lovelace"
_KW_COMMA = re.compile(r",(?![^(]*\))")  # a comma outside parentheses
_EMBASE_SOURCE = re.compile(r"^(?P<j>.+?) \((?P<y>\d{4})\)(?: (?P<v>[^:\s(]+)?(?::(?P<i>[^\s(]+))?)?"
                            r"(?: \((?P<p>[^)]*)\))?")
_SURNAME_INITIALS = re.compile(r"\S.* [A-Z][A-Z.\-]{0,7}")
# "Aliev" + "Nigar" glued (SpringerLink) or "K." + "Lewis" (EndNote-derived): a name starts again.
_GLUED = re.compile(r"(?<=[a-z.])(?=[A-Z][a-z])")
_NOT_GLUED = frozenset({"mc", "mac", "de", "di", "da", "du", "la", "le", "van", "von", "vander", "fitz",
                        "st.", "o'", "dr.", "prof."})


def _unglue(value: str) -> list[str]:
    parts: list[str] = []
    last = 0
    for m in _GLUED.finditer(value):
        before = value[last:m.start()]
        word = before.rsplit(" ", 1)[-1].lower()
        if len(word) < 2 or word in _NOT_GLUED or (word.endswith(".") and len(word) > 3):
            continue  # "McNamara", "MacDonald", "Prof.Dr." stay whole; "K.Lewis" splits ("k." is 2 long)
        parts.append(before)
        last = m.start()
    parts.append(value[last:])
    return parts


def split_author_cell(value: str) -> list[str]:
    """Authors from one cell, whatever separator the vendor used.

    ";" (most vendors), " and " (BibTeX-style: "Last, F. and Last, F."), line breaks (Ovid Excel),
    "|" (OpenAlex), "," only when every piece is "Surname Initials" (Embase "Yang Z., Xu J.", PubMed
    "Griffin DK, Larkin DM"), else the pieces are read as "Last, First" pairs ("Achenbach, T. M.,
    Rescorla, L.").
    Names glued together without a separator (SpringerLink "Araz R. AlievNigar T. Ismayilova") are split
    where a new capitalised name starts.
    """
    v = _NULL.sub("", value).strip()
    if not v:
        return []
    if (items := list_literal(v)) is not None:
        return split_authors(items)
    if ";" in v:
        return split_authors(v, ";")
    flat = " ".join(v.split())
    if " and " in flat:
        pieces = _AND.split(flat)
        if (sum(1 for p in pieces if "," in p) * 2 >= len(pieces)
                or all(_PERSON.fullmatch(p) for p in pieces)):
            return split_authors(pieces)
    if "\n" in v.strip():
        return split_authors(v.splitlines())
    if "|" in v:
        return split_authors(v, "|")
    if "," in flat:
        pieces = [p.strip() for p in flat.split(",") if p.strip()]
        if len(pieces) > 1 and all(_SURNAME_INITIALS.fullmatch(p.rstrip(".")) for p in pieces):
            return split_authors(pieces)
        # "Last, First, Last, First" (APA-like lists): pair the pieces; an odd tail stays on its own.
        pairs = [f"{a}, {b}" for a, b in zip(pieces[::2], pieces[1::2], strict=False)]
        return split_authors(pairs + pieces[len(pairs) * 2:])
    return split_authors(_unglue(flat))


def _c(value: str) -> str:
    return clean(value) if value else ""


# What R (write.csv), Excel and databases' tools write in an empty cell: no value (``raw`` keeps the cell).
MISSING = frozenset({"NA", "N/A", "#N/A", "NaN", "nan", "NULL", "null", "<NA>"})


def list_literal(value: str) -> list[str] | None:
    """The items of a cell holding a Python list literal (``['Marx, Karl', 'Lindgren, Astrid']``, as
    pandas writes list columns: ASReview and rispy-based exports), else None."""
    v = value.strip()
    if not (v.startswith("[") and v.endswith("]")) or len(v) > 200_000 or ("'" not in v and '"' not in v):
        return None
    try:
        items = ast.literal_eval(v)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        return None
    return [c for c in (clean(i) for i in items) if c]


def split_keyword_cell(value: str, commas: bool) -> list[str]:
    """Keywords from one cell: list literals, ";" lists, "|" lists, and "," lists where the vendor uses
    them."""
    if (items := list_literal(value)) is not None:
        return split_keywords(items, "")
    if ";" in value:
        return split_keywords(value, ";")
    if "|" in value:
        return split_keywords(value, "|")
    if commas and "," in value:
        return split_keywords(_KW_COMMA.split(value), "")
    return split_keywords(value, "")


def unique_headers(headers: Sequence[str]) -> list[str]:
    """Header names made unique for ``raw`` ("labeled_at", "labeled_at (2)"); blanks become "column N"."""
    out: list[str] = []
    seen: set[str] = set()
    for i, h in enumerate(headers):
        base = h or f"column {i + 1}"
        name, k = base, 2
        while name in seen:
            name, k = f"{base} ({k})", k + 1
        seen.add(name)
        out.append(name)
    return out


class RowMapper:
    """Builds records from rows given {field: [column indices]} (first non-empty cell wins)."""

    def __init__(self, headers: Sequence[str], mapping: Mapping[str, list[int]],
                 other_ids: Sequence[tuple[int, str]] = (), comma_keywords: bool = False,
                 embase_source: bool = False) -> None:
        self.names = unique_headers(headers)
        self.width = len(headers)
        self.map = {k: list(v) for k, v in mapping.items()}
        self.other_ids = list(other_ids)
        self.comma_keywords = comma_keywords
        self.title_cols = set(self.map.get("title", ()))
        self.embase_source = embase_source

    def _split_source(self, rec: ParsedRecord) -> None:
        """Embase "Source": "Endoscopic Ultrasound (2014) 3:3 (152-160). Date of Publication: 2014"."""
        m = _EMBASE_SOURCE.match(rec.journal)
        if not m:
            return
        rec.journal = m.group("j").strip()
        rec.volume = rec.volume or (m.group("v") or "")
        rec.issue = rec.issue or (m.group("i") or "")
        rec.pages = rec.pages or clean(m.group("p"))
        rec.year = rec.year or parse_year(m.group("y"))

    def _first(self, cells: Sequence[str], fld: str) -> str:
        for i in self.map.get(fld, ()):
            if i < len(cells):
                c = cells[i].strip()
                if c and c not in MISSING:
                    return c
        return ""

    def record(self, line: int, cells: Sequence[str]) -> ParsedRecord | None:
        """The record of one data row, or None for a section label row (one cell, not a title)."""
        if len(cells) == 1 and self.width >= 3 and 0 not in self.title_cols:
            return None
        f = self._first
        year = None
        for i in self.map.get("year", ()):
            if i < len(cells) and (year := parse_year(cells[i])) is not None:
                break
        doi = ""
        for i in self.map.get("doi", ()):
            if i < len(cells) and (doi := normalize_doi(cells[i])):
                break
        pages = _c(f(cells, "pages")) or join_pages(f(cells, "page_start"), f(cells, "page_end"))
        keywords: list[str] = []
        kw_cols = 0
        for i in self.map.get("keywords", ()):
            if i < len(cells) and cells[i].strip():
                keywords.extend(split_keyword_cell(cells[i], self.comma_keywords))
                kw_cols += 1
        pmid = normalize_pmid(p) if (p := f(cells, "pmid")) else ""
        raw = {self.names[i] if i < self.width else f"column {i + 1}": c.strip()
               for i, c in enumerate(cells) if c.strip()}
        other = {key: clean(cells[i]) for i, key in self.other_ids
                 if i < len(cells) and cells[i].strip() and cells[i].strip() not in MISSING}
        rec = ParsedRecord(
            title=_c(f(cells, "title")),
            abstract=clean_abstract(ab) if (ab := f(cells, "abstract")) else "",
            authors=split_author_cell(au) if (au := f(cells, "authors")) else [],
            year=year,
            journal=_c(f(cells, "journal")),
            volume=_c(f(cells, "volume")),
            issue=_c(f(cells, "issue")),
            pages=pages,
            doi=doi,
            pmid=pmid,
            other_ids=other,
            language=_c(f(cells, "language")),
            keywords=split_keywords(keywords, "") if kw_cols > 1 else keywords,
            pub_type=_c(f(cells, "pub_type")),
            url=_c(f(cells, "url")),
            source_id=_c(f(cells, "source_id")) or pmid,
            raw=raw,
            line=line,
        )
        if self.embase_source and rec.journal:
            self._split_source(rec)
        return rec
