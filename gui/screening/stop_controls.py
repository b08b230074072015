"""The Screening screen's stopping controls beyond the rule's verdict: screening a random sample of the rest
(the exact form of the statistical rule, `screening.stop_sample`) and undoing a stop (`screening.decisions.
undo_stop`). Reads and writes go through the review context's background helpers; the screen keeps the
record order and asks `StopControls` which order applies and what the rule says while a sample runs."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QInputDialog, QMessageBox

from db.changes import Topic
from gui.background import alive
from gui.theme import muted_text
from screening import decisions, stop_sample
from screening.choices import DEFAULT_CONFIDENCE, DEFAULT_TARGET
from screening.stopping import CITATIONS

if TYPE_CHECKING:
    from gui.screening.view import ScreeningScreen


def _state(db: Any, stage: str, reviewer: str) -> tuple[decisions.StopInForce | None,
                                                           stop_sample.RandomSample | None]:
    """(the stop in force, the reviewer's random sample in progress), read off the GUI thread."""
    return decisions.stopped_by_rule(db, stage), stop_sample.current_sample(db, stage, reviewer)


class StopControls(QObject):
    """Owns the sample and undo-stop buttons of ``screen.top`` and the sample's progress line."""

    def __init__(self, screen: ScreeningScreen) -> None:
        super().__init__(screen)
        self.screen = screen
        self.sample: stop_sample.RandomSample | None = None
        self.stopped: decisions.StopInForce | None = None
        top = screen.top
        top.sample_button.clicked.connect(self._sample_clicked)
        top.undo_stop_button.clicked.connect(self._undo_stop)
        top.rule.currentIndexChanged.connect(lambda _: self._buttons())

    # -- state ----------------------------------------------------------------------------------
    def loaded(self) -> None:
        """The queue was (re)loaded: read the stop and the sample in force."""
        queue = self.screen.queue
        if queue is None:
            return
        self.screen.ctx.run("Reading the stopping state", partial(_state, self.screen.ctx.db, queue.stage,
                                                                  queue.reviewer),
                            dialog=False, on_done=alive(self, self._apply))

    def _apply(self, state: tuple[dict | None, dict | None]) -> None:
        self.stopped, self.sample = state
        if self.stopped is not None:
            self.sample = None  # the stop ended the sample (undoing the stop resumes it)
        if self.sample is not None:
            self.screen.apply_order(self.order())
        self._buttons()
        self.decided()

    def order(self) -> list[int]:
        """The sample's random order of the queue's records (the screen skips the ones already decided)."""
        queue = self.screen.queue
        assert queue is not None and self.sample is not None
        return stop_sample.sample_order(queue.ids, self.sample.seed)

    def _decisions(self) -> list[int]:
        queue = self.screen.queue
        return list(queue.labels().values()) if queue is not None else []

    def _buttons(self) -> None:
        top = self.screen.top
        statistical = top.rule.currentData() == "hypergeometric"
        top.sample_button.setVisible(statistical or self.sample is not None)
        top.sample_button.setText("End the random sample…" if self.sample is not None
                                  else "Screen a random sample of the rest…")
        top.rule.setEnabled(self.sample is None)
        top.order.setEnabled(self.sample is None)  # the sample's random order applies until it ends
        top.order.setToolTip("" if self.sample is None else "A random sample is being screened: its random order "
                             "applies until the sample ends")
        top.undo_stop_button.setVisible(self.stopped is not None)
        if self.stopped is not None:
            top.undo_stop_button.setToolTip(f"Screening was stopped by {self.stopped.by} at {self.stopped.at}: "
                                            f"{self.stopped.rule.splitlines()[0]}")
        top.sample_text.setVisible(self.sample is not None or self.stopped is not None)
        if self.stopped is not None and self.sample is None:
            top.sample_text.setText(f"<span style='color:{muted_text(self.screen)}'>Screening was stopped by "
                                    f"<b>{self.stopped.by}</b> ({self.stopped.at}), "
                                    f"{self.stopped.not_screened:,} records not screened: "
                                    f"{self.stopped.rule.splitlines()[0]}</span>")

    def decided(self) -> None:
        """A decision or undo: while sampling, show the sample's progress and the test's verdict on it."""
        if self.sample is None or self.screen.queue is None:
            return
        p = stop_sample.sample_progress(self._decisions(), self.sample)
        v = p.verdict
        needed = ("more than the records left" if p.needed is None else
                  f"at least <b>{p.needed:,}</b>")
        state = "<b>met</b>" if v.stop else "not met"
        self.screen.top.sample_text.setText(
            f"<span style='color:{muted_text(self.screen)}'>Random sample of the rest (records in random order): "
            f"<b>{p.screened:,}</b> "
            f"screened, <b>{p.relevant}</b> relevant; sample needed: {needed} if no more are relevant "
            f"(planned {p.planned:,}) · test: {state}: {v.reason} · <i>assumes</i>: the sample is a simple "
            "random sample of the records not screened when it began (exact hypergeometric test; recall "
            f"against the relevant records the criteria would find) ({CITATIONS[v.rule]})</span>")
        self.screen.show_rule(v)

    # -- acts -----------------------------------------------------------------------------------
    def _sample_clicked(self) -> None:
        if self.sample is not None:
            self._end_sample()
            return
        screen, queue, who = self.screen, self.screen.queue, self.screen.ctx.who()
        if queue is None or who is None:
            return
        labels = self._decisions()
        size = stop_sample.sample_size(int(sum(labels)), len(labels), len(queue.ids))
        if size is None:
            screen.ctx.message.emit("A random sample tests recall: include at least one record first.")
            return
        answer = QMessageBox.question(
            screen, "Screen a random sample of the rest",
            f"The {len(queue.ids) - len(labels):,} records you have not screened will be shown in random order. "
            f"If the first {size:,} of them hold no relevant record, recall below {DEFAULT_TARGET:.0%} is "
            f"rejected with {DEFAULT_CONFIDENCE:.0%} confidence and screening may stop; each relevant one found "
            "makes the sample needed larger.\n\nAssumes: the sample is a simple random sample of the records "
            "not screened now (Callaghan & Müller-Hansen 2020). Starting it is logged with your name.")
        if answer != QMessageBox.StandardButton.Yes:
            return
        screen.ctx.write("Starting a random sample",
                         partial(stop_sample.start_sample, screen.ctx.db, queue.stage, who, labels, len(queue.ids)),
                         changes=(Topic.TEAM,), on_done=alive(self, self._started),
                         on_error=alive(self, lambda exc: screen.ctx.message.emit(str(exc))))

    def _started(self, sample: stop_sample.RandomSample) -> None:
        self.sample = sample
        self.screen.apply_order(self.order())
        self._buttons()
        self.decided()

    def _end_sample(self) -> None:
        screen, queue, who = self.screen, self.screen.queue, self.screen.ctx.who()
        if queue is None or who is None:
            return
        if QMessageBox.question(screen, "End the random sample", "Go back to ranked order? The sample screened so "
                                "far no longer counts as a random sample for the test (this is logged).") \
                != QMessageBox.StandardButton.Yes:
            return

        def done(_: object) -> None:
            self.sample = None
            self._buttons()
            screen.ranking.rerank()

        screen.ctx.write("Ending the random sample", partial(stop_sample.end_sample, screen.ctx.db, queue.stage, who),
                         changes=(Topic.TEAM,), on_done=alive(self, done),
                         on_error=alive(self, lambda exc: screen.ctx.message.emit(str(exc))))

    def _undo_stop(self) -> None:
        screen, queue, who = self.screen, self.screen.queue, self.screen.ctx.who()
        if queue is None or who is None or self.stopped is None:
            return
        why, ok = QInputDialog.getText(
            screen, "Undo the stop",
            f"Screening was stopped by {self.stopped.by} ({self.stopped.at}); "
            f"{self.stopped.not_screened:,} records were excluded unscreened.\nUndoing it makes them "
            "unscreened again; the decision log keeps both acts.\n\nWhy is the stop undone?")
        if not ok or not why.strip():
            return
        screen.ctx.write("Undoing the stop", partial(decisions.undo_stop, screen.ctx.db, queue.stage, who, why),
                         changes=(Topic.RECORDS,), on_done=alive(self, lambda _n: screen.reload()),
                         on_error=alive(self, lambda exc: screen.ctx.message.emit(str(exc))))
