"""Screening decisions: record, change, undo and resolve verdicts (append-only `ScreeningDecision` rows).

Every act is one new row, committed in one short transaction before the function returns:

* ``decide`` stores a reviewer's verdict (include / exclude / maybe). Changing one's mind is a new row;
  a reviewer's *current* verdict on a record is their latest row still in force.
* ``undo`` appends a ``kind="undo"`` row naming (``undoes``) the row it withdraws; the reviewer's verdict
  before it applies again (Ctrl+Z: without a record, their latest act overall is withdrawn).
* ``resolve`` settles a conflict (third reviewer or consensus) with a ``kind="resolution"`` row.

Duplicates: a decision on any record of a duplicate group is stored on the group's kept record (its lowest
id) and, when reading, every row counts for the group its record belongs to *now*; the other members
inherit the kept record's outcome. Who, when and why (reason, note, full-text source) are always stored.
``uid`` makes a retried write idempotent: the same uid never stores a second row.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import Session, col, select

from db.engine import ReviewDB, while_busy
from db.errors import InputError, MetasiftError
from db.identity import lenient_identity
from db.models import VERDICTS, Member, Record, ScreeningDecision
from db.pair_log import components, merged_pairs
from db.protocol_store import latest_number
from screening.protocol import STAGE_LABELS, STAGES, Protocol
from screening.review_protocol import current_protocol, protocol_of
from screening.settle import StageState, replay, settle

__all__ = ["StageState", "protocol_of", "replay", "settle"]  # the rule itself is plain Python in screening.settle;
# the review's protocol is read by `screening.review_protocol` (re-exported here for callers)

NOT_RETRIEVED = "full text not retrievable"
"""The full-text exclusion reason of a report that could not be had (PRISMA 2020: "reports not retrieved")."""
_URL = re.compile(r"^(?:https?|ftp)://[^\s/?#]+[^\s]*$|^doi:\s*10\.\d{4,9}/\S+$", re.IGNORECASE)
METHODS = ("third_reviewer", "consensus")
"""How a conflict is resolved."""
RULES = ("two_agree", "one_reviewer")



def group_map(session: Session) -> dict[int, int]:
    """Every record in a duplicate group -> the group's kept record (lowest id); others map to themselves."""
    return {m: g[0] for g in components(merged_pairs(session)) for m in g}


def group_of(session: Session, record_id: int) -> list[int]:
    """The record ids of ``record_id``'s duplicate group (itself alone when it has no duplicates)."""
    for g in components(merged_pairs(session)):
        if record_id in g:
            return g
    return [record_id]


def stage_rows(session: Session, stages: Sequence[str], record_ids: Iterable[int] | None = None,
               keep: Callable[[ScreeningDecision], bool] | None = None) -> list[ScreeningDecision]:
    """All rows of the given stages (optionally only on some records), in id order: one query. ``keep``
    (`blind_keep`) leaves out the rows a blind reader may not see."""
    q = select(ScreeningDecision).where(col(ScreeningDecision.stage).in_(list(stages)))
    if record_ids is not None:
        q = q.where(col(ScreeningDecision.record_id).in_(list(record_ids)))
    rows = list(session.exec(q.order_by(col(ScreeningDecision.id))))
    return rows if keep is None else [r for r in rows if keep(r)]


def blind_keep(db: ReviewDB, session: Session) -> Callable[[ScreeningDecision], bool] | None:
    """What ``db.viewer`` may see of the screening rows (None: everything); see `screening.team`."""
    from screening.team import visible_filter

    return visible_filter(db, session, db.viewer)


def _said(stage: str) -> str:
    """A stage as a message names it (``title/abstract``, not ``title_abstract``)."""
    return STAGE_LABELS.get(stage, stage).lower().replace(" / ", "/")


def _check_stage(protocol: Protocol, stage: str) -> None:
    if stage not in STAGES:
        raise InputError(f"unknown stage {stage!r}; expected one of {', '.join(STAGES)}")
    if stage not in protocol.stages:
        raise InputError(f"the review's protocol has no {_said(stage)} stage (stages: "
                         f"{', '.join(_said(s) for s in protocol.stages)})")


def _check_reason(protocol: Protocol, stage: str, verdict: str, reason: str) -> None:
    allowed = protocol.exclusion_reasons.get(stage, ())
    if reason and verdict != "exclude":
        raise InputError(f"a reason is given only with exclude (the verdict is {verdict})")
    if verdict == "exclude" and stage == "full_text" and not reason:
        raise InputError("excluding at full text needs a reason; one of: " + "; ".join(allowed))
    if reason and allowed and reason not in allowed:
        raise InputError(f"{reason!r} is not an exclusion reason at {_said(stage)}; one of: "
                         + "; ".join(allowed))


def _as_member(db: ReviewDB, session: Session, row: ScreeningDecision, claimed: str, *roles: str, act: str
               ) -> Member:
    """The acting member (see `screening.team.acting`), checked for ``roles``; names ``row`` after them."""
    from screening.team import acting, require

    me = acting(db, session, claimed)
    require(me, *roles, act=act)
    row.reviewer, row.member_id = me.identity, me.id
    return me


def _record_group(session: Session, record: int) -> list[int]:
    if session.get(Record, int(record)) is None:
        raise InputError(f"there is no record #{record} in this review")
    return group_of(session, int(record))


def _store(db: ReviewDB, row: ScreeningDecision, check, claimed: str) -> ScreeningDecision:  # noqa: ANN001
    """Validate (``check(session)`` inside the transaction) and insert ``row``; an existing uid returns the
    stored row instead (a retried write), provided it is the same act by the same member. The server's
    refusal (PostgreSQL privileges, row-level security) becomes a clear `PermissionRefused`."""
    from screening.team import acting, server_refusal

    with db.session() as session:
        same = session.exec(select(ScreeningDecision).where(ScreeningDecision.uid == row.uid)).first()
        if same is not None:
            try:
                row.reviewer = acting(db, session, claimed, enrol=False).identity
            except MetasiftError:  # not a member: certainly not the same act
                row.reviewer = lenient_identity(claimed or "") or "?"
    if same is not None:
        return _same_act(same, row)
    def write() -> None:
        with db.transaction() as session:
            check(session)
            if row.protocol_version is None:  # the version in force (decide/resolve: the one checked against)
                row.protocol_version = latest_number(session)
            session.add(row)

    try:
        what = f"the {row.kind} on record #{row.record_id}" if row.record_id else f"the {row.kind}"
        while_busy(db, write, what)
    except DBAPIError as exc:
        if isinstance(exc, IntegrityError):
            return _retried(db, row, exc)
        refused = server_refusal(exc, f"store this {row.kind}")
        if refused is not None:
            raise refused from None
        raise
    return row


def _retried(db: ReviewDB, row: ScreeningDecision, exc: IntegrityError) -> ScreeningDecision:
    """The row a concurrent retry of the same uid stored (else the integrity error stands)."""
    with db.session() as session:
        same = session.exec(select(ScreeningDecision).where(ScreeningDecision.uid == row.uid)).first()
    if same is None:
        raise exc
    return _same_act(same, row)


def _same_act(stored: ScreeningDecision, row: ScreeningDecision) -> ScreeningDecision:
    # an undo's stage and verdict are only known once it found the act it withdraws
    keys = ("reviewer", "kind") + (("stage", "verdict", "reason") if row.kind != "undo" else ())
    if any(getattr(stored, k) != getattr(row, k) for k in keys) or (row.stage and stored.stage != row.stage):
        raise InputError(f"uid {row.uid} is already used by a different decision")
    return stored


def checked_source(full_text: str) -> str:
    """A free full-text source as stored: a URL (http, https, ftp, or doi:10...) as given, or the absolute
    path of a file that exists; anything else (``i5i7``) is refused. ``pdf:<sha256>`` names a stored PDF."""
    text = (full_text or "").strip()
    if text.startswith("pdf:") or _URL.match(text):
        return text
    path = Path(text).expanduser()
    if path.is_file():
        return str(path.resolve())
    raise InputError(f"the full text {text!r} is neither a file that exists nor a URL (http://, https://, "
                     "doi:10...); attach the PDF to the record instead (`metasift attach`), or give its URL")


def not_retrieved(db: ReviewDB, record: int, reviewer: str, tried: str, uid: str | None = None
                  ) -> ScreeningDecision:
    """Record that ``record``'s full text could not be retrieved; ``tried`` says what was tried (required).
    Stored as a full-text exclusion with the reason `NOT_RETRIEVED`, so agreement and conflicts treat it like
    one, and PRISMA counts it as "reports not retrieved" (not assessed for eligibility)."""
    if not (tried or "").strip():
        raise InputError("say what was tried to get the full text (e.g. 'library, interlibrary loan, emailed the "
                         "authors twice')")
    return decide(db, record, reviewer, "full_text", "exclude", reason=NOT_RETRIEVED, note=tried.strip(), uid=uid)


def decide(db: ReviewDB, record: int, reviewer: str, stage: str, verdict: str, reason: str = "", note: str = "",
           full_text: str = "", uid: str | None = None) -> ScreeningDecision:
    """Store ``reviewer``'s verdict on ``record`` (a record id) at ``stage``; committed when it returns.

    At full text the source read is the record's attached PDF (stored as ``pdf:<sha256>``, the newest one)
    unless ``full_text`` names another (`checked_source`); a record without a PDF needs one, except for the
    exclusion `NOT_RETRIEVED` (see `not_retrieved`).

    Refused (`InputError`): an unknown verdict or stage, a reason that is not one of the protocol's exclusion
    reasons for the stage (reasons go with exclude only; `NOT_RETRIEVED` is always one at full text), a
    full-text decision with no PDF attached and no existing file or URL given, a full-text exclusion without
    a reason, and a full-text decision on a record that has not been included at title/abstract.
    """
    current = current_protocol(db)
    protocol = current.protocol
    _check_stage(protocol, stage)
    if verdict not in VERDICTS:
        raise InputError(f"unknown decision {verdict!r}; expected one of {', '.join(VERDICTS)}")
    reason, full_text = (reason or "").strip(), (full_text or "").strip()
    missing = stage == "full_text" and verdict == "exclude" and reason == NOT_RETRIEVED
    if not missing:
        _check_reason(protocol, stage, verdict, reason)
    row = ScreeningDecision(uid=uid or uuid.uuid4().hex, record_id=int(record), stage=stage, reviewer="",
                            verdict=verdict, reason=reason, note=note or "", full_text=full_text,
                            protocol_version=current.version)

    def check(session: Session) -> None:
        _as_member(db, session, row, reviewer, "screener", act="screen records")
        group = _record_group(session, row.record_id)
        row.record_id = group[0]
        if stage == "full_text":
            states = replay(stage_rows(session, ["title_abstract"], group, blind_keep(db, session)),
                            {m: group[0] for m in group})
            state, _ = settle(states.get((group[0], "title_abstract")), protocol.rule)
            if state != "included":
                raise InputError(f"record #{record} has not passed title/abstract screening (it is {state}, as "
                                 "far as you may see: a lead unblinds title_abstract when that stage is done); "
                                 "it cannot be screened at full text yet")
            if not missing:
                _full_text_source(session, row)

    return _store(db, row, check, reviewer)


def _full_text_source(session: Session, row: ScreeningDecision) -> None:
    """Fill or check ``row.full_text`` from the record's attached PDFs (see `decide`)."""
    from screening.fulltext.store import attached_in

    pdfs = attached_in(session, row.record_id)
    if row.full_text:
        row.full_text = checked_source(row.full_text)
    if row.full_text.startswith("pdf:"):
        if not any(p.sha256.startswith(row.full_text[4:].lower()) for p in pdfs if len(row.full_text) > 10):
            raise InputError(f"{row.full_text} is not a PDF attached to record #{row.record_id}")
    elif not row.full_text:
        if not pdfs:
            raise InputError(f"record #{row.record_id} has no PDF attached: attach it (`metasift attach REVIEW "
                             "--record R FILE.pdf`), give --full-text PATH_OR_URL, or record that the full text "
                             "is not retrievable (--decision not_retrieved --note 'what was tried')")
        row.full_text = "pdf:" + pdfs[-1].sha256


def undo(db: ReviewDB, reviewer: str, stage: str | None = None, record: int | None = None,
         uid: str | None = None) -> ScreeningDecision:
    """Withdraw ``reviewer``'s latest act still in force (a verdict or a resolution they recorded), on
    ``record`` (its duplicate group) or, without one, their latest overall; ``stage=None``: any stage.
    Returns the compensating ``undo`` row (its ``undoes`` names the withdrawn row). A consensus resolver's
    "ann+bob" undoes as its first member, who recorded it."""
    if stage is not None and stage not in STAGES:
        raise InputError(f"unknown stage {stage!r}; expected one of {', '.join(STAGES)}")
    reviewer = (reviewer or "").split("+")[0]
    row = ScreeningDecision(uid=uid or uuid.uuid4().hex, record_id=0, stage=stage or "", reviewer="",
                            kind="undo")

    def check(session: Session) -> None:
        me = _as_member(db, session, row, reviewer, "screener", "lead", act="undo screening decisions")
        q = select(ScreeningDecision).where(ScreeningDecision.member_id == me.id)
        if stage is not None:
            q = q.where(ScreeningDecision.stage == stage)
        if record is not None:
            q = q.where(col(ScreeningDecision.record_id).in_(_record_group(session, record)))
        mine = list(session.exec(q.order_by(col(ScreeningDecision.id))))
        undone = {r.undoes for r in mine if r.kind == "undo"}
        live = [r for r in mine if r.kind != "undo" and r.id not in undone]
        if not live:
            where = f" on #{record}" if record is not None else ""
            raise InputError(f"{me.identity} has no decision{where}{' at ' + _said(stage) if stage else ''} to undo")
        last = live[-1]
        row.record_id, row.stage, row.undoes = last.record_id, last.stage, last.id
        row.verdict, row.reason = last.verdict, last.reason

    return _store(db, row, check, reviewer)


def resolve(db: ReviewDB, record: int, stage: str, verdict: str, by: str, method: str, reason: str = "",
            note: str = "", uid: str | None = None) -> ScreeningDecision:
    """Settle a conflict on ``record`` at ``stage`` with include or exclude, by a third reviewer (who must not
    be one of the reviewers in conflict) or by consensus (``by`` names who agreed, e.g. "ann+bob")."""
    by = (by or "").strip()
    people = by.split("+") if method == "consensus" and by else [by]
    current = current_protocol(db)
    protocol = current.protocol
    _check_stage(protocol, stage)
    if verdict not in ("include", "exclude"):
        raise InputError(f"a resolution is include or exclude, not {verdict!r}")
    if method not in METHODS:
        raise InputError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")
    reason = (reason or "").strip()
    _check_reason(protocol, stage, verdict, reason)
    row = ScreeningDecision(uid=uid or uuid.uuid4().hex, record_id=int(record), stage=stage, reviewer="",
                            kind="resolution", verdict=verdict, reason=reason, note=note or "", method=method,
                            protocol_version=current.version)

    def check(session: Session) -> None:
        me = _as_member(db, session, row, people[0], "lead", act="resolve conflicts")
        if method == "consensus":  # who agreed: every name a member of the review
            from screening.team import acting

            row.reviewer = "+".join([me.identity] + [acting(db, session, p).identity for p in people[1:]])
        by = me.identity
        group = _record_group(session, row.record_id)
        row.record_id = group[0]
        st = replay(stage_rows(session, [stage], group), {m: group[0] for m in group}).get((group[0], stage))
        state, _ = settle(st, protocol.rule)
        if state != "conflict":
            raise InputError(f"record #{record} is not in conflict at {_said(stage)} (it is {state}); "
                             "nothing to resolve")
        if method == "third_reviewer" and st is not None and by in st.verdicts:
            raise InputError(f"{by} screened record #{record}; a third reviewer must be someone else "
                             "(or use --method consensus)")

    return _store(db, row, check, people[0])


def history(db: ReviewDB, record: int) -> list[ScreeningDecision]:
    """Every screening row on ``record``'s duplicate group (all stages, undos and resolutions), oldest first."""
    with db.session() as session:
        group = _record_group(session, record)
        rows = list(session.exec(select(ScreeningDecision).where(
            col(ScreeningDecision.record_id).in_(group)).order_by(col(ScreeningDecision.id))))
        keep = blind_keep(db, session)
    return rows if keep is None else [r for r in rows if keep(r)]


@dataclass(frozen=True)
class LoggedDecision:
    """One row of the screening log as read back (a decision, an undo or a resolution)."""

    uid: str
    id: int | None
    record_id: int
    stage: str
    reviewer: str
    kind: str
    verdict: str
    reason: str
    note: str
    full_text: str
    method: str
    undoes: int | None
    protocol_version: int | None
    decided_at: datetime | None

    @classmethod
    def of(cls, row: ScreeningDecision) -> LoggedDecision:
        return cls(row.uid, row.id, row.record_id, row.stage, row.reviewer, row.kind, row.verdict, row.reason,
                   row.note, row.full_text, row.method, row.undoes, row.protocol_version, row.decided_at)

    def to_json(self) -> dict[str, object]:
        return {"uid": self.uid, "id": self.id, "record_id": self.record_id, "stage": self.stage,
                "reviewer": self.reviewer, "kind": self.kind, "verdict": self.verdict, "reason": self.reason,
                "note": self.note, "full_text": self.full_text, "method": self.method, "undoes": self.undoes,
                "protocol_version": self.protocol_version,
                "decided_at": self.decided_at.isoformat() if self.decided_at else None}


STOP_METHOD = "stopping_rule"
"""``method`` of the resolutions `stop_screening` writes: records left unscreened when a team stopped."""
STOP_REASON = "not screened: stopping rule met"


def stop_screening(db: ReviewDB, stage: str, by: str, rule_note: str, uid_prefix: str | None = None) -> int:
    """Stop screening ``stage`` in ranked order: every record with no verdict and no resolution there is
    excluded by a ``kind="resolution"`` row, ``method`` `STOP_METHOD`, reason `STOP_REASON`, and
    ``rule_note`` (which rule, its parameters, the numbers when it was met and its assumption) as its
    note, so the decision log says for each record why nobody screened it. Records with a verdict (also
    pending a second reviewer, or in conflict) are left for the reviewers. One transaction; returns how many
    records were excluded (0: nothing left unscreened). ``uid_prefix`` makes a retried stop idempotent."""
    protocol = protocol_of(db)
    _check_stage(protocol, stage)
    if not (rule_note or "").strip():
        raise InputError("stopping screening needs the rule it was stopped by")
    prefix = uid_prefix or uuid.uuid4().hex
    from screening.team import acting, require

    with db.transaction() as session:
        me = acting(db, session, by)
        require(me, "lead", act="stop screening by a rule (it excludes every unscreened record)")
        version = latest_number(session)
        canon = group_map(session)
        states = replay(stage_rows(session, [stage]), canon)
        kept = sorted({canon.get(rid, rid) for rid in session.exec(select(Record.id)) if rid is not None})
        left = [rid for rid in kept if (rid, stage) not in states]
        done = {row.uid for row in session.exec(select(ScreeningDecision).where(
            col(ScreeningDecision.uid).like(f"{prefix}-%")))}
        for rid in left:
            uid = f"{prefix}-{rid}"
            if uid not in done:
                session.add(ScreeningDecision(uid=uid, record_id=rid, stage=stage, reviewer=me.identity,
                                              member_id=me.id, kind="resolution",
                                              verdict="exclude", reason=STOP_REASON, note=rule_note,
                                              method=STOP_METHOD, protocol_version=version))
    return len(left)


@dataclass(frozen=True)
class StopInForce:
    """A stop by a stopping rule still in force (`stopped_by_rule`): its note (the rule), who and when
    (ISO 8601, UTC), and how many records it excluded unscreened."""

    rule: str
    by: str
    at: str | None
    not_screened: int

    def to_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "by": self.by, "at": self.at, "not_screened": self.not_screened}


def stopped_by_rule(db: ReviewDB, stage: str = "title_abstract") -> StopInForce | None:
    """The latest stop at ``stage`` still in force: its note (the rule), who and when, and how many records
    it excluded unscreened; None when screening was never stopped by a rule."""
    with db.session() as session:
        canon = group_map(session)
        states = replay(stage_rows(session, [stage]), canon)
    rows = [st.resolution for st in states.values()
            if st.resolution is not None and st.resolution.method == STOP_METHOD]
    if not rows:
        return None
    last = max(rows, key=lambda r: r.id or 0)
    return StopInForce(last.note, last.reviewer, last.decided_at.isoformat() if last.decided_at else None, len(rows))


def undo_stop(db: ReviewDB, stage: str, by: str, why: str, uid_prefix: str | None = None) -> int:
    """Withdraw the stop by a stopping rule at ``stage`` (every `stop_screening` row still in force): one
    ``kind="undo"`` row per record it excluded, naming that row, by ``by`` (a lead) with ``why`` as its
    note, in one transaction. The records are unscreened again, so the counts and the PRISMA diagram no
    longer show the stop; the decision log keeps both acts. Returns how many records came back (0: no stop
    in force). ``uid_prefix`` makes a retried undo idempotent."""
    protocol = protocol_of(db)
    _check_stage(protocol, stage)
    if not (why or "").strip():
        raise InputError("undoing a stop needs the reason it is undone (--why)")
    prefix = uid_prefix or uuid.uuid4().hex
    from screening.team import acting, require

    with db.transaction() as session:
        me = acting(db, session, by)
        require(me, "lead", act="undo a stop by a stopping rule")
        canon = group_map(session)
        states = replay(stage_rows(session, [stage]), canon)
        stops = sorted((st.resolution for st in states.values()
                        if st.resolution is not None and st.resolution.method == STOP_METHOD),
                       key=lambda r: r.id or 0)
        done = {row.uid for row in session.exec(select(ScreeningDecision).where(
            col(ScreeningDecision.uid).like(f"{prefix}-%")))}
        for stop in stops:
            uid = f"{prefix}-{stop.id}"
            if uid not in done:
                session.add(ScreeningDecision(uid=uid, record_id=stop.record_id, stage=stage, reviewer=me.identity,
                                              member_id=me.id, kind="undo", undoes=stop.id, verdict=stop.verdict,
                                              reason=stop.reason, note=why.strip(), method=STOP_METHOD))
    return len(stops)
