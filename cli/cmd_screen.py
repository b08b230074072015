"""Screening commands: ``screen``, ``undo``, ``resolve``, ``conflicts``, ``agreement``, ``queue``, ``history``.

Records are named by ``source_id`` or ``#<record id>``. Every decision is committed before the command
returns. ``screen`` shows the other reviewers' verdicts only after the reviewer's own (blind screening).
``history``, ``conflicts`` and ``agreement`` show a member only what they may see at a blind stage (see
`screening.team`): a lead sees everything.
"""

from __future__ import annotations

import argparse
from typing import Any

from cli.base import Result, add_json_arg, add_review_arg, add_reviewer_arg, open_for, reviewer_name, table
from db.errors import InputError
from db.models import VERDICTS
from extraction import apa
from screening import agreement as agreement_mod
from screening import decisions, outcomes
from screening.duplicates import labels as record_labels
from screening.duplicates import resolve as resolve_ref
from screening.protocol import STAGE_LABELS, STAGES
from screening.worklist import screening_queue


def _stage_arg(p: argparse.ArgumentParser, default: str | None = "title_abstract") -> None:
    p.add_argument("--stage", choices=STAGES, default=default,
                   help=f"screening stage (default: {default or 'any'})")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("screen")
    add_review_arg(p)
    add_reviewer_arg(p, "who decides")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--record", help="source_id or #<record id>")
    which.add_argument("--next", action="store_true",
                       help="your next assigned record not decided yet (shown; with --decision: decided)")
    p.add_argument("--decision", default=None, choices=(*VERDICTS, "not_retrieved"),
                   help="include, exclude or maybe; at full text also not_retrieved (with --note: what was tried)")
    p.add_argument("--reason", default="", help="exclusion reason (one of the protocol's for the stage)")
    p.add_argument("--note", default="", help="a free note")
    _stage_arg(p)
    p.add_argument("--full-text", default="", metavar="PATH_OR_URL",
                   help="the full text read at the full_text stage, when it is not the record's attached PDF: "
                        "an existing file or a URL")
    p.add_argument("--uid", default=None, help="a unique id for this decision (a retry never stores it twice)")
    add_json_arg(p)
    p.set_defaults(handler=cmd_screen)

    p = sub.add_parser("undo")
    add_review_arg(p)
    add_reviewer_arg(p, "whose decision")
    p.add_argument("--record", default=None, help="only on this record (source_id or #<record id>)")
    _stage_arg(p, None)
    add_json_arg(p)
    p.set_defaults(handler=cmd_undo)

    p = sub.add_parser("resolve")
    add_review_arg(p)
    p.add_argument("--record", required=True, help="source_id or #<record id>")
    p.add_argument("--decision", required=True, choices=("include", "exclude"))
    p.add_argument("--by", required=True, help="who resolves (for consensus: who agreed, e.g. ann+bob)")
    p.add_argument("--method", required=True, choices=decisions.METHODS)
    p.add_argument("--reason", default="", help="exclusion reason")
    p.add_argument("--note", default="")
    _stage_arg(p)
    add_json_arg(p)
    p.set_defaults(handler=cmd_resolve)

    p = sub.add_parser("conflicts")
    add_review_arg(p)
    add_reviewer_arg(p, "who reads, for blind stages")
    _stage_arg(p)
    add_json_arg(p)
    p.set_defaults(handler=cmd_conflicts)

    p = sub.add_parser("agreement")
    add_review_arg(p)
    _stage_arg(p)
    add_json_arg(p)
    p.set_defaults(handler=cmd_agreement)

    p = sub.add_parser("queue")
    add_review_arg(p)
    add_reviewer_arg(p, "whose queue")
    p.add_argument("--limit", type=int, default=20, help="show at most N open records (default 20; --json: all)")
    _stage_arg(p)
    add_json_arg(p)
    p.set_defaults(handler=cmd_queue)

    p = sub.add_parser("history")
    add_review_arg(p)
    add_reviewer_arg(p, "who reads, for blind stages")
    p.add_argument("--record", required=True, help="source_id or #<record id>")
    add_json_arg(p)
    p.set_defaults(handler=cmd_history)


def _named(name: str, row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "record": name}


def _act(db: Any, row: Any, viewer: str) -> dict[str, Any]:
    """The stored row, the record's outcome and what ``viewer`` may see of the others' verdicts."""
    names = record_labels(db, [row.record_id])
    stage = row.stage
    out = outcomes.outcome(db, row.record_id, stage)
    seen = outcomes.visible_decisions(db, row.record_id, stage, viewer)
    return {"decision": _named(names[row.record_id], decisions.LoggedDecision.of(row).to_json()), "outcome": out.state,
            "reason": out.reason, "visible": [v.to_json() for v in seen]}


def _act_text(data: dict[str, Any]) -> str:
    d = data["decision"]
    what = d["verdict"] + (f" ({d['reason']})" if d["reason"] else "")
    if d["kind"] == "undo":
        head = f"{d['record']}: {d['reviewer']}'s {d['stage']} decision {what} withdrawn"
    elif d["kind"] == "resolution":
        head = f"{d['record']}: resolved {what} at {_said(d['stage'])} by {d['reviewer']} ({d['method']})"
    else:
        head = f"{d['record']}: {d['reviewer']} {what} at {_said(d['stage'])} [uid {d['uid']}]"
    others = [f"{v['reviewer']}: {'(hidden until you decide)' if v['hidden'] else v['verdict']}"
              for v in data["visible"] if v["reviewer"] != d["reviewer"]]
    return "\n".join([head, f"outcome: {data['outcome']}"] + (["others: " + "; ".join(others)] if others else []))


def _next(db: Any, args: argparse.Namespace, who: str) -> Result | int:
    """The reviewer's next assigned record: its id, or (without --decision) a Result showing it."""
    from db.models import Record
    from screening import team

    rid = team.next_assigned(db, who, args.stage)
    if rid is None:
        data = {"stage": args.stage, "next": None}
        return Result(data, f"nothing left assigned to you at {args.stage}")
    if args.decision:
        return rid
    with db.session() as session:
        rec = session.get(Record, rid)
    name = record_labels(db, [rid])[rid]
    data = {"stage": args.stage,
            "next": {"record_id": rid, "record": name, "title": rec.title if rec else "",
                     "abstract": rec.abstract if rec else "", "year": rec.year if rec else None}}
    return Result(data, f"{name} (#{rid}) {data['next']['title']}\n\n{data['next']['abstract']}\n\n"
                        f"decide with: metasift screen {args.review} --record '#{rid}' "
                        "--decision include|exclude|maybe")


def cmd_screen(args: argparse.Namespace) -> Result:
    with open_for(args) as db:
        who = reviewer_name(args)
        if args.next:
            found = _next(db, args, who)
            if isinstance(found, Result):
                return found
            record = found
        elif not args.decision:
            raise InputError("--decision is required with --record (include, exclude or maybe)")
        else:
            record = resolve_ref(db, args.record)
        if args.decision == "not_retrieved":
            if args.stage != "full_text" or args.full_text or args.reason:
                raise InputError("not_retrieved is a full-text decision (--stage full_text) and takes only --note, "
                                 "saying what was tried")
            row = decisions.not_retrieved(db, record, who, args.note, uid=args.uid)
        else:
            row = decisions.decide(db, record, who, args.stage, args.decision,
                                   reason=args.reason, note=args.note, full_text=args.full_text, uid=args.uid)
        data = _act(db, row, who)
    return Result(data, _act_text(data))


def cmd_undo(args: argparse.Namespace) -> Result:
    with open_for(args) as db:
        who = reviewer_name(args)
        record = resolve_ref(db, args.record) if args.record else None
        row = decisions.undo(db, who, args.stage, record)
        data = _act(db, row, who)
    return Result(data, _act_text(data))


def cmd_resolve(args: argparse.Namespace) -> Result:
    with open_for(args) as db:
        row = decisions.resolve(db, resolve_ref(db, args.record), args.stage, args.decision, args.by,
                                args.method, reason=args.reason, note=args.note)
        data = _act(db, row, args.by)
    return Result(data, _act_text(data))


def cmd_queue(args: argparse.Namespace) -> Result:
    """The reviewer's queue (`screening.worklist.screening_queue`, the one the desktop app screens from)."""
    with open_for(args) as db:
        queue = screening_queue(db, args.stage, reviewer_name(args))
        names = record_labels(db, [*queue.ids, *(m for g in queue.members.values() for m in g)])
    data = queue.to_json(names)
    shown = data["open"][:max(0, args.limit)]
    text = (f"{queue.reviewer or '?'} at {queue.stage}: {len(data['decided'])} of {data['records']} records decided, "
            f"{len(data['open'])} open")
    if shown:
        text += "\nnext: " + ", ".join(str(x) for x in shown) + (" ..." if len(data["open"]) > len(shown) else "")
    return Result(data, text)


def cmd_conflicts(args: argparse.Namespace) -> Result:
    with open_for(args) as db:
        found = outcomes.conflicts(db, args.stage)
        names = record_labels(db, [c.record_id for c in found])
    items = [_named(names[c.record_id], c.to_json()) for c in found]
    rows = [[c["record"], "; ".join(f"{v['reviewer']}: {v['verdict']}" + (f" ({v['reason']})" if v["reason"] else "")
                                    + (f" [protocol v{v['protocol_version']}]" if v["protocol_version"] else "")
                                    for v in c["verdicts"])] for c in items]
    text = (table(rows, ["record", "verdicts"]) + "\n" if rows else "") + \
        f"{len(items):,} conflicts at {_said(args.stage)}"
    return Result({"stage": args.stage, "conflicts": items, "count": len(items)}, text)


def _said(stage: str) -> str:
    return STAGE_LABELS.get(stage, stage).lower().replace(" / ", "/")


def _fmt(x: float | None) -> str:
    return apa.bounded(x, 3)


def cmd_agreement(args: argparse.Namespace) -> Result:
    with open_for(args) as db:
        pairs = agreement_mod.agreement(db, args.stage)
    rows = [[" / ".join(p.reviewers or ()), p.n, p.percent, _fmt(p.kappa), _fmt(p.ac1),
             _fmt(p.include_exclude.kappa), _fmt(p.include_exclude.ac1)] for p in pairs]
    text = (table(rows, ["pair", "n", "% agree", "kappa", "AC1", "kappa (maybe=include)", "AC1 (maybe=include)"])
            if rows else f"no two reviewers have screened the same record at {_said(args.stage)} yet")
    return Result({"stage": args.stage, "categories": list(agreement_mod.CATEGORIES),
                   "pairs": [p.to_json() for p in pairs]}, text)


def cmd_history(args: argparse.Namespace) -> Result:
    with open_for(args) as db:
        rid = resolve_ref(db, args.record)
        hist = outcomes.record_history(db, rid)
        names = record_labels(db, [rid] + [r.record_id for r in hist.rows])
        states = hist.states
    items = [_named(names[r.record_id], r.to_json()) for r in hist.rows]
    text = table([[i["decided_at"][:19] if i["decided_at"] else "", STAGE_LABELS.get(i["stage"], i["stage"]),
                   i["reviewer"], i["kind"],
                   i["verdict"], i["reason"], i["method"], i["protocol_version"] or ""] for i in items],
                 ["when", "stage", "who", "kind", "verdict", "reason", "method", "protocol"])
    text += "\n" + "; ".join(f"{STAGE_LABELS.get(s, s)}: {v}" for s, v in states.items())
    return Result({"record": names[rid], "record_id": rid, "history": items, "outcomes": states}, text)
