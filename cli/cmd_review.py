"""Commands for the review itself: ``init``, ``import``, ``records``, ``activity``, ``formats`` (``status``:
`cli.cmd_status`)."""

from __future__ import annotations

import argparse
from functools import partial
from pathlib import Path

from sqlmodel import select

from cli.base import (
    Result,
    TerminalProgress,
    add_json_arg,
    add_review_arg,
    add_reviewer_arg,
    open_for,
    reviewer_name,
    table,
    with_login,
)
from db.changes import Stamp, changes_since
from db.engine import create_review, display_name
from db.errors import InputError
from db.models import ImportBatch, Record
from screening.decisions import blind_keep
from screening.importers import importers


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("init")
    add_review_arg(p)
    p.add_argument("--title", default=None, help="the review's title")
    p.add_argument("--protocol", type=Path, default=None,
                   help="protocol file (TOML) or a bundled protocol's name (alliance, cbt_depression); "
                        "default: alliance")
    add_json_arg(p)
    p.set_defaults(handler=cmd_init)

    p = sub.add_parser("import")
    add_review_arg(p)
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.add_argument("--source-db", default=None, help="the database searched (default: detected)")
    p.add_argument("--format", default=None, choices=sorted({i.name for i in importers()}),
                   help="force a format instead of detecting it")
    p.add_argument("--map", action="append", default=[], metavar="FIELD=COLUMN",
                   help="CSV/Excel column mapping, e.g. --map title='Article Title' (repeatable)")
    add_reviewer_arg(p, "who imports")
    p.add_argument("--skip-bad", action="store_true",
                   help="import the good files and list the refused ones (default: all files or none)")
    add_json_arg(p)
    p.set_defaults(handler=cmd_import)

    p = sub.add_parser("set-database")
    add_review_arg(p)
    p.add_argument("batch", type=int, metavar="BATCH_ID")
    p.add_argument("database", metavar="DATABASE", help="the database searched, e.g. PsycINFO or CINAHL")
    add_reviewer_arg(p, "who corrects it")
    add_json_arg(p)
    p.set_defaults(handler=cmd_set_database)

    p = sub.add_parser("activity")
    add_review_arg(p)
    p.add_argument("--since", default=None, metavar="STAMP",
                   help="the \"stamp\" of an earlier `activity --json` (JSON); default: from the start")
    p.add_argument("--exclude", default=None, metavar="NAME", help="leave out rows NAME wrote (yourself)")
    add_reviewer_arg(p, "who reads, for blind stages")
    add_json_arg(p)
    p.set_defaults(handler=cmd_activity)

    p = sub.add_parser("batches")
    add_review_arg(p)
    add_json_arg(p)
    p.set_defaults(handler=cmd_batches)

    p = sub.add_parser("undo-import")
    add_review_arg(p)
    p.add_argument("batch", type=int, metavar="BATCH_ID")
    add_reviewer_arg(p, "who undoes it")
    add_json_arg(p)
    p.set_defaults(handler=cmd_undo_import)

    p = sub.add_parser("records")
    add_review_arg(p)
    p.add_argument("--limit", type=int, default=None, help="at most N records")
    p.add_argument("--batch", type=int, default=None, help="only records of import batch N")
    add_json_arg(p)
    p.set_defaults(handler=cmd_records)


    p = sub.add_parser("formats")
    add_json_arg(p)
    p.set_defaults(handler=cmd_formats)


def cmd_init(args: argparse.Namespace) -> Result:
    from extraction.protocol_check import check_protocol_text
    from screening.protocol import Protocol, bundled_protocol_text, bundled_protocols, default_protocol_text

    def load_protocol_text(text: str, where: str) -> Protocol:  # the whole protocol, codebook included
        return check_protocol_text(text, where).protocol

    bundled = {b.key for b in bundled_protocols()}
    if args.protocol is not None and not args.protocol.exists() and str(args.protocol) in bundled:
        text = bundled_protocol_text(str(args.protocol))
        protocol = load_protocol_text(text, f"bundled protocol {args.protocol}")
    elif args.protocol is not None:
        try:
            text = args.protocol.read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot be read: {exc.strerror}", file=str(args.protocol)) from exc
        protocol = load_protocol_text(text, str(args.protocol))
    else:
        text = default_protocol_text()
        protocol = load_protocol_text(text, "default alliance protocol")
    title = args.title or protocol.title
    with_login(args.review, partial(create_review, title=title, protocol=text, protocol_name=protocol.name,
                                    by=reviewer_name(args))).close()
    data = {"review": display_name(args.review), "title": title, "protocol": protocol.name}
    return Result(data, f"Created review {data['review']!s} ({title}; protocol: {protocol.name})")


def _parse_mapping(items: list[str]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for item in items:
        if "=" not in item:
            raise InputError(f"--map {item!r}: expected FIELD=COLUMN, e.g. title='Article Title'")
        key, col = item.split("=", 1)
        mapping[key.strip()] = col.strip()
    return mapping


def cmd_import(args: argparse.Namespace) -> Result:
    from screening import importing  # here: ``status`` and ``--help`` need no importers

    bar = TerminalProgress(enabled=None if not args.json else False)
    options = {"mapping": _parse_mapping(args.map)} if args.map else {}
    refused: list[importing.Refused] = []
    with open_for(args) as db:
        try:
            if args.skip_bad:
                batches, refused = importing.import_good_files(
                    db, args.files, source_db=args.source_db, format=args.format, options=options,
                    who=reviewer_name(args), progress=bar)
            else:
                batches = importing.import_files(db, args.files, source_db=args.source_db, format=args.format,
                                                 options=options, who=reviewer_name(args), progress=bar)
        finally:
            bar.finish()
    data: dict = {"batches": [b.to_json() for b in batches], "total": sum(b.records for b in batches)}
    if args.skip_bad:
        data["refused"] = [{"file": r.file, "message": r.message} for r in refused]
    text = table([[b.file, b.format, b.source_db, b.records] for b in batches],
                 ["file", "format", "database", "records"]) + f"\n{data['total']} records imported"
    for b in batches:
        if b.source_db == "unknown":
            came = (f"; it was exported by {b.exported_by}, which is a screening tool or reference manager, "
                    "not a database") if b.exported_by else ""
            text += (f"\n{b.file}: database unknown: pass --source-db (or correct it now with "
                     f"`metasift set-database REVIEW {b.batch_id} NAME`){came}")
    warnings = [w for b in batches for w in b.warnings]
    if warnings:
        text += "\n" + "\n".join(f"warning: {w}" for w in warnings)
    if refused:
        text += f"\n{len(refused)} file{'s' if len(refused) > 1 else ''} refused:\n" + "\n".join(
            f"  {r.message}" for r in refused)
    return Result(data, text, exit_code=2 if refused and not batches else 0)


def cmd_set_database(args: argparse.Namespace) -> Result:
    from screening import importing  # here: ``status`` and ``--help`` need no importers

    with open_for(args) as db:
        data = importing.set_batch_database(db, args.batch, args.database, who=reviewer_name(args)).to_json()
    return Result(data, f"Batch {data['batch_id']} ({data['file']}): database {data['from']!r} -> "
                        f"{data['source_db']!r}")


def cmd_batches(args: argparse.Namespace) -> Result:
    from screening import importing  # here: ``status`` and ``--help`` need no importers

    with open_for(args) as db:
        rows = importing.batches(db)
    text = table([[b.batch_id, b.file, b.format, b.source_db, b.records,
                   f"{b.imported_at:%Y-%m-%d %H:%M}", b.imported_by, "yes" if b.can_undo else "no"]
                  for b in rows], ["batch", "file", "format", "database", "records", "imported", "by", "undo?"])
    return Result({"batches": [b.to_json() for b in rows]}, text)


def cmd_undo_import(args: argparse.Namespace) -> Result:
    from screening import importing  # here: ``status`` and ``--help`` need no importers

    with open_for(args) as db:
        data = importing.undo_batch(db, args.batch, who=reviewer_name(args)).to_json()
    return Result(data, f"Removed batch {data['batch_id']} ({data['file']}): {data['records_removed']} records")


def cmd_records(args: argparse.Namespace) -> Result:
    with open_for(args) as db:
        with db.session() as session:
            q = select(Record, ImportBatch.source_db, ImportBatch.file_name).join(
                ImportBatch, Record.batch_id == ImportBatch.id).order_by(Record.id)
            if args.batch is not None:
                q = q.where(Record.batch_id == args.batch)
            if args.limit is not None:
                q = q.limit(max(0, args.limit))
            rows = session.exec(q).all()
    out = []
    for rec, source_db, file_name in rows:
        out.append({"id": rec.id, "source_id": rec.source_id, "title": rec.title, "authors": rec.authors,
                    "year": rec.year, "journal": rec.journal, "volume": rec.volume, "issue": rec.issue,
                    "pages": rec.pages, "doi": rec.doi, "pmid": rec.pmid, "abstract": rec.abstract,
                    "keywords": rec.keywords, "language": rec.language, "pub_type": rec.pub_type,
                    "url": rec.url, "other_ids": rec.other_ids, "source_db": source_db,
                    "file": file_name, "batch_id": rec.batch_id})
    text = table([[r["id"], r["source_id"], r["year"] or "", (r["authors"][0] if r["authors"] else "")[:25],
                   r["title"][:70]] for r in out], ["id", "source_id", "year", "first author", "title"])
    return Result({"records": out, "count": len(out)}, text)


def cmd_activity(args: argparse.Namespace) -> Result:
    before = Stamp.parse(args.since) if args.since else Stamp({})
    with open_for(args) as db:
        with db.session() as session:
            keep = blind_keep(db, session)
        changes = changes_since(db, before, args.exclude, keep)
    data = {"stamp": changes.stamp.to_json(), "topics": changes.topics, "added": changes.added,
            "removed": changes.removed}
    return Result(data, changes.summary() or "no changes")


def cmd_formats(args: argparse.Namespace) -> Result:
    data = [{"name": i.name, "label": i.label, "suffixes": list(i.suffixes)} for i in importers()]
    return Result({"formats": data}, table([[d["name"], d["label"], " ".join(d["suffixes"])] for d in data],
                                           ["name", "format", "suffixes"]))
