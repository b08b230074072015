"""Commands for duplicates and shared samples: ``dedup``, ``duplicates``, ``samples``.

Records are named by their ``source_id``; when a source_id names several records (the same PMID from two
databases) give ``#<record id>`` instead. Output names records the same way.
"""

from __future__ import annotations

import argparse
from typing import Any

from cli.base import (
    Result,
    TerminalProgress,
    add_json_arg,
    add_review_arg,
    add_reviewer_arg,
    open_for,
    reviewer_name,
    table,
)
from db.engine import ReviewDB
from db.errors import InputError
from db.pair_log import PairDecision
from extraction import samples as sample_links
from screening import duplicate_clusters, duplicates
from screening.counts import review_counts, sample_components, shared_groups
from screening.decisions import group_map

PAIR_ACTIONS = ("confirm", "reject", "undo")
CLUSTER_ACTIONS = ("clusters", "cluster")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("dedup")
    add_review_arg(p)
    add_reviewer_arg(p, "who runs it")
    add_json_arg(p)
    p.set_defaults(handler=cmd_dedup)

    p = sub.add_parser("duplicates")
    add_review_arg(p)
    p.add_argument("action", choices=("list",) + PAIR_ACTIONS + CLUSTER_ACTIONS, nargs="?", default="list")
    p.add_argument("refs", nargs="*", metavar="RECORD",
                   help="two records (source_id or #<record id>); for `cluster`, the records that are one "
                        "study, several studies separated by `/` (the cluster's other records stay apart)")
    add_reviewer_arg(p, "who decides")
    add_json_arg(p)
    p.set_defaults(handler=cmd_duplicates)

    p = sub.add_parser("samples")
    add_review_arg(p)
    p.add_argument("action", choices=("list", "suggest") + PAIR_ACTIONS, nargs="?", default="list")
    p.add_argument("refs", nargs="*", metavar="RECORD", help="two records: source_id or #<record id>")
    add_reviewer_arg(p, "who decides")
    add_json_arg(p)
    p.set_defaults(handler=cmd_samples)


def _two(db: ReviewDB, args: argparse.Namespace) -> tuple[int, int]:
    if len(args.refs) != 2:
        raise InputError(f"{args.action} needs two records (source_id or #<record id>), got {len(args.refs)}")
    return duplicates.resolve(db, args.refs[0]), duplicates.resolve(db, args.refs[1])


def _no_refs(args: argparse.Namespace) -> None:
    if args.refs:
        raise InputError(f"{args.action} takes no records; did you mean confirm, reject or undo?")


def _label_groups(names: dict[int, str], groups: list[list[int]]) -> list[list[str]]:
    return [[names[m] for m in g] for g in groups]


def _dedup_document(db: ReviewDB, extra: dict[str, Any]) -> dict[str, Any]:
    """Current groups, pending candidates and the same queue as clusters, records named by source_id."""
    groups = duplicates.groups(db)
    pending = duplicates.queue(db)
    names = duplicates.labels(db, [m for g in groups for m in g] + [i for c in pending for i in c.ids])
    counts = review_counts(db, stages=()).duplicate_counts().to_json()
    data = {"groups": _label_groups(names, groups),
            "candidates": [c.to_json(names) for c in pending],
            # the same queue as decisions: one cluster per question (`duplicate_clusters.QueueCluster`)
            "clusters": [cl.to_json(names) for cl in duplicate_clusters.queue_clusters(db, pending, groups)],
            "records": counts["records"], "unique": counts["unique"], "duplicates": counts["duplicates"],
            "per_database": counts["per_database"]}
    data.update(extra)
    return data


def _dedup_text(data: dict[str, Any]) -> str:
    lines = [f"{data['records']} records, {data['unique']} unique, {data['duplicates']} duplicates merged"]
    for name, c in data["per_database"].items():
        lines.append(f"  {name}: {c['records']} records, {c['duplicates']} merged into another database's record")
    if data["groups"]:
        lines.append("Groups: " + "; ".join(" = ".join(g) for g in data["groups"]))
    if data["candidates"]:
        lines.append(table([[" / ".join(c["ids"]), f"{c['score']:.2f}" if c["score"] is not None else "",
                             ", ".join(c["differs"][:5])] for c in data["candidates"]],
                           ["candidate pair", "score", "fields that differ"]))
    return "\n".join(lines)


def cmd_dedup(args: argparse.Namespace) -> Result:
    with open_for(args) as db, TerminalProgress(enabled=None if not args.json else False) as bar:
        run = duplicates.run_dedup(db, reviewer_name(args), progress=bar)
        bar.finish()
        summary = run.to_json()
        data = _dedup_document(db, {k: summary[k] for k in ("message", "run_id", "stored", "auto_rejected")})
    return Result(data, run.message + "\n" + _dedup_text(data))


def _named(names: dict[int, str], entry: PairDecision) -> dict[str, Any]:
    """A pair decision as ``--json`` shows it, its records named by source_id."""
    return {**entry.to_json(), "ids": [names[entry.a], names[entry.b]]}


def _clusters_document(db: ReviewDB, extra: dict[str, Any]) -> dict[str, Any]:
    clusters = duplicate_clusters.queue_clusters(db)
    names = duplicates.labels(db, [i for cl in clusters for i in cl.ids])
    data: dict[str, Any] = {"clusters": [cl.to_json(names) for cl in clusters]}
    data.update(extra)
    return data


def _clusters_text(data: dict[str, Any]) -> str:
    if not data["clusters"]:
        return "the duplicate queue is empty"
    return table([[" / ".join(cl["ids"]), str(len(cl["pairs"])),
                   f"{cl['score']:.2f}" if cl["score"] is not None else ""] for cl in data["clusters"]],
                 ["cluster (one decision)", "candidate pairs", "best score"])


def _cmd_cluster(db: ReviewDB, args: argparse.Namespace) -> Result:
    if args.action == "clusters":
        _no_refs(args)
        data = _clusters_document(db, {})
        return Result(data, _clusters_text(data))
    parts: list[list[int]] = [[]]
    for ref in args.refs:
        if ref == "/":
            parts.append([])
        else:
            parts[-1].append(duplicates.resolve(db, ref))
    parts = [p for p in parts if p]
    done = duplicate_clusters.decide_cluster(db, parts, reviewer_name(args))
    data = _clusters_document(db, {"decided": done.to_json()})
    return Result(data, f"cluster of {len(done.ids)} records decided: {done.confirmed} pairs confirmed, "
                  f"{done.rejected} rejected\n" + _clusters_text(data))


def cmd_duplicates(args: argparse.Namespace) -> Result:
    with open_for(args) as db:
        if args.action in CLUSTER_ACTIONS:
            return _cmd_cluster(db, args)
        if args.action == "list":
            _no_refs(args)
            data = _dedup_document(db, {})
            return Result(data, _dedup_text(data))
        a, b = _two(db, args)
        action = {"confirm": duplicates.confirm, "reject": duplicates.reject, "undo": duplicates.undo}[args.action]
        action(db, a, b, reviewer_name(args))
        names = duplicates.labels(db, [a, b])
        hist = [_named(names, r) for r in duplicates.history(db, a, b)]
        data = _dedup_document(db, {"decision": hist[-1], "history": hist})
    last = data["decision"]
    return Result(data, f"{' / '.join(last['ids'])}: {last['decision']} by {last['who'] or '?'}\n"
                  + _dedup_text(data))


def _criteria_reader(title: str, abstract: str) -> int | None:
    """The screening criteria's sample-size reader (reads many wordings and languages)."""
    from screening.criteria import RecordText, assessor_for

    return assessor_for().sample_size.assess(RecordText.of(title, abstract)).extra.get("n")


def _samples_document(db: ReviewDB, suggestions: list[PairDecision], extra: dict[str, Any],
                      unstored: list[PairDecision] | None = None) -> dict[str, Any]:
    counts = review_counts(db, stages=())
    with db.session() as session:
        shared = shared_groups(sample_components(session), group_map(session))
    dup_groups = duplicates.groups(db)
    unstored = unstored or []
    names = duplicates.labels(db, [m for g in shared + dup_groups for m in g]
                              + [i for s in suggestions + unstored for i in s.ids])
    data = {"suggestions": [_named(names, s) for s in suggestions],
            "unstored_suggestions": [_named(names, s) for s in unstored],
            "shared_samples": _label_groups(names, shared), "duplicate_groups": _label_groups(names, dup_groups),
            "independent_samples": counts.samples, "records": counts.records, "unique": counts.unique}
    data.update(extra)
    return data


def _suggestion_lines(items: list[dict[str, Any]]) -> list[str]:
    return [f"  {' / '.join(s['ids'])} [{s['strength']}]: " + "; ".join(e["detail"] for e in s["evidence"])
            for s in items]


def _samples_text(data: dict[str, Any], review: str) -> str:
    lines = [f"{data['independent_samples']:,} independent samples from {data['records']:,} records "
             f"({data['unique']:,} unique after deduplication)"]
    if data["suggestions"]:
        lines.append(f"{len(data['suggestions']):,} suggested links to decide:")
        lines += _suggestion_lines(data["suggestions"])
    if data["unstored_suggestions"]:
        lines.append(f"{len(data['unstored_suggestions']):,} further links found now but not stored yet "
                     f"(run `metasift samples {review} suggest` to store them for the Shared samples screen):")
        lines += _suggestion_lines(data["unstored_suggestions"])
    if not data["suggestions"] and not data["unstored_suggestions"]:
        lines.append("No suggested links: no two reports show evidence of one sample.")
    if data["shared_samples"]:
        lines.append(f"Shared samples ({len(data['shared_samples']):,}): "
                     + "; ".join(" + ".join(g) for g in data["shared_samples"]))
    if data["duplicate_groups"]:
        lines.append(f"Duplicate groups ({len(data['duplicate_groups']):,}) (each one record in several databases): "
                     + "; ".join(" = ".join(g) for g in data["duplicate_groups"]))
    return "\n".join(lines)


def cmd_samples(args: argparse.Namespace) -> Result:
    with open_for(args) as db:
        extra: dict[str, Any] = {}
        if args.action in ("list", "suggest"):
            _no_refs(args)
            if args.action == "suggest":
                found = sample_links.suggest_links(db, who="metasift", reader=_criteria_reader)
                unstored: list[dict[str, Any]] = []
            else:
                found = sample_links.suggestions(db)
                unstored = sample_links.unstored_suggestions(db, reader=_criteria_reader)
        else:
            a, b = _two(db, args)
            action = {"confirm": sample_links.confirm_link, "reject": sample_links.reject_link,
                      "undo": sample_links.undo_link}[args.action]
            action(db, a, b, reviewer_name(args))
            names = duplicates.labels(db, [a, b])
            hist = [_named(names, h) for h in sample_links.link_history(db, a, b)]
            extra = {"decision": hist[-1], "history": hist}
            found, unstored = sample_links.suggestions(db), []
        data = _samples_document(db, found, extra, unstored)
    text = _samples_text(data, args.review)
    if "decision" in data:
        d = data["decision"]
        text = f"{' / '.join(d['ids'])}: {d['decision']} by {d['who'] or '?'}\n" + text
    return Result(data, text)
