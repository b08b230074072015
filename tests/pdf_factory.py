"""Real PDFs for the full-text tests and the statistics benchmark, written with fpdf2 (never mocks).

`write_pdf` lays out pages of text in one or two columns, in a core font (Helvetica/Times, Latin-1 only) or
an embedded TrueType font from Debian's fonts-dejavu-core / fonts-liberation2 packages (Unicode: minus
signs, Greek chi, ligature glyphs), with document information (title, author, subject) and optionally a
password (an encrypted PDF).
"""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

FONTS = {
    "dejavu": Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    "liberation-serif": Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"),
}
CORE = ("Helvetica", "Times", "Courier")


def write_pdf(path: Path | None, pages: list[str], *, title: str = "", author: str = "", subject: str = "",
              columns: int = 1, font: str = "Helvetica", size: float = 10.5, password: str = "",
              owner_password: str = "", pictures: frozenset[int] = frozenset(), tables: str = "rows") -> bytes:
    """Write ``pages`` (one string each; blank lines separate paragraphs) and return the PDF's bytes
    (also saved at ``path`` when given). ``password`` encrypts it (opening needs the password);
    ``owner_password`` alone encrypts it with an empty user password (it opens, with restrictions).
    Pages whose index is in ``pictures`` are set as a picture of their text (a scan: no text layer).
    ``tables="columns"`` (one column only) writes each table one column after the other, its labels wrapped
    in a narrow first column: the text layer then gives neither rows nor whole labels."""
    pdf = FPDF(format="A4")
    if password or owner_password:
        pdf.set_encryption(owner_password=owner_password or password + "-owner", user_password=password)
    if title:
        pdf.set_title(title)
    if author:
        pdf.set_author(author)
    if subject:
        pdf.set_subject(subject)
    family = font
    if font not in CORE:
        family = font
        pdf.add_font(family, fname=str(FONTS[font]))
    pdf.set_auto_page_break(True, margin=15)
    for text in pages:
        pdf.add_page()
        pdf.set_font(family, size=size)
        if len(pdf.pages) - 1 in pictures:
            _picture(pdf, text)
        elif columns == 1:
            for para in text.split("\n\n"):
                if "\t" in para:
                    _table(pdf, para.strip(), size, tables)
                else:
                    pdf.multi_cell(0, size * 0.5, para.strip(), new_x="LMARGIN", new_y="NEXT")
                pdf.ln(size * 0.3)
        else:
            with pdf.text_columns(ncols=columns, gutter=8) as cols:
                for para in text.split("\n\n"):
                    cols.write(para.strip().replace("\t", "   ") + "\n\n")
    data = bytes(pdf.output())
    if path is not None:
        Path(path).write_bytes(data)
    return data


def _table(pdf: FPDF, para: str, size: float, order: str = "rows") -> None:
    """A paragraph whose lines have tab-separated cells, drawn as a table: the lines before the first tabbed
    line are its caption, the lines after the last its note. ``order="rows"``: fpdf2's table; ``"columns"``:
    `_by_columns`."""
    lines = para.splitlines()
    tabbed = [i for i, line in enumerate(lines) if "\t" in line]
    first, last = tabbed[0], tabbed[-1]
    if first:
        pdf.multi_cell(0, size * 0.5, "\n".join(lines[:first]), new_x="LMARGIN", new_y="NEXT")
    rows = [line.split("\t") for line in lines[first:last + 1]]
    if order == "columns":
        _by_columns(pdf, rows, size * 0.5)
    else:
        width = max(len(r) for r in rows)
        with pdf.table(first_row_as_headings=False, borders_layout="HORIZONTAL_LINES", text_align="LEFT",
                       col_widths=(3,) + (1,) * (width - 1), line_height=size * 0.5) as table:
            for cells in rows:
                row = table.row()
                for cell in cells + [""] * (width - len(cells)):
                    row.cell(cell)
    if last + 1 < len(lines):
        pdf.multi_cell(0, size * 0.5, "\n".join(lines[last + 1:]), new_x="LMARGIN", new_y="NEXT")


def _by_columns(pdf: FPDF, rows: list[list[str]], line_h: float) -> None:
    """Each cell placed by its own text command, one column after the other (first column 36 mm wide, its
    labels wrapped; the others 22 mm), the cells of a row on its first line."""
    wrapped = [pdf.multi_cell(36, line_h, r[0] or " ", dry_run=True, output="LINES") for r in rows]
    tops = []
    y = pdf.get_y() + line_h
    for w in wrapped:
        tops.append(y)
        y += line_h * len(w) + 1.5
    x0 = pdf.l_margin
    for k in range(max(len(r) for r in rows)):
        for r, w, top in zip(rows, wrapped, tops, strict=True):
            if k == 0:
                for j, piece in enumerate(w):
                    pdf.text(x0, top + j * line_h, piece)
            elif k < len(r) and r[k]:
                pdf.text(x0 + 38 + 22 * (k - 1), top, r[k])
    pdf.set_y(y)


def _picture(pdf: FPDF, text: str) -> None:
    """``text`` drawn into an image (Pillow) and placed on the page: what a scanned page is to a reader."""
    import io

    from PIL import Image, ImageDraw

    img = Image.new("RGB", (1240, 1600), "white")
    draw = ImageDraw.Draw(img)
    y = 40
    for para in text.split("\n\n"):
        for line in para.splitlines():
            draw.text((40, y), line, fill="black")
            y += 24
        y += 16
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    buf.seek(0)
    pdf.image(buf, x=10, y=10, w=190)


def write_unusable(folder: Path) -> list[tuple[Path, str]]:
    """Three files named .pdf that no review may store, each with the words its refusal must say: a text file,
    an encrypted PDF (a password to open it) and a download cut off after 400 bytes."""
    notes = Path(folder) / "notes.pdf"
    notes.write_text("These are my notes, not a PDF.\n")
    locked = Path(folder) / "locked.pdf"
    write_pdf(locked, ["A protected report"], password="secret")
    broken = Path(folder) / "broken.pdf"
    broken.write_bytes(write_pdf(None, ["a report cut off in the middle of the download"] * 3)[:400])
    return [(notes, "not a PDF"), (locked, "encrypted"), (broken, "broken")]
