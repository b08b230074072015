"""``metasift demo``: build the demo review (imported exports) or the fully worked demo."""

from __future__ import annotations

import argparse
from contextlib import closing
from pathlib import Path

from cli.base import Result, add_json_arg


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo")
    p.add_argument("folder", type=Path, metavar="FOLDER")
    p.add_argument("--worked", action="store_true",
                   help="also screen, link and code it (every stage done), for trying pooling and plots")
    add_json_arg(p)
    p.set_defaults(handler=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> Result:
    if args.worked:
        from extraction.demo_worked import build_worked_demo

        build = build_worked_demo
    else:
        from screening.demo import build_demo_review as build
    with closing(build(args.folder)) as db:
        name = db.name
    return Result({"review": name, "worked": args.worked}, f"Demo review: {name}")
