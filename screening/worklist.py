"""Screening worklists the command line and the desktop app share: one reviewer's queue at a stage, the
labels a ranking learns from, and the order of a re-ranked queue.

`screening_queue` reads the decision table ONCE per stage and reviewer; a caller that keeps the queue updates
`ScreeningQueue.mine` as the reviewer decides, so moving between records never recomputes outcomes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from db.engine import ReviewDB
from db.identity import lenient_identity
from db.progress import Progress, ShouldStop, check_stop, never_stop, no_progress
from screening import decisions
from screening.outcomes import outcomes
from screening.protocol import Protocol

LABEL = {"include": 1, "maybe": 1, "exclude": 0}
"""A verdict as a ranking label (a maybe pulls the ranking towards similar records)."""


def label_of(verdicts: Iterable[str]) -> int:
    """One record's label from its current verdicts: 1 when any is include or maybe, else 0."""
    return max((LABEL[v] for v in verdicts if v in LABEL), default=0)


@dataclass
class ScreeningQueue:
    """One reviewer's view of one stage: the records to screen and what they decided (in decision order)."""

    stage: str
    reviewer: str
    ids: list[int]                    # eligible kept records (duplicates once), by id
    mine: dict[int, str]              # kept id -> my current verdict, oldest decision first
    members: dict[int, list[int]]     # kept id -> its duplicate group (only groups of two or more)
    reasons: tuple[str, ...]          # the stage's exclusion reasons (keys 1..9)
    protocol: Protocol

    def labels(self) -> dict[int, int]:
        """This reviewer's verdicts as ranking labels (kept id -> 0/1), in decision order."""
        return {rid: LABEL[v] for rid, v in self.mine.items() if v in LABEL}

    def open(self) -> list[int]:
        """The records this reviewer has not decided yet, by id."""
        return [rid for rid in self.ids if rid not in self.mine]

    def to_json(self, names: dict[int, str] | None = None) -> dict[str, Any]:
        """The ``--json`` form; ``names`` names records (record id -> source_id), else their ids."""
        name = (lambda rid: names.get(rid, rid)) if names is not None else (lambda rid: rid)
        return {"stage": self.stage, "reviewer": self.reviewer, "records": len(self.ids),
                "decided": [{"record": name(rid), "verdict": v} for rid, v in self.mine.items()],
                "open": [name(rid) for rid in self.open()],
                "groups": {str(name(kept)): [name(m) for m in group] for kept, group in self.members.items()},
                "reasons": list(self.reasons)}


def screening_queue(db: ReviewDB, stage: str, reviewer: str, *, progress: Progress = no_progress,
                    should_stop: ShouldStop = never_stop) -> ScreeningQueue:
    """What ``reviewer`` screens at ``stage``: every eligible kept record, and their own current verdicts.
    ``reviewer`` as typed; the queue holds their identity (`db.identity`), the name decisions carry."""
    reviewer = lenient_identity(reviewer)
    progress(0, 2, "reading the decisions")
    protocol = decisions.protocol_of(db)
    outs = outcomes(db, stage)
    check_stop(should_stop)
    ids: list[int] = []
    members: dict[int, list[int]] = {}
    for rid, o in outs.items():
        if rid == o.kept_id:
            if o.state != "ineligible":
                ids.append(rid)
        else:
            members.setdefault(o.kept_id, [o.kept_id]).append(rid)
    progress(1, 2, "reading your decisions")
    with db.session() as session:
        states = decisions.replay(decisions.stage_rows(session, [stage], keep=decisions.blind_keep(db, session)),
                                  decisions.group_map(session))
    rows = sorted((st.verdicts[reviewer].id or 0, kept, st.verdicts[reviewer].verdict)
                  for (kept, _), st in states.items() if reviewer in st.verdicts)
    eligible = set(ids)
    mine = {kept: verdict for _, kept, verdict in rows if kept in eligible}
    return ScreeningQueue(stage, reviewer, sorted(ids), mine, members,
                          protocol.exclusion_reasons.get(stage, ())[:9], protocol)


def ranking_labels(db: ReviewDB, stage: str = "title_abstract") -> dict[int, int]:
    """The review's labels for a ranking (kept record id -> 0/1) in screening order: the order of each
    record's first decision at ``stage``. Duplicate members are left out (their kept record stands for them).

    ``included`` -> 1 and ``excluded`` -> 0. A record not settled yet (pending or conflict) is labelled from
    its reviewers' current verdicts (`label_of`). Records nobody screened are left out.
    """
    found: dict[int, int] = {}
    for rid, o in outcomes(db, stage).items():
        if rid != o.kept_id:
            continue
        if o.state == "included":
            found[rid] = 1
        elif o.state == "excluded":
            found[rid] = 0
        elif o.verdicts:
            found[rid] = label_of(o.verdicts.values())
    first: dict[int, int] = {}  # kept record -> id of its first decision row at the stage
    with db.session() as session:
        canon = decisions.group_map(session)
        for row in decisions.stage_rows(session, [stage], keep=decisions.blind_keep(db, session)):
            first.setdefault(canon.get(row.record_id, row.record_id), int(row.id or 0))
    return {rid: found[rid] for rid in sorted(found, key=lambda rid: (first.get(rid, 1 << 62), rid))}


def merge_order(ranked: list[int], queue: ScreeningQueue, current: int | None) -> list[int]:
    """The screening order after a re-rank: this reviewer's decided records (in decision order), then the record
    on screen if it is open, then the ranked open ones; records missing from both (undone meanwhile) last."""
    rest = [r for r in ranked if r not in queue.mine and r != current]
    head = [current] if current is not None and current not in queue.mine else []
    order = [*queue.mine, *head, *rest]
    seen = set(order)
    return order + [r for r in queue.ids if r not in seen]
