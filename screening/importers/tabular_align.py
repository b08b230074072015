"""Rows of a delimited export that have more or fewer cells than its header (real Scopus CSVs do this).

Python's csv module (and pandas) hand such a row over as it is, so every cell after the fault lands in the
wrong column: a language in "Document Type", an EID in an unnamed column. No library realigns rows, so
this module does, and only where the evidence allows it:

* Each column gets a profile from the rows that have the header's width: the kinds of value it holds
  (year, integer, DOI, URL, code, word, text) and whether it is ever empty.
* For a row with ``k`` extra cells, every place where ``k + 1`` cells could be one field that contained an
  unquoted delimiter is tried; for a row with ``k`` cells too few, every place where ``k`` empty cells could
  be missing. A placement *fits* when every cell then matches its column's profile.
* One fitting placement: the row is realigned (a warning names the lines). Several: the cells left and right
  of the placements are certain and kept; the columns in between are left empty and the row's cells stay in
  ``raw["unaligned cells"]`` (a warning names the lines and the columns). None, or the title column among the
  uncertain ones: the file is refused, naming the lines.
* When most rows have another width than the header, the header itself lacks (or has an extra) column name:
  `tabular_header.repair_header` names it where the cause is certain, or refuses the file. Should rows of
  the other width still reach the aligner, the file is refused naming them: they are never read from the
  left into the wrong columns.
* Extra cells that are all empty (trailing delimiters) are dropped without comment, also before a row with
  real extra cells is placed (a file whose every row ends in a delimiter). A short row may always
  end early (writers leave trailing empty fields out); that placement is one of the candidates.
* A column's profile constrains placements only with evidence: its kinds after `MIN_KINDS` values, "never
  empty" after `MIN_FULL` values that all had text.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from db.errors import InputError
from screening.importers.tabular_columns import norm_header

PROFILE_ROWS = 500  # rows of the header's width the column profiles are learned from

_YEAR = re.compile(r"(1[89]\d\d|20\d\d)")
_INT = re.compile(r"\d+")
_DOI = re.compile(r"(https?://(dx\.)?doi\.org/)?10\.\d{4,9}/\S+", re.I)
_URL = re.compile(r"https?://\S+", re.I)
_CODE = re.compile(r"[\w.:/\-]*\d[\w.:/\-]*")  # ISSN, EID, accession numbers: no spaces, with digits
_WORD = re.compile(r"[^\W\d_][\w'\-]*\.?")


def kind(cell: str) -> str:
    """The kind of one cell's value: "", year, int, doi, url, code, word or text."""
    c = cell.strip()
    if not c:
        return ""
    if _YEAR.fullmatch(c):
        return "year"
    if _INT.fullmatch(c):
        return "int"
    if _DOI.fullmatch(c):
        return "doi"
    if _URL.fullmatch(c):
        return "url"
    if _CODE.fullmatch(c):
        return "code"
    if _WORD.fullmatch(c):
        return "word"
    return "text"


_COMPATIBLE = {"year": {"year", "int", "code"}, "int": {"int", "year", "code"}, "doi": {"doi", "url", "code"},
               "url": {"url", "doi", "text"}, "code": {"code", "int", "doi"}, "word": {"word", "text", "code"},
               "text": {"text", "word"}}


# Kinds the values of a column may take by its header's name (`norm_header`), whatever the rows show;
# "" (empty) always fits.
NAMED_KINDS: dict[str, frozenset[str]] = {}
for _names, _kinds in (
    (("year", "publicationyear", "py", "pubyear", "yearpublished"), {"year"}),
    (("doi", "di"), {"doi"}),
    (("link", "url"), {"url", "doi"}),
    (("pubmedid", "pmid", "pm"), {"int", "year"}),
    (("issn", "eissn", "sn", "ei", "isbn"), {"code", "int", "year", "text"}),
    (("eid",), {"code"}),
    (("pagestart", "pageend", "bp", "ep", "startpage", "endpage", "pagecount", "citedby", "timescited", "tc"),
     {"int", "year", "code"}),
    (("languageoforiginaldocument", "language", "la", "documenttype", "dt", "publicationstage", "source",
      "openaccess"), {"word", "text"}),
):
    for _name in _names:
        NAMED_KINDS[_name] = frozenset(_kinds)


MIN_KINDS = 3  # non-empty values a column needs before its kinds constrain a placement
MIN_FULL = 20  # values, all non-empty, before a column is taken never to be empty


@dataclass
class _Column:
    kinds: set[str] = field(default_factory=set)
    filled: int = 0
    empty: bool = False
    named: frozenset[str] | None = None  # the kinds its header's name allows (`NAMED_KINDS`)

    def fits(self, cell: str, padded: bool = False) -> bool:
        k = kind(cell)
        if not k:
            return padded or self.empty or self.filled < MIN_FULL
        if self.named is not None and k not in self.named:
            return False
        return self.filled < MIN_KINDS or bool(_COMPATIBLE[k] & self.kinds)


@dataclass
class Aligner:
    """Realigns rows of a delimited table to its header (see the module docstring)."""

    headers: Sequence[str]
    delimiter: str
    name: str
    title_cols: frozenset[int] = frozenset()
    columns: list[_Column] = field(default_factory=list)
    realigned: list[int] = field(default_factory=list)
    short: list[int] = field(default_factory=list)
    header_fault: tuple[int, list[int]] | None = None  # (modal width, lines) when most rows disagree
    active: bool = True
    partial: dict[tuple[int, int, int], list[int]] = field(default_factory=dict)  # (width, lo, hi) -> lines

    def learn(self, rows: Sequence[Sequence[str]]) -> None:
        """Learn the column profiles; when most rows have another width than the header, the header itself
        is at fault (a column without a name) and rows are not realigned one by one."""
        n = len(self.headers)
        self.columns = [_Column(named=NAMED_KINDS.get(norm_header(h))) for h in self.headers]
        widths = Counter(len(_trimmed(r, n)) for r in rows if len(r) > 1)
        if widths:
            modal, count = widths.most_common(1)[0]
            if modal != n and count > widths.get(n, 0):
                self.active = False
                self.header_fault = (modal, [])
        seen = 0
        for cells in rows:
            cells = _trimmed(cells, n)
            if len(cells) != n:
                continue
            seen += 1
            for col, cell in zip(self.columns, cells, strict=True):
                k = kind(cell)
                if k:
                    col.kinds.add(k)
                    col.filled += 1
                else:
                    col.empty = True
            if seen >= PROFILE_ROWS:
                break

    def _fits(self, cells: Sequence[str], padded_from: int | None = None) -> bool:
        """Every cell matches its column; cells from ``padded_from`` on were absent from a short row, and a
        row that simply ends early (its writer left trailing empty fields out) may leave any column empty."""
        return all(col.fits(c, padded_from is not None and j >= padded_from)
                   for j, (col, c) in enumerate(zip(self.columns, cells, strict=True)))

    def align(self, line: int, cells: list[str]) -> tuple[list[str], list[str] | None]:
        """(cells of the header's width, the original cells when some columns were left empty)."""
        n = len(self.headers)
        original = cells
        cells = _trimmed(cells, n)  # trailing delimiters: empty cells after the header's width
        m = len(cells)
        if m == n or n < 2 or m <= 1:
            return cells, None
        if not self.active:
            assert self.header_fault is not None
            modal = self.header_fault[0]
            raise InputError(f"has {m} fields where the header names {n}, as most of the first rows do ({modal} "
                             f"fields): the header {'lacks' if modal > n else 'has'} {abs(modal - n)} column "
                             f"name{'s' if abs(modal - n) > 1 else ''}{'' if modal > n else ' too many'} and the "
                             "values do not tell where; reading the rows from the left would put later values "
                             "under the wrong names. Add the missing name to the header row (or remove the extra "
                             "cells) and import again", file=self.name, line=line)
        k = abs(m - n)
        options: list[tuple[int, list[str]]] = []
        for i in range(n if m > n else m + 1):  # m > n: k + 1 cells merged at i; m < n: k inserted at i
            if m > n:
                cand = [*cells[:i], self.delimiter.join(cells[i:i + k + 1]), *cells[i + k + 1:]]
            else:
                cand = [*cells[:i], *([""] * k), *cells[i:]]
            if self._fits(cand, m if m < n and i == m else None):
                options.append((i, cand))
        if m < n and options and options[-1][0] == m:
            self.short.append(line)  # the conventional reading of a short row: it ends early
            return options[-1][1], None
        what = (f"has {m} fields where the header has {n}" +
                (" (a field with the delimiter in it but no quotes?)" if m > n else ""))
        if not options:
            raise InputError(f"{what}, and no placement of the {'extra' if m > n else 'missing'} "
                             f"field{'s' if k > 1 else ''} fits the other rows; expected {n} fields per row",
                             file=self.name, line=line)
        differ = [j for j in range(n) if len({cand[j] for _, cand in options}) > 1]
        if not differ:  # one placement, or several that give the same cells (an empty cell moved)
            self.realigned.append(line)
            return options[0][1], None
        lo, hi = differ[0], differ[-1]
        if any(lo <= t <= hi for t in self.title_cols):
            raise InputError(f"{what}, and the title column cannot be placed with certainty; expected {n} "
                             "fields per row", file=self.name, line=line)
        out = list(options[0][1])
        for j in range(lo, hi + 1):
            out[j] = ""
        self.partial.setdefault((m, lo, hi), []).append(line)
        return out, original

    def warnings(self) -> Iterator[str]:
        """What was realigned or left empty, naming the lines and the columns."""
        n = len(self.headers)
        if self.short:
            yield (f"{_lines(self.short)}: {len(self.short)} row{'s' if len(self.short) > 1 else ''} had fewer "
                   f"fields than the header's {n} and {'were' if len(self.short) > 1 else 'was'} read as ending "
                   "early (the missing last fields empty)")
        if self.realigned:
            yield (f"{_lines(self.realigned)}: {len(self.realigned)} row{'s' if len(self.realigned) > 1 else ''} "
                   f"did not have the header's {n} fields and {'were' if len(self.realigned) > 1 else 'was'} "
                   "realigned where only one placement fits the other rows")
        for (m, lo, hi), lines in self.partial.items():
            cols = (f"'{self.headers[lo]}'" if lo == hi else f"'{self.headers[lo]}' to '{self.headers[hi]}'")
            yield (f"{_lines(lines)}: {len(lines)} row{'s' if len(lines) > 1 else ''} with {m} fields where the "
                   f"header has {n}: column{'s' if hi > lo else ''} {cols} could not be placed with certainty "
                   "and were left empty (the row's cells are kept as 'unaligned cells')")


def _trimmed(cells: Sequence[str], n: int) -> list[str]:
    """``cells`` without the empty cells after the header's ``n`` columns (trailing delimiters)."""
    m = len(cells)
    while m > n and not cells[m - 1].strip():
        m -= 1
    return list(cells[:m])


def _lines(lines: Sequence[int], limit: int = 8) -> str:
    shown = ", ".join(str(x) for x in lines[:limit])
    more = f" and {len(lines) - limit} more" if len(lines) > limit else ""
    return f"line{'s' if len(lines) > 1 else ''} {shown}{more}"
