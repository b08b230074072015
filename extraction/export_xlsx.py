"""The XLSX export, streamed (openpyxl's write-only mode): one sheet per level (the chosen one first and
active), a ``codebook`` sheet and a ``summary`` sheet. Frozen header rows, column widths from the content,
numbers stored as numbers, and text a spreadsheet could read as a formula stored as quote-prefixed text (see
``extraction.export``).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from datetime import UTC, datetime
from itertools import chain, islice
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from db.engine import APP_VERSION, ReviewDB
from extraction import export_frames, study_table
from extraction.atomic_write import atomic_path
from extraction.coding import CodingSettings, settings
from extraction.export import frame_table, is_risky, plain
from extraction.export_frames import Table
from screening.counts import review_counts
from screening.protocol import STAGE_LABELS

MAX_WIDTH = 60
BOLD = Font(bold=True)


WIDTH_ROWS = 1000  # column widths are measured on the header and the first rows (write-only sheets need them first)


def _cell(ws: Worksheet, value: Any) -> Any:
    """One cell's value for a write-only sheet: numbers as numbers, booleans as text, text never a formula
    (a write-only cell with the quote-prefix flag when a spreadsheet could read it as one)."""
    value = plain(value)
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        if not value:
            return None  # an empty cell: nothing written (most reason and bibliographic columns are empty)
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if is_risky(value):
            cell = WriteOnlyCell(ws, value=value)
            cell.data_type = "s"  # never a formula, whatever the text starts with
            cell.quotePrefix = True
            return cell
    return value


def _length(value: Any) -> int:
    value = plain(value)
    if value is None:
        return 0
    if isinstance(value, str):
        return max((len(line) for line in value.splitlines()), default=0)
    return len(f"{value:.6g}" if isinstance(value, float) else str(value))


def write_sheet(ws: Worksheet, table: Table) -> int:
    """``table`` into the write-only sheet ``ws``, row by row: bold frozen header, cells by type, widths from
    the first `WIDTH_ROWS` rows, an auto-filter. Returns the number of rows written."""
    rows = iter(table.rows())
    head = list(islice(rows, WIDTH_ROWS))
    widths = [max([len(c), *(_length(r[j]) for r in head)]) for j, c in enumerate(table.columns)]
    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = min(MAX_WIDTH, max(8, w + 2))
    ws.freeze_panes = "A2"
    header = []
    for col in table.columns:
        cell = WriteOnlyCell(ws, value=str(col))
        cell.data_type = "s"
        cell.font = BOLD
        header.append(cell)
    ws.append(header)
    n = 0
    for row in chain(head, rows):
        ws.append([_cell(ws, v) for v in row])
        n += 1
    if table.columns:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(table.columns))}{max(1, n + 1)}"
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
                  by: str | Sequence[str] | None, when: datetime) -> pd.DataFrame:
    """Counts (`screening.counts`, the same as status and PRISMA) and settings of the export as setting/value
    rows."""
    eff, studies = (frames.get(k, pd.DataFrame()) for k in ("effects", "studies"))
    review = db.review()
    c = review_counts(db)
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


def _discard(wb: Workbook) -> None:
    """After a failed write: close the write-only sheets' row streams and delete their scratch files now.

    openpyxl streams each write-only sheet to a temporary file of its own (removed when the workbook is saved,
    or at interpreter exit); after an error those streams would report "I/O operation on closed file" when
    garbage-collected, and the scratch files would stay until exit. Uses openpyxl's sheet internals
    (``_rows``, ``_writer``) because it offers no public way to abandon a write-only workbook.
    """
    from openpyxl.worksheet import _writer

    for ws in wb.worksheets:
        with suppress(Exception):
            if getattr(ws, "_rows", None) is not None:
                ws._rows.close()
        writer = getattr(ws, "_writer", None)
        if writer is not None:
            with suppress(Exception):
                writer.xf.close()
            with suppress(Exception):
                os.remove(writer.out)
            with suppress(ValueError):
                _writer.ALL_TEMP_FILES.remove(writer.out)


def write_xlsx(db: ReviewDB, tables: Mapping[str, Table], out: Path, *, rho: float, method: str,
               by: str | Sequence[str] | None = None, now: Callable[[], datetime] | None = None,
               cfg: CodingSettings | None = None) -> dict[str, int]:
    """The workbook in openpyxl's write-only mode (rows stream to scratch files, then into the workbook): the
    level sheets in ``tables`` order (the first one active), codebook, summary. Returns the rows per level.
    A failure (a full disk too: the scratch files live in the temporary folder) leaves nothing behind."""
    wb = Workbook(write_only=True)
    with atomic_path(out, ".xlsx", scratch=Path(tempfile.gettempdir())) as tmp:
        try:
            small = {lv: t.frame() for lv, t in tables.items() if lv in ("effects", "studies")}  # for the summary
            rows = {lv: write_sheet(wb.create_sheet(lv), t) for lv, t in tables.items()}
            write_sheet(wb.create_sheet("codebook"),
                        frame_table(codebook_frame(db, {lv: list(t.columns) for lv, t in tables.items()}, cfg=cfg)))
            when = (now or (lambda: datetime.now(UTC)))()
            write_sheet(wb.create_sheet("summary"),
                        frame_table(summary_frame(db, small, rho=rho, method=method, by=by, when=when)))
            wb.active = 0
            wb.save(tmp)
        except BaseException:
            _discard(wb)
            raise
    return rows
