"""``metasift prisma``: the PRISMA 2020 flow diagram from the review's live counts."""

from __future__ import annotations

import argparse
from pathlib import Path

from cli.base import Result, add_json_arg, add_review_arg, open_for


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("prisma")
    add_review_arg(p)
    p.add_argument("--out", type=Path, default=None, metavar="FILE", help="diagram file (.png, .svg or .pdf)")
    add_json_arg(p)
    p.set_defaults(handler=cmd_prisma)


def cmd_prisma(args: argparse.Namespace) -> Result:
    from extraction.prisma import draw_prisma, prisma_counts
    from screening.protocol import STAGE_LABELS

    with open_for(args) as db:
        counts = prisma_counts(db)
        title = db.review().title
    data = counts.to_json()
    lines = [f"Records identified: {counts.identified:,} ("
             + ", ".join(f"{k} {v:,}" for k, v in counts.identified_per_database.items()) + ")",
             f"Duplicates removed: {counts.duplicates_removed:,}", f"Records screened: {counts.screened:,}",
             f"Records excluded: {counts.excluded_screening:,}"
             + (f" (of which {counts.stopped_unscreened:,} not screened: {counts.stopping_rule})"
                if counts.stopped_unscreened else ""), f"Reports sought: {counts.sought:,}",
             f"Reports not retrieved: {counts.not_retrieved:,}", f"Reports assessed: {counts.assessed:,}",
             "Reports excluded: " + (", ".join(f"{k} {v:,}" for k, v in counts.excluded_full_text.items()) or "none"),
             f"Reports included: {counts.reports_included:,}", f"Studies included: {counts.studies_included:,}"]
    if any(counts.awaiting.values()):
        lines.append("Awaiting a decision: " + ", ".join(f"{STAGE_LABELS.get(k, k).lower()} {v:,}"
                                                         for k, v in counts.awaiting.items()))
    if args.out is not None:
        out = draw_prisma(counts, args.out, title=title)
        data["out"] = str(out)
        lines.append(f"Wrote {out}")
    return Result(data, "\n".join(lines))
