"""The screening screen: one record at a time, one key per decision, the next record already loaded.

State kept here (never recomputed per keypress): the order of record ids, the position in it, and `ScreeningQueue.mine`
(this reviewer's current verdicts, updated as they decide). Decisions go through the serial write pool and are
committed by the back end when stored; the ranking is rebuilt in the background every few decisions.
"""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import Qt
from PySide6.QtGui import QHideEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QLabel,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from db.changes import Topic
from db.identity import lenient_identity
from gui.context import ReviewContext
from gui.fulltext.viewer import PdfViewer
from gui.refreshing import Refreshing
from gui.screening import actions, render
from gui.screening.actions import RecordView
from gui.screening.history import HistoryDialog
from gui.screening.panel import DecisionPanel, RecordPane, TopBar
from gui.screening.prefetch import RecordCache, alive
from gui.screening.ranking import RankingDriver
from gui.screening.stop_controls import StopControls
from gui.theme import is_dark, muted_text
from screening import decisions, outcomes, worklist
from screening.stopping import CITATIONS, LABELS, StopCheck
from screening.worklist import ScreeningQueue

PREFETCH = 3


class ScreeningScreen(Refreshing, QWidget):
    SHORTCUTS = [("I", "Include"), ("E", "Exclude (title/abstract)"), ("M", "Maybe (asks for a second look)"),
                 ("1 … 9", "Exclude with that reason of the stage"), ("Ctrl+Z", "Undo your last decision"),
                 ("→ / J", "Next record"), ("← / K", "Previous record"), ("N", "Write a note with the decision"),
                 ("PgUp / PgDn", "Scroll the abstract"), ("Ctrl+B", "Blind mode on / off"),
                 ("H", "The record's decision history (every stage, protocol versions)")]

    def __init__(self, ctx: ReviewContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.queue: ScreeningQueue | None = None
        self.order: list[int] = []
        self.pos = -1
        self.cache = RecordCache(ctx, self)
        self._stale = self._dirty = False
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.top = TopBar(render.STAGE_LABEL)
        self.stage, self.order_box, self.blind = self.top.stage, self.top.order, self.top.blind
        self.progress, self.estimate = self.top.progress, self.top.estimate

        left = RecordPane()
        self.record, self.where = left.record, left.where
        self.prev_button, self.next_button = left.prev_button, left.next_button
        self.history_button = left.history_button
        self.history_dialog: HistoryDialog | None = None
        self.panel = DecisionPanel()
        side = QScrollArea()
        side.setWidget(self.panel)
        side.setWidgetResizable(True)
        side.setFrameShape(QScrollArea.Shape.NoFrame)
        self.viewer = PdfViewer(ctx, evidence=True, page_keys=False)  # PgUp / PgDn are the screen's
        self.viewer.setVisible(False)  # the full-text stage only
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(side)
        split.addWidget(self.viewer)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setStretchFactor(2, 3)
        split.setSizes([760, 480, 0])
        self.split = split
        self.placeholder = QLabel()
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.body = QStackedWidget()
        self.body.addWidget(self.placeholder)
        self.body.addWidget(split)
        layout = QVBoxLayout(self)
        layout.addWidget(self.top)
        layout.addWidget(self.body, 1)

        self.ranking = RankingDriver(ctx, self)
        self.ranking.ranked.connect(self._ranked)
        self.ranking.status.connect(self._estimate_text)
        self.ranking.rule_status.connect(self._rule_text)
        self.top.rule.currentIndexChanged.connect(lambda _: self.ranking.set_rule(str(self.top.rule.currentData())))
        self.top.stop_button.clicked.connect(self._stop_screening)
        self._rule: StopCheck | None = None
        self.stops = StopControls(self)
        self.top.rule_text.setText(f"<span style='color:{muted_text(self)}'>checked on your decisions in ranked "
                                   "order after each re-rank</span>")
        self.stage.currentIndexChanged.connect(lambda _: self.reload())
        self.order_box.currentIndexChanged.connect(self._order_changed)
        self.blind.toggled.connect(self._blind_changed)
        self.panel.decided.connect(self.decide)
        self.panel.not_retrieved.connect(self.not_retrieved)
        self.panel.undo_requested.connect(self.undo)
        self.panel.done_typing.connect(self.setFocus)
        self.prev_button.clicked.connect(lambda: self.move(-1))
        self.next_button.clicked.connect(lambda: self.move(1))
        self.history_button.clicked.connect(self.show_history)
        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        keys = [("I", lambda: self.decide("include")), ("E", lambda: self.decide("exclude")),
                ("M", lambda: self.decide("maybe")), ("Ctrl+Z", self.undo), ("Right", lambda: self.move(1)),
                ("J", lambda: self.move(1)), ("Left", lambda: self.move(-1)), ("K", lambda: self.move(-1)),
                ("N", self.panel.note.setFocus), ("Ctrl+B", self.blind.toggle), ("Esc", self.setFocus),
                ("PgDown", lambda: self._scroll(1)), ("PgUp", lambda: self._scroll(-1)), ("H", self.show_history)]
        keys += [(str(k), lambda k=k: self.decide_reason(k - 1)) for k in range(1, 10)]
        for key, slot in keys:
            QShortcut(QKeySequence(key), self, slot, context=context)
        self._placeholder("Loading the records to screen…")
        self._stale = True  # loaded when first shown: a large review opens without reading its decisions

    # -- loading --------------------------------------------------------------------------------
    @property
    def stage_name(self) -> str:
        return str(self.stage.currentData())

    def reload(self) -> None:
        """Read the stage's outcomes once (in the background) and start from this reviewer's next record."""
        self.cache.clear()
        current = self.newest()
        self.ctx.run("Loading the screening queue",
                     partial(worklist.screening_queue, self.ctx.db, self.stage_name, self.ctx.settings.reviewer),
                     dialog=False,
                     on_done=current(self._loaded))

    def _loaded(self, queue: ScreeningQueue) -> None:
        current = self.current_id()
        self.queue = queue
        self.panel.set_reasons(queue.reasons)
        self.panel.set_full_text_stage(queue.stage == "full_text")
        full = queue.stage == "full_text"
        if full != self.viewer.isVisible():
            self.viewer.setVisible(full)
            self.split.setSizes([520, 420, 700] if full else [760, 480, 0])
        if not full:
            self.viewer.show_record(None)
        self.order = list(queue.ids)
        self._update_progress()
        if not self.order:
            text = ("No records yet: import exports first (Import tab)." if queue.stage == "title_abstract" else
                    "No record has been included at title/abstract yet.")
            self._placeholder(text)
            return
        self.body.setCurrentIndex(1)
        self.ranking.set_queue(queue, ranked=self.order_box.currentData() == "ranked")
        if self.stops.sample is not None:  # a random sample in progress keeps its order (read again below)
            self.apply_order(self.stops.order())
        elif current in queue.mine or current in set(queue.ids):
            self.show_record(current)  # type: ignore[arg-type]
        else:
            self.show_at(self._next_open(-1) or 0)
        self.stops.loaded()

    def mark_stale(self, what: str) -> None:
        """A change elsewhere: reload when shown next; a full text attached or detached shows at once."""
        super().mark_stale(what)
        if what == Topic.PDFS and self.viewer.isVisible():
            self.viewer.refresh()

    def needs_reload(self) -> bool:
        """Stale, or another reviewer's name was set meanwhile (the queue is per reviewer)."""
        return self._stale or (self.queue is not None
                               and self.queue.reviewer != lenient_identity(self.ctx.settings.reviewer))

    def focus_when_shown(self) -> None:
        self.setFocus()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 - Qt override
        if self._dirty:  # other screens (records, conflicts) refresh once, not after every key press
            self._dirty = False
            self.ctx.announce(Topic.SCREENING)
        super().hideEvent(event)

    def _placeholder(self, text: str) -> None:
        self.placeholder.setText(f"<span style='color:{muted_text(self)}; font-size:14pt'>{text}</span>")
        self.body.setCurrentIndex(0)

    # -- moving ---------------------------------------------------------------------------------
    def current_id(self) -> int | None:
        return self.order[self.pos] if 0 <= self.pos < len(self.order) else None

    def _next_open(self, after: int) -> int | None:
        """The position of the first record this reviewer has not decided after ``after`` (wrapping round)."""
        mine = self.queue.mine if self.queue else {}
        n = len(self.order)
        for k in range(1, n + 1):
            if self.order[(after + k) % n] not in mine:
                return (after + k) % n
        return None

    def move(self, step: int) -> None:
        if self.order:
            self.show_at(max(0, min(len(self.order) - 1, self.pos + step)))

    def show_history(self) -> None:
        """The current record's full decision history in a dialog (`screening.outcomes.record_history`)."""
        rid = self.current_id()
        if rid is None or self.queue is None:
            return
        view = self.cache.get(rid, self.queue, self.blind.isChecked())
        hist = outcomes.record_history(self.ctx.db, rid)
        self.history_dialog = HistoryDialog(str(view.record.get("title") or ""), hist, self.queue.reviewer,
                                            self.blind.isChecked(), self)
        self.history_dialog.open()

    def show_record(self, rid: int) -> None:
        self.show_at(self.order.index(rid))

    def show_at(self, pos: int) -> None:
        """Show the record at ``pos`` of the order (prefetched, else read now) and prefetch the next ones."""
        if self.queue is None:
            return
        self.pos = pos
        rid = self.order[pos]
        view = self.cache.get(rid, self.queue, self.blind.isChecked())
        colours = render.palette(is_dark(self))
        self.record.setHtml(render.record_html(view, colours))
        self.panel.criteria.setText(render.criteria_html(view, colours))
        self._show_verdicts(view)
        self.panel.note.clear()
        self.panel.full_text.setText(next((v.full_text for v in view.visible
                                           if v.reviewer == self.queue.reviewer and v.full_text), ""))
        self.where.setText(f"Record {self.pos + 1:,} of {len(self.order):,} · #{rid}")
        if self.queue.stage == "full_text" and self.viewer.record != rid:
            self.viewer.show_record(rid)  # rendered in the background: the record itself shows at once
        self.body.setCurrentIndex(1)
        self._prefetch()

    def _show_verdicts(self, view: RecordView) -> None:
        assert self.queue is not None
        colours = render.palette(is_dark(self))
        mine = self.queue.mine.get(view.id)
        head = (f"You: <b>{mine}</b> (not stored yet)<br>" if mine and not any(
            v.reviewer == self.queue.reviewer for v in view.visible) else "")
        self.panel.verdicts.setText(head + render.decisions_html(view.visible, self.queue.reviewer,
                                                                 self.blind.isChecked(), colours)
                                    + render.log_html(view.log, colours))

    def _prefetch(self) -> None:
        if self.queue is None:
            return
        want = [self.order[i] for i in range(self.pos + 1, min(len(self.order), self.pos + 1 + PREFETCH))]
        nxt = self._next_open(self.pos)
        want += [self.order[nxt]] if nxt is not None else []
        want += [self.order[self.pos - 1]] if self.pos > 0 else []
        self.cache.prefetch(want, self.queue, self.blind.isChecked())

    def find_in_screen(self) -> bool:
        """The window's Ctrl+F: search the full text shown (full-text stage)."""
        return self.viewer.find()

    def _scroll(self, pages: int) -> None:
        if self.viewer.isVisible() and self.viewer.data:  # at full text the keys turn the PDF's pages
            self.viewer.go(self.viewer.page + pages)
            return
        bar = self.record.verticalScrollBar()
        bar.setValue(bar.value() + pages * bar.pageStep())

    # -- deciding -------------------------------------------------------------------------------
    def decide_reason(self, index: int) -> None:
        if self.queue is not None and 0 <= index < len(self.queue.reasons):
            self.decide("exclude", self.queue.reasons[index])

    def decide(self, verdict: str, reason: str = "") -> None:
        """Store this reviewer's verdict on the current record and move to their next open record at once."""
        rid, queue = self.current_id(), self.queue
        if rid is None or queue is None:
            return
        who = self.ctx.who()
        if who is None:
            return
        if lenient_identity(who) != queue.reviewer:
            self.ctx.message.emit(f"Loading {who}'s decisions first; press the key again in a moment.")
            self.reload()
            return
        full_text = self.panel.full_text.text().strip()
        if queue.stage == "full_text":
            if not full_text and (self.viewer.record != rid or self.viewer.loading):
                self.ctx.message.emit("The full text is still loading; press the key again in a moment.")
                return
            if not full_text and self.viewer.pdf is None:
                self.ctx.message.emit("No PDF is attached to this record: drop it on the viewer, give the file or "
                                      "URL you read (Full text field), or choose 'Full text not retrievable'.")
                self.panel.full_text.setFocus()
                return
            if verdict == "exclude" and not reason:
                self.ctx.message.emit(f"At full text, exclude with a reason: keys 1–{len(queue.reasons)}.")
                return
        before = queue.mine.pop(rid, None)
        queue.mine[rid] = verdict  # the newest decision last (the ranking reads them in this order)
        self.cache.drop(rid)
        self._dirty = True
        note = self.panel.note.text().strip()
        what = verdict + (f" ({reason})" if reason else "")

        def failed(exc: BaseException) -> None:
            queue.mine.pop(rid, None)
            if before is not None:
                queue.mine[rid] = before
            self._update_progress()
            from gui.errors import report_error

            report_error(self.window(), exc, f"Screening #{rid}")
            if rid in self.order:
                self.show_record(rid)

        self.ctx.write(f"Screening #{rid}", partial(decisions.decide, self.ctx.db, rid, who, queue.stage, verdict,
                                                    reason=reason, note=note, full_text=full_text),
                       dialog=False, on_error=alive(self, failed),
                       on_done=alive(self, lambda _row: self._stored(rid, what)))
        self._update_progress()
        self.ranking.decided(queue.mine)
        self.stops.decided()
        nxt = self._next_open(self.pos)
        if nxt is None:
            self._placeholder("You have screened every record at this stage. Conflicts are on the Conflicts tab.")
            self.pos = -1
        else:
            self.show_at(nxt)

    def not_retrieved(self) -> None:
        """Record that the current record's full text could not be had; the note says what was tried."""
        rid, queue = self.current_id(), self.queue
        if rid is None or queue is None or queue.stage != "full_text":
            return
        tried = self.panel.note.text().strip()
        if not tried:
            self.ctx.message.emit("Write in the note what was tried to get the full text, then choose "
                                  "'Full text not retrievable' again.")
            self.panel.note.setFocus()
            return
        who = self.ctx.who()
        if who is None:
            return
        self._dirty = True
        queue.mine[rid] = "exclude"
        self.cache.drop(rid)
        self.ctx.write(f"Screening #{rid}", partial(decisions.not_retrieved, self.ctx.db, rid, who, tried),
                       dialog=False, on_done=alive(self, lambda _row: self._stored(rid, "full text not retrievable")))
        self._update_progress()
        nxt = self._next_open(self.pos)
        if nxt is None:
            self._placeholder("You have screened every record at this stage. Conflicts are on the Conflicts tab.")
            self.pos = -1
        else:
            self.show_at(nxt)

    def _stored(self, rid: int, what: str) -> None:
        """A decision is in the database: the record's view (others' verdicts, unblinded now) is read again."""
        self.ctx.message.emit(f"#{rid}: {what} — stored.")
        self.cache.drop(rid)
        if self.current_id() == rid:
            self.show_at(self.pos)

    def undo(self) -> None:
        """Withdraw this reviewer's latest decision at this stage (a compensating row) and go back to it."""
        queue = self.queue
        who = self.ctx.settings.reviewer
        if queue is None or not who:
            return

        def done(result: tuple[int, str | None]) -> None:
            rid, now = result
            queue.mine.pop(rid, None)
            if now is not None:
                queue.mine[rid] = now
            self.cache.drop(rid)
            self._dirty = True
            self._update_progress()
            self.ranking.decided(queue.mine)
            self.stops.decided()
            self.ctx.message.emit(f"Undid your last decision on #{rid}.")
            if queue is self.queue and rid in self.order:
                self.show_record(rid)

        self.ctx.write("Undo", partial(actions.undo, self.ctx.db, who, queue.stage), dialog=False,
                       on_done=alive(self, done),
                       on_error=alive(self, lambda exc: self.ctx.message.emit(str(exc))))

    # -- order, blind mode, progress ------------------------------------------------------------
    def _order_changed(self) -> None:
        ranked = self.order_box.currentData() == "ranked"
        if self.queue is not None:
            self.ranking.set_queue(self.queue, ranked=ranked)
            if not ranked:
                self._ranked(list(self.queue.ids), reorder_all=True)
        self.setFocus()

    def _ranked(self, order: list[int], reorder_all: bool = False) -> None:
        """A new order arrived: keep the record on screen where the reviewer is (while a random sample runs,
        its order stays)."""
        if self.queue is None or self.stops.sample is not None:
            return
        current = self.current_id()
        self.order = order if reorder_all else worklist.merge_order(order, self.queue, current)
        if current is not None and current in self.order:
            self.pos = self.order.index(current)
            self.where.setText(f"Record {self.pos + 1:,} of {len(self.order):,} · #{current}")
            self._prefetch()

    def _blind_changed(self) -> None:
        self.cache.clear()  # prefetches under the old setting are dropped
        rid = self.current_id()
        if rid is not None:
            self.show_record(rid)
        self.setFocus()

    def _update_progress(self) -> None:
        q = self.queue
        if q is None:
            return
        done = len(q.mine)
        who = q.reviewer or "you (set your name on the Start screen)"
        self.progress.setText(f"<b>{done:,}</b> of <b>{len(q.ids):,}</b> screened by {who}")

    def apply_order(self, order: list[int]) -> None:
        """Screen in ``order`` from now on (the random sample's), from its first record not decided yet."""
        if self.queue is None:
            return
        self.order = list(order)
        nxt = self._next_open(-1)
        if nxt is not None:
            self.show_at(nxt)

    def _rule_text(self, rule: StopCheck) -> None:
        """The ranking's verdict of the stopping rule (a random sample's own verdict replaces it)."""
        if self.stops.sample is None:
            self.show_rule(rule)

    def show_rule(self, rule: StopCheck) -> None:
        """Show the stopping rule's verdict with its assumption; the stop button is offered once it is met."""
        self._rule = rule
        state = "<b>met</b>" if rule.stop else "not met"
        self.top.rule_text.setText(
            f"<span style='color:{muted_text(self)}'>{state}: {rule.reason} · <i>assumes</i>: "
            f"{rule.assumption} ({CITATIONS[rule.rule]})</span>")
        self.top.stop_button.setEnabled(bool(rule.stop))

    def _stop_screening(self) -> None:
        """After a confirmation, exclude the records nobody screened, with the rule in the decision log."""
        from PySide6.QtWidgets import QMessageBox

        rule, queue, who = self._rule, self.queue, self.ctx.who()
        if rule is None or queue is None or not rule.stop or who is None:
            return
        unscreened = len(queue.ids) - rule.screened
        answer = QMessageBox.question(
            self, "Stop screening",
            f"Stop {render.STAGE_LABEL.get(self.stage_name, self.stage_name)} screening by the rule "
            f"“{LABELS[rule.rule]}”?\n\n{rule.reason}.\nAssumes: {rule.assumption}.\n\nRecords nobody has "
            f"screened (about {unscreened:,}) are excluded as not screened; the decision log and the PRISMA "
            "diagram name this rule.")
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.ctx.write("Stopping screening", partial(actions.stop_screening, self.ctx.db, self.stage_name, who, rule),
                       changes=(Topic.RECORDS,), on_done=alive(self, lambda _n: self.reload()))

    def _estimate_text(self, text: str) -> None:
        self.estimate.setText(f"<span style='color:{muted_text(self)}'>{text}</span>")
