"""A delimited export whose header row names fewer (or more) columns than its rows have cells.

Real Scopus CSVs do this: the header stops at "Funding Text 1" while every row also carries a "Funding Text
2" cell, so everything after it would be read one column to the left (the EID read as "Scopus", the PubMed
ID as the language). Read from the left, such a file is damaged silently; `repair_header` finds where the
column names are missing and names them, or refuses the file, naming the lines:

* The rows' own width is the modal width of the first rows (trailing empty cells beyond the header ignored).
  When it equals the header's, or most rows have the header's width, nothing is repaired here (single rows
  are realigned one by one, see `tabular_align`).
* Header names with a known kind of value (a year, a DOI, a link, a PubMed ID, an ISSN, an EID, a page
  number, a count, a language ...) constrain where ``k`` unnamed columns can go: every placement where
  they leave a typed column holding values of another kind is ruled out.
* One placement left: the columns are named there ("column 26"). Several: the cause is certain only when
  a numbered series ends just inside the range ("Funding Text 1" and the rows one wider: "Funding Text 2"
  follows it, as the vendor numbers repeated fields); otherwise the file is refused, naming the lines and
  the columns between which the name is missing, so a person can add it.
* A header with more names than the rows have cells: trailing empty names (a trailing delimiter in the
  header) are dropped; otherwise the same placement test decides which names have no column.

No CSV library repairs headers (they read from the left), hence this module.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from db.errors import InputError
from screening.importers.tabular_align import NAMED_KINDS, kind
from screening.importers.tabular_columns import norm_header

MIN_EVIDENCE = 2  # non-empty values a typed column needs among the rows before it rules a placement out
_NUMBERED = re.compile(r"^(.*?)(\s*)(\d+)$")


def _width(cells: Sequence[str], n: int) -> int:
    """The row's width, not counting empty cells after the header's last column (trailing delimiters)."""
    m = len(cells)
    while m > n and not cells[m - 1].strip():
        m -= 1
    return m


def _fits(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> bool:
    for j, h in enumerate(headers):
        allowed = NAMED_KINDS.get(norm_header(h))
        if allowed is None:
            continue
        kinds = [kind(r[j]) for r in rows if j < len(r)]
        kinds = [k for k in kinds if k]
        if len(kinds) >= MIN_EVIDENCE and sum(k in allowed for k in kinds) < 0.9 * len(kinds):
            return False
    return True


def _lines(lines: Sequence[int], limit: int = 8) -> str:
    shown = ", ".join(str(x) for x in lines[:limit])
    more = f" and {len(lines) - limit} more" if len(lines) > limit else ""
    return f"line{'s' if len(lines) > 1 else ''} {shown}{more}"


@dataclass(frozen=True)
class HeaderRepair:
    """What `repair_header` decided: the header to read the rows with, a warning ("" when nothing was
    repaired), and where ``added`` names were put (``at``), so that a row of the old header's width (written
    under the old header) gets empty cells there instead of being realigned by guesswork."""

    headers: list[str]
    note: str = ""
    at: int = 0
    added: int = 0

    def pad(self, cells: list[str]) -> list[str]:
        """``cells`` of a row as wide as the original header, with the added columns empty."""
        if self.added and len(cells) == len(self.headers) - self.added:
            return [*cells[:self.at], *([""] * self.added), *cells[self.at:]]
        return cells


def repair_header(headers: Sequence[str], rows: Sequence[tuple[int, Sequence[str]]], name: str) -> HeaderRepair:
    """The header with the missing column names added (or the extra ones removed) and a warning naming the
    lines and columns. Raises `InputError` naming the lines when the place of the missing names cannot be
    told. ``rows`` are the first (line, cells) of the file."""
    n = len(headers)
    widths = Counter(_width(cells, n) for _, cells in rows if len(cells) > 1)
    if n < 2 or not widths:
        return HeaderRepair(list(headers))
    m, count = widths.most_common(1)[0]
    if m == n or count <= widths.get(n, 0):
        return HeaderRepair(list(headers))
    lines = [line for line, cells in rows if _width(cells, n) == m]
    body = [list(cells[:m]) for _, cells in rows if _width(cells, n) == m]
    k = m - n
    what = (f"{_lines(lines)}: {len(lines)} rows have {m} fields but the header names {n}: the header "
            f"{'lacks' if k > 0 else 'has'} {abs(k)} column name{'s' if abs(k) > 1 else ''}"
            f"{'' if k > 0 else ' too many'}")
    if k < 0 and not any(h.strip() for h in headers[m:]):
        return HeaderRepair(list(headers[:m]))  # a trailing delimiter after the last name: nothing is missing
    if k > 0:
        candidates = {p: [*headers[:p], *(f"column {p + i + 1}" for i in range(k)), *headers[p:]]
                      for p in range(n + 1)}
    else:
        candidates = {p: [*headers[:p], *headers[p - k:]] for p in range(n + k + 1)}
    fitting = [p for p, h in candidates.items() if _fits(h, body)]
    if not fitting:
        raise InputError(f"{what}, and no place for {'them' if abs(k) > 1 else 'it'} fits the rows' values; "
                         f"expected {n} fields per row (or a header naming every column)", file=name)
    chosen = fitting[0] if len(fitting) == 1 else _numbered_series(headers, fitting, k)
    if chosen is None:
        lo, hi = min(fitting), max(fitting)
        left = repr(headers[lo - 1]) if lo > 0 else "the first column"
        right = repr(headers[min(hi, n - 1)]) if k > 0 else repr(headers[min(hi - k - 1, n - 1)])
        raise InputError(f"{what}, somewhere between {left} and {right}, and the values do not tell where: "
                         f"reading the rows from the left would put later values under the wrong names. Add the "
                         f"missing name{'s' if abs(k) > 1 else ''} to the header row (or remove the extra "
                         "cells) and import again", file=name)
    new = candidates[chosen]
    if k > 0:
        named = _numbered_names(headers, chosen, k)
        if named:
            new = [*headers[:chosen], *named, *headers[chosen:]]
        cols = ", ".join(repr(c) for c in new[chosen:chosen + k])
        after = f"after {headers[chosen - 1]!r}" if chosen else "first"
        return HeaderRepair(new, f"{what}: {'they were' if k > 1 else 'it was'} placed where the values fit, as "
                                 f"{cols} {after}; rows of the header's own width have {'them' if k > 1 else 'it'} "
                                 "empty", chosen, k)
    gone = ", ".join(repr(h) for h in headers[chosen:chosen - k])
    return HeaderRepair(new, f"{what}: the names {gone} have no column in the rows and were left out")


def _numbered_names(headers: Sequence[str], p: int, k: int) -> list[str] | None:
    """["Funding Text 2", ...] when the column before ``p`` is the last of a numbered series."""
    if p == 0:
        return None
    m = _NUMBERED.match(headers[p - 1].strip())
    if not m:
        return None
    stem, space, number = m.group(1), m.group(2), int(m.group(3))
    names = [f"{stem}{space}{number + i + 1}" for i in range(k)]
    taken = {norm_header(h) for h in headers}
    return None if any(norm_header(x) in taken for x in names) else names


def _numbered_series(headers: Sequence[str], fitting: Sequence[int], k: int) -> int | None:
    """The one place among ``fitting`` right after the last column of a numbered series, else None."""
    if k <= 0:
        return None
    places = [p for p in fitting if _numbered_names(headers, p, k)]
    return places[0] if len(places) == 1 else None
