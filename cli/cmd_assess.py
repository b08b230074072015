"""``metasift assess``: check every unique record (a duplicate group once, as its kept record) against the
review protocol's criteria and suggest include / exclude / unclear, with the evidence behind each verdict.
Suggestions decide nothing."""

from __future__ import annotations

import argparse
from collections import Counter

from sqlmodel import select

from cli.base import Result, TerminalProgress, add_json_arg, add_review_arg, open_for, table
from db.models import Record
from db.pair_log import components, merged_pairs
from screening.criteria import assessor_for
from screening.review_protocol import protocol_of

BATCH = 2000


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("assess")
    add_review_arg(p)
    p.add_argument("--limit", type=int, default=None, help="at most N records")
    add_json_arg(p)
    p.set_defaults(handler=cmd_assess)


def cmd_assess(args: argparse.Namespace) -> Result:
    bar = TerminalProgress(enabled=None if not args.json else False)
    out: list[dict] = []
    with open_for(args) as db:
        try:
            protocol = protocol_of(db)
            assessor = assessor_for(protocol)
            with db.session() as session:
                merged = {m for g in components(merged_pairs(session)) for m in g[1:]}
                q = select(Record.id, Record.source_id, Record.title, Record.abstract, Record.keywords,
                           Record.year, Record.language).order_by(Record.id)
                rows = [r for r in session.exec(q) if r[0] not in merged]
                if args.limit is not None:
                    rows = rows[:max(0, args.limit)]
            for i, (_rid, source_id, title, abstract, keywords, year, language) in enumerate(rows, 1):
                a = assessor.assess(title, abstract, keywords, year=year, language=language)
                out.append({"source_id": source_id, "title": title, **a.to_json()})
                if i % BATCH == 0:
                    bar(i, len(rows), f"{i} records assessed")
            bar(len(rows), len(rows), f"{len(rows)} records assessed")
        finally:
            bar.finish()
    counts = Counter(r["suggestion"] for r in out)
    text_rows = [[r["source_id"], r["suggestion"],
                  " ".join(f"{k}={v['verdict']}" for k, v in r["criteria"].items()),
                  (r["title"] or "")[:60]] for r in out]
    text = table(text_rows, ["source_id", "suggestion", "criteria", "title"]) + (
        f"\n{len(out):,} unique records (duplicates count once): "
        + ", ".join(f"{counts[s]:,} {s}" for s in ("include", "unclear", "exclude"))
        + f" (protocol: {protocol.name}; suggestions only, nothing was decided)")
    return Result({"records": out, "protocol": protocol.name, "counts": dict(counts)}, text)
