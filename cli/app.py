"""Entry point of the `metasift` command: parse, dispatch, print, map errors to exit codes.

Exit status: 0 success, 2 bad input (`InputError`), 1 any other failure. No traceback unless
``--debug``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import sys
from collections.abc import Sequence

import cli
from db.credentials import redact
from db.errors import InputError, MetasiftError

# command modules in the order of a review's work (help lists them so); others follow alphabetically
_ORDER = ("cmd_review", "cmd_dedup", "cmd_assess", "cmd_prioritise", "cmd_screen", "cmd_team", "cmd_extract",
          "cmd_effects", "cmd_pool", "cmd_prisma", "cmd_demo", "cmd_fulltext", "cmd_stats")


COMMANDS = {
    "init": "cmd_review", "import": "cmd_review", "batches": "cmd_review", "undo-import": "cmd_review",
    "records": "cmd_review", "status": "cmd_review", "activity": "cmd_review", "formats": "cmd_review",
    "dedup": "cmd_dedup", "duplicates": "cmd_dedup", "samples": "cmd_dedup", "assess": "cmd_assess",
    "simulate": "cmd_prioritise", "rank": "cmd_prioritise", "stop-screening": "cmd_prioritise",
    "screen": "cmd_screen", "undo": "cmd_screen", "resolve": "cmd_screen", "conflicts": "cmd_screen",
    "agreement": "cmd_screen", "history": "cmd_screen", "team": "cmd_team",
    "code": "cmd_extract", "effects": "cmd_extract", "disagreements": "cmd_extract", "reconcile": "cmd_extract",
    "studies": "cmd_extract", "export": "cmd_extract", "convert": "cmd_effects", "aggregate": "cmd_effects",
    "pool": "cmd_pool", "plot": "cmd_pool", "prisma": "cmd_prisma", "demo": "cmd_demo",
    "attach": "cmd_fulltext", "detach": "cmd_fulltext", "pdf": "cmd_fulltext", "stats": "cmd_stats",
    "set-database": "cmd_review", "diagnose": "cmd_pool", "multilevel": "cmd_pool",
    "queue": "cmd_screen", "worklist": "cmd_extract",
}
"""Command -> the module that defines it: a command imports only its own module (the statistics, plotting and
machine-learning libraries take seconds to load). A test checks this table against the modules."""


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; with ``command`` (a known command name) only that command's module is loaded."""
    parser = argparse.ArgumentParser(
        prog="metasift",
        description="MetaSift: from database search exports to a pooled effect size.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    if command in COMMANDS:
        names = [COMMANDS[command]]
    else:
        names = [m.name for m in pkgutil.iter_modules(cli.__path__) if m.name.startswith("cmd_")]
    for name in sorted(names, key=lambda n: (_ORDER.index(n) if n in _ORDER else len(_ORDER), n)):
        importlib.import_module(f"cli.{name}").register(sub)
    return parser


def _command_of(argv: Sequence[str]) -> str | None:
    """The command name in ``argv`` (the first word that is not an option), if any."""
    return next((a for a in argv if not a.startswith("-")), None)


def _print_json(data: object) -> None:
    sys.stdout.write(redact(json.dumps(data, ensure_ascii=False, indent=2, default=str)))
    sys.stdout.write("\n")


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(_command_of(argv))
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        result = args.handler(args)
    except KeyboardInterrupt:
        print("metasift: interrupted; nothing of the unfinished step was stored", file=sys.stderr)
        return 130
    except InputError as exc:
        if args.debug:
            raise
        print(f"metasift: error: {redact(exc)}", file=sys.stderr)
        return 2
    except MetasiftError as exc:
        if args.debug:
            raise
        print(f"metasift: error: {redact(exc)}", file=sys.stderr)
        return exc.exit_code
    except Exception as exc:  # noqa: BLE001 - the user gets one line, --debug gives the traceback
        if args.debug:
            raise
        print(f"metasift: internal error: {type(exc).__name__}: {redact(exc)} (run with --debug for details)",
              file=sys.stderr)
        return 1
    try:
        if getattr(args, "json", False):
            _print_json(result.data)
        elif result.text:
            print(redact(result.text))
        sys.stdout.flush()
    except BrokenPipeError:  # the reader stopped early (``| head``): the work is done, nothing more to say
        _quiet_stdout()
    return result.exit_code


def _quiet_stdout() -> None:
    """Point stdout at the null device so the interpreter's final flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real file descriptor (captured output): nothing to quiet
        pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
