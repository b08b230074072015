"""A PDF viewer for the record on screen: pages rendered off the GUI thread, zoom, page keys, search, highlights
(statistics found, coding cues, search hits), and drag and drop of a PDF file to attach it to the record.

Keys: Page Down / Page Up (next / previous page), Ctrl+F (search, through the window's Find: the screen's
``find_in_screen``; Enter: next hit), Ctrl++ / Ctrl+- (zoom). A screen with its own page keys (screening)
passes ``page_keys=False`` and calls `go` itself.
Switching records shows the new record at once; its pages arrive when rendered (a late page of the previous
record is dropped).
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from db.changes import Topic
from extraction.statfinder.find import pages_without_text
from gui.background import alive
from gui.fulltext.render import Highlight, RenderedPage, render_page
from gui.theme import is_dark, muted_text

ZOOMS = (0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0)


def load_pdf(db: Any, record_id: int, evidence: bool = False
             ) -> tuple[dict[str, Any] | None, bytes, list[str], dict[int, list[Highlight]]]:
    """(the record's newest attached PDF as `AttachedPdf.to_json` with its ``picture_pages``, its bytes, its page
    texts, the protocol's criteria evidence per page when asked); (None, b"", [], {}) when it has none. Runs in
    the background."""
    from screening.fulltext import store
    from screening.fulltext.pdf import picture_pages

    with db.session() as session:
        now = store.attached_in(session, record_id)
    if not now:
        return None, b"", [], {}
    which, data = store.pdf_bytes(db, record_id, now[-1].sha256)
    _, texts = store.page_texts(db, record_id, now[-1].sha256)
    marks: dict[int, list[Highlight]] = {}
    if evidence:
        from screening.decisions import protocol_of
        from screening.fulltext.evidence import page_evidence

        for page, spans in enumerate(page_evidence(texts, protocol_of(db))):
            marks[page] = [Highlight(a, b, polarity) for a, b, polarity in spans]
    return {**which.to_json(), "picture_pages": picture_pages(data, texts)}, data, texts, marks


def attach_files(db: Any, record_id: int, who: str, paths: list[str], how: str = "drop") -> list[dict[str, Any]]:
    from screening.fulltext import store

    return [store.attach(db, record_id, Path(p), who, how=how).to_json() for p in paths]


class PdfViewer(QWidget):
    """Shows one record's PDF. ``attached`` is emitted after a dropped PDF was stored."""

    attached = Signal(int)

    def __init__(self, ctx: Any, parent: QWidget | None = None, evidence: bool = False,
                 page_keys: bool = True) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.evidence = evidence
        """Mark the protocol's criteria evidence on the pages (the full-text screening view)."""
        self.setObjectName("pdf-viewer")
        self.setAcceptDrops(True)
        self.record: int | None = None
        self.pdf: dict[str, Any] | None = None
        self.data = b""
        self.texts: list[str] = []
        self.page = 0
        self.zoom = 1.25
        self.highlights: dict[int, list[Highlight]] = {}
        self.focus: tuple[int, int, int] | None = None
        self.hits: list[tuple[int, int, int]] = []
        self.hit = -1
        self._generation = 0
        self.loading = False
        self.last: RenderedPage | None = None

        self.prev_button, self.next_button = QToolButton(text="◀"), QToolButton(text="▶")
        self.prev_button.setToolTip("Previous page (Page Up)")
        self.next_button.setToolTip("Next page (Page Down)")
        self.page_label = QLabel()
        self.zoom_out, self.zoom_in = QToolButton(text="−"), QToolButton(text="+")
        self.zoom_out.setToolTip("Zoom out (Ctrl+-)")
        self.zoom_in.setToolTip("Zoom in (Ctrl++)")
        self.search_box = QLineEdit(placeholderText="Search the PDF (Ctrl+F)")
        self.search_box.setObjectName("pdf-search")
        self.search_box.setClearButtonEnabled(True)
        self.hits_label = QLabel()
        self.attach_button = QToolButton(text="Attach…")
        self.attach_button.setObjectName("attach-pdf")
        self.attach_button.setToolTip("Attach a PDF to this record (or drop one here); it is stored in the review")
        bar = QHBoxLayout()
        for w in (self.prev_button, self.page_label, self.next_button, self.zoom_out, self.zoom_in):
            bar.addWidget(w)
        bar.addWidget(self.search_box, 1)
        bar.addWidget(self.hits_label)
        bar.addWidget(self.attach_button)
        self.info = QLabel()
        self.info.setObjectName("pdf-info")
        self.info.setWordWrap(True)
        self.image = QLabel()
        self.image.setObjectName("pdf-page")
        self.image.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.scroll = QScrollArea()
        self.scroll.setWidget(self.image)
        self.scroll.setWidgetResizable(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.info)
        layout.addWidget(self.scroll, 1)

        self.attach_button.clicked.connect(self.choose_files)
        self.prev_button.clicked.connect(lambda: self.go(self.page - 1))
        self.next_button.clicked.connect(lambda: self.go(self.page + 1))
        self.zoom_in.clicked.connect(lambda: self.set_zoom(+1))
        self.zoom_out.clicked.connect(lambda: self.set_zoom(-1))
        self.search_box.returnPressed.connect(self.next_hit)
        self.search_box.textChanged.connect(self.search)
        keys_here = [(QKeySequence.StandardKey.ZoomIn, lambda: self.set_zoom(+1)),
                     (QKeySequence.StandardKey.ZoomOut, lambda: self.set_zoom(-1))]
        if page_keys:
            keys_here += [(QKeySequence.StandardKey.MoveToNextPage, lambda: self.go(self.page + 1)),
                          (QKeySequence.StandardKey.MoveToPreviousPage, lambda: self.go(self.page - 1))]
        for keys, slot in keys_here:
            sc = QShortcut(keys, self, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(slot)
        self._show_state()

    def find(self) -> bool:
        """Put the cursor in the search box (the window's Ctrl+F); False when there is no PDF to search."""
        if not self.data or not self.isVisible():
            return False
        self.search_box.setFocus()
        self.search_box.selectAll()
        return True

    # -- which record ---------------------------------------------------------------------------------
    def show_record(self, record_id: int | None) -> None:
        """Show ``record_id``'s PDF (loaded and rendered in the background)."""
        self.record, self.pdf, self.data, self.texts = record_id, None, b"", []
        self.page, self.highlights, self.focus, self.hits, self.hit = 0, {}, None, [], -1
        self._generation += 1
        self.image.clear()
        self.loading = record_id is not None
        self._show_state(loading=self.loading)
        if record_id is None:
            return
        gen = self._generation
        self.ctx.run("Loading the PDF", partial(load_pdf, self.ctx.db, record_id, self.evidence), dialog=False,
                     on_done=alive(self, lambda got: self._loaded(gen, got)))

    def _loaded(self, gen: int, got: tuple[dict[str, Any] | None, bytes, list[str], dict[int, list[Highlight]]]
                ) -> None:
        if gen != self._generation:
            return
        self.pdf, self.data, self.texts, marks = got
        if marks:
            self.highlights = marks
        self.loading = False
        self._show_state()
        if self.data:
            self.search(self.search_box.text())
            self._render()

    def _show_state(self, loading: bool = False) -> None:
        muted = muted_text(self)
        if loading:
            text = "Loading the full text…"
        elif self.record is None:
            text = ""
        elif self.pdf is None:
            text = (f"<span style='color:{muted}'>No PDF attached to this record. Drop a PDF file here to attach "
                    "it (it is stored in the review), or use <i>metasift attach</i>.</span>")
        else:
            pages = self.pdf["pages"]
            text = (f"<b>{self.pdf['file_name']}</b> · {pages} page{'' if pages == 1 else 's'} · attached by "
                    f"{self.pdf['attached_by']} <span style='color:{muted}'>[sha256 {self.pdf['sha256'][:12]}]</span>")
            if 0 <= self.page < len(self.texts) and self.page + 1 in pages_without_text(
                    self.texts, self.pdf.get("picture_pages", [])):
                warn = "#ff8a80" if is_dark(self) else "#b00020"
                text += (f"<br><span style='color:{warn}'>This page has no text layer (a scan or a picture): "
                         "it cannot be searched or marked; read it and type its statistics, or have them read "
                         "by OCR (Extraction: “Read scanned pages (OCR)”).</span>")
        self.info.setText(text)
        has = bool(self.data)
        for w in (self.prev_button, self.next_button, self.zoom_in, self.zoom_out, self.search_box):
            w.setEnabled(has)
        self.attach_button.setEnabled(self.record is not None and not loading)
        count = self.pdf["pages"] if self.pdf else 0
        self.page_label.setText(f"page {self.page + 1} / {count}" if has else "")

    # -- pages ------------------------------------------------------------------------------------------
    def go(self, page: int) -> None:
        if not self.data:
            return
        count = self.pdf["pages"] if self.pdf else 1
        page = max(0, min(page, count - 1))
        if page != self.page or self.last is None:
            self.page = page
            self._render()

    def set_zoom(self, step: int) -> None:
        i = min(range(len(ZOOMS)), key=lambda k: abs(ZOOMS[k] - self.zoom))
        self.zoom = ZOOMS[max(0, min(len(ZOOMS) - 1, i + step))]
        self._render()

    def set_highlights(self, by_page: dict[int, list[Highlight]]) -> None:
        """Highlights per 0-based page (statistics, cues), drawn under the search hits."""
        self.highlights = by_page
        if self.data:
            self._render()

    def show_range(self, page: int, start: int, end: int) -> None:
        """Go to ``page`` (0-based) and mark ``[start, end)`` there (a statistic the coder clicked)."""
        self.focus = (page, start, end)
        self.page = max(0, page)
        if self.data:
            self._render()

    def _render(self) -> None:
        if not self.data:
            return
        self._show_state()
        marks = list(self.highlights.get(self.page, []))
        marks += [Highlight(a, b, "search") for p, a, b in self.hits if p == self.page]
        if self.focus and self.focus[0] == self.page:
            marks.append(Highlight(self.focus[1], self.focus[2], "current"))
        gen = self._generation
        scale = self.zoom * self.devicePixelRatioF()
        self.ctx.run("Rendering the page", partial(render_page, self.data, self.page, scale, tuple(marks)),
                     dialog=False, on_done=alive(self, lambda page: self._rendered(gen, page)))

    def _rendered(self, gen: int, page: RenderedPage) -> None:
        if gen != self._generation or page.index != self.page:
            return
        self.last = page
        pix = QPixmap.fromImage(page.image)
        pix.setDevicePixelRatio(self.devicePixelRatioF())
        self.image.setPixmap(pix)
        if self.focus and self.focus[0] == page.index:
            boxes = [r for h, r in page.boxes if h.kind == "current"]
            if boxes:
                self.scroll.ensureVisible(int(boxes[0].center().x() / self.devicePixelRatioF()),
                                          int(boxes[0].center().y() / self.devicePixelRatioF()), 50, 120)

    # -- search -----------------------------------------------------------------------------------------
    def search(self, text: str) -> None:
        needle = text.strip().casefold()
        self.hits = []
        if needle and len(needle) >= 2:
            for p, page_text in enumerate(self.texts):
                low = page_text.casefold()
                i = low.find(needle)
                while i >= 0 and len(self.hits) < 1000:
                    self.hits.append((p, i, i + len(needle)))
                    i = low.find(needle, i + 1)
        self.hit = -1
        self.hits_label.setText(f"{len(self.hits)} found" if needle else "")
        if self.hits:
            self.next_hit()
        elif self.data:
            self._render()

    def next_hit(self) -> None:
        if not self.hits:
            return
        self.hit = (self.hit + 1) % len(self.hits)
        page, start, end = self.hits[self.hit]
        self.hits_label.setText(f"{self.hit + 1} of {len(self.hits)}")
        self.show_range(page, start, end)

    # -- drag and drop ----------------------------------------------------------------------------------
    def dragEnterEvent(self, e: QDragEnterEvent) -> None:  # noqa: N802 - Qt override
        if self.record is not None and e.mimeData().hasUrls() and any(
                u.toLocalFile().lower().endswith(".pdf") for u in e.mimeData().urls()):
            e.acceptProposedAction()

    def dropEvent(self, e: QDropEvent) -> None:  # noqa: N802 - Qt override
        paths = [u.toLocalFile() for u in e.mimeData().urls() if u.toLocalFile().lower().endswith(".pdf")]
        if paths and self.drop_files(paths) is not None:
            e.acceptProposedAction()

    def choose_files(self) -> Any:
        """Attach one PDF (or several) chosen in a file dialog to the record on screen, as a drop does."""
        if self.record is None:
            return None
        paths, _ = QFileDialog.getOpenFileNames(self, f"Attach a PDF to record #{self.record}", "", "PDF (*.pdf)")
        return self.drop_files(paths, how="file") if paths else None

    def drop_files(self, paths: list[str], how: str = "drop") -> Any:
        """Attach ``paths`` to the record on screen (a write in the background), then show it."""
        record = self.record
        who = self.ctx.who()
        if record is None or who is None:
            return None

        def done(rows: list[dict[str, Any]]) -> None:
            self.ctx.message.emit(f"Attached {', '.join(r['file_name'] for r in rows)} to record #{record}.")
            self.attached.emit(record)  # the window then announces Topic.PDFS: the screens show it

        return self.ctx.write("Attaching the PDF", partial(attach_files, self.ctx.db, record, who, paths, how),
                              changes=(Topic.PDFS,), dialog=False, on_done=alive(self, done))

    def refresh(self) -> None:
        """Someone attached or detached a full text: show the record's PDF as it is now."""
        if self.record is not None:
            self.show_record(self.record)
