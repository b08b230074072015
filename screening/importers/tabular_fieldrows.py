"""Embase's "one field per row" layout of its CSV and XLSX exports, turned into one row per record.

In that layout the first column holds the field name ("Title", "Author Names", "Source", "Abstract", ...)
and the following cells its value or values (one author per cell); a new record starts where the first
field name of the file comes again. pandas and the csv module read it as a two-column table of nonsense, so
this module recognises it from the first column and transposes it into a `Table` the ordinary row mapper
reads (several cells of one field are joined with "; ", so authors split as usual).
"""

from __future__ import annotations

from collections.abc import Iterator

from screening.importers.tabular_columns import KNOWN_HEADERS, header_score, norm_header
from screening.importers.tabular_rows import Table

PROBE_ROWS = 300


def _is_field_name(cell: str) -> bool:
    return norm_header(cell) in KNOWN_HEADERS


def is_field_per_row(first_rows: list[list[str]]) -> bool:
    """True when the first column of ``first_rows`` is a list of field names that repeats (or, for a
    single record, holds at least six different ones) and no row looks like a header row."""
    rows = [r for r in first_rows if r and any(c.strip() for c in r)]
    if len(rows) < 4 or any(header_score(r) > 2 for r in rows[:5]):
        return False
    names = [r[0].strip() for r in rows]
    known = [n for n in names if _is_field_name(n)]
    distinct = {norm_header(n) for n in known}
    if len(known) < 0.8 * len(names) or len(distinct) < 4:
        return False
    return names.count(names[0]) >= 2 or len(distinct) >= 6


def transpose(table: Table) -> Table:
    """``table`` itself, or, when it is in the field-per-row layout, one row per record."""
    head_rows: list[tuple[int, list[str]]] = [(table.header_row + 1, list(table.headers))]
    rest = table.rows
    for item in rest:
        head_rows.append(item)
        if len(head_rows) >= PROBE_ROWS:
            break
    if not is_field_per_row([cells for _, cells in head_rows]):
        return Table(table.headers, table.header_row, _chain(head_rows[1:], rest), table.preamble, table.sample,
                     table.delimiter, table.sheet)
    rows = head_rows + list(rest)
    first = norm_header(rows[0][1][0])
    headers: list[str] = []
    index: dict[str, int] = {}
    records: list[tuple[int, dict[int, list[str]]]] = []
    current: dict[int, list[str]] | None = None
    for line, cells in rows:
        if not cells or not cells[0].strip():
            continue
        name = cells[0].strip()
        key = norm_header(name)
        if key == first or current is None:
            current = {}
            records.append((line, current))
        if key not in index:
            index[key] = len(headers)
            headers.append(name)
        values = [c.strip() for c in cells[1:] if c.strip()]
        current.setdefault(index[key], []).extend(values)
    out = [(line, ["; ".join(rec.get(i, [])) for i in range(len(headers))]) for line, rec in records]
    sample = out[0][1] if out else []
    return Table(headers, 0, iter(out), table.preamble, sample, None, table.sheet)


def _chain(head: list[tuple[int, list[str]]], rest: Iterator[tuple[int, list[str]]]
           ) -> Iterator[tuple[int, list[str]]]:
    yield from head
    yield from rest
