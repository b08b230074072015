"""Rows of a tabular export: delimited text (CSV/TSV/';'), XLSX and legacy XLS.

Each reader returns a `Table`: the header row (found after any preamble rows by counting known header
names), its index, the text of a few preamble rows and an iterator of (line or sheet row number, cells).
Errors become `InputError` naming the file and, where known, the line.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from db.errors import InputError
from screening.importers.tabular_columns import header_score

MAX_FIELD = 32 << 20
csv.field_size_limit(MAX_FIELD)  # abstracts and reference lists exceed the 128 KiB default; 32 MB is no cell
MAX_HEADER_BYTES = 1 << 20  # a header row longer than this (with no line break) is not a table's header

DELIMITERS = (",", ";", "\t", "|")
HEAD_CHARS = 65536
HEAD_ROWS = 40


@dataclass
class Table:
    """A parsed table: headers, where they were, and the data rows still to read."""

    headers: list[str]
    header_row: int  # 0-based index of the header among the file's rows (sheet rows for spreadsheets)
    rows: Iterator[tuple[int, list[str]]]  # (1-based line in the file / sheet row number, cell texts)
    preamble: str = ""
    sample: list[str] = field(default_factory=list)  # the first data row, for vendor detection
    delimiter: str | None = None
    sheet: str | None = None
    header_note: str = ""  # what `tabular_header.repair_header` changed in the header, for a warning


def cell_text(value: object) -> str:
    """A spreadsheet cell as text: 2012.0 -> "2012", dates as ISO, None -> ""; newlines are kept."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if value != value:
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _blank(row: Sequence[str]) -> bool:
    return not any(c.strip() for c in row)


def find_header(rows: Sequence[Sequence[str]]) -> tuple[int, int]:
    """(index of the header row, its known-name score) among the first rows.

    The row with the most known header names wins (earliest on ties); without any, the first non-blank
    row as wide as the most common row width.
    """
    best, best_score = -1, 0
    for i, row in enumerate(rows[:HEAD_ROWS]):
        s = header_score(row)
        if s > best_score:
            best, best_score = i, s
    if best >= 0:
        return best, best_score
    widths = Counter(len(r) for r in rows if not _blank(r))
    if not widths:
        return 0, 0
    modal = widths.most_common(1)[0][0]
    for i, row in enumerate(rows):
        if len(row) == modal and not _blank(row):
            return i, 0
    return 0, 0


def _head_rows(head: str, delimiter: str, complete: bool) -> list[list[str]]:
    rows: list[list[str]] = []
    reader = csv.reader(io.StringIO(head, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            rows.append(row)
            if len(rows) > HEAD_ROWS:
                break
    except csv.Error:
        pass
    if not complete and len(rows) > 1 and len(rows) <= HEAD_ROWS:
        rows.pop()  # the last row may be cut off by the head limit
    return rows


@dataclass(frozen=True)
class Layout:
    """How a delimited text is laid out, judged from its head."""

    delimiter: str
    header_row: int
    header_score: int
    width: int  # columns in the header row
    consistency: float  # share of the following non-blank head rows as wide as the header (+-1)
    rows: list[list[str]]


def sniff_layout(text: str, delimiter: str | None = None) -> Layout:
    """The delimiter and header row that best explain the head of ``text``."""
    head = text[:HEAD_CHARS]
    complete = len(text) <= HEAD_CHARS
    best: Layout | None = None
    for d in (delimiter,) if delimiter else DELIMITERS:
        rows = _head_rows(head, d, complete)
        hi, hs = find_header(rows)
        width = len(rows[hi]) if rows else 0
        body = [r for r in rows[hi + 1:] if not _blank(r)]
        fit = sum(1 for r in body if abs(len(r) - width) <= 1) / len(body) if body else 0.5
        lay = Layout(d, hi, hs, width, fit if width > 1 else 0.0, rows)
        if best is None or _rank(lay) > _rank(best):
            best = lay
    assert best is not None
    return best


def _rank(lay: Layout) -> tuple[int, float, int]:
    return (lay.header_score, round(lay.consistency, 2) if lay.width > 1 else -1.0, lay.width)


def check_header_line(head: bytes, size: int, name: str) -> None:
    """Refuse a file whose first line runs on for more than `MAX_HEADER_BYTES` (a 200 MB CSV on one line)
    before it is decoded whole: ``head`` is its first ``MAX_HEADER_BYTES + 1`` bytes, ``size`` its size."""
    if size > MAX_HEADER_BYTES and len(head) > MAX_HEADER_BYTES and b"\n" not in head and b"\r" not in head:
        raise InputError(f"has no line break in its first {MAX_HEADER_BYTES >> 20} MB ({size / 1e6:,.0f} MB in "
                         "all); expected delimited text: a header row, then one row per record", file=name, line=1)


def read_delimited(text: str, name: str, delimiter: str | None = None) -> Table:
    """A `Table` over delimited text (BOM, CR-only/mixed line ends, quoted newlines handled)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise InputError("is empty; expected a header row and data rows", file=name)
    lay = sniff_layout(text, delimiter)
    if not lay.rows:
        raise InputError("has no rows that could be read as delimited text", file=name)
    headers = [h.strip() for h in lay.rows[lay.header_row]]
    preamble = "\n".join(" ".join(r) for r in lay.rows[:lay.header_row])
    sample = next((r for r in lay.rows[lay.header_row + 1:] if not _blank(r)), [])
    return Table(headers, lay.header_row, _iter_delimited(text, name, lay.delimiter, lay.header_row),
                 preamble, sample, lay.delimiter)


def _iter_delimited(text: str, name: str, delimiter: str, header_row: int) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    index, consumed = 0, 0
    while True:
        start = consumed + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "field limit" in str(exc):
                raise InputError(f"has a field larger than {MAX_FIELD >> 20} MB (an unclosed quote, or not a table of "
                                 "records); expected delimited text with a record per row", file=name,
                                 line=start) from exc
            raise InputError(f"is not readable as delimited text: {exc}", file=name, line=start) from exc
        consumed = reader.line_num
        if index > header_row and not _blank(row):
            yield start, row
        index += 1


def _sheet_table(rows: Sequence[Sequence[object]], name: str, sheet: str) -> Table:
    texts = [[cell_text(c) for c in r] for r in rows[:HEAD_ROWS + 1]]
    hi, _ = find_header(texts)
    headers = [h.strip() for h in texts[hi]]
    while headers and not headers[-1]:
        headers.pop()
    preamble = "\n".join(" ".join(r) for r in texts[:hi])
    sample = next((r for r in texts[hi + 1:] if not _blank(r)), [])

    def gen() -> Iterator[tuple[int, list[str]]]:
        for n in range(hi + 1, len(rows)):
            cells = [cell_text(c) for c in rows[n]]
            if not _blank(cells):
                yield n + 1, cells

    return Table(headers, hi, gen(), preamble, sample, None, sheet)


def _pick_sheet(sheets: Sequence[tuple[str, Sequence[Sequence[object]]]], name: str, want: object) -> Table:
    if not sheets or all(not rows for _, rows in sheets):
        raise InputError("has no data: every sheet of the workbook is empty", file=name)
    if want is not None:
        for i, (sname, rows) in enumerate(sheets):
            if str(want) in (sname, str(i)):
                if not rows:
                    raise InputError(f"sheet {sname!r} is empty", file=name)
                return _sheet_table(rows, name, sname)
        raise InputError(f"has no sheet {want!r}; sheets: {', '.join(s for s, _ in sheets)}", file=name)
    best: Table | None = None
    best_score = -1
    for sname, rows in sheets:
        if not rows:
            continue
        table = _sheet_table(rows, name, sname)
        score = header_score(table.headers)
        if score > best_score:
            best, best_score = table, score
    assert best is not None
    return best


MAX_XLSX_PART = 256 << 20  # uncompressed bytes of one part of a workbook (a sheet, the shared strings)
MAX_XLSX_TOTAL = 512 << 20  # uncompressed bytes of the whole workbook
MAX_CELLS = 10_000_000  # columns x rows of a sheet's used range (100,000 records of 100 fields)
_CELL_REF = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3})(\d{1,7})"')


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _col_letters(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def check_xlsx(zf: zipfile.ZipFile, name: str) -> None:
    """Refuse a workbook that would take unbounded memory to open, before any spreadsheet reader sees it.

    Spreadsheet readers allocate a sheet's whole used range (a stray cell at XFD4000 makes 65 million
    cells) and inflate every part completely (a 1 MB shared-strings part can claim 1 GB). So every part's
    size is checked against its declared size and the limits while it is inflated as a stream, and the
    used range is measured from the cells' own references (a ``<dimension>`` element can claim anything).
    """
    infos = zf.infolist()
    total = sum(i.file_size for i in infos)
    for info in infos:
        if info.file_size > MAX_XLSX_PART:
            raise InputError(f"is an XLSX whose part {info.filename} expands to {info.file_size >> 20} MB "
                             f"(limit {MAX_XLSX_PART >> 20} MB): not a database export (a decompression bomb?)",
                             file=name)
    if total > MAX_XLSX_TOTAL:
        raise InputError(f"is an XLSX that expands to {total >> 20} MB (limit {MAX_XLSX_TOTAL >> 20} MB); save "
                         "the sheet as CSV and import that", file=name)
    for info in infos:
        low = info.filename.lower()
        if not (low.startswith("xl/worksheets/") or low == "xl/sharedstrings.xml") or not low.endswith(".xml"):
            continue
        max_col = max_row = 0
        far = b""
        tail = b""
        read = 0
        try:
            with zf.open(info) as fh:
                while chunk := fh.read(1 << 20):
                    read += len(chunk)
                    if read > MAX_XLSX_PART:
                        raise InputError(f"is an XLSX whose part {info.filename} expands beyond "
                                         f"{MAX_XLSX_PART >> 20} MB: not a database export", file=name)
                    if low.startswith("xl/worksheets/"):
                        buf = tail + chunk
                        for m in _CELL_REF.finditer(buf):
                            col, row = _col_number(m.group(1)), int(m.group(2))
                            if col > max_col or row > max_row:
                                max_col, max_row = max(col, max_col), max(row, max_row)
                                if col * row > MAX_CELLS // 4:
                                    far = m.group(1) + m.group(2)
                        tail = buf[-200:]
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError) as exc:
            # NotImplementedError: zipfile's answer to a compression method it does not know
            raise InputError(f"is a damaged XLSX: part {info.filename}: {exc}", file=name) from exc
        if max_col * max_row > MAX_CELLS:
            sheet = info.filename.rsplit("/", 1)[-1]
            raise InputError(
                f"has a cell at {far.decode() or _col_letters(max_col) + str(max_row)} in {sheet}: its used range "
                f"is {max_col} columns x {max_row} rows ({max_col * max_row:,} cells; MetaSift reads at most "
                f"{MAX_CELLS:,}); delete the stray cells far outside the table, or save the sheet as CSV",
                file=name)


def check_workbook_file(path: os.PathLike[str] | str) -> None:
    """`check_xlsx` on an .xlsx file on disk, for any reader that opens workbooks (pandas/openpyxl in the
    effect and study-table commands): a file that is not a zip is left to that reader's own message."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return
    with zf:
        check_xlsx(zf, os.path.basename(str(path)))


def read_xlsx(data: bytes, name: str, sheet: object = None) -> Table:
    """A `Table` over the sheet of an .xlsx with the most recognisable header (or ``sheet``)."""
    if not data.startswith(b"PK\x03\x04"):
        raise InputError("is not an XLSX workbook (an .xlsx is a zip archive; this file is not one). "
                         "If it is CSV or tab-delimited text, rename it to .csv/.tsv", file=name)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = zf.namelist()
            check_xlsx(zf, name)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        raise InputError(f"is a damaged or truncated XLSX (zip) file: {exc}", file=name) from exc
    if not any(n.startswith("xl/") for n in names):
        raise InputError("is a zip archive but not an Excel workbook (no xl/ part)", file=name)
    try:
        import python_calamine

        wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = [(s, wb.get_sheet_by_name(s).to_python(skip_empty_area=False)) for s in wb.sheet_names]
    except (KeyboardInterrupt, SystemExit, MemoryError):
        raise
    except BaseException as exc:  # calamine's own errors, and pyo3 PanicException (a BaseException)
        raise InputError(f"is a damaged XLSX workbook: {type(exc).__name__}: {exc}", file=name) from exc
    return _pick_sheet(sheets, name, sheet)


def read_xls(data: bytes, name: str, sheet: object = None) -> Table:
    """A `Table` over a legacy Excel 97-2003 (.xls, BIFF) workbook, read with xlrd."""
    if not data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise InputError("is not a legacy Excel (.xls) workbook: it lacks the OLE2 signature", file=name)
    try:
        import xlrd

        with open(os.devnull, "w") as devnull:
            wb = xlrd.open_workbook(file_contents=data, logfile=devnull, on_demand=True)
            sheets = []
            for i in range(wb.nsheets):
                sh = wb.sheet_by_index(i)
                sheets.append((sh.name, [sh.row_values(r) for r in range(sh.nrows)]))
    except Exception as exc:  # xlrd raises assorted errors (XLRDError, struct.error, ...) on damage
        raise InputError(f"is a damaged or unsupported .xls workbook: {exc}", file=name) from exc
    return _pick_sheet(sheets, name, sheet)
