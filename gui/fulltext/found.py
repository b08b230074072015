""""Found in the full text": the statistics the finder found in the record's PDF, as a list beside the coding
form. Clicking one shows it on its page; "Use" hands it to the form (the coder confirms or edits)."""

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


def find_for_record(db: Any, record_id: int) -> tuple[dict[str, Any] | None, list[Any]]:
    """(which PDF, the statistics found in it), or (None, []) for a record without a PDF. Background."""
    from extraction.statfinder.sources import record_statistics
    from screening.fulltext import store

    if not store.attached(db, record_id):
        return None, []
    return record_statistics(db, record_id)


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
        bar = QHBoxLayout()
        bar.addWidget(self.title, 1)
        bar.addWidget(self.use_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.list, 1)
        self.list.currentRowChanged.connect(self._current_changed)
        self.list.itemActivated.connect(lambda _item: self._use())
        self.use_button.clicked.connect(self._use)

    def show_record(self, record_id: int | None) -> None:
        self.record, self.pdf, self.stats = record_id, None, []
        self._generation += 1
        self.list.clear()
        self.use_button.setEnabled(False)
        if record_id is None:
            return
        gen = self._generation
        self.ctx.run("Finding statistics", partial(find_for_record, self.ctx.db, record_id), dialog=False,
                     on_done=alive(self, lambda got: self._found(gen, got)))

    def _found(self, gen: int, got: tuple[dict[str, Any] | None, list[Any]]) -> None:
        if gen != self._generation:
            return
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
            if s.warning:
                text += f"\n⚠ {s.warning}"
            item = QListWidgetItem(text)
            item.setToolTip(escape(s.sentence))
            if s.warning:
                item.setForeground(Qt.GlobalColor.darkRed)
            self.list.addItem(item)
        pdf = self.pdf or {}
        for note in no_text_notes(pdf.get("pages_without_text", []), pdf.get("picture_pages", [])):
            item = QListWidgetItem(f"⚠ {note}")
            item.setFlags(Qt.ItemFlag.NoItemFlags)  # a note, not a statistic: rows past self.stats are notes
            item.setForeground(Qt.GlobalColor.darkRed)
            self.list.addItem(item)
        self.highlights_changed()

    def highlights(self) -> dict[int, list[Highlight]]:
        """Per 0-based page: every statistic found (green, red when its p does not fit) and its coding cues
        (alliance measure, rater, time, outcome measure, session, N) underlined green, red when the cue
        disagrees with the statistic (an N nearby that its df do not imply)."""
        out: dict[int, list[Highlight]] = {}
        cues: dict[tuple[int, int, int], str] = {}
        for s in self.stats:
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
