"""``stats``: the statistics reported in a paper (a PDF, text or HTML file, or a record's attached PDF), with
page, p check and coding cues, as suggestions for the coder (see `extraction.statfinder`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from cli.base import Result, add_json_arg, open_for, table
from db.errors import InputError
from extraction import apa


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("stats", help="find the statistics a paper reports (r, t, F, chi2, z, d, OR, beta, Q, n)")
    p.add_argument("source", metavar="FILE|REVIEW",
                   help="a .pdf, .txt or .html file; or, with --record, a review file or postgresql:// URL")
    p.add_argument("--record", default=None, help="read this record's attached PDF (source_id or #<record id>)")
    p.add_argument("--sha256", default=None, help="with --record: which PDF, when it has several")
    p.add_argument("--kind", action="append", default=None, help="only these kinds (repeatable), e.g. --kind r")
    p.add_argument("--ocr", action="store_true",
                   help="read the PDF's pages without a text layer (scans, pictures) by OCR (needs Tesseract: "
                        "apt-get install tesseract-ocr); what is found there is marked OCR")
    p.add_argument("--reviewer", default=None, help=argparse.SUPPRESS)
    add_json_arg(p)
    p.set_defaults(handler=cmd_stats)


def cmd_stats(args: argparse.Namespace) -> Result:
    from extraction.coding import settings
    from extraction.statfinder.find import KINDS
    from extraction.statfinder.sources import read_paper, record_paper

    kinds = args.kind or list(KINDS)
    bad = [k for k in kinds if k not in KINDS]
    if bad:
        raise InputError(f"unknown kind {bad[0]!r}; expected one of {', '.join(KINDS)}")
    if args.record:
        from screening.duplicates import labels, resolve

        args.review = args.source
        with open_for(args) as db:
            rid = resolve(db, args.record)
            which, paper = record_paper(db, rid, args.sha256, args.ocr)
            found = paper.statistics(settings(db).codebook)
            source = {"record": labels(db, [rid])[rid], "record_id": rid,
                      "pdf": {**which, "pages_without_text": paper.without_text, "picture_pages": paper.pictures}}
    else:
        paper = read_paper(Path(args.source), args.ocr)
        found = paper.statistics()
        source = {"file": args.source}
    found = [s for s in found if s.kind in kinds]
    notes = paper.notes()
    data = {**source, "count": len(found), "pages_without_text": paper.without_text,
            "picture_pages": paper.pictures, "ocr_pages": sorted(paper.ocr), "notes": notes,
            "statistics": [s.to_json() for s in found]}
    rows = [[s.page, s.kind, s.raw[:48], "" if s.r is None else apa.bounded(s.r, 3), s.n or "",
             "; ".join(f"{k}={v['value']}" for k, v in s.cues.items() if k != "n")[:50],
             s.warning[:40]] for s in found]
    head = f"{len(found)} statistics found in {source.get('record') or args.source}"
    text = head + ("\n" + table(rows, ["page", "kind", "as reported", "r", "n", "cues", "warning"]) if rows else "")
    return Result(data, "\n".join([text, *notes]))
