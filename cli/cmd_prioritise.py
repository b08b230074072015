"""``metasift simulate`` (replay a labelled review with the ranker) and ``metasift rank`` (a review's
records in predicted order of relevance)."""

from __future__ import annotations

import argparse
import csv
import math
from pathlib import Path

from sqlmodel import select

from cli.base import Result, add_json_arg, add_review_arg, open_for, table
from db.errors import InputError
from db.models import Record
from screening.choices import DEFAULT_MODEL, MODELS


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("simulate")
    p.add_argument("file", type=Path, metavar="LABELED_FILE", help="CSV/XLSX/RIS with a 0/1 label column")
    p.add_argument("--seed", type=int, default=0, help="seed for the prior records and ties (default 0)")
    p.add_argument("--label", default="label_included", help="the 0/1 label column (default label_included)")
    p.add_argument("--model", default=DEFAULT_MODEL, choices=MODELS, help=f"classifier (default {DEFAULT_MODEL})")
    p.add_argument("--batch", type=int, default=1,
                   help="records screened between retrainings (default 1; 0 = growing batches)")
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
    add_json_arg(p)
    p.set_defaults(handler=cmd_rank)


def cmd_simulate(args: argparse.Namespace) -> Result:
    from screening.simulation import read_labelled, simulate

    data = read_labelled(args.file, args.label)
    if not data.labels:
        raise InputError(f"no record has a 0/1 value in column {args.label!r}", file=args.file.name)
    if args.batch < 0:
        raise InputError("--batch must be 0 (growing) or a positive number")
    res = simulate(data.texts, data.labels, seed=args.seed, batch=args.batch, model=args.model)
    out = {"file": args.file.name, "label": args.label, "unlabelled_skipped": data.unlabelled,
           **res.as_dict(), "priors": [data.ids[i] for i in res.priors]}
    m = res.metrics
    lines = [f"{args.file.name}: {m['n_records']} records, {m['n_relevant']} relevant "
             f"({data.unlabelled} without a label skipped)",
             f"model {m['model']}, seed {args.seed}, priors: {', '.join(out['priors'])} (1 relevant, 1 irrelevant)",
             f"WSS@95: {m['wss95']}   RRF@10: {m['rrf10']}   screened to 95%: {m['screened_to_95']}   "
             f"all found after: {m['screened_until_all_found']}   {m['seconds']} s",
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
    members of duplicate groups as (source_id, kept record id), and the labels from the decision store (kept
    record id -> 0/1 in screening order, the order of each record's first title/abstract decision; None
    with ``--labels``)."""
    from screening.decisions import group_map, stage_rows
    from screening.duplicates import groups
    from screening.outcomes import labels as decision_labels

    with open_for(args) as db:
        kept_of = {m: g[0] for g in groups(db) for m in g}
        with db.session() as session:
            everything = session.exec(select(Record.id, Record.source_id, Record.title, Record.abstract,
                                             Record.keywords).order_by(Record.id)).all()
            first: dict[int, int] = {}  # kept record -> id of its first title/abstract decision row
            if not args.labels:
                canon = group_map(session)
                for row in stage_rows(session, ["title_abstract"]):
                    first.setdefault(canon.get(row.record_id, row.record_id), int(row.id or 0))
        found = None if args.labels else decision_labels(db, stage="title_abstract")
    canon_all = {int(r[0]): kept_of.get(int(r[0]), int(r[0])) for r in everything}
    rows = [r for r in everything if canon_all[int(r[0])] == int(r[0])]
    members = [(r[1], canon_all[int(r[0])]) for r in everything if canon_all[int(r[0])] != int(r[0])]
    if found is None:
        return rows, members, None
    kept = sorted((rid for rid in found if canon_all.get(rid) == rid), key=lambda rid: (first.get(rid, 1 << 62), rid))
    return rows, members, {rid: found[rid] for rid in kept}


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
    advice = _no_nan(stopping_advice(list(labels.values()), len(rows), raw["expected"] if raw else None))
    estimate = _no_nan(raw) if raw else None
    limit = len(result.order) if args.limit is None else max(0, args.limit)
    out = [{"rank": k + 1, "id": rows[i][0], "source_id": rows[i][1], "title": rows[i][2],
            "score": round(s, 6)} for k, (i, s) in enumerate(zip(result.order[:limit], result.scores[:limit],
                                                                strict=True))]
    has_both = len(set(labels.values())) == 2
    basis = ("trained on" if has_both else "one class only, similarity to") if labels else "no labels: random order"
    data = {"records": out, "count": len(out), "unscreened": len(result.order), "labelled": len(labels),
            "relevant_labelled": sum(labels.values()), "labels_from": source,
            "duplicates_left_out": n_dropped, "model": args.model, "basis": basis,
            "estimate_remaining": estimate, "stopping_advice": advice}
    text = table([[r["rank"], r["id"], r["source_id"], f"{r['score']:.3f}", (r["title"] or "")[:70]] for r in out],
                 ["rank", "id", "source_id", "score", "title"])
    text += (f"\n{len(result.order)} unscreened, {len(labels)} labelled ({data['relevant_labelled']} relevant; "
             f"from {source}): {basis}")
    if n_dropped:
        text += f"\n{n_dropped} duplicate records left out (each group is ranked once, as its kept record)"
    if estimate and estimate["expected"] is not None:
        text += (f"\nexpected relevant among unscreened: {estimate['expected']:.1f} ({estimate['method']}; "
                 "a guide, see --json)")
    text += f"\nstopping guide: {advice['reason']}"
    return Result(data, text)
