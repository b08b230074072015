"""Statistics in tables: what a PDF's text layer (or an HTML table, one row a line) gives of a table, read row
by row under its caption (``Table 2 ...``). Three layouts papers use:

* a correlation matrix: numbered rows (``2. WAI-SR therapist .38** —``) under a header ending in the column
  numbers (``Measure 1 2 3``, ``Variable M SD 1 2``); each r between the two measures' labels, the diagonal
  dash placing the cells (lower, upper or full matrix);
* columns named by their statistics (``Outcome r p n``, ``Site χ2 df p``, ``Moderator k r 95% CI QB p``): a
  row's trailing cells are matched to the header from the right (a label may hold numbers; empty cells are
  usually on the left of a row), a CI cell anchoring the cells around it;
* a row named by its statistic (``r .32 .21``) under a header of groups, with ``p`` / ``n`` rows below it.

Only the text is read: a table set as a picture has no text to read (`find.pages_without_text`). Read from
the text's order, a row broken over two lines is read as the part that holds its numbers; a PDF's tables are
also laid out again from their characters' boxes (`layout`), one row a line, and read the same way. Cells a
tab apart (HTML, or the layout's columns) keep a label's numbers in the label (``Session 2``). Offsets are
those of the text given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_CAPTION = re.compile(r"^\s*(?:Table|TABLE)\s+(?P<num>\d+|[IVX]+|S\d+)\b\.?:?\s*(?P<rest>.*)$")
_LINE = re.compile(r"[^\r\n]+")
_TOKEN = re.compile(r"\[[^\]\n]*\]|\((?:[^()\n]*\d[^()\n]*)\)|[<>≤≥=]\s?[-−–]?(?:\d*\.\d+|\d+)|\S+")
_NUMBER = re.compile(r"^[<>≤≥=]?\s?(?P<v>[-−–]?(?:\d*\.\d+|\d+))(?P<mark>[*†‡§a-d]{0,4})$")
_DASH = re.compile(r"^(?:—|–|-|−|\.\.\.|…)$")
_CI = re.compile(r"^[\[(]\s*[-−–]?(?:\d*\.\d+|\d+)\s*(?:,|;|to|–|-)\s*[-−–]?(?:\d*\.\d+|\d+)\s*[\])]$")
_RANGE = re.compile(r"^[-−]?(?:\d*\.\d+|\d+)[–-][-−]?(?:\d*\.\d+|\d+)$")
_STAT_COLUMNS = {
    "r": "r", "rs": "r", "t": "t", "F": "F", "z": "z", "Z": "z", "χ2": "chi2", "χ²": "chi2", "X2": "chi2",
    "chi2": "chi2", "Chi-square": "chi2", "χ2(df)": "chi2", "Q": "Q", "QB": "Q", "QW": "Q", "Qb": "Q", "Qw": "Q",
    "Q_B": "Q", "Q_W": "Q", "Qbetween": "Q", "Qwithin": "Q", "d": "d", "g": "d", "OR": "OR", "AOR": "OR",
    "β": "beta", "beta": "beta",
}
_OTHER_COLUMNS = {"p": "p", "P": "p", "p-value": "p", "n": "n", "N": "n", "k": "k", "df": "df", "CI": "ci",
                  "95%CI": "ci", "SE": "se", "SD": "sd", "M": "m", "LL": "ll", "UL": "ul", "I2": "i2", "I²": "i2",
                  "ES": "es", "Mdn": "m", "B": "b", "95%": "ci"}
MAX_ROWS = 80


@dataclass
class TableCell:
    """One statistic read in a table: ``start``/``end`` the offsets of its value in the page text."""

    kind: str
    value_text: str
    start: int
    end: int
    table: str
    caption: str
    row_label: str
    col_label: str
    spans: list[tuple[int, int]] = field(default_factory=list)
    """Where to look for coding cues, first first: the row label, the column label, the caption."""
    p_op: str = ""
    p_text: str = ""
    n: int | None = None
    df1: float | None = None
    ci: tuple[float, float] | None = None


@dataclass
class _Tok:
    text: str
    start: int
    end: int


def _tokens(line: str, at: int) -> list[_Tok]:
    return [_Tok(m.group(0), at + m.start(), at + m.end()) for m in _TOKEN.finditer(line)]


def _value(tok: str) -> tuple[str, str] | None:
    """(relation, number as printed, minus as '-') of a numeric cell, or None."""
    m = _NUMBER.match(tok)
    if not m:
        return None
    rel = tok[0] if tok[0] in "<>≤≥" else "="
    return rel, m.group("v").replace("−", "-").replace("–", "-")


def is_cell(tok: str) -> bool:
    return bool(_value(tok) or _DASH.match(tok) or _DIAG.match(tok) or _CI.match(tok) or _RANGE.match(tok))


_DIAG = re.compile(r"^(?:\(\s*0?\.\d+\s*\)|1|1\.0{1,3})$")
"""A matrix's diagonal when it is no dash: a reliability in brackets (``(.88)``) or a 1 (``1.00``)."""


def _is_diagonal(tok: str) -> bool:
    return bool(_DASH.match(tok) or _DIAG.match(tok))


def _diagonal(cells: list[_Tok]) -> int | None:
    """Where the row's diagonal cell is (the last dash, bracketed reliability or 1), or None."""
    return next((k for k in range(len(cells) - 1, -1, -1) if _is_diagonal(cells[k].text)), None)


_MARKS = re.compile(r"^[*†‡§]+$")
"""Significance marks set apart from their number (``.38 **``, a superscript the text layer spaced off)."""


def _trailing_cells(toks: list[_Tok]) -> tuple[list[_Tok], list[_Tok]]:
    """(label tokens, the run of cell tokens at the end of the row; marks set apart are dropped)."""
    i = len(toks)
    while i > 0 and (is_cell(toks[i - 1].text) or _MARKS.match(toks[i - 1].text)):
        i -= 1
    return toks[:i], [t for t in toks[i:] if not _MARKS.match(t.text)]


def _column_kind(tok: str) -> str | None:
    t = tok.strip("()[]:").replace(" ", "")
    return _STAT_COLUMNS.get(t) or _OTHER_COLUMNS.get(t)


def _header_columns(toks: list[_Tok]) -> list[tuple[str, _Tok]] | None:
    """The named columns of a header row (``Outcome r p n`` -> r, p, n), or None when it is no such header:
    at least one statistic column, everything after the first named column named (``95% CI`` is one)."""
    cols: list[tuple[str, _Tok]] = []
    i = 0
    while i < len(toks) and _column_kind(toks[i].text) is None:
        i += 1
    while i < len(toks):
        t = toks[i].text
        if t in ("95%", "95 %", "90%") and i + 1 < len(toks) and toks[i + 1].text.strip("[]()") == "CI":
            cols.append(("ci", _Tok("95% CI", toks[i].start, toks[i + 1].end)))
            i += 2
            continue
        kind = _column_kind(t)
        if kind is None:
            return None
        cols.append((kind, toks[i]))
        i += 1
    if not any(k in _STAT_COLUMNS.values() for k, _ in cols) or len(cols) < 2:
        return None
    return cols


def _matrix_columns(toks: list[_Tok]) -> tuple[int, int]:
    """(n, extras) when the header row ends in the column numbers 1..n (n >= 2), extras the named columns
    before them (``M SD 1 2 3``: 2); else (0, 0)."""
    nums = []
    for t in reversed(toks):
        if t.text.isdigit():
            nums.append(int(t.text))
        else:
            break
    nums.reverse()
    if len(nums) < 2 or nums != list(range(1, len(nums) + 1)):
        return 0, 0
    extras = 0
    for t in reversed(toks[:len(toks) - len(nums)]):
        if t.text.strip("()") not in _OTHER_COLUMNS and t.text not in ("Range", "α", "alpha"):
            break
        extras += 1
    return len(nums), extras


def _r_like(text: str) -> bool:
    v = _value(text)
    return v is not None and "." in v[1] and abs(float(v[1])) <= 1


def _cell(kind: str, tok: _Tok, table: str, caption: str, row: str, col: str,
          spans: list[tuple[int, int]]) -> TableCell:
    rel_num = _value(tok.text)
    assert rel_num is not None
    m = _NUMBER.match(tok.text)
    start = tok.start + (m.start("v") if m else 0)
    end = tok.start + (m.end("v") if m else len(tok.text))
    return TableCell(kind, rel_num[1], start, end, table, caption, row, col, spans)


def _ci(text: str) -> tuple[float, float] | None:
    nums = re.findall(r"[-−–]?(?:\d*\.\d+|\d+)", text)
    if len(nums) != 2:
        return None
    try:
        return (float(nums[0].replace("−", "-").replace("–", "-")), float(nums[1].replace("−", "-").replace("–", "-")))
    except ValueError:
        return None


def table_cells(text: str) -> list[TableCell]:
    """Every statistic read in the tables of one page's ``text`` (see the module docstring)."""
    lines = [(m.start(), m.group(0)) for m in _LINE.finditer(text)]
    out: list[TableCell] = []
    i = 0
    while i < len(lines):
        cap = _CAPTION.match(lines[i][1])
        if not cap:
            i += 1
            continue
        table = f"Table {cap.group('num')}"
        caption_parts = [cap.group("rest").strip()]
        cap_span = (lines[i][0], lines[i][0] + len(lines[i][1]))
        j = i + 1
        # the caption runs on until the header row (at most three more lines)
        header: list[tuple[str, _Tok]] | None = None
        matrix = extras = 0
        head_toks: list[_Tok] = []
        while j < len(lines) and j <= i + 4:
            toks = _tokens(lines[j][1], lines[j][0])
            matrix, extras = _matrix_columns(toks)
            header = None if matrix else _header_columns(toks)
            if matrix or header or _stat_row(toks):
                head_toks = toks
                break
            caption_parts.append(lines[j][1].strip())
            cap_span = (cap_span[0], lines[j][0] + len(lines[j][1]))
            j += 1
        else:
            i += 1
            continue
        caption = " ".join(p for p in caption_parts if p)
        if matrix:
            got, j = _read_matrix(lines, j + 1, matrix, extras, table, caption, cap_span)
        elif header:
            got, j = _read_columns(lines, j + 1, header, table, caption, cap_span)
        else:
            got, j = _read_stat_rows(lines, j, lines[j - 1] if j - 1 > i else None, table, caption, cap_span)
        out.extend(got)
        i = max(j, i + 1)
        del head_toks
    return out


def ends_table(line: str) -> bool:
    s = line.strip()
    return bool(_CAPTION.match(line)) or s.startswith(("Note", "NOTE", "Source:", "*p", "* p", "†p")) \
        or (len(s) > 110 and "\t" not in s)


def _read_matrix(lines: list[tuple[int, str]], j: int, n: int, extras: int, table: str, caption: str,
                 cap_span: tuple[int, int]) -> tuple[list[TableCell], int]:
    rows: dict[int, tuple[str, tuple[int, int], list[_Tok]]] = {}
    misses = 0
    while j < len(lines) and len(rows) < MAX_ROWS and not ends_table(lines[j][1]):
        at, line = lines[j]
        m = re.match(r"^\s*(\d+)\.\s*(.*)$", line)
        if not m or not 1 <= int(m.group(1)) <= n:
            misses += 1
            if misses > 2:
                break
            j += 1
            continue
        misses = 0
        toks = _tokens(line[m.start(2):], at + m.start(2))
        label, cells = _trailing_cells(toks)
        if not cells and j + 1 < len(lines) and not re.match(r"^\s*\d+\.\s", lines[j + 1][1]) \
                and not ends_table(lines[j + 1][1]):
            # a label the layout wrapped: its cells are on the next line
            more = _tokens(lines[j + 1][1], lines[j + 1][0])
            label, cells = _trailing_cells(toks + more)
            j += 1
        i = int(m.group(1))
        # a label may end in a number ("session 4"): the row's cells are its extras, i - 1 values, the dash
        dash = _diagonal(cells)
        first = (dash if dash is not None else len(cells)) - (i - 1) - extras
        if first > 0:
            label, cells = label + cells[:first], cells[first:]
        if label:
            rows[int(m.group(1))] = (" ".join(t.text for t in label), (label[0].start, label[-1].end), cells)
        j += 1
    out = []
    for i, (name, span, cells) in rows.items():
        dash = _diagonal(cells)
        placed: list[tuple[int, _Tok]] = []
        if dash is not None:
            before = cells[max(0, dash - (i - 1)):dash]
            placed += [(i - len(before) + k, t) for k, t in enumerate(before)]
            after = cells[dash + 1:dash + 1 + (n - i)]
            placed += [(i + 1 + k, t) for k, t in enumerate(after)]
        elif len(cells) >= i - 1:  # a lower triangle without its diagonal
            placed = [(k + 1, t) for k, t in enumerate(cells[len(cells) - (i - 1):])] if i > 1 else []
        for col, tok in placed:
            if col == i or col not in rows or not _r_like(tok.text):
                continue
            other, ospan, _ = rows[col]
            out.append(_cell("r", tok, table, caption, name, other, [span, ospan, cap_span]))
    out.sort(key=lambda c: c.start)
    return out, j


def _align(cells: list[_Tok], cols: list[tuple[str, _Tok]]) -> list[tuple[tuple[str, _Tok], _Tok]]:
    """Cells matched to columns: around a CI cell when both have one, else from the right."""
    ci_cell = next((k for k, c in enumerate(cells) if _CI.match(c.text) or _RANGE.match(c.text)), None)
    ci_col = next((k for k, (kind, _) in enumerate(cols) if kind == "ci"), None)
    if ci_cell is not None and ci_col is not None:
        before = list(zip(reversed(cols[:ci_col]), reversed(cells[:ci_cell]), strict=False))
        after = list(zip(cols[ci_col + 1:], cells[ci_cell + 1:], strict=False))
        return [*reversed(before), (cols[ci_col], cells[ci_cell]), *after]
    return list(zip(reversed(cols), reversed(cells), strict=False))[::-1]


def _read_columns(lines: list[tuple[int, str]], j: int, cols: list[tuple[str, _Tok]], table: str, caption: str,
                  cap_span: tuple[int, int]) -> tuple[list[TableCell], int]:
    out: list[TableCell] = []
    misses = rows = 0
    while j < len(lines) and rows < MAX_ROWS and not ends_table(lines[j][1]):
        at, line = lines[j]
        toks = _tokens(line, at)
        label, cells = _trailing_cells(toks)
        tab = line.find("\t")
        if tab > 0 and label and cells:  # cells a tab apart: the first one is the label, numbers and all
            lead = [t for t in toks if t.start < at + tab]
            if len(lead) > len(label) and all(is_cell(t.text) or _MARKS.match(t.text) for t in toks[len(lead):]):
                label, cells = lead, [t for t in toks[len(lead):] if not _MARKS.match(t.text)]
        prose = len(label) > 10 or (label and label[-1].text.endswith((".", ",", ";")) and len(label) > 4)
        if prose and "\t" not in line:
            break  # prose again (a sentence that happens to end in a number), not a row
        if not cells:
            misses += 1
            if misses > 2:
                break
            j += 1
            continue
        misses = 0
        rows += 1
        row_label = " ".join(t.text for t in label)
        row_span = (label[0].start, label[-1].end) if label else (cells[0].start, cells[-1].end)
        pairs = _align(cells, cols)
        extra = {kind: tok for (kind, _), tok in pairs}
        for (kind, head), tok in pairs:
            if kind not in _STAT_COLUMNS.values() or not _value(tok.text):
                continue
            if kind == "r" and not _r_like(tok.text):
                continue
            c = _cell(kind, tok, table, caption, row_label, "", [row_span, (head.start, head.end), cap_span])
            _fill(c, extra)
            out.append(c)
        j += 1
    return out, j


def _fill(c: TableCell, extra: dict[str, _Tok]) -> None:
    """The p, n, df and CI of a row's other cells."""
    if "p" in extra and (pv := _value(extra["p"].text)) and 0 <= float(pv[1]) <= 1:
        c.p_op, c.p_text = pv
    if "n" in extra and (nv := _value(extra["n"].text)) and "." not in nv[1] and float(nv[1]) >= 2:
        c.n = int(nv[1])
    if "df" in extra and (dv := _value(extra["df"].text)):
        c.df1 = float(dv[1])
    if "ci" in extra:
        c.ci = _ci(extra["ci"].text)


def _stat_row(toks: list[_Tok]) -> bool:
    return len(toks) >= 2 and toks[0].text in _STAT_COLUMNS and all(is_cell(t.text) for t in toks[1:])


def _read_stat_rows(lines: list[tuple[int, str]], j: int, header: tuple[int, str] | None, table: str, caption: str,
                    cap_span: tuple[int, int]) -> tuple[list[TableCell], int]:
    """Rows named by their statistic (``r .32 .21``) under a header of groups, ``p`` and ``n`` rows below."""
    heads = _tokens(header[1], header[0]) if header else []
    stat_rows: list[tuple[str, list[_Tok]]] = []
    side: dict[str, list[_Tok]] = {}
    while j < len(lines) and not ends_table(lines[j][1]):
        toks = _tokens(lines[j][1], lines[j][0])
        if _stat_row(toks):
            stat_rows.append((_STAT_COLUMNS[toks[0].text], toks[1:]))
        elif len(toks) >= 2 and toks[0].text in _OTHER_COLUMNS and all(is_cell(t.text) for t in toks[1:]):
            side[_OTHER_COLUMNS[toks[0].text]] = toks[1:]
        else:
            break
        j += 1
    out = []
    for kind, cells in stat_rows:
        for k, tok in enumerate(cells):
            if not _value(tok.text) or (kind == "r" and not _r_like(tok.text)):
                continue
            head = heads[len(heads) - len(cells) + k] if len(heads) >= len(cells) else None
            spans = ([(head.start, head.end)] if head else []) + [cap_span]
            c = _cell(kind, tok, table, caption, head.text if head else f"column {k + 1}", "", spans)
            _fill(c, {name: row[k] for name, row in side.items() if k < len(row)})
            out.append(c)
    return out, j
