"""The AI ranking behind the screening order: built once per queue, re-ranked every few decisions, off the
GUI thread and never two at a time (a `Ranker` is not shared between threads)."""

from __future__ import annotations

import math
from functools import partial

from PySide6.QtCore import QObject, Signal

from gui.background import alive
from gui.context import ReviewContext
from gui.screening import actions
from gui.screening.actions import Ranking, RankOutcome
from screening.prioritise import retrain_every
from screening.worklist import ScreeningQueue


class RankingDriver(QObject):
    """Emits ``ranked(order)`` (this reviewer's unscreened records, best first) and ``status(text)``."""

    ranked = Signal(list)
    status = Signal(str)
    rule_status = Signal(object)  # a StopCheck
    """The stopping rule's verdict (`screening.stopping.StopCheck`) after each re-rank."""

    def __init__(self, ctx: ReviewContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.queue: ScreeningQueue | None = None
        self.enabled = True
        self.rankings: dict[tuple[str, int, int], Ranking] = {}
        self._busy = False
        self._pending = False
        self._since = 0
        self.last: RankOutcome | None = None
        self.rule = "hypergeometric"

    def set_rule(self, rule: str) -> None:
        """Check ``rule`` (one of `screening.stopping.RULES`) from the next re-rank on (now, if ranked)."""
        self.rule = rule
        self.rerank()

    def _key(self, queue: ScreeningQueue) -> tuple[str, int, int]:
        return queue.stage, len(queue.ids), hash(tuple(queue.ids))

    def set_queue(self, queue: ScreeningQueue, ranked: bool) -> None:
        """Rank ``queue`` (building its ranker first, in the background) when ``ranked``."""
        self.queue, self.enabled = queue, ranked
        if not ranked:
            self.status.emit("Order: by record id. The AI ranking and its estimate of relevant records left "
                             "apply in ranked order.")
            return
        if self._key(queue) in self.rankings:
            self.rerank()
        elif not self._busy:
            self._build(queue)
        else:
            self._pending = True

    def _build(self, queue: ScreeningQueue) -> None:
        self._busy = True
        key = self._key(queue)
        self.status.emit(f"AI ranking: preparing ({len(queue.ids):,} records; screening goes on meanwhile, "
                         "by record id)…")

        def done(ranking: Ranking) -> None:
            self.rankings = {key: ranking}  # one ranker at a time: they are large
            self._finish()
            self.rerank()

        self.ctx.run("Preparing the AI ranking", partial(actions.build_ranker, self.ctx.db, list(queue.ids)),
                     dialog=False, on_done=alive(self, done), on_error=alive(self, self._failed),
                     on_cancel=alive(self, self._finish))

    def decided(self, mine: dict[int, str]) -> None:
        """Count a decision (or undo); re-rank on the schedule the benchmark measures
        (`screening.prioritise.retrain_every`: after every decision at first, then every 1% of those
        screened) and at once after an include or maybe."""
        self._since += 1
        last = next(reversed(mine.values()), "") if mine else ""
        if self._since >= retrain_every(len(mine)) or last in ("include", "maybe"):
            self.rerank()

    def rerank(self) -> None:
        queue = self.queue
        if queue is None or not self.enabled:
            return
        ranking = self.rankings.get(self._key(queue))
        if ranking is None:
            self.set_queue(queue, True)
            return
        if self._busy:
            self._pending = True
            return
        self._busy, self._since = True, 0

        def done(out: RankOutcome) -> None:
            self._finish()
            if queue is self.queue and self.enabled:
                self.last = out
                self.status.emit(self.describe(out))
                self.ranked.emit(out.order)
                if out.rule is not None:
                    self.rule_status.emit(out.rule)

        self.ctx.run("Re-ranking", partial(actions.rerank, ranking, queue.labels(), self.rule), dialog=False,
                     on_done=alive(self, done),
                     on_error=alive(self, self._failed))

    def _finish(self) -> None:
        self._busy = False
        if self._pending:
            self._pending = False
            if self.queue is not None:
                self.set_queue(self.queue, self.enabled)

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        self.status.emit(f"AI ranking unavailable ({exc}); records are shown by id.")

    @staticmethod
    def describe(out: RankOutcome) -> str:
        if out.expected is None or math.isnan(out.expected):
            est = "no estimate yet (needs 20 of your decisions, one include or maybe)"
        else:
            est = f"≈ <b>{out.expected:,.1f}</b> ({out.method})"
        return (f"AI ranking · {len(out.order):,} records you have not screened · relevant among them: {est} · "
                "re-ranked after each include and every 1% of your decisions; an estimate, never a decision")
