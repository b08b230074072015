"""Render one PDF page to a QImage with highlighted character ranges (pypdfium2), off the GUI thread.

PDFium is not thread-safe: every call holds the lock the core's PDF reading holds
(`screening.fulltext.pdf.pdfium_lock`). Highlights are character ranges of the page text as stored (PDFium's
character indices); their boxes are merged line by line and painted translucent.

The painting (QImage, QPainter) runs on a worker thread too, which Qt allows, but PySide6 creates the Python
types of Qt's enums lazily, on their first use, and two threads doing that at once crash the process (seen:
a segmentation fault in ``QPainter.fillRect`` overload resolution on one render thread while another render
thread was creating an enum type). So the module paints once on the importing (GUI) thread, which creates
every type the painting uses, and workers paint under `_PAINT_LOCK`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage, QPainter

from screening.fulltext.pdf import pdfium_lock

_PAINT_LOCK = threading.Lock()

COLORS = {"stat": QColor(46, 160, 67, 90), "warn": QColor(207, 34, 46, 90), "cue": QColor(46, 160, 67, 230),
          "cue_warn": QColor(207, 34, 46, 230), "search": QColor(255, 200, 0, 120),
          "current": QColor(255, 140, 0, 150), "include": QColor(46, 160, 67, 70), "exclude": QColor(207, 34, 46, 70)}
"""The abstract view's language: green for a statistic found or evidence for inclusion, red for a statistic
whose p does not fit or evidence against; coding cues are underlined (green, red when the cue disagrees with
its statistic); yellow: search hits; orange: the one clicked."""
UNDERLINED = ("cue", "cue_warn")


@dataclass(frozen=True)
class Highlight:
    start: int
    end: int
    kind: str = "stat"


@dataclass
class RenderedPage:
    index: int
    count: int
    scale: float
    image: QImage
    boxes: list[tuple[Highlight, QRectF]]


def _rects(textpage, start: int, end: int, height: float, scale: float) -> list[QRectF]:  # noqa: ANN001
    rects: list[QRectF] = []
    for i in range(max(0, start), min(end, textpage.count_chars())):
        left, bottom, right, top = textpage.get_charbox(i)
        if right <= left or top <= bottom:
            continue  # a generated space or line break
        r = QRectF(left * scale, (height - top) * scale, (right - left) * scale, (top - bottom) * scale)
        last = rects[-1] if rects else None
        if last is not None and abs(last.top() - r.top()) < r.height() * 0.6 and r.left() >= last.left():
            rects[-1] = last.united(r)
        else:
            rects.append(r)
    return rects


def render_page(data: bytes, index: int, scale: float = 1.5, highlights: tuple[Highlight, ...] = ()) -> RenderedPage:
    """Page ``index`` (0-based, clamped) of the PDF ``data`` at ``scale`` (1.0 = 72 dpi) with ``highlights``."""
    import pypdfium2 as pdfium

    with pdfium_lock():
        doc = pdfium.PdfDocument(data)
        try:
            count = len(doc)
            index = max(0, min(index, count - 1))
            page = doc[index]
            _, height = page.get_size()
            bitmap = page.render(scale=scale, rev_byteorder=True)
            image = QImage(bytes(bitmap.buffer), bitmap.width, bitmap.height, bitmap.stride,
                           QImage.Format.Format_RGB888).copy()
            boxes: list[tuple[Highlight, QRectF]] = []
            if highlights:
                tp = page.get_textpage()
                for h in highlights:
                    boxes.extend((h, r) for r in _rects(tp, h.start, h.end, height, scale))
                tp.close()
            page.close()
        finally:
            doc.close()
    if boxes:
        _paint(image, boxes, scale)
    return RenderedPage(index, count, scale, image, boxes)


def _paint(image: QImage, boxes: list[tuple[Highlight, QRectF]], scale: float) -> None:
    with _PAINT_LOCK:
        painter = QPainter(image)
        for h, r in boxes:
            color = COLORS.get(h.kind, COLORS["stat"])
            if h.kind in UNDERLINED:
                thick = max(2.0, 1.6 * scale)
                painter.fillRect(QRectF(r.left(), r.bottom(), r.width(), thick), color)
            else:
                painter.fillRect(r.adjusted(-1, -1, 1, 1), color)
        painter.end()


# on the importing thread (the GUI's): create the enum types painting and QImage use (see the module docstring)
_paint(QImage(4, 4, QImage.Format.Format_RGB888), [(Highlight(0, 1, "stat"), QRectF(0, 0, 2, 2)),
                                                   (Highlight(0, 1, "cue"), QRectF(0, 0, 2, 2))], 1.0)
