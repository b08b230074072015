"""Background work of the screening screen (Qt-free; core calls only).

The queue is the core's `screening.worklist.screening_queue`; the screen keeps it and updates what this
reviewer decided as they decide, so moving between records never recomputes outcomes. `load_record` gathers
what one record shows (fields, duplicate group's databases, criteria assessment,
keyword evidence, the verdicts the viewer may see); the screen prefetches the next records with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlmodel import select

from db.engine import ReviewDB
from db.models import Record
from db.progress import Progress, ShouldStop, check_stop, never_stop, no_progress
from screening import decisions, outcomes
from screening.criteria import Assessment, RecordText, Span, assess_record
from screening.criteria.evidence import TermSet
from screening.duplicates import load_records
from screening.protocol import Protocol
from screening.stopping import RemainingEstimate, StopCheck
from screening.worklist import ScreeningQueue

if TYPE_CHECKING:  # scikit-learn loads only when a ranking is built (not when the app opens)
    from screening.prioritise import Ranker
    from screening.ranker_process import RankerProcess

@dataclass
class RecordView:
    """Everything the screen shows for one record (loaded off the GUI thread)."""

    id: int
    record: dict[str, Any]
    databases: list[str]
    group: list[int]
    assessment: Assessment
    keywords: list[Span]
    visible: list[outcomes.VisibleDecision] = field(default_factory=list)
    log: list[decisions.LoggedDecision] = field(default_factory=list)
    """The viewer's own decision log on the record at this stage (decisions and undos, oldest first, each with
    the protocol version it was made under); only their own rows, so blind mode hides nothing through it."""


_TERMS: dict[tuple[tuple[str, ...], tuple[str, ...]], TermSet] = {}


def keyword_spans(protocol: Protocol, text: RecordText) -> list[Span]:
    """The protocol's include / exclude keywords found in a record (for highlighting; they decide nothing)."""
    key = (protocol.include_keywords, protocol.exclude_keywords)
    terms = _TERMS.get(key)
    if terms is None:
        terms = _TERMS[key] = TermSet({"include": key[0], "exclude": key[1]})
    found = terms.spans(text, "include")
    return [*found.get("include", []), *(Span(s.start, s.end, s.text, s.field, "exclude")
                                          for s in found.get("exclude", []))]


def load_record(db: ReviewDB, rid: int, queue: ScreeningQueue, blind: bool) -> RecordView:
    """One record's view; runs on the GUI thread as a fallback when it was not prefetched."""
    group = queue.members.get(rid, [rid])
    with db.session() as session:
        recs = load_records(session, group)
    rec = next((r for r in recs if r["id"] == rid), recs[0] if recs else {"id": rid, "title": "", "abstract": "",
                                                                          "keywords": []})
    keywords = rec.get("keywords") or []
    # the record's year and language field feed the years and language criteria (else they read "unclear")
    assessment = assess_record(rec.get("title"), rec.get("abstract"), keywords, queue.protocol,
                               year=rec.get("year"), language=rec.get("language"))
    text = RecordText.of(rec.get("title"), rec.get("abstract"), keywords)
    visible = outcomes.visible_decisions(db, rid, queue.stage, queue.reviewer, blind=blind)
    log = [decisions.LoggedDecision.of(r) for r in decisions.history(db, rid)
           if r.stage == queue.stage and r.reviewer == queue.reviewer and r.kind in ("decision", "undo")]
    return RecordView(rid, rec, sorted({r["source_db"] for r in recs}), group, assessment,
                      keyword_spans(queue.protocol, text), visible, log)


def prefetch(db: ReviewDB, ids: Sequence[int], queue: ScreeningQueue, blind: bool, *,
             should_stop: ShouldStop = never_stop) -> list[RecordView]:
    """The views of ``ids`` in order (stops early, with what it has, when asked to)."""
    out = []
    for rid in ids:
        if should_stop():
            break
        out.append(load_record(db, rid, queue, blind))
    return out


def undo(db: ReviewDB, who: str, stage: str) -> tuple[int, str | None]:
    """Withdraw the reviewer's latest act at ``stage``; returns (record id, their verdict now or None)."""
    row = decisions.undo(db, who, stage)
    seen = outcomes.visible_decisions(db, row.record_id, stage, who)
    now = next((v.verdict for v in seen if v.reviewer == who and v.kind != "resolution"), None)
    return row.record_id, now


# -- ranking ------------------------------------------------------------------------------------------------
@dataclass
class Ranking:
    """A ranker over the queue's records; ``index`` maps record id -> the ranker's row."""

    ranker: Ranker | RankerProcess  # a large review's ranker lives in a process of its own
    ids: list[int]
    index: dict[int, int]


@dataclass(frozen=True)
class RankOutcome:
    order: list[int]          # the reviewer's unscreened records (at ranking time), most likely relevant first
    expected: float | None    # relevant records estimated to remain (None: no estimate yet)
    method: str
    labelled: int
    rule: StopCheck | None = None  # the stopping rule's verdict on these decisions


PROCESS_THRESHOLD = 5000
"""From this many records on, the ranker is built and kept in a process of its own (`RankerProcess`): building
it in a thread would hold the interpreter lock for seconds and make key presses stutter."""


def build_ranker(db: ReviewDB, ids: list[int], *, progress: Progress = no_progress,
                 should_stop: ShouldStop = never_stop) -> Ranking:
    from screening.prioritise import Ranker, record_text

    if len(ids) >= PROCESS_THRESHOLD:
        from screening.ranker_process import RankerProcess

        progress(0, 1, "building the ranking in its own process")
        proxy = RankerProcess(db.handover_target(), list(ids))
        proxy.wait_ready(should_stop)
        return Ranking(proxy, list(ids), {rid: k for k, rid in enumerate(ids)})

    texts: list[str] = []
    chunk = 5000
    for k in range(0, len(ids), chunk):
        check_stop(should_stop)
        progress(k, len(ids) * 2, "reading texts for the ranking")
        part = ids[k:k + chunk]
        with db.session() as session:
            rows = {r[0]: r for r in session.exec(select(Record.id, Record.title, Record.abstract,
                                                         Record.keywords).where(Record.id.in_(part)))}
        texts += [record_text(rows[i][1], rows[i][2], rows[i][3] or []) if i in rows else "" for i in part]
    progress(len(ids), len(ids) * 2, "building the ranking")
    return Ranking(Ranker(texts), list(ids), {rid: k for k, rid in enumerate(ids)})


def rerank(ranking: Ranking, labels: dict[int, int], rule: str = "hypergeometric") -> RankOutcome:
    """Re-rank from this reviewer's labels (`ScreeningQueue.labels`, record id -> 0/1, in decision order) and
    check the stopping ``rule`` (one of `screening.stopping.RULES`) on them."""
    from screening.stopping import check

    rows = {ranking.index[rid]: label for rid, label in labels.items() if rid in ranking.index}
    order = [ranking.ids[i] for i in ranking.ranker.update(rows)]
    est = ranking.ranker.estimate_remaining() if rows else RemainingEstimate.no_decisions()
    expected = est.expected
    verdict = check(rule, list(rows.values()), len(ranking.ids))
    return RankOutcome(order, None if expected != expected else float(expected), est.method, len(rows),
                       verdict)


def stop_screening(db: ReviewDB, stage: str, reviewer: str, rule: StopCheck) -> int:
    """Stop screening ``stage`` by the stopping rule whose verdict is ``rule`` (`RankOutcome.rule`): the records
    nobody screened are excluded with the rule in the decision log (`screening.decisions.stop_screening`)."""
    return decisions.stop_screening(db, stage, reviewer, rule.note())
