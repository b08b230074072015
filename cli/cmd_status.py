"""``metasift status``: the counts of every stage (`screening.status`), within half a second: read through the
database driver alone when that gives the same answer, else from the review opened the normal way."""

from __future__ import annotations

import argparse
from typing import Any

from cli.base import Result, add_json_arg, add_review_arg, open_for, reviewer_name


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("status")
    add_review_arg(p)
    add_json_arg(p)
    p.set_defaults(handler=cmd_status)


def status_text(data: dict[str, Any]) -> str:
    """The status document as a person reads it (counts with thousands separators, stages by their labels)."""
    from screening.protocol import STAGE_LABELS

    dup_db = data["duplicates_per_database"]
    lines = [f"Review: {data['title']} ({data['review']})",
             f"Records: {data['records']:,} in {data['batches']:,} import batches"]
    lines += [f"  {db}: {n:,}" + (f" ({dup_db[db]:,} merged into another record)" if dup_db.get(db) else "")
              for db, n in data["records_per_database"].items()]
    lines.append(f"Unique records: {data['unique']:,} ({data['duplicates']:,} duplicates merged in "
                 f"{data['duplicate_groups']:,} groups)")
    lines.append(f"Independent samples: {data['independent_samples']:,} ({data['shared_samples']:,} shared by "
                 f"several reports)")
    lines.append(f"Screening decisions: {data['decisions']:,}")
    for stage, c in data["screening"].items():
        lines.append(f"{STAGE_LABELS.get(stage, stage)} (unique records): {c['included']:,} included, "
                     f"{c['excluded']:,} excluded, {c['conflicts']:,} in conflict, {c['pending']:,} pending")
        lines += [f"  excluded: {reason}: {n:,}" for reason, n in c["excluded_by_reason"].items()]
    return "\n".join(lines)


def cmd_status(args: argparse.Namespace) -> Result:
    from screening.status import direct_status, review_status

    status = direct_status(args.review, reviewer_name(args))
    if status is None:
        with open_for(args) as db:
            status = review_status(db)
    data = status.to_json()
    return Result(data, status_text(data))
