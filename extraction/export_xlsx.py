"""The XLSX export, streamed (XlsxWriter's ``constant_memory`` mode: each row goes to a scratch file as soon as
the next one starts): one sheet per level (the chosen one first and active), a ``codebook`` sheet and a
``summary`` sheet. Frozen header rows, column widths from the content, numbers stored as numbers, and text a
spreadsheet could read as a formula stored as quote-prefixed text (see ``extraction.export``).

XlsxWriter rather than openpyxl's write-only mode: it writes the same cells in less time (openpyxl's cell
serialiser was two thirds of a 100,000-record export; the figures are in docs/benchmarks.md). Text cells are
written as inline strings (constant_memory has no shared-strings table); openpyxl and Excel read them alike.
Control characters that XML cannot hold are written as Excel writes them (``_x0001_``), so they read back as
they were stored.
"""

from __future__ import annotations

import math
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from itertools import chain, islice
from pathlib import Path
from typing import Any

import pandas as pd
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from db.engine import APP_VERSION, ReviewDB
from extraction import export_frames, study_table
from extraction.atomic_write import atomic_path
from extraction.coding import CodingSettings, settings
from extraction.export import FORMULA_START, frame_table, plain
from extraction.export_frames import Table
from screening.counts import review_counts
from screening.protocol import STAGE_LABELS

MAX_WIDTH = 60
WIDTH_ROWS = 1000  # column widths are measured on the header and the first rows (a streamed sheet needs them first)
_RISKY = frozenset(FORMULA_START)


def _length(value: Any) -> int:
    value = plain(value)
    if value is None:
        return 0
    if isinstance(value, str):
        return max((len(line) for line in value.splitlines()), default=0)
    return len(f"{value:.6g}" if isinstance(value, float) else str(value))


def _write_row(ws: Worksheet, r: int, row: Sequence[Any], quoted: Format) -> None:
    """One row's cells: numbers as numbers, booleans as text (``true``/``false``), empty text and missing values
    as no cell, text never a formula (quote-prefixed when a spreadsheet could read it as one)."""
    for c, value in enumerate(row):
        kind = type(value)
        if kind is not str and kind is not int and kind is not float:  # numpy scalars, NA, booleans, ...
            value = plain(value)
            if value is None:
                continue
            if isinstance(value, bool):
                value = str(value).lower()
            kind = type(value) if isinstance(value, (str, int, float)) else str
            if kind is str:
                value = str(value)
        if kind is str:
            if not value:
                continue
            if value[:1] in _RISKY:
                ws.write_string(r, c, value, quoted)
            else:
                ws.write_string(r, c, value)
        elif kind is float and not math.isfinite(value):
            continue
        else:
            ws.write_number(r, c, value)


def write_sheet(ws: Worksheet, table: Table, bold: Format, quoted: Format) -> int:
    """``table`` into the streamed sheet ``ws``, row by row: bold frozen header, cells by type, widths from
    the first `WIDTH_ROWS` rows, an auto-filter. Returns the number of rows written."""
    rows = iter(table.rows())
    head = list(islice(rows, WIDTH_ROWS))
    for j, col in enumerate(table.columns):
        width = max([len(col), *(_length(r[j]) for r in head)])
        ws.set_column(j, j, min(MAX_WIDTH, max(8, width + 2)))
    ws.freeze_panes(1, 0)
    for j, col in enumerate(table.columns):
        ws.write_string(0, j, str(col), bold)
    n = 0
    for n, row in enumerate(chain(head, rows), start=1):
        _write_row(ws, n, row, quoted)
    if table.columns:
        ws.autofilter(0, 0, n, len(table.columns) - 1)
    return n


def codebook_frame(db: ReviewDB, frames: Mapping[str, Sequence[str]], *,
                   cfg: CodingSettings | None = None) -> pd.DataFrame:
    """Every exported column (``frames``: level -> its columns): the codebook's fields first (with allowed
    values), then the others."""
    rows = [dict(r) for r in (cfg or settings(db)).codebook.describe()]
    for r in rows:
        r["sheets"] = ", ".join(lv for lv, cols in frames.items() if r["column"] in cols)
    known = {r["column"] for r in rows}
    meanings = {**export_frames.COLUMN_MEANINGS, **study_table.COLUMN_MEANINGS}
    for cols in frames.values():
        for col in cols:
            if col in known:
                continue
            known.add(col)
            meaning = meanings.get(col) or (f"screening outcome at {col}" if col in ("title_abstract", "full_text")
                                            else "exclusion reason at that stage" if col.endswith("_reason")
                                            else "")
            rows.append({"column": col, "label": "", "meaning": meaning, "allowed values": "", "required": "",
                         "sheets": ", ".join(x for x, f in frames.items() if col in f)})
    return pd.DataFrame(rows, columns=["column", "meaning", "allowed values", "required", "sheets", "label"])


def summary_frame(db: ReviewDB, frames: Mapping[str, pd.DataFrame], *, rho: float, method: str,
                  by: str | Sequence[str] | None, when: datetime, cfg: CodingSettings | None = None) -> pd.DataFrame:
    """Counts (`screening.counts`, the same as status and PRISMA) and settings of the export as setting/value
    rows."""
    eff, studies = (frames.get(k, pd.DataFrame()) for k in ("effects", "studies"))
    review = db.review()
    c = review_counts(db, protocol=cfg.protocol if cfg is not None else None)
    items: list[tuple[str, Any]] = [
        ("review", review.title), ("protocol", review.protocol_name or "alliance-outcome (default)"),
        ("MetaSift version", APP_VERSION), ("exported at (UTC)", when.strftime("%Y-%m-%d %H:%M:%S")),
        ("records (database entries)", c.records), ("unique records after deduplication", c.unique),
        ("duplicates merged", c.duplicates), ("independent samples", c.samples),
        ("samples shared by several reports", c.shared_samples)]
    for stage, sc in c.stages.items():
        label = STAGE_LABELS.get(stage, stage).lower()
        items += [(f"{label}: unique records {state}", n) for state, n in (
            ("included", sc.included), ("excluded", sc.excluded), ("in conflict", sc.conflicts),
            ("pending", sc.pending))]
    items += [("effect sizes (current)", len(eff)),
              ("coders", ", ".join(sorted(set(eff["coder"]))) if "coder" in eff else ""),
              ("independent samples in the study table", len(studies)),
              ("samples with unreconciled double coding",
               int((studies["flags"].fillna("") != "").sum()) if "flags" in studies else 0),
              ("screening decisions (log rows)", c.decisions),
              ("aggregation method", method), ("rho (assumed correlation between outcomes)", rho),
              ("aggregated per moderator", ", ".join([by] if isinstance(by, str) else list(by or [])) or "no"),
              ("effect size metric", "Fisher z (yi) with variance 1/(n - 3) (vi)")]
    return pd.DataFrame(items, columns=["setting", "value"])


def write_xlsx(db: ReviewDB, tables: Mapping[str, Table], out: Path, *, rho: float, method: str,
               by: str | Sequence[str] | None = None, now: Callable[[], datetime] | None = None,
               cfg: CodingSettings | None = None) -> dict[str, int]:
    """The workbook, streamed (XlsxWriter's constant_memory mode: rows go to scratch files, then into the
    workbook): the level sheets in ``tables`` order (the first one active), codebook, summary. Returns the rows
    per level. A failure (a full disk too, in the folder or in the temporary folder where the scratch files
    live) leaves nothing behind: the old file stays, the scratch folder is removed."""
    scratch = Path(tempfile.mkdtemp(prefix="metasift-xlsx-"))
    try:
        with atomic_path(out, ".xlsx", scratch=scratch.parent) as tmp:
            wb = xlsxwriter.Workbook(str(tmp), {"constant_memory": True, "tmpdir": str(scratch),
                                                "strings_to_numbers": False, "strings_to_formulas": False,
                                                "strings_to_urls": False})
            bold, quoted = wb.add_format({"bold": True}), wb.add_format({"quote_prefix": True})

            def sheet(name: str, table: Table) -> int:
                return write_sheet(wb.add_worksheet(name), table, bold, quoted)

            small = {lv: t.frame() for lv, t in tables.items() if lv in ("effects", "studies")}  # for the summary
            rows = {lv: sheet(lv, t) for lv, t in tables.items()}
            sheet("codebook", frame_table(codebook_frame(db, {lv: list(t.columns) for lv, t in tables.items()},
                                                         cfg=cfg)))
            when = (now or (lambda: datetime.now(UTC)))()
            sheet("summary", frame_table(summary_frame(db, small, rho=rho, method=method, by=by, when=when, cfg=cfg)))
            wb.worksheets()[0].activate()
            try:
                wb.close()
            finally:
                for ws in wb.worksheets():  # after a failure the scratch streams are still open
                    if ws.row_data_fh is not None and not ws.row_data_fh.closed:
                        ws.row_data_fh.close()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return rows
