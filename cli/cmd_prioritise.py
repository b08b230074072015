"""``metasift simulate`` (replay a labelled review with the ranker), ``metasift rank`` (a review's
records in predicted order of relevance, with a stopping rule's verdict) and ``metasift stop-screening``
(end title/abstract screening by a stopping rule, recorded in the decision log and the PRISMA counts)."""

from __future__ import annotations

import argparse
import csv
import math
from pathlib import Path
from typing import TYPE_CHECKING

from sqlmodel import select

from cli.base import Result, add_json_arg, add_review_arg, add_reviewer_arg, open_for, table
from db.errors import InputError
from db.models import Record
from screening.choices import DEFAULT_CONFIDENCE, DEFAULT_MODEL, DEFAULT_RULE, DEFAULT_TARGET, MODELS, RULES

if TYPE_CHECKING:
    from screening.stopping import StopCheck


def _add_rule_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--stop-rule", default=DEFAULT_RULE, choices=RULES,
                   help=f"stopping rule (default {DEFAULT_RULE}: hypergeometric test of the target recall)")
    p.add_argument("--target-recall", type=float, default=DEFAULT_TARGET,
                   help=f"hypergeometric rule: recall to reach (default {DEFAULT_TARGET})")
    p.add_argument("--confidence", type=float, default=DEFAULT_CONFIDENCE,
                   help=f"hypergeometric rule: confidence (default {DEFAULT_CONFIDENCE})")
    p.add_argument("--sample-from", type=int, default=None, metavar="N",
                   help="hypergeometric rule: decisions from the N-th on (0-based) were a random sample of the "
                        "rest (default: treat the last ones screened as the sample)")
    p.add_argument("--run", type=int, default=None,
                   help="consecutive rule: irrelevant records in a row (default max(50, 5%% of the records))")
    p.add_argument("--slope-ratio", type=float, default=156.0, help="knee rule: slope ratio (default 156)")


def _rule_check(args: argparse.Namespace, decisions: list[int], n_records: int) -> StopCheck:
    from screening.stopping import check

    if args.stop_rule == "hypergeometric":
        if not 0 < args.target_recall <= 1 or not 0 < args.confidence < 1:
            raise InputError("--target-recall must be in (0, 1] and --confidence in (0, 1)")
        params = {"target": args.target_recall, "confidence": args.confidence, "sample_from": args.sample_from}
    elif args.stop_rule == "consecutive":
        params = {} if args.run is None else {"min_run": args.run, "share": 0.0}
    else:
        params = {"slope_ratio": args.slope_ratio}
    return check(args.stop_rule, decisions, n_records, **params)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("simulate")
    p.add_argument("file", type=Path, metavar="LABELED_FILE", help="CSV/XLSX/RIS with a 0/1 label column")
    p.add_argument("--seed", type=int, default=0, help="seed for the prior records and ties (default 0)")
    p.add_argument("--label", default="label_included", help="the 0/1 label column (default label_included)")
    p.add_argument("--model", default=DEFAULT_MODEL, choices=MODELS, help=f"classifier (default {DEFAULT_MODEL})")
    p.add_argument("--batch", type=int, default=-1,
                   help="records screened between retrainings (default -1: the app's schedule, after each "
                        "relevant record and every 1%% of those screened; 1 = after every record; 0 = growing)")
    add_json_arg(p)
    p.set_defaults(handler=cmd_simulate)

    p = sub.add_parser("rank")
    add_review_arg(p)
    p.add_argument("--labels", type=Path, default=None, metavar="FILE.csv",
                   help="decisions so far: CSV with columns source_id,label (label 0/1), in screening order "
                        "(default: the review's title/abstract decisions)")
    p.add_argument("--limit", type=int, default=None, help="show at most N records")
    p.add_argument("--seed", type=int, default=0, help="seed for ties (default 0)")
    p.add_argument("--model", default=DEFAULT_MODEL, choices=MODELS, help=f"classifier (default {DEFAULT_MODEL})")
    _add_rule_args(p)
    add_json_arg(p)
    p.set_defaults(handler=cmd_rank)

    p = sub.add_parser("stop-screening", help="end title/abstract screening by a stopping rule: the records nobody "
                                              "screened are excluded, with the rule, in the decision log")
    add_review_arg(p)
    add_reviewer_arg(p, "who stops")
    p.add_argument("--force", action="store_true", help="stop although the rule is not met (recorded as such)")
    _add_rule_args(p)
    add_json_arg(p)
    p.set_defaults(handler=cmd_stop_screening)

    p = sub.add_parser("sample-rest", help="start (or --end) a random sample of the records not screened yet: "
                                           "the exact form of the hypergeometric stopping rule (logged)")
    add_review_arg(p)
    p.add_argument("--end", action="store_true", help="end the sample in progress (back to ranked order)")
    p.add_argument("--seed", type=int, default=None, help="seed of the random order (default: drawn, and logged)")
    p.add_argument("--limit", type=int, default=20, help="list the first N records of the sample (default 20)")
    p.add_argument("--reviewer", default=None, help="who starts it (a lead; default: $METASIFT_USER or $USER)")
    add_json_arg(p)
    p.set_defaults(handler=cmd_sample_rest)

    p = sub.add_parser("undo-stop", help="withdraw a stop by a stopping rule: the records it excluded unscreened "
                                         "are unscreened again (logged with who, when and why)")
    add_review_arg(p)
    p.add_argument("--why", default="", help="why the stop is undone (required; kept in the decision log)")
    p.add_argument("--reviewer", default=None, help="who undoes it (a lead; default: $METASIFT_USER or $USER)")
    add_json_arg(p)
    p.set_defaults(handler=cmd_undo_stop)


def cmd_simulate(args: argparse.Namespace) -> Result:
    from screening.simulation import read_labelled, simulate

    data = read_labelled(args.file, args.label)
    if not data.labels:
        raise InputError(f"no record has a 0/1 value in column {args.label!r}", file=args.file.name)
    if args.batch < -1:
        raise InputError("--batch must be -1 (the app's schedule), 0 (growing) or a positive number")
    res = simulate(data.texts, data.labels, seed=args.seed, batch=args.batch, model=args.model)
    out = {"file": args.file.name, "label": args.label, "unlabelled_skipped": data.unlabelled,
           **res.to_json(), "priors": [data.ids[i] for i in res.priors]}
    m = res.metrics
    lines = [f"{args.file.name}: {res.n_records} records, {res.n_relevant} relevant "
             f"({data.unlabelled} without a label skipped)",
             f"model {res.model}, seed {args.seed}, priors: {', '.join(out['priors'])} (1 relevant, 1 irrelevant)",
             f"WSS@95: {m.wss95}   RRF@10: {m.rrf10}   screened to 95%: {m.screened_to_95}   "
             f"all found after: {len(res.screened_order)}   {round(res.seconds, 3)} s",
             "(priors excluded from N and from the counts, as ASReview Insights does)"]
    return Result(out, "\n".join(lines))


def _read_labels(path: Path, keys: dict[str, list[int]]) -> dict[int, int]:
    """``source_id,label`` CSV -> {record index: 0/1}, in file order (taken as the screening order)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"cannot be read: {exc.strerror}", file=str(path)) from exc
    reader = csv.DictReader(text.splitlines())
    fields = [f.strip().lower() for f in reader.fieldnames or []]
    if "source_id" not in fields or "label" not in fields:
        raise InputError(f"needs columns source_id,label (found: {', '.join(fields) or 'none'})", file=path.name)
    labels: dict[int, int] = {}
    for line, row in enumerate(reader, start=2):
        row = {str(k).strip().lower(): (v or "").strip() for k, v in row.items() if k is not None}
        sid, value = row.get("source_id", ""), row.get("label", "")
        if value not in {"0", "1"}:
            raise InputError(f"label must be 0 or 1, found {value!r}", file=path.name, line=line)
        if sid not in keys:
            raise InputError(f"source_id {sid!r} is not a record of this review", file=path.name, line=line)
        for i in keys[sid]:  # a source_id shared by several records labels them all
            labels.pop(i, None)
            labels[i] = int(value)
    return labels


def _no_nan(data: dict) -> dict:
    """NaN (no estimate) as null, so the JSON stays valid."""
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in data.items()}


def _review_rows(args: argparse.Namespace) -> tuple[list, list[tuple[str, int]], dict[int, int] | None]:
    """The records to rank (one per duplicate group: its kept record, the lowest id; in id order), the other
    members of duplicate groups as (source_id, kept record id), and the labels from the decision store
    (`screening.worklist.ranking_labels`; None with ``--labels``)."""
    from screening.duplicates import groups
    from screening.worklist import ranking_labels

    with open_for(args) as db:
        kept_of = {m: g[0] for g in groups(db) for m in g}
        with db.session() as session:
            everything = session.exec(select(Record.id, Record.source_id, Record.title, Record.abstract,
                                             Record.keywords).order_by(Record.id)).all()
        found = None if args.labels else ranking_labels(db, stage="title_abstract")
    canon_all = {int(r[0]): kept_of.get(int(r[0]), int(r[0])) for r in everything}
    rows = [r for r in everything if canon_all[int(r[0])] == int(r[0])]
    members = [(r[1], canon_all[int(r[0])]) for r in everything if canon_all[int(r[0])] != int(r[0])]
    return rows, members, found


def cmd_rank(args: argparse.Namespace) -> Result:
    from screening.prioritise import Ranker, record_text, stopping_advice

    rows, members, stored = _review_rows(args)
    position = {int(r[0]): i for i, r in enumerate(rows)}
    n_dropped = len(members)
    if stored is None:
        keys: dict[str, list[int]] = {}
        for i, row in enumerate(rows):
            keys.setdefault(row[1], []).append(i)
        for sid, kept in members:  # a duplicate's source_id labels its group's kept record
            if position[kept] not in keys.setdefault(sid, []):
                keys[sid].append(position[kept])
        labels = _read_labels(args.labels, keys)
        source = f"file {args.labels.name}"
    else:
        labels = {position[rid]: v for rid, v in stored.items()}
        source = "title/abstract decisions"
    ranker = Ranker([record_text(r[2], r[3], r[4] or []) for r in rows], seed=args.seed, model=args.model)
    ranker.update(labels)
    result = ranker.last
    assert result is not None
    raw = ranker.estimate_remaining() if labels else None
    advice = stopping_advice(list(labels.values()), len(rows), raw.expected if raw else None)
    rule = _rule_check(args, list(labels.values()), len(rows))
    estimate = _no_nan(raw.to_json()) if raw else None
    limit = len(result.order) if args.limit is None else max(0, args.limit)
    out = [{"rank": k + 1, "id": rows[i][0], "source_id": rows[i][1], "title": rows[i][2],
            "score": round(s, 6)} for k, (i, s) in enumerate(zip(result.order[:limit], result.scores[:limit],
                                                                strict=True))]
    has_both = len(set(labels.values())) == 2
    basis = ("trained on" if has_both else "one class only, similarity to") if labels else "no labels: random order"
    data = {"records": out, "count": len(out), "unscreened": len(result.order), "labelled": len(labels),
            "relevant_labelled": sum(labels.values()), "labels_from": source,
            "duplicates_left_out": n_dropped, "model": args.model, "basis": basis,
            "estimate_remaining": estimate, "stopping_advice": _no_nan(advice.to_json()),
            "stopping_rule": rule.to_json()}
    text = table([[r["rank"], r["id"], r["source_id"], f"{r['score']:.3f}", (r["title"] or "")[:70]] for r in out],
                 ["rank", "id", "source_id", "score", "title"])
    text += (f"\n{len(result.order)} unscreened, {len(labels)} labelled ({data['relevant_labelled']} relevant; "
             f"from {source}): {basis}")
    if n_dropped:
        text += f"\n{n_dropped} duplicate records left out (each group is ranked once, as its kept record)"
    if estimate and estimate["expected"] is not None:
        text += (f"\nexpected relevant among unscreened: {estimate['expected']:.1f} ({estimate['method']}; "
                 "a guide, see --json)")
    text += f"\nstopping guide: {advice.reason}"
    text += f"\nstopping rule: {rule.summary()}\n  assumes: {rule.assumption} ({rule.to_json()['citation']})"
    return Result(data, text)


def cmd_stop_screening(args: argparse.Namespace) -> Result:
    from cli.base import reviewer_name
    from screening.decisions import stop_screening

    args.labels = None
    rows, _members, stored = _review_rows(args)
    assert stored is not None
    rule = _rule_check(args, list(stored.values()), len(rows))
    if not rule.stop and not args.force:
        raise InputError(f"the stopping rule is not met: {rule.reason} (use --force to stop anyway; it is recorded)")
    note = rule.note()
    with open_for(args) as db:
        n = stop_screening(db, "title_abstract", reviewer_name(args), note)
    data = {"stopped": True, "not_screened": n, "rule": rule.to_json(), "note": note, "forced": not rule.stop}
    return Result(data, f"screening stopped: {n} unscreened records excluded\n{note}")


def cmd_undo_stop(args: argparse.Namespace) -> Result:
    from cli.base import reviewer_name
    from screening.decisions import stopped_by_rule, undo_stop

    if not args.why.strip():
        raise InputError("say why the stop is undone: --why TEXT (it is kept in the decision log)")
    with open_for(args) as db:
        before = stopped_by_rule(db, "title_abstract")
        if before is None:
            raise InputError("title/abstract screening was not stopped by a rule: there is no stop to undo")
        n = undo_stop(db, "title_abstract", reviewer_name(args), args.why)
    data = {"undone": True, "records_back": n, "stop": before.to_json(), "why": args.why}
    return Result(data, f"stop undone: {n} records are unscreened again (the stop was by {before.by} at "
                        f"{before.at}: {before.rule.splitlines()[0]})")


def cmd_sample_rest(args: argparse.Namespace) -> Result:
    from cli.base import reviewer_name
    from screening.stop_sample import current_sample, end_sample, sample_order, start_sample

    who = reviewer_name(args)
    if args.end:
        with open_for(args) as db:
            if current_sample(db, "title_abstract", who) is None:
                raise InputError(f"{who} has no random sample in progress")
            end_sample(db, "title_abstract", who)
        return Result({"ended": True}, "random sample ended: ranked order again")
    args.labels = None
    rows, _members, stored = _review_rows(args)
    assert stored is not None
    with open_for(args) as db:
        sample = start_sample(db, "title_abstract", who, list(stored.values()), len(rows), seed=args.seed)
    order = [int(i) for i in sample_order([int(r[0]) for r in rows], sample.seed) if int(i) not in stored]
    data = {"sample": sample.to_json(), "order": order[:max(0, args.limit)]}
    text = (f"random sample started by {sample.started_by}: screen the records below in this order (seed "
            f"{sample.seed}); if the first {sample.planned:,} hold no relevant record, recall below "
            f"{sample.target_recall:.0%} is rejected with {sample.confidence:.0%} confidence\n"
            f"check it with: metasift rank REVIEW --sample-from {sample.sample_from}\n"
            + "\n".join(f"  #{rid}" for rid in data["order"]))
    return Result(data, text)
