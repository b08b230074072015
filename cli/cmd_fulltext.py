"""Full-text commands: ``attach`` (one PDF to a record, or a folder matched to records), ``detach``, ``pdf``.

PDFs are stored in the review itself (see `screening.fulltext.store`); ``pdf --out`` writes one back out.
"""

from __future__ import annotations

import argparse
from pathlib import Path

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
from db.errors import InputError
from screening.duplicates import labels as record_labels
from screening.duplicates import resolve as resolve_ref


class _Intermixed(argparse.ArgumentParser):
    """A sub-command parser that takes its positionals wherever they stand (``attach REVIEW --record R FILE``:
    plain argparse gives every positional its value before the first option, so FILE would be left over)."""

    _mixing = False

    def parse_known_args(self, args=None, namespace=None):  # noqa: ANN001, ANN201 - argparse's signature
        if self._mixing:
            return super().parse_known_args(args, namespace)
        self._mixing = True
        try:
            return self.parse_known_intermixed_args(args, namespace)
        finally:
            self._mixing = False


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("attach", help="store PDFs in the review: one on a record, or a folder matched to records")
    p.__class__ = _Intermixed
    add_review_arg(p)
    p.add_argument("file", nargs="?", metavar="FILE.pdf", help="the PDF to attach to --record")
    p.add_argument("--record", help="source_id or #<record id> (with FILE.pdf)")
    p.add_argument("--folder", metavar="DIR", help="attach every PDF of DIR, matched by DOI, else title+author+year")
    p.add_argument("--dry-run", action="store_true", help="with --folder: show the matches, attach nothing")
    add_reviewer_arg(p, "who attaches")
    add_json_arg(p)
    p.set_defaults(handler=cmd_attach)

    p = sub.add_parser("detach", help="take a PDF off a record (the PDF and the history stay in the review)")
    add_review_arg(p)
    p.add_argument("--record", required=True, help="source_id or #<record id>")
    p.add_argument("--sha256", default=None, help="which PDF, when the record has several (a prefix will do)")
    p.add_argument("--note", default="", help="why")
    add_reviewer_arg(p, "who detaches")
    add_json_arg(p)
    p.set_defaults(handler=cmd_detach)

    p = sub.add_parser("pdf", help="a record's PDFs and their history; --out writes one to a file")
    add_review_arg(p)
    p.add_argument("--record", required=True, help="source_id or #<record id>")
    p.add_argument("--out", metavar="FILE.pdf", default=None, help="write the (newest, or --sha256) PDF here")
    p.add_argument("--sha256", default=None, help="which PDF (a prefix will do)")
    add_json_arg(p)
    p.set_defaults(handler=cmd_pdf)


def cmd_attach(args: argparse.Namespace) -> Result:
    from screening.fulltext import matching, store

    if bool(args.folder) == bool(args.file):
        raise InputError("give either FILE.pdf with --record, or --folder DIR")
    if args.file and not args.record:
        raise InputError("attaching FILE.pdf needs --record R (or use --folder DIR to match records)")
    if args.dry_run and not args.folder:
        raise InputError("--dry-run goes with --folder")
    who = reviewer_name(args)
    with open_for(args) as db:
        if args.file:
            rid = resolve_ref(db, args.record)
            res = store.attach(db, rid, Path(args.file), who)
            name = record_labels(db, [rid])[rid]
            data = {**res.to_json(), "record": name}
            what = ("was already attached to" if res.already_attached else "attached to")
            stored = "stored" if res.stored else "already in the review (stored once)"
            return Result(data, f"{res.file_name} ({res.pages} pages, {res.size:,} bytes, {stored}) {what} "
                                f"{name} [sha256 {res.sha256[:12]}]")
        with TerminalProgress() as bar:
            found = matching.attach_folder(db, args.folder, who, dry_run=args.dry_run, progress=bar)
        names = record_labels(db, [m.record_id for m in found if m.record_id])
        rows = [m.to_json(names) for m in found]
        matched = [r for r in rows if r["record_id"]]
        unmatched = [r for r in rows if not r["record_id"]]
        data = {"folder": str(args.folder), "dry_run": args.dry_run, "matched": matched, "unmatched": unmatched}
        lines = [f"{len(matched)} of {len(rows)} PDFs matched a record"
                 + (" (dry run: nothing attached)" if args.dry_run else
                    f"; {sum(r['attached'] for r in matched)} attached")]
        if matched:
            lines.append(table([[r["file"], r["record"], r["how"], "; ".join(r["evidence"])] for r in matched],
                               ["file", "record", "by", "evidence"]))
        if unmatched:
            lines.append("matched nothing:")
            lines.extend(f"  {r['file']}: {r['problem']}" for r in unmatched)
        return Result(data, "\n".join(lines))


def cmd_detach(args: argparse.Namespace) -> Result:
    from screening.fulltext import store

    with open_for(args) as db:
        rid = resolve_ref(db, args.record)
        gone = store.detach(db, rid, reviewer_name(args), args.sha256, args.note)
        name = record_labels(db, [rid])[rid]
        return Result({**gone.to_json(), "record": name, "detached": True},
                      f"{gone.file_name} [sha256 {gone.sha256[:12]}] detached from {name} (kept in the history)")


def cmd_pdf(args: argparse.Namespace) -> Result:
    from screening.fulltext import store

    with open_for(args) as db:
        rid = resolve_ref(db, args.record)
        name = record_labels(db, [rid])[rid]
        if args.out:
            which, data = store.pdf_bytes(db, rid, args.sha256)
            out = Path(args.out)
            tmp = out.with_name(out.name + ".part")
            tmp.write_bytes(data)
            tmp.replace(out)
            return Result({**which.to_json(), "record": name, "out": str(out)},
                          f"wrote {which.file_name} ({which.pages} pages) of {name} to {out}")
        now = store.attached(db, rid)
        past = store.history(db, rid)
        data = {"record": name, "record_id": rid, "attached": [a.to_json() for a in now],
                "history": [h.to_json() for h in past]}
        lines = [f"{name}: {len(now)} PDF(s) attached"]
        if now:
            lines.append(table([[a.sha256[:12], a.file_name, a.pages, a.who, a.at[:19]] for a in now],
                               ["sha256", "file", "pages", "attached by", "at"]))
        if past:
            lines.append("history:")
            lines.extend(f"  {h.at[:19]} {h.who} {h.action} {h.file_name} [{h.sha256[:12]}]"
                         + (f" ({h.note})" if h.note else "") for h in past)
        return Result(data, "\n".join(lines))
