"""Reading a PDF: check it is one MetaSift can use, and take its page texts, metadata and DOI (pypdfium2).

A file is refused (`InputError` naming it) when it does not start like a PDF, when PDFium cannot open it
(broken), when it is encrypted — needing a password, or with an empty user password (such a file opens
in any reader, but its owner restricted it; MetaSift refuses it alike, as the issue decided: a stored PDF is
shared with the whole team and printed from) —, when it has no page, or when it is larger than
`MAX_PDF_BYTES`. Text is read once, page by page, when a PDF is stored; later readers use the stored text.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any

from db.errors import InputError

MAX_PDF_BYTES = 100 * 1024 * 1024
"""The largest PDF stored in a review (100 MiB): a scanned book chapter fits, a whole book of images not."""
MAX_PAGES = 2000
"""More pages than this: not a report (text reading would take minutes)."""

_PDFIUM_LOCK = threading.Lock()
"""PDFium is not thread-safe: every call into it (reading here, rendering in the GUI) holds this lock."""

DOI_RE = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>]+)", re.IGNORECASE)


def pdfium_lock() -> threading.Lock:
    """The lock every use of PDFium in this process holds (see `_PDFIUM_LOCK`)."""
    return _PDFIUM_LOCK


@dataclass
class PdfInfo:
    """What a readable PDF holds: page count, each page's text, document information, a DOI found."""

    pages: int
    page_text: list[str]
    meta: dict[str, Any] = field(default_factory=dict)
    doi: str = ""


def clean_doi(text: str) -> str:
    """The first DOI in ``text`` as the deduplication compares DOIs (`normalize_doi`), or ''."""
    from screening.dedup.normalize import normalize_doi

    m = DOI_RE.search(text or "")
    return normalize_doi(m.group(1)) if m else ""


def check_bytes(data: bytes, name: str) -> None:
    """Refuse what is plainly not a usable PDF before PDFium sees it: too large, or not starting with %PDF-."""
    if len(data) > MAX_PDF_BYTES:
        raise InputError(f"the file is {len(data) / 2**20:.1f} MiB; MetaSift stores PDFs up to "
                         f"{MAX_PDF_BYTES // 2**20} MiB", file=name)
    if b"%PDF-" not in data[:1024]:
        head = data[:8].decode("latin-1", "replace").encode("unicode_escape").decode()
        raise InputError(f"not a PDF (a PDF starts with %PDF-, this file with {head!r})", file=name)


def read_pdf(data: bytes, name: str) -> PdfInfo:
    """Check ``data`` (the bytes of the file ``name``) and read it; `InputError` for what cannot be stored."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    check_bytes(data, name)
    with _PDFIUM_LOCK:
        try:
            doc = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            low = str(exc).lower()
            if "password" in low or "security" in low:
                raise InputError("the PDF is encrypted (it needs a password to open); save an unprotected "
                                 "copy and attach that", file=name) from None
            raise InputError(f"the PDF is broken and cannot be read ({exc})", file=name) from None
        try:
            if pdfium_c.FPDF_GetSecurityHandlerRevision(doc.raw) != -1:
                raise InputError("the PDF is encrypted with an empty user password (it opens, but its owner "
                                 "restricted it); save an unprotected copy (e.g. qpdf --decrypt in.pdf out.pdf) "
                                 "and attach that", file=name)
            n = len(doc)
            if n == 0:
                raise InputError("the PDF has no pages", file=name)
            if n > MAX_PAGES:
                raise InputError(f"the PDF has {n} pages; MetaSift reads reports up to {MAX_PAGES}", file=name)
            texts = []
            for i in range(n):
                page = doc[i]
                tp = page.get_textpage()
                texts.append(tp.get_text_range())  # one character per PDFium char index (highlights use them)
                tp.close()
                page.close()
            meta = {k: v for k, v in doc.get_metadata_dict(skip_empty=True).items() if isinstance(v, str)}
        except InputError:
            raise
        except pdfium.PdfiumError as exc:
            raise InputError(f"the PDF is broken and cannot be read ({exc})", file=name) from None
        finally:
            doc.close()
    doi = next((d for d in (clean_doi(v) for v in meta.values()) if d), "") or clean_doi(texts[0][:6000])
    return PdfInfo(pages=n, page_text=texts, meta=meta, doi=doi)


Box = tuple[float, float, float, float, int]
"""A character's box (left, bottom, right, top) in its own reading frame, and that frame's quarter turn (0-3):
the page coordinates turned so the character's text runs left to right (a table set sideways reads as one set
upright). Points, y up."""


def _turn(x: float, y: float, q: int) -> tuple[float, float]:
    """(x, y) turned counterclockwise by q quarter turns (PDFium's char angle is clockwise)."""
    for _ in range(q):
        x, y = -y, x
    return x, y


def char_boxes(data: bytes, ranges: dict[int, list[tuple[int, int]]], texts: list[str] | None = None
               ) -> dict[int, list[Box | None]]:
    """For each 0-based page index in ``ranges``: one `Box` per character of the page text as stored (PDFium's
    char index) inside that page's ``[a, b)`` ranges; None elsewhere, for what PDFium generated (line breaks)
    or an empty box, and for white space when the page ``texts`` are given (not asked, to save time). Loose
    boxes (the font's ascent to descent), so a full stop and a capital of one line share their extent."""
    import ctypes
    import math

    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    out: dict[int, list[Box | None]] = {}
    rect = pdfium_c.FS_RECTF()
    with _PDFIUM_LOCK:
        doc = pdfium.PdfDocument(data)
        try:
            for index, spans in ranges.items():
                page = doc[index]
                tp = page.get_textpage()
                raw = tp.raw
                count = tp.count_chars()
                text = texts[index] if texts is not None and index < len(texts) else ""
                boxes: list[Box | None] = [None] * count
                for a, b in spans:
                    for i in range(max(0, a), min(b, count)):
                        if i < len(text) and text[i].isspace():
                            continue
                        if not pdfium_c.FPDFText_GetLooseCharBox(raw, i, ctypes.byref(rect)):
                            continue
                        left, right, bottom, top = rect.left, rect.right, rect.bottom, rect.top
                        if right <= left or top <= bottom:
                            continue  # generated (a line break) or an empty glyph
                        angle = pdfium_c.FPDFText_GetCharAngle(raw, i)
                        q = round(angle / (math.pi / 2)) % 4 if angle >= 0 else 0
                        if q:
                            xs, ys = zip(*(_turn(x, y, q) for x, y in ((left, bottom), (right, top))), strict=True)
                            left, right, bottom, top = min(xs), max(xs), min(ys), max(ys)
                        boxes[i] = (left, bottom, right, top, q)
                tp.close()
                page.close()
                out[index] = boxes
        finally:
            doc.close()
    return out


PICTURE_COVER = 0.5
"""A page whose images cover at least this share of its area ..."""
PICTURE_TEXT = 200
"""... and whose text layer holds fewer letters and digits than this is a picture page: a scan (perhaps with a
publisher's download line), or a table or figure set as an image. A scan with a text layer (OCR'd) has far more."""
_GRID = 48


def image_cover(data: bytes, pages: list[int]) -> dict[int, float]:
    """For each 0-based page index in ``pages``: the share of the page's area its image objects cover
    (their bounds unioned on a 48 x 48 grid, clipped to the page; images inside forms counted)."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    out: dict[int, float] = {}
    with _PDFIUM_LOCK:
        doc = pdfium.PdfDocument(data)
        try:
            for index in pages:
                page = doc[index]
                x0, y0, x1, y1 = page.get_bbox()
                w, h = max(x1 - x0, 1e-6), max(y1 - y0, 1e-6)
                cells: set[tuple[int, int]] = set()
                for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,)):
                    left, bottom, right, top = obj.get_bounds()
                    ca, cb = max(0, int((left - x0) / w * _GRID)), min(_GRID, int((right - x0) / w * _GRID + 0.999))
                    ra, rb = max(0, int((bottom - y0) / h * _GRID)), min(_GRID, int((top - y0) / h * _GRID + 0.999))
                    cells.update((c, r) for c in range(ca, cb) for r in range(ra, rb))
                page.close()
                out[index] = len(cells) / _GRID**2
        finally:
            doc.close()
    return out


def picture_pages(data: bytes, texts: list[str]) -> list[int]:
    """The 1-based numbers of the picture pages (`PICTURE_COVER`, `PICTURE_TEXT`) of the PDF ``data`` whose
    page texts are ``texts``. Only pages with little text are opened."""
    few = [i for i, t in enumerate(texts) if sum(ch.isalnum() for ch in t or "") < PICTURE_TEXT]
    if not few:
        return []
    cover = image_cover(data, few)
    return [i + 1 for i in few if cover[i] >= PICTURE_COVER]
