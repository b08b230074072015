"""The ``team`` command: the roster (add, list, role, remove), unblinding, work allocation and progress.

Changing the team needs the lead role. On PostgreSQL MetaSift knows the acting member from the login;
on SQLite from ``--reviewer`` / ``$METASIFT_USER`` (there the roster is a convenience, not a lock).
"""

from __future__ import annotations

import argparse
from typing import Any

from sqlmodel import select

from cli.base import Result, add_json_arg, add_review_arg, add_reviewer_arg, open_for, reviewer_name, table
from db.errors import InputError
from db.models import ROLES, Record
from screening import team
from screening.decisions import group_map
from screening.protocol import STAGES


def _common(p: argparse.ArgumentParser) -> None:
    add_review_arg(p)
    add_reviewer_arg(p, "who acts, on SQLite")
    add_json_arg(p)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("team", help="the review's team: members and roles, blind stages, allocation (leads)")
    acts = p.add_subparsers(dest="team_command", metavar="ACTION", required=True)

    a = acts.add_parser("add", help="add a member (leads only)")
    _common(a)
    a.add_argument("--name", required=True, help="the member's name as shown")
    a.add_argument("--role", action="append", required=True, choices=ROLES, help="a role (repeat for several)")
    a.add_argument("--login", default="", help="their PostgreSQL login (on a server: so they connect as themselves)")
    a.add_argument("--create-login", action="store_true",
                   help="create the login first (needs CREATEROLE); at a terminal it asks for the login's first "
                        "password (twice), which is sent as a SCRAM verifier, never as text")
    a.add_argument("--password-stdin", action="store_true",
                   help="with --create-login: read the new login's password from the first line of stdin")
    a.set_defaults(handler=cmd_add)

    a = acts.add_parser("list", help="the roster")
    _common(a)
    a.add_argument("--all", action="store_true", help="also members who were removed")
    a.set_defaults(handler=cmd_list)

    a = acts.add_parser("role", help="set a member's roles (leads only)")
    _common(a)
    a.add_argument("--name", required=True)
    a.add_argument("--role", action="append", required=True, choices=ROLES)
    a.set_defaults(handler=cmd_role)

    a = acts.add_parser("remove", help="take a member off the team (their decisions stay theirs; leads only)")
    _common(a)
    a.add_argument("--name", required=True)
    a.set_defaults(handler=cmd_remove)

    a = acts.add_parser("unblind", help="show every member's votes at a stage (a logged act; leads only)")
    _common(a)
    a.add_argument("--stage", required=True, choices=STAGES)
    a.set_defaults(handler=cmd_unblind)

    a = acts.add_parser("assign", help="give records to screeners, balanced (leads only)")
    _common(a)
    a.add_argument("--to", action="append", required=True, metavar="NAME", help="a screener (repeat)")
    a.add_argument("--stage", choices=STAGES, default="title_abstract")
    which = a.add_mutually_exclusive_group(required=True)
    which.add_argument("--all", action="store_true", help="every record (one per duplicate group)")
    which.add_argument("--count", type=int, metavar="N", help="the next N records nobody holds at the stage")
    which.add_argument("--batch", type=int, metavar="BATCH_ID", help="the records of one import batch")
    a.add_argument("--per-record", type=int, default=1, metavar="K",
                   help="how many of the screeners get each record (2: dual screening)")
    a.add_argument("--label", default="", help="a name for this allocation")
    a.set_defaults(handler=cmd_assign)

    a = acts.add_parser("progress", help="per member and stage: assigned, done, voted")
    _common(a)
    a.set_defaults(handler=cmd_progress)


def _seat_rows(seats: list[team.Seat]) -> str:
    return table([[s.name, s.identity, ", ".join(s.roles), s.login or "-", "member" if s.active else "removed"]
                  for s in seats], ["name", "identity", "roles", "login", "status"])


def _new_login_password(args: argparse.Namespace) -> str | None:
    """The first password of a login ``team add --create-login`` makes: stdin's first line with
    ``--password-stdin``, else asked twice at a terminal, else None (the login gets no password)."""
    import sys

    if args.password_stdin:
        if not args.create_login:
            raise InputError("--password-stdin sets the password of a login MetaSift creates: add --create-login")
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise InputError("--password-stdin: the first line of stdin is empty; expected the new login's password")
        return line
    if not args.create_login or not args.login or not sys.stdin.isatty():
        return None
    import getpass

    first = getpass.getpass(f"first password for the new login {args.login}: ")
    if not first:
        return None
    if getpass.getpass("the same password again: ") != first:
        raise InputError("the two passwords differ; nothing was changed")
    return first


def cmd_add(args: argparse.Namespace) -> Result:
    password = _new_login_password(args)
    with open_for(args) as db:
        seat = team.add(db, reviewer_name(args), args.name, args.role, args.login, args.create_login, password)
    text = f"added {seat.name} ({', '.join(seat.roles)})"
    if args.create_login and password is None:
        text += (f"; the new login {args.login} has no password yet: set one with psql's \\password {args.login} "
                 "as the server's administrator")
    return Result({"member": seat.to_json(), "login_password_set": password is not None}, text)


def cmd_list(args: argparse.Namespace) -> Result:
    with open_for(args) as db:
        seats = team.roster(db, include_removed=args.all)
    return Result({"members": [s.to_json() for s in seats]}, _seat_rows(seats) if seats else "no members yet")


def cmd_role(args: argparse.Namespace) -> Result:
    with open_for(args) as db:
        seat = team.set_roles(db, reviewer_name(args), args.name, args.role)
    return Result({"member": seat.to_json()}, f"{seat.name} is now {', '.join(seat.roles)}")


def cmd_remove(args: argparse.Namespace) -> Result:
    with open_for(args) as db:
        seat = team.remove(db, reviewer_name(args), args.name)
    return Result({"member": seat.to_json()}, f"{seat.name} was taken off the team")


def cmd_unblind(args: argparse.Namespace) -> Result:
    with open_for(args) as db:
        done = team.unblind(db, reviewer_name(args), args.stage)
    return Result(done.to_json(), f"{done.stage} is unblinded: every member now sees every vote there")


def _records(db: Any, args: argparse.Namespace) -> list[int]:
    """The kept records (one per duplicate group) the allocation covers, in id order."""
    from db.models import Assignment

    with db.session() as session:
        canon = group_map(session)
        q = select(Record.id).order_by(Record.id)
        if args.batch is not None:
            q = q.where(Record.batch_id == args.batch)
        ids = [int(i) for i in session.exec(q) if i is not None and canon.get(int(i), int(i)) == int(i)]
        if args.count is not None:
            held = set(session.exec(select(Assignment.record_id).where(Assignment.stage == args.stage)))
            ids = [i for i in ids if i not in held][:max(0, args.count)]
    if args.batch is not None and not ids:
        raise InputError(f"import batch {args.batch} has no records (see `metasift batches`)")
    return ids


def cmd_assign(args: argparse.Namespace) -> Result:
    with open_for(args) as db:
        given = team.assign(db, reviewer_name(args), args.to, args.stage, _records(db, args), args.per_record,
                            args.label)
    text = f"{given.records} records at {args.stage}: " + ", ".join(f"{who} {n}" for who, n in given.given.items())
    return Result(given.to_json(), text)


def cmd_progress(args: argparse.Namespace) -> Result:
    with open_for(args) as db:
        rows = team.progress(db)
    text = table([[r.name, r.stage, r.assigned, r.done_of_assigned, r.voted] for r in rows],
                 ["member", "stage", "assigned", "done", "voted"]) if rows else "no members yet"
    return Result({"progress": [r.to_json() for r in rows]}, text)
