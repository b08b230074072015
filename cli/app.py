"""Entry point of the `metasift` command: parse, dispatch, print, map errors to exit codes.

Exit status: 0 success, 2 bad input (`InputError`), 1 any other failure. No traceback unless
``--debug``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

from db.credentials import redact
from db.errors import InputError, MetasiftError


class Command(NamedTuple):
    module: str  # the cli/ module whose register(sub) defines the command's arguments and handler
    help: str  # the line ``metasift --help`` shows


# Every command, in the order of a review's work (``--help`` lists them so). The one registration table:
# ``--help`` and an unknown command are answered from it without importing any command module (they load
# the statistics, plotting and machine-learning libraries); a known command imports only its own module, whose
# ``register(sub)`` adds the arguments (its help line comes from here). A test checks it against the modules.
COMMANDS: dict[str, Command] = {
    "init": Command("cmd_review", "create a new review (SQLite file or PostgreSQL URL)"),
    "import": Command("cmd_review", "import database export files (format detected by content)"),
    "set-database": Command("cmd_review", "correct the database an imported file came from (PRISMA follows)"),
    "activity": Command("cmd_review", "who added what: so far, or since a stamp an earlier call printed"),
    "batches": Command("cmd_review", "the import history (one row per imported file)"),
    "undo-import": Command("cmd_review", "remove an imported file's records (only before anyone worked on them)"),
    "records": Command("cmd_review", "list the review's records"),
    "status": Command("cmd_status", "counts for every stage of the review"),
    "formats": Command("cmd_review", "list the import formats MetaSift reads"),
    "protocol": Command("cmd_protocol", "the review's protocol: show it, its history (who changed what, when), "
                        "export it to TOML, import a new version (leads)"),
    "dedup": Command("cmd_dedup", "find duplicate records and store automatic merges and candidates"),
    "duplicates": Command("cmd_dedup", "list duplicate groups and candidates; confirm, reject or undo a pair"),
    "samples": Command("cmd_dedup", "reports that share one sample: suggest, confirm, reject or undo links"),
    "assess": Command("cmd_assess", "check unique records against the protocol's criteria and suggest a decision"),
    "simulate": Command("cmd_prioritise", "replay a labelled review: how early the ranker finds the relevant records"),
    "rank": Command("cmd_prioritise", "the review's unscreened records, most likely relevant first"),
    "stop-screening": Command("cmd_prioritise", "end title/abstract screening by a stopping rule: the records "
                              "nobody screened are excluded, with the rule, in the decision log"),
    "sample-rest": Command("cmd_prioritise", "start (or end) a random sample of the records not screened yet, the "
                           "exact form of the hypergeometric stopping rule (logged)"),
    "undo-stop": Command("cmd_prioritise", "withdraw a stop by a stopping rule (logged with who, when and why): "
                         "the records it excluded are unscreened again"),
    "screen": Command("cmd_screen", "record a screening decision (include, exclude or maybe)"),
    "undo": Command("cmd_screen", "withdraw your latest screening decision (the one before applies again)"),
    "resolve": Command("cmd_screen", "resolve a screening conflict (third reviewer or consensus)"),
    "conflicts": Command("cmd_screen", "records whose reviewers disagree (or said maybe)"),
    "agreement": Command("cmd_screen", "inter-rater agreement per reviewer pair (percent, kappa, AC1)"),
    "queue": Command("cmd_screen", "what a reviewer screens at a stage: decided so far and still open"),
    "history": Command("cmd_screen", "every screening decision on a record, oldest first"),
    "attach": Command("cmd_fulltext", "store PDFs in the review: one on a record, or a folder matched to records"),
    "detach": Command("cmd_fulltext", "take a PDF off a record (the PDF and its history stay in the review)"),
    "pdf": Command("cmd_fulltext", "a record's PDFs and their history; --out writes one to a file"),
    "team": Command("cmd_team", "the review's team: members and roles, blind stages, allocation (leads)"),
    "worklist": Command("cmd_extract", "the reports to code: included at full text, with sample and coders"),
    "stats": Command("cmd_stats", "the statistics a paper reports (r, t, F, chi2, z, d, OR, beta, n), with pages"),
    "code": Command("cmd_extract", "code an effect size of a report (converted to r, checked by the codebook)"),
    "effects": Command("cmd_extract", "list the coded effect sizes (current versions)"),
    "disagreements": Command("cmd_extract", "where two coders of a report differ, and their agreement"),
    "reconcile": Command("cmd_extract", "store the reconciled coding of a double-coded effect"),
    "studies": Command("cmd_extract", "the study table: one aggregated effect per independent sample"),
    "export": Command("cmd_extract", "export records, effects, studies or decisions (xlsx, csv), included "
                      "records (ris), or the analysis as a metafor script (analysis.R)"),
    "convert": Command("cmd_effects", "convert a reported statistic (t, F, d, chi2, p, OR, z, ztest) to r"),
    "aggregate": Command("cmd_effects", "one correlation per independent sample (CSV or Excel file)"),
    "pool": Command("cmd_pool", "pool correlations (Fisher z, random effects) from a study table"),
    "plot": Command("cmd_pool", "draw a forest or funnel plot of a study table"),
    "diagnose": Command("cmd_pool", "leave-one-out, cumulative, influence or publication-bias diagnostics"),
    "multilevel": Command("cmd_pool", "three-level model (effects within samples within studies, as metafor's "
                          "rma.mv) with cluster-robust SEs"),
    "prisma": Command("cmd_prisma", "PRISMA 2020 flow diagram (PNG, SVG or PDF) from the review's counts"),
    "demo": Command("cmd_demo", "build the demo review (fictional alliance studies) in a folder"),
}


class _Registry:
    """What a module's ``register(sub)`` receives: ``add_parser(name)`` adds the command with the table's help
    line, in the table's place; a command missing from the table is refused (add it there)."""

    def __init__(self, sub: argparse._SubParsersAction, wanted: str | None) -> None:
        self._sub, self._wanted = sub, wanted
        self.parsers: dict[str, argparse.ArgumentParser] = {}

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser:
        if name not in COMMANDS:
            raise KeyError(f"command {name!r} is not in cli.app.COMMANDS")
        if self._wanted is not None and name != self._wanted:
            return argparse.ArgumentParser(add_help=False)  # another command of the module: not offered now
        kwargs.pop("help", None)  # the table's line is the one shown
        help_line = COMMANDS[name].help
        self.parsers[name] = self._sub.add_parser(name, help=help_line, description=help_line, **kwargs)
        return self.parsers[name]


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser. With ``command`` (a known command name) only that command's module is imported and its
    arguments are complete; without, every command is listed from `COMMANDS` (enough for ``--help`` and for
    an unknown command's error) and no command module is imported."""
    parser = argparse.ArgumentParser(
        prog="metasift",
        description="MetaSift: from database search exports to a pooled effect size.",
        epilog="`metasift COMMAND --help` shows the arguments of one command.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    if command in COMMANDS:
        importlib.import_module(f"cli.{COMMANDS[command].module}").register(_Registry(sub, command))
    else:
        for name, entry in COMMANDS.items():
            sub.add_parser(name, help=entry.help, add_help=False)
    return parser


def _command_of(argv: Sequence[str]) -> str | None:
    """The command name in ``argv`` (the first word that is not an option), if any."""
    return next((a for a in argv if not a.startswith("-")), None)


def _damage(args: argparse.Namespace) -> str | None:
    """After an unexpected error: the review file's first failed check (`db.health.diagnose`), if it is a
    SQLite review that is damaged."""
    target = getattr(args, "review", None)
    if not isinstance(target, str) or "://" in target or not os.path.isfile(target):
        return None
    from db.health import diagnose

    found = diagnose(Path(target))
    return f"{target} is damaged ({found}); restore it from a backup" if found else None


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
        damage = _damage(args)
        if damage:
            print(f"metasift: error: {redact(damage)}", file=sys.stderr)
            return 1
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
