"""``metasift protocol``: the review's protocol as a logged, versioned thing: show, history, export, import."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from cli.base import Result, add_json_arg, add_review_arg, open_for, reviewer_name, table
from db.errors import InputError


def _common(p: argparse.ArgumentParser) -> None:
    add_review_arg(p)
    add_json_arg(p)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("protocol")
    acts = p.add_subparsers(dest="protocol_command", metavar="ACTION", required=True)

    a = acts.add_parser("show", help="the current protocol: version, who stored it, what changed, its contents")
    _common(a)
    a.add_argument("--version", type=int, default=None, metavar="N", help="an earlier version instead")
    a.add_argument("--text", action="store_true", help="print the whole TOML text")
    a.set_defaults(handler=cmd_show)

    a = acts.add_parser("history", help="every protocol version: who, when, what changed")
    _common(a)
    a.set_defaults(handler=cmd_history)

    a = acts.add_parser("export", help="write the protocol (TOML) to a file")
    _common(a)
    a.add_argument("file", type=Path, metavar="FILE.toml")
    a.add_argument("--version", type=int, default=None, metavar="N", help="an earlier version instead")
    a.set_defaults(handler=cmd_export)

    a = acts.add_parser("import", help="store a protocol file as the review's next version (leads only)")
    _common(a)
    a.add_argument("file", type=Path, metavar="FILE.toml")
    a.add_argument("--summary", default="", help="what changed and why, in your words (stored with it)")
    a.add_argument("--reviewer", default=None, help="who stores it, on SQLite (default: $METASIFT_USER or $USER)")
    a.set_defaults(handler=cmd_import)


def _chosen(db: Any, number: int | None) -> tuple[int | None, str, Any]:
    """(version number, TOML text, the version's row or None) of the current or the asked-for version."""
    from db import protocol_store
    from screening.review_protocol import current_protocol

    if number is None:
        cur = current_protocol(db)
        row = protocol_store.version(db, cur.version) if cur.version is not None else None
        return cur.version, cur.text, row
    row = protocol_store.version(db, number)
    if row is None:
        have = [v.version for v in protocol_store.versions(db)]
        raise InputError(f"{db.name} has no protocol version {number} (versions: "
                         f"{', '.join(map(str, have)) or 'none; it uses the bundled alliance protocol'})")
    return row.version, row.text, row


def cmd_show(args: argparse.Namespace) -> Result:
    from screening.protocol import STAGE_LABELS, protocol_label, review_protocol
    from screening.review_protocol import VersionInfo

    with open_for(args) as db:
        number, text, row = _chosen(db, args.version)
        protocol = review_protocol(text, protocol_label(db.name, number))
    data: dict[str, Any] = {"version": number, "name": protocol.name, "title": protocol.title,
                            "stages": list(protocol.stages), "rule": protocol.rule,
                            "exclusion_reasons": {k: list(v) for k, v in protocol.exclusion_reasons.items()},
                            "criteria": list(protocol.criteria),
                            "keywords": {"include": list(protocol.include_keywords),
                                         "exclude": list(protocol.exclude_keywords)},
                            "text": text}
    if row is not None:
        data.update({k: v for k, v in VersionInfo.of(row).to_json().items() if k in ("who", "at", "summary")})
    head = (f"Protocol version {number} ({protocol.name}: {protocol.title})" if number is not None else
            f"The bundled protocol ({protocol.name}: {protocol.title}); no version stored in the review yet")
    lines = [head]
    if row is not None:
        lines.append(f"Stored by {row.who or '?'} at {row.at:%Y-%m-%d %H:%M}" if row.at else f"Stored by {row.who}")
        lines.append(f"What changed: {row.summary}")
    lines.append(f"Stages: {', '.join(STAGE_LABELS[s] for s in protocol.stages)}; decision rule: {protocol.rule}")
    for stage, reasons in protocol.exclusion_reasons.items():
        lines.append(f"Exclusion reasons ({STAGE_LABELS[stage]}): {'; '.join(reasons)}")
    lines.append(f"Criteria: {', '.join(protocol.criteria) or 'none'}")
    if args.text:
        lines += ["", text]
    return Result(data, "\n".join(lines))


def cmd_history(args: argparse.Namespace) -> Result:
    from db import protocol_store
    from screening.review_protocol import VersionInfo

    with open_for(args) as db:
        rows = protocol_store.versions(db)
    current = rows[-1].version if rows else None
    out = [VersionInfo.of(r, current) for r in rows]
    if not rows:
        return Result({"versions": []}, "No protocol version stored: the review uses the bundled alliance protocol")
    text = table([[r.version, r.name, r.who, (r.at or "")[:16].replace("T", " "), r.summary]
                  for r in out], ["version", "name", "by", "at", "what changed"])
    return Result({"versions": [r.to_json() for r in out]}, text)


def cmd_export(args: argparse.Namespace) -> Result:
    from extraction.atomic_write import atomic_path

    with open_for(args) as db:
        number, text, _row = _chosen(db, args.version)
    out = Path(args.file)
    with atomic_path(out) as tmp:
        tmp.write_text(text, encoding="utf-8")
    data = {"file": str(out), "version": number}
    return Result(data, f"Wrote protocol version {number if number is not None else '(bundled)'} to {out}")


def cmd_import(args: argparse.Namespace) -> Result:
    from extraction.protocol_check import check_protocol_text, store_protocol
    from screening.review_protocol import VersionInfo

    path = Path(args.file)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot be read: {exc.strerror}", file=str(path)) from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"is not UTF-8 text (byte {exc.start}): a protocol is a TOML text file",
                         file=str(path)) from exc
    check_protocol_text(text, str(path))  # before opening the review: a bad file names itself, nothing opened
    with open_for(args) as db:
        row = store_protocol(db, text, reviewer_name(args), args.summary, where=str(path))
    data = VersionInfo.of(row, row.version).to_json()
    return Result(data, f"Stored {path} as protocol version {row.version} ({row.name}). {row.summary}")
