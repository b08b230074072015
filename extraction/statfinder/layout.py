"""A PDF table rebuilt from where its characters sit, for `tables.table_cells` to read row by row.

The text layer gives a table in the order its producer wrote it, which is often not one row a line: a cell
that wraps puts its second line between the row's cells (``Working Alliance Inventory`` / ``short revised,
client .31 .004 84``), a header set on two lines splits ``Pearson`` from its ``r``, and a table written
column by column, or set sideways, comes out one column after another. Here each table (the characters from
its caption, in the text's order, up to its note, the next caption or the first character above the caption:
the other column of a two-column page) is laid out again from the characters' boxes
(`screening.fulltext.pdf.char_boxes`, each in its own reading frame, so a sideways table reads upright):

* lines are characters whose vertical extents overlap, in x order; a gap of half a line height or more
  separates two columns (a tab), a smaller one two words;
* a line with a number, dash or interval right of its first column is a row; the lines between the caption's
  title and the first row are the header, merged column by column (``Pearson`` over ``r`` is ``Pearson r``);
* a line without numbers joins the row it continues (it starts in lower case or indented, or the row's label
  ends in a comma or a joining word), or the row below when that row's label is its continuation; else it stays
  a line of its own (a subheading);
* columns are the x ranges the rows' cells cover; a row's continuation lines are merged into the row column by
  column (a wrapped interval ``[.24,`` / ``.38]`` is one cell again).

The result is one text (`text.Mapped`): every character maps to its character index on the page, so what the
table reader finds is highlighted on the page as before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import pairwise

from extraction.statfinder.tables import ends_table, is_cell
from extraction.statfinder.text import Mapped

Box = tuple[float, float, float, float, int]
_CAPTION = re.compile(r"(?m)^[ \t]*(?:Table|TABLE)\s+(?:\d+|[IVX]+|S\d+)\b")
_NAMED = re.compile(r"(?:Table|TABLE)\s+(?:\d+|[IVX]+|S\d+)\b")
_JOINS = re.compile(r"(?:[,(/&+\-–]|\b(?:and|or|of|the|for|with|in|at|to|vs\.?))$")
MAX_SEGMENT = 6000
"""At most this many characters of the text are read as one table."""


@dataclass
class _Word:
    chars: list[tuple[int, str]]
    x0: float
    x1: float

    @property
    def text(self) -> str:
        return "".join(c for _, c in self.chars)


@dataclass
class _Line:
    top: float
    bottom: float
    words: list[_Word] = field(default_factory=list)
    blocks: list[list[_Word]] = field(default_factory=list)
    """The words grouped by column gaps."""

    @property
    def height(self) -> float:
        return self.top - self.bottom

    @property
    def x0(self) -> float:
        return self.words[0].x0

    def text(self) -> str:
        """Its words, a space apart within a column and a tab apart between columns."""
        return "\t".join(" ".join(w.text for w in blk) for blk in self.blocks)


def has_caption(text: str) -> bool:
    """Might ``text`` (a page) hold a table caption? (see `candidate_ranges`)"""
    return bool(candidate_ranges(text))


def _caption_starts(text: str) -> list[int]:
    out = []
    for m in _NAMED.finditer(text):
        a = m.start()
        before = text[max(0, a - 3):a].rstrip(" ")
        if (not before or before[-1] in "\r\n.:;!?") and text[m.end():m.end() + 1] not in (",", ")"):
            out.append(a)
    return out


def candidate_ranges(text: str) -> list[tuple[int, int]]:
    """The character ranges of ``text`` (a page) whose boxes `table_layout` reads: from just before each
    ``Table N`` that starts a line or a sentence (the text layer may run a caption set sideways into the line
    before it; `_captions` decides from the boxes) to `MAX_SEGMENT` characters on. A ``Table N`` inside a
    sentence or in brackets (``see Table 2``, ``(Table 4, turned)``) is a mention, no caption."""
    out: list[tuple[int, int]] = []
    for a in _caption_starts(text):
        lo, hi = max(0, a - 20), min(len(text), a + MAX_SEGMENT)
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return out


def _captions(text: str, boxes: list[Box | None]) -> list[int]:
    """Where captions start: ``Table N`` first on its line, in the text or on the page (the character before
    it, if any, is not just left of it on the same line)."""
    out = []
    for a in _caption_starts(text):
        if _CAPTION.match(text, text.rfind("\n", 0, a) + 1):
            out.append(a)
            continue
        me = boxes[a]
        j = a - 1
        while j >= 0 and text[j].isspace():
            j -= 1
        prev = boxes[j] if j >= 0 else None
        if me is None or prev is None or prev[4] != me[4] or not me[1] <= (prev[1] + prev[3]) / 2 <= me[3] \
                or prev[2] > me[0] + 0.5:
            out.append(a)
    return out


def _segments(text: str, boxes: list[Box | None]) -> list[tuple[int, int]]:
    """The character ranges read as one table each (see the module docstring)."""
    starts = _captions(text, boxes)
    out = []
    for k, a in enumerate(starts):
        b = min(starts[k + 1] if k + 1 < len(starts) else len(text), a + MAX_SEGMENT, len(boxes))
        # the caption's extent: its "Table N"
        first = text.find("\n", a)
        cap = [bx for i in range(a, _NAMED.match(text, a).end()) if (bx := boxes[i]) is not None]  # type: ignore[union-attr]
        if not cap:
            continue
        turn = cap[0][4]
        cap_bottom = min(c[1] for c in cap if c[4] == turn)
        pos = first if 0 <= first < b else b
        while pos < b:
            end = text.find("\n", pos + 1)
            end = b if end < 0 or end > b else end
            line = text[pos:end]
            if ends_table(line.strip("\r\n")) and line.strip():
                b = pos
                break
            above = next((i for i in range(pos, end) if (bx := boxes[i]) is not None and bx[4] == turn
                          and (bx[1] + bx[3]) / 2 > cap_bottom), None)
            if above is not None:
                b = above
                break
            pos = end
        out.append((a, b))
    return out


def _lines(text: str, boxes: list[Box | None], a: int, b: int) -> list[_Line]:
    turn = next(bx[4] for bx in boxes[a:b] if bx is not None)
    chars = [(i, text[i], bx) for i in range(a, b) if (bx := boxes[i]) is not None and bx[4] == turn
             and not text[i].isspace()]
    chars.sort(key=lambda c: -(c[2][1] + c[2][3]))
    lines: list[_Line] = []
    rows: list[list[tuple[int, str, Box]]] = []
    for c in chars:
        bx = c[2]
        mid = (bx[1] + bx[3]) / 2
        if lines and lines[-1].bottom <= mid <= lines[-1].top:
            lines[-1].bottom, lines[-1].top = min(lines[-1].bottom, bx[1]), max(lines[-1].top, bx[3])
            rows[-1].append(c)
        else:
            lines.append(_Line(bx[3], bx[1]))
            rows.append([c])
    for line, row in zip(lines, rows, strict=True):
        row.sort(key=lambda c: c[2][0])
        h = line.height
        word: _Word | None = None
        block: list[_Word] = []
        for i, ch, bx in row:
            gap = bx[0] - word.x1 if word else 0.0
            if word is not None and gap < 0.12 * h:
                word.chars.append((i, ch))
                word.x1 = max(word.x1, bx[2])
                continue
            if word is not None:
                block.append(word)
                line.words.append(word)
                if gap >= 0.5 * h:
                    line.blocks.append(block)
                    block = []
            word = _Word([(i, ch)], bx[0], bx[2])
        if word is not None:
            block.append(word)
            line.words.append(word)
            line.blocks.append(block)
    return lines


def _is_row(line: _Line) -> bool:
    return len(line.blocks) >= 2 and any(is_cell(w.text) for blk in line.blocks[1:] for w in blk)


def _continues(line: _Line, row: list[_Line]) -> bool:
    """Is ``line`` (no numbers) the next line of the label of ``row`` (its lines so far, top first)?"""
    last = row[-1]
    head = line.words[0].text
    indent = line.x0 > min(r.x0 for r in row) + 0.5 * line.height
    return head[:1].islower() or indent or bool(_JOINS.search(last.blocks[0][-1].text))


def _columns(rows: list[list[_Line]]) -> list[tuple[float, float]]:
    """The x ranges the rows' blocks cover, merged where they overlap, left to right."""
    spans = sorted((blk[0].x0, blk[-1].x1) for row in rows for line in row for blk in line.blocks)
    cols: list[list[float]] = []
    for x0, x1 in spans:
        if cols and x0 <= cols[-1][1]:
            cols[-1][1] = max(cols[-1][1], x1)
        else:
            cols.append([x0, x1])
    return [(x0, x1) for x0, x1 in cols]


def _column_of(word: _Word, cols: list[tuple[float, float]]) -> int:
    mid = (word.x0 + word.x1) / 2
    best, dist = 0, float("inf")
    for k, (x0, x1) in enumerate(cols):
        d = 0.0 if x0 <= mid <= x1 else min(abs(mid - x0), abs(mid - x1))
        if d < dist:
            best, dist = k, d
    return best


class _Out:
    def __init__(self) -> None:
        self.chars: list[str] = []
        self.src: list[int] = []

    def sep(self, ch: str) -> None:
        if self.src:
            self.chars.append(ch)
            self.src.append(self.src[-1])

    def word(self, w: _Word) -> None:
        for i, ch in w.chars:
            self.chars.append(ch)
            self.src.append(i)

    def words(self, words: list[_Word]) -> None:
        for k, w in enumerate(words):
            if k:
                self.sep(" ")
            self.word(w)


def _grid(out: _Out, group: list[_Line], cols: list[tuple[float, float]]) -> None:
    """One output line: ``group``'s words column by column (top line first within a column), tab-separated."""
    cells: dict[int, list[_Word]] = {}
    for line in group:
        for w in line.words:
            cells.setdefault(_column_of(w, cols), []).append(w)
    for n, k in enumerate(sorted(cells)):
        if n:
            out.sep("\t")
        out.words(cells[k])
    out.sep("\n")


def _overlap(a: _Line, b: _Line) -> bool:
    """Do the two lines share height (a cell set in the middle of a row two lines high)?"""
    return min(a.top, b.top) - max(a.bottom, b.bottom) > 0.15 * min(a.height, b.height)


def _label(line: _Line, left: float) -> _Word | None:
    """The last word of ``line``'s first column (its label), or None when the line starts right of it."""
    return line.blocks[0][-1] if line.x0 <= left + 0.5 * line.height else None


def _wraps(line: _Line, before: _Line, left: float, right: float) -> bool:
    """Would ``line``'s first word have overflowed ``before``'s label (ending at its column's ``right``)? Only
    then can a line starting in capitals be the rest of a wrapped label."""
    last = _label(before, left)
    if last is None or not line.words:
        return False
    first = line.words[0]
    return last.x1 + 0.25 * line.height + (first.x1 - first.x0) > right + 0.2 * line.height


def _label_right(body: list[_Line], left: float) -> float:
    """Where the label column ends, as far as the page shows: the right end of its longest line, or, when the
    next column starts farther right, one line height (a column gap) before that column's left edge."""
    right = max((w.x1 for line in body if (w := _label(line, left)) is not None), default=left)
    nxt = [line.blocks[1][0].x0 for line in body if _is_row(line) and _label(line, left) is not None]
    if nxt:
        right = max(right, min(nxt) - max(line.height for line in body))
    return right


def _side(line: _Line, row: _Line) -> int:
    """+1 when ``line`` sits above ``row``'s numbers, -1 below them, 0 level with them."""
    mid = (line.top + line.bottom) / 2
    return 1 if mid > row.top else -1 if mid < row.bottom else 0


def _owners(body: list[_Line]) -> list[int | None]:
    """For each line of a table's body: the row (index of its line with numbers) it belongs to, or None.

    A line without numbers belongs to a row when it shares height with the row's numbers, or continues its
    label plainly (lower case, indented, after a joining word). A line in capitals is a label's rest only where
    its first word could not have fit on the line before it (`_wraps`) and it is no farther below that line
    than the table's closest lines are apart (a label's leading: a row or subheading set off by more space is
    none of it), and only on the side of the numbers
    the table's labels wrap to: the rows' labels are all set the same way (numbers at the top, middle or bottom
    of their row), which the plain continuations show, or the lines before the first row (they can only begin
    it) and after the last (they can only end it). Between two rows of a table whose labels wrap on both sides
    (numbers in the middle), the row above takes as many lines below its numbers as its label has above them.
    Any other line is a line of its own (a subheading)."""
    owner: list[int | None] = [k if _is_row(line) else None for k, line in enumerate(body)]
    rows = [k for k, o in enumerate(owner) if o is not None]
    if not rows:
        return owner
    for k, line in enumerate(body):  # lines continuing the row above
        if owner[k] is not None or k == 0 or owner[k - 1] is None:
            continue
        p = owner[k - 1]
        assert p is not None
        if p > k:
            continue
        group = [body[j] for j in range(p, k) if owner[j] == p]
        if _overlap(line, body[p]) or _continues(line, group):
            owner[k] = p
    for k in range(len(body) - 2, -1, -1):  # lines beginning the row below (its cells set low)
        n = owner[k + 1]
        if owner[k] is not None or n is None or n <= k:
            continue
        line = body[k]
        if _overlap(line, body[n]) or _continues(body[k + 1], [line]) or _JOINS.search(line.words[-1].text):
            owner[k] = n
    left = min(line.x0 for line in body)
    right = _label_right(body, left)
    gaps = [a.bottom - b.top for a, b in pairwise(body) if not _overlap(a, b)]
    leading = min(gaps, default=0.0)

    def joins(line: _Line, before: _Line) -> bool:  # the rest of ``before``'s label, set at a label's leading
        return _wraps(line, before, left, right) and before.bottom - line.top <= leading + 0.25 * line.height

    sides = {_side(line, body[o]) for line, o in zip(body, owner, strict=True) if o is not None}
    # the lines before the first row can only begin it, those after the last only end it
    k = rows[0]
    while k > 0 and owner[k - 1] is None and joins(body[k], body[k - 1]):
        owner[k - 1] = rows[0]
        sides.add(1)
        k -= 1
    k = max(j for j, o in enumerate(owner) if o == rows[-1])
    while k + 1 < len(body) and owner[k + 1] is None and joins(body[k + 1], body[k]):
        owner[k + 1] = rows[-1]
        sides.add(-1)
        k += 1
    for a, b in pairwise(rows):  # the lines between two rows
        gap = [k for k in range(a + 1, b) if owner[k] is None]
        if not gap or gap != list(range(gap[0], gap[-1] + 1)):
            continue
        take = len(gap) if -1 in sides else 0  # lines the row above may take
        if 1 in sides and -1 in sides:
            mine = [_side(body[j], body[a]) for j in range(len(body)) if owner[j] == a]
            take = max(0, mine.count(1) - mine.count(-1))
        up = gap[0]
        while up <= gap[-1] and up - gap[0] < take and joins(body[up], body[up - 1]):
            owner[up] = a
            up += 1
        if 1 in sides:
            down = gap[-1]
            while down >= up and joins(body[down + 1], body[down]):
                owner[down] = b
                down -= 1
    return owner


def _table(out: _Out, lines: list[_Line]) -> None:
    cap = next((k for k, line in enumerate(lines) if _NAMED.match(line.text())), None)
    if cap is None:
        return
    lines = lines[cap:]
    first_row = next((k for k, line in enumerate(lines) if _is_row(line)), None)
    if first_row is None:
        return
    end = next((k for k in range(first_row, len(lines)) if ends_table(lines[k].text())), len(lines))
    if end <= first_row:
        return  # the line with numbers ends the table (a note, a long line): no rows
    # the caption's title: single-block lines right under it; the header: up to its last line with columns
    # (or set in from the left, ``r`` under ``Pearson``); then the rows
    title = 1
    while title < first_row and len(lines[title].blocks) == 1 and lines[title].x0 <= lines[0].x0 + lines[0].height:
        title += 1
    label_x = min(line.x0 for line in lines[title:end])
    head_end = title
    for k in range(title, first_row):
        if len(lines[k].blocks) >= 2 or lines[k].x0 > label_x + lines[k].height:
            head_end = k + 1
    body = lines[head_end:end]
    owner = _owners(body)
    rows = sorted({o for o in owner if o is not None})
    cols = _columns([[body[k] for k in range(len(body)) if owner[k] == r] for r in rows])
    for line in lines[:title]:
        out.words(line.words)
        out.sep("\n")
    if title < head_end:
        _grid(out, lines[title:head_end], cols)
    done: set[int] = set()
    for k, line in enumerate(body):
        o = owner[k]
        if o is None:
            out.words(line.words)
            out.sep("\n")
        elif o not in done:
            done.add(o)
            _grid(out, [body[j] for j in range(len(body)) if owner[j] == o], cols)


def table_layout(text: str, boxes: list[Box | None]) -> Mapped | None:
    """The tables of one page's ``text`` laid out again from ``boxes`` (one per character of ``text``; see
    the module docstring), or None when the page has no table caption or no boxes."""
    if len(boxes) < len(text) or not has_caption(text):
        return None
    out = _Out()
    for a, b in _segments(text, boxes):
        if not any(bx is not None for bx in boxes[a:b]):
            continue
        _table(out, _lines(text, boxes, a, b))
        out.sep("\n")
    if not out.chars:
        return None
    return Mapped("".join(out.chars), out.src)
