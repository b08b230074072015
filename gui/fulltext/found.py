""""Found in the full text": the statistics the finder found in the record's PDF, as a list beside the coding
form. Clicking one shows it on its page; "Use" hands it to the form (the coder confirms or edits). A PDF with
picture pages (scans) says so, and "Read scanned pages (OCR)" reads them in the background (Tesseract, page by
page, with progress and Cancel in the panel: the coder keeps coding meanwhile); what OCR found joins the list,
marked OCR, and is kept for that PDF while the window is open (back on the record, no second OCR)."""

from __future__ import annotations

from functools import partial
from html import escape
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget

from extraction.statfinder.find import no_text_notes
from gui.background import alive
from gui.fulltext.render import Highlight
from gui.theme import muted_text

OCR_BUTTON = "Read scanned pages (OCR)"


def find_for_record(db: Any, record_id: int, ocr: bool = False, progress: Any = None, should_stop: Any = None
                    ) -> tuple[dict[str, Any] | None, list[Any]]:
    """(which PDF, the statistics found in it), or (None, []) for a record without a PDF. Background.
    ``ocr``: its picture pages read by OCR, telling ``progress`` per page, stopping when ``should_stop``."""
    from extraction.statfinder.sources import record_statistics
    from screening.fulltext import store

    if not store.attached(db, record_id):
        return None, []
    return record_statistics(db, record_id, ocr=ocr, progress=progress, should_stop=should_stop)


class FoundList(QWidget):
    """``chosen(stat)`` when the coder clicks a statistic; ``use(stat, pdf_sha256)`` on "Use"."""

    chosen = Signal(object)
    use = Signal(object, str)

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.record: int | None = None
        self.pdf: dict[str, Any] | None = None
        self.stats: list[Any] = []
        self._generation = 0
        self.title = QLabel("<b>Found in the full text</b>")
        self.list = QListWidget()
        self.list.setObjectName("found-statistics")
        self.list.setWordWrap(True)
        self.use_button = QPushButton("Use")
        self.use_button.setObjectName("use-statistic")
        self.use_button.setToolTip("Fill the coding form with this statistic (you confirm or edit it, then save)")
        self.use_button.setEnabled(False)
        self.ocr_button = QPushButton(OCR_BUTTON)
        self.ocr_button.setObjectName("ocr-scanned-pages")
        self.ocr_button.setToolTip("Read the pages that are pictures (scans) with Tesseract OCR; what it finds is "
                                   "marked OCR: check its digits against the page")
        self.ocr_button.hide()
        self.ocr_button.clicked.connect(self._ocr_clicked)
        self.ocr_status = QLabel()
        self.ocr_status.setObjectName("ocr-status")
        self.ocr_status.setWordWrap(True)
        self.ocr_status.hide()
        self._ocr_task: Any = None
        self._ocr_read: dict[str, tuple[dict[str, Any] | None, list[Any]]] = {}
        """What OCR found, per PDF (sha256), for this window's session: back on the record, no second OCR."""
        bar = QHBoxLayout()
        bar.addWidget(self.title, 1)
        bar.addWidget(self.ocr_button)
        bar.addWidget(self.use_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.ocr_status)
        layout.addWidget(self.list, 1)
        self.list.currentRowChanged.connect(self._current_changed)
        self.list.itemActivated.connect(lambda _item: self._use())
        self.use_button.clicked.connect(self._use)

    def show_record(self, record_id: int | None) -> None:
        self.record, self.pdf, self.stats = record_id, None, []
        self._generation += 1
        self._stop_ocr()
        self.list.clear()
        self.use_button.setEnabled(False)
        self.ocr_button.hide()
        self.ocr_status.hide()
        if record_id is None:
            return
        gen = self._generation
        self.ctx.run("Finding statistics", partial(find_for_record, self.ctx.db, record_id), dialog=False,
                     on_done=alive(self, lambda got: self._found(gen, got)))

    def _found(self, gen: int, got: tuple[dict[str, Any] | None, list[Any]]) -> None:
        if gen != self._generation:
            return
        sha = (got[0] or {}).get("sha256")
        if sha in self._ocr_read and not (got[0] or {}).get("ocr_pages"):
            got = self._ocr_read[sha]
        self.pdf, all_stats = got
        self.stats = [s for s in all_stats if s.kind != "n"]
        muted = muted_text(self)
        if self.pdf is None:
            self.title.setText(f"<b>Found in the full text</b> <span style='color:{muted}'>(no PDF)</span>")
        else:
            self.title.setText(f"<b>Found in the full text</b> <span style='color:{muted}'>({len(self.stats)})</span>")
        for s in self.stats:
            r = f"r = {s.r:.3f}" if s.r is not None else f"no r: {s.why_not_r}"
            cues = ", ".join(f"{v['value']}" for k, v in s.cues.items() if k not in ("n", "alliance_session"))
            where = f"p. {s.page}" + (f", {s.table}: {s.sentence.split(' — ', 1)[-1]}" if s.table else f"  {s.raw}")
            text = f"{where}   → {r}" + (f"   [{cues}]" if cues else "")
            if s.ocr:
                text = "OCR · " + text
            if s.warning:
                text += f"\n⚠ {s.warning}"
            item = QListWidgetItem(text)
            item.setToolTip(escape(s.sentence))
            if s.warning:
                item.setForeground(Qt.GlobalColor.darkRed)
            self.list.addItem(item)
        pdf = self.pdf or {}
        read = pdf.get("ocr_pages", [])
        unread = [p for p in pdf.get("picture_pages", []) if p in pdf.get("pages_without_text", []) and p not in read]
        notes = no_text_notes(pdf.get("pages_without_text", []), pdf.get("picture_pages", []), read,
                              how_to_ocr=f"“{OCR_BUTTON}” above") + list(pdf.get("ocr_notes", []))
        for note in notes:
            item = QListWidgetItem(f"⚠ {note}")
            item.setFlags(Qt.ItemFlag.NoItemFlags)  # a note, not a statistic: rows past self.stats are notes
            item.setForeground(Qt.GlobalColor.darkRed)
            self.list.addItem(item)
        if unread:
            pages = ", ".join(str(p) for p in unread)
            self.title.setText(self.title.text() + f" <span style='color:{muted}'>· scanned page"
                               f"{'s' if len(unread) > 1 else ''} {pages} not read</span>")
        self.ocr_button.setVisible(bool(unread))
        self.ocr_button.setText(OCR_BUTTON)
        self.ocr_button.setEnabled(True)
        self.highlights_changed()

    # -- OCR ------------------------------------------------------------------------------------------
    def ocr_running(self) -> bool:
        return self._ocr_task is not None

    def _ocr_clicked(self) -> None:
        if self._ocr_task is not None:
            self._ocr_task.cancel()
            self.ocr_button.setEnabled(False)
            self.ocr_status.setText("Cancelling OCR…")
            return
        if self.record is None:
            return
        gen = self._generation
        self.ocr_button.setText("Cancel OCR")
        self.ocr_status.setText("Reading the scanned pages by OCR…")
        self.ocr_status.show()
        self._ocr_task = task = self.ctx.run(
            "Reading scanned pages (OCR)", partial(find_for_record, self.ctx.db, self.record, True), dialog=False,
            on_done=alive(self, lambda got: self._ocr_done(gen, got)),
            on_error=alive(self, lambda exc: self._ocr_ended(gen, f"OCR failed: {exc}")),
            on_cancel=alive(self, lambda: self._ocr_ended(gen, "OCR cancelled: the scanned pages stay unread")))
        task.progressed.connect(alive(self, lambda done, total, msg: self._ocr_progress(gen, done, total, msg)))

    def _ocr_progress(self, gen: int, done: int, total: int, message: str) -> None:
        if gen == self._generation and self._ocr_task is not None:
            self.ocr_status.setText(f"{message}…" if done < total else message)

    def _ocr_done(self, gen: int, got: tuple[dict[str, Any] | None, list[Any]]) -> None:
        if gen != self._generation:
            return
        self._ocr_task = None
        if got[0] is not None:
            self._ocr_read[got[0]["sha256"]] = got
        read = (got[0] or {}).get("ocr_pages", [])
        found = sum(1 for s in got[1] if s.ocr and s.kind != "n")
        self.list.clear()
        self._found(gen, got)
        self.ocr_status.setText(f"Read page{'s' if len(read) != 1 else ''} {', '.join(map(str, read)) or '–'} "
                                f"by OCR: {found} statistic{'s' if found != 1 else ''} found there, marked OCR "
                                f"(check their digits against the page)")

    def _ocr_ended(self, gen: int, message: str) -> None:
        if gen != self._generation:
            return
        self._ocr_task = None
        self.ocr_status.setText(message)
        self.ocr_button.setText(OCR_BUTTON)
        self.ocr_button.setEnabled(True)

    def _stop_ocr(self) -> None:
        if self._ocr_task is not None:
            self._ocr_task.cancel()
            self._ocr_task = None

    def highlights(self) -> dict[int, list[Highlight]]:
        """Per 0-based page: every statistic found (green, red when its p does not fit) and its coding cues
        (alliance measure, rater, time, outcome measure, session, N) underlined green, red when the cue
        disagrees with the statistic (an N nearby that its df do not imply)."""
        out: dict[int, list[Highlight]] = {}
        cues: dict[tuple[int, int, int], str] = {}
        for s in self.stats:
            if s.ocr:  # its offsets are in the OCR text: nothing on the page's (absent) text layer to mark
                continue
            out.setdefault(s.page - 1, []).append(Highlight(s.start, s.end, "warn" if s.warning else "stat"))
            bad = s.cue_conflicts()
            for name, cue in s.cues.items():
                if "start" in cue:
                    key = (s.page - 1, cue["start"], cue["end"])
                    if cues.get(key) != "cue_warn":
                        cues[key] = "cue_warn" if name in bad else "cue"
        for (page, a, b), kind in sorted(cues.items()):
            out.setdefault(page, []).append(Highlight(a, b, kind))
        return out

    def highlights_changed(self) -> None:
        """Hook for the screen: called when the statistics (and so the highlights) changed."""

    def current(self) -> Any:
        row = self.list.currentRow()
        return self.stats[row] if 0 <= row < len(self.stats) else None

    def _current_changed(self, _row: int) -> None:
        s = self.current()
        offered = s is not None and bool(s.suggestion().statistic)
        self.use_button.setEnabled(offered)
        self.use_button.setToolTip(
            "Fill the coding form with this statistic (you confirm or edit it, then save)" if offered or s is None
            else f"Not offered for coding: {s.why_not_r or 'not a statistic MetaSift converts to r'}")
        if s is not None:
            self.chosen.emit(s)

    def _use(self) -> None:
        s = self.current()
        if s is not None and s.suggestion().statistic and self.pdf is not None:
            self.use.emit(s, self.pdf["sha256"])
