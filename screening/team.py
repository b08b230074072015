"""The review's team: who is who (the roster and its roles), who may do what, and what a blind member may see.

* **Identity.** Every decision and coded value refers to a `Member`; a typed name counts only through its
  normalised identity (`db.identity`), so "Ann", "ANN" and " ann " are one person and a name with an
  invisible character is refused.
* **Who is acting.** On PostgreSQL a member is their database login: `acting` looks the session's
  ``current_user`` up in the roster and ignores any name the client sends. The review's owner (or a
  superuser) bypasses the server's row-level security anyway, so it may act for a named member (scripts,
  migration). On SQLite the typed name is taken at its word: there the roster is a convenience, not a
  security boundary.
* **An open roster.** A review whose roster nobody has managed yet (no ``team add``, not migrated) is one
  person's: a new name joins as lead, screener and coder when it first acts. Once a lead manages the roster,
  unknown names are refused and roles are checked.
* **Blind stages.** Every stage is blind until a lead unblinds it (a logged `TeamEvent`). At a blind stage
  a member who is not a lead sees another member's rows on a record only once their own vote on it is in
  force. `visible_filter` applies that rule to rows read by MetaSift (SQLite, or an administrator's
  connection); on PostgreSQL the server's policies (`db.pg_security`) apply the same rule to every member.
* Every act on the team (add, roles, remove, unblind, assign) is a row of the append-only ``team_event``
  log, which `db.changes` reports like any other change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import func, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col, select

from db.engine import ReviewDB
from db.errors import InputError, MetasiftError
from db.identity import display, identity
from db.models import ROLES, Assignment, Member, ScreeningDecision, TeamEvent
from screening.blind import MANAGED_BY, sees_everything

OPEN_ROLES = "lead,screener,coder"
T = TypeVar("T")


class PermissionRefused(MetasiftError):
    """The acting member's role does not allow the act (MetaSift's check, or the server's refusal)."""

    exit_code = 3


def roles_text(roles: Iterable[str]) -> str:
    """Roles as stored: known roles only, in `ROLES` order, comma-joined; `InputError` for an unknown one."""
    wanted = {r.strip().lower() for r in roles if r.strip()}
    unknown = sorted(wanted - set(ROLES))
    if unknown:
        raise InputError(f"unknown role(s) {', '.join(unknown)}; roles: {', '.join(ROLES)}")
    if not wanted:
        raise InputError(f"give at least one role ({', '.join(ROLES)})")
    return ",".join(r for r in ROLES if r in wanted)


# --- who is acting --------------------------------------------------------------------------------------

def is_postgres(db: ReviewDB) -> bool:
    return not db.is_sqlite


def session_login(session: Session) -> str:
    return str(session.exec(text("SELECT current_user")).scalar_one())  # type: ignore[call-overload]


def is_admin(db: ReviewDB, session: Session) -> bool:
    """False on SQLite (names count there); on PostgreSQL: the login owns the review's tables or is a
    superuser (asked once per open review: a connection's login does not change)."""
    if db.is_sqlite:
        return False
    if "admin" not in db.facts:
        from db import pg_security

        db.facts["admin"] = pg_security.is_admin(session.connection())
    return bool(db.facts["admin"])


def _login(db: ReviewDB, session: Session) -> str:
    if "login" not in db.facts:
        db.facts["login"] = session_login(session)
    return str(db.facts["login"])


def managed(session: Session) -> bool:
    """True once a lead has managed the roster (or it was made at migration)."""
    return session.exec(select(TeamEvent.id).where(col(TeamEvent.kind).in_(MANAGED_BY)).limit(1)).first() is not None


def find(session: Session, name: str) -> Member | None:
    """The member whose identity is ``name``'s (active or not), or None."""
    return session.exec(select(Member).where(Member.identity == identity(name))).first()


def acting(db: ReviewDB, session: Session, claimed: str | None, *, enrol: bool = True) -> Member:
    """The member doing the work in this session (see the module docstring); `InputError` when unknown."""
    if is_postgres(db) and not is_admin(db, session):
        login = _login(db, session)
        row = session.exec(select(Member).where(Member.login == login, Member.active == True)).first()  # noqa: E712
        if row is None:
            raise PermissionRefused(f"the login {login!r} is not on this review's roster; a lead adds it with "
                                    f"`metasift team add REVIEW --name NAME --login {login} --role screener`")
        return row
    name = (claimed or "").strip()
    if not name:
        raise InputError("a reviewer name is required (--reviewer NAME or $METASIFT_USER)")
    row = find(session, name)
    if row is not None:
        if not row.active:
            raise PermissionRefused(f"{row.name} was removed from this review's team; a lead can add them again")
        return row
    if managed(session) or not enrol:
        raise PermissionRefused(f"{display(name)!r} is not on this review's roster; a lead adds them with "
                                "`metasift team add REVIEW --name NAME --role screener`")
    row = Member(identity=identity(name), name=display(name), roles=OPEN_ROLES)
    session.add(row)
    session.flush()
    return row


def require(member: Member, *roles: str, act: str) -> None:
    """Refuse ``act`` unless ``member`` holds one of ``roles``."""
    if not member.role_set & set(roles):
        raise PermissionRefused(f"{member.name} may not {act}: that needs the {' or '.join(roles)} role "
                                f"({member.name} is {member.roles.replace(',', ', ') or 'without a role'})")


def server_refusal(exc: DBAPIError, act: str) -> PermissionRefused | None:
    """A clear message for PostgreSQL's refusal of ``act`` (privilege or row-level security), else None."""
    code = getattr(getattr(exc, "orig", None), "sqlstate", None)
    if code == "42501":  # insufficient_privilege (also row-level security's WITH CHECK)
        return PermissionRefused(f"the server refused to let this login {act} (PostgreSQL: permission denied "
                                 "by the review's privileges or row-level security)")
    return None


# --- the roster -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Seat:
    """A member as listed: JSON-ready."""

    id: int
    name: str
    identity: str
    roles: list[str]
    login: str
    active: bool

    @classmethod
    def of(cls, m: Member) -> Seat:
        return cls(int(m.id or 0), m.name, m.identity, sorted(m.role_set, key=ROLES.index), m.login, m.active)

    def to_json(self) -> dict[str, object]:
        return {"id": self.id, "name": self.name, "identity": self.identity, "roles": list(self.roles),
                "login": self.login, "active": self.active}


def roster(db: ReviewDB, include_removed: bool = False) -> list[Seat]:
    with db.session() as session:
        rows = session.exec(select(Member).order_by(col(Member.id))).all()
    return [Seat.of(m) for m in rows if include_removed or m.active]


def _log(session: Session, kind: str, actor: Member, member: Member | None = None, stage: str = "",
         **detail: object) -> None:
    session.add(TeamEvent(kind=kind, member_id=member.id if member else None, stage=stage, detail=dict(detail),
                          who=actor.identity))


def _write(db: ReviewDB, act: str, fn: Callable[[Session], T]) -> T:
    """Run ``fn`` in one transaction; the server's refusal becomes a clear `PermissionRefused`."""
    try:
        with db.transaction() as session:
            return fn(session)
    except DBAPIError as exc:
        refused = server_refusal(exc, act)
        if refused is not None:
            raise refused from None
        raise


def add(db: ReviewDB, actor: str | None, name: str, roles: Sequence[str], login: str = "",
        create_login: bool = False, password: str | None = None) -> Seat:
    """Add ``name`` with ``roles`` (leads only). On PostgreSQL ``login`` is their database login (created
    first when ``create_login``, with ``password`` sent as a SCRAM verifier computed here (`db.scram`), so
    the plain password never reaches the server; without one it has no password until one is set) and is
    granted the review's group role, a lead's with ADMIN OPTION so they can add members in turn."""
    if password is not None and not create_login:
        raise InputError("a password is set only for a login MetaSift creates (--create-login); an existing "
                         "login keeps its own")
    ident, shown, stored_roles = identity(name), display(name), roles_text(roles)
    login = login.strip()

    def work(session: Session) -> Seat:
        opening = not managed(session)
        me = acting(db, session, actor)
        require(me, "lead", act="add members")
        old = session.exec(select(Member).where(Member.identity == ident)).first()
        if old is not None and old.active and not (opening and old.id == me.id):
            raise InputError(f"{old.name} is already a member (identity {old.identity!r})")
        if old is not None and old.id == me.id and "lead" not in stored_roles:  # the opener writes themselves
            raise InputError(f"{me.name} opens the roster and stays its lead: give --role lead too")
        if login and session.exec(select(Member).where(Member.login == login, Member.active == True)).first():  # noqa: E712
            raise InputError(f"the login {login!r} already belongs to a member")
        if is_postgres(db) and login:  # without a login only the review's owner can record for them
            _grant_login(session, login, "lead" in stored_roles, create_login, password)
        row = old or Member(identity=ident, name=shown)
        row.name, row.roles, row.login, row.active = shown, stored_roles, login, True
        session.add(row)
        session.flush()
        _log(session, "member_added", me, row, roles=stored_roles, login=login)
        return Seat.of(row)

    return _write(db, "add a member", work)


def _grant_login(session: Session, login: str, lead: bool, create: bool, password: str | None = None) -> None:
    """Make ``login`` a member of the review's group role (and of its leads' role for a lead, both with
    ADMIN OPTION so a lead can add members in turn); ``create``: create the login first (with ``password``)."""
    exists = session.exec(text("SELECT 1 FROM pg_roles WHERE rolname = :r").bindparams(r=login)).first()  # type: ignore[call-overload]
    if not exists and not create:
        raise InputError(f"there is no database login {login!r} on this server; create it with "
                         "--create-login (or ask the server's administrator)")
    if exists and create and password is not None:
        raise InputError(f"the login {login!r} already exists on this server: it keeps its own password "
                         "(leave out --create-login to add it as it is)")
    if exists or password is None:
        statements = [] if exists else [f"CREATE ROLE {_q(login)} LOGIN"]
    else:
        from db.scram import scram_verifier

        # the verifier holds only base64 letters, digits and + / = $ : (nothing to escape in an SQL literal);
        # its colons are escaped for SQLAlchemy's text(), which would read ":name" as a bind parameter
        verifier = scram_verifier(password).replace(":", "\\:")
        statements = [f"CREATE ROLE {_q(login)} LOGIN PASSWORD '{verifier}'"]
    statements += _grants(session, login, lead, grant=True)
    _server_roles(session, login, statements)


def _q(name: str) -> str:
    from db.pg_security import quote_ident

    return quote_ident(name)


def _grants(session: Session, login: str, lead: bool, grant: bool) -> list[str]:
    from db.pg_security import leads_role, team_role

    database = str(session.exec(text("SELECT current_database()")).scalar_one())  # type: ignore[call-overload]
    groups = [team_role(database)] + ([leads_role(database)] if lead else [])
    if grant:
        option = " WITH ADMIN OPTION" if lead else ""
        return [f"GRANT {_q(g)} TO {_q(login)}{option}" for g in groups]
    return [f"REVOKE {_q(g)} FROM {_q(login)}" for g in groups]


def _server_roles(session: Session, login: str, statements: list[str]) -> None:
    try:
        for sql in statements:
            session.exec(text(sql))  # type: ignore[call-overload]
    except DBAPIError as exc:
        raise PermissionRefused(f"this login may not create or grant the login {login!r} ({exc.orig}); "
                                "creating a login needs CREATEROLE, granting the review's roles needs them "
                                "with ADMIN OPTION (a lead has that)") from None


def set_roles(db: ReviewDB, actor: str | None, name: str, roles: Sequence[str]) -> Seat:
    """Change a member's roles (leads only); the last lead keeps the lead role."""
    stored = roles_text(roles)

    def work(session: Session) -> Seat:
        me = acting(db, session, actor)
        require(me, "lead", act="change roles")
        row = find(session, name)
        if row is None or not row.active:
            raise InputError(f"{name!r} is not a member of this review")
        if "lead" in row.role_set and "lead" not in stored.split(",") and _leads(session) <= 1:
            raise InputError(f"{row.name} is the review's only lead; make someone else lead first")
        before = row.roles
        if is_postgres(db) and row.login and ("lead" in before.split(",")) != ("lead" in stored.split(",")):
            from db.pg_security import leads_role

            database = str(session.exec(text("SELECT current_database()")).scalar_one())  # type: ignore[call-overload]
            group = _q(leads_role(database))
            _server_roles(session, row.login, [f"GRANT {group} TO {_q(row.login)} WITH ADMIN OPTION"
                                               if "lead" in stored.split(",") else
                                               f"REVOKE {group} FROM {_q(row.login)}"])
        row.roles = stored
        session.add(row)
        _log(session, "roles_changed", me, row, before=before, after=stored)
        return Seat.of(row)

    return _write(db, "change roles", work)


def remove(db: ReviewDB, actor: str | None, name: str) -> Seat:
    """Take a member off the team (leads only). Their decisions stay theirs; the row stays, inactive."""

    def work(session: Session) -> Seat:
        me = acting(db, session, actor)
        require(me, "lead", act="remove members")
        row = find(session, name)
        if row is None or not row.active:
            raise InputError(f"{name!r} is not a member of this review")
        if "lead" in row.role_set and _leads(session) <= 1:
            raise InputError(f"{row.name} is the review's only lead; make someone else lead first")
        row.active = False
        if is_postgres(db) and row.login:  # the login can no longer read or write the review
            _server_roles(session, row.login, _grants(session, row.login, "lead" in row.role_set, grant=False))
        session.add(row)
        _log(session, "member_removed", me, row)
        return Seat.of(row)

    return _write(db, "remove a member", work)


def _leads(session: Session) -> int:
    rows = session.exec(select(Member).where(Member.active == True)).all()  # noqa: E712
    return sum(1 for m in rows if "lead" in m.role_set)


# --- blind stages ---------------------------------------------------------------------------------------

def unblinded_stages(session: Session) -> set[str]:
    return set(session.exec(select(TeamEvent.stage).where(TeamEvent.kind == "unblinded")))


@dataclass(frozen=True)
class Unblinded:
    """A stage a lead unblinded, and who."""

    stage: str
    unblinded_by: str

    def to_json(self) -> dict[str, object]:
        return {"stage": self.stage, "unblinded_by": self.unblinded_by}


def unblind(db: ReviewDB, actor: str | None, stage: str) -> Unblinded:
    """Unblind ``stage`` for everyone (leads only; a logged act that cannot be taken back)."""
    from screening.protocol import STAGES

    if stage not in STAGES:
        raise InputError(f"unknown stage {stage!r}; expected one of {', '.join(STAGES)}")

    def work(session: Session) -> Unblinded:
        me = acting(db, session, actor)
        require(me, "lead", act="unblind a stage")
        if stage in unblinded_stages(session):
            raise InputError(f"{stage} is already unblinded")
        _log(session, "unblinded", me, None, stage=stage)
        return Unblinded(stage, me.identity)

    return _write(db, "unblind a stage", work)


def visible_filter(db: ReviewDB, session: Session, viewer: str | None
                   ) -> Callable[[ScreeningDecision], bool] | None:
    """A predicate keeping the screening rows ``viewer`` may see, or None when they may see all.

    All: an open roster (one person's review), a lead, a PostgreSQL member (the server filtered already),
    ``viewer=None`` (the library's own reads, not on anyone's behalf: the CLI and the desktop app always
    name their reader). Otherwise, at a stage not unblinded, another member's row on a record is kept only
    when ``viewer`` has a vote of their own on that record there still in force; an unknown viewer sees no
    one else's rows."""
    if viewer is None or not managed(session):
        return None
    server_filters = is_postgres(db) and not is_admin(db, session)
    me = find(session, viewer) if viewer and viewer.strip() and not server_filters else None
    if sees_everything(viewer, True, server_filters, me is not None and me.active and "lead" in me.role_set):
        return None
    open_stages = unblinded_stages(session)
    mine: set[tuple[int, str]] = set()
    if me is not None:
        rows = session.exec(select(ScreeningDecision).where(ScreeningDecision.member_id == me.id)).all()
        undone = {r.undoes for r in rows if r.kind == "undo"}
        mine = {(r.record_id, r.stage) for r in rows if r.kind == "decision" and r.id not in undone}
    me_id = me.id if me is not None else None

    def keep(row: ScreeningDecision) -> bool:
        return (row.member_id == me_id and me_id is not None) or row.stage in open_stages or (
            (row.record_id, row.stage) in mine)

    return keep


# --- allocation -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Allocation:
    """One allocation: the stage, its label, how many records each member got (by identity, roster order
    of the members named) and how many records it covered."""

    stage: str
    batch: str
    given: dict[str, int]
    records: int

    def to_json(self) -> dict[str, object]:
        return {"stage": self.stage, "batch": self.batch, "given": dict(self.given), "records": self.records}


def assign(db: ReviewDB, actor: str | None, members: Sequence[str], stage: str, records: Sequence[int],
           per_record: int = 1, batch: str = "") -> Allocation:
    """Give each of ``records`` to ``per_record`` of ``members`` (leads only), balanced: each record goes to
    the members with the fewest assignments at ``stage`` so far (ties: roster order). A record a member
    holds already is not given to them twice. Returns how many each member got."""
    from screening.protocol import STAGES

    if stage not in STAGES:
        raise InputError(f"unknown stage {stage!r}; expected one of {', '.join(STAGES)}")
    if per_record < 1 or per_record > len(members):
        raise InputError(f"each record goes to 1..{len(members)} of the {len(members)} members named, "
                         f"not {per_record}")

    def work(session: Session) -> Allocation:
        me = acting(db, session, actor)
        require(me, "lead", act="assign records")
        people = []
        for name in members:
            m = find(session, name)
            if m is None or not m.active:
                raise InputError(f"{name!r} is not a member of this review")
            require(m, "screener", "lead", act=f"be given records to screen at {stage}")
            people.append(m)
        held: dict[int, set[int]] = {int(m.id or 0): set() for m in people}
        for a in session.exec(select(Assignment).where(Assignment.stage == stage)):
            if a.member_id in held:
                held[a.member_id].add(a.record_id)
        load = {mid: len(ids) for mid, ids in held.items()}
        given = {m.identity: 0 for m in people}
        for rid in records:
            chosen = sorted((mid for mid in held if rid not in held[mid]), key=lambda mid: load[mid])
            have = sum(1 for mid in held if rid in held[mid])
            for mid in chosen[:max(0, per_record - have)]:
                session.add(Assignment(record_id=int(rid), stage=stage, member_id=mid, batch=batch,
                                       assigned_by=me.identity))
                held[mid].add(int(rid))
                load[mid] += 1
                given[next(m.identity for m in people if m.id == mid)] += 1
        _log(session, "assigned", me, None, stage=stage, batch=batch, given=given, records=len(records),
             per_record=per_record)
        return Allocation(stage, batch, given, len(records))

    return _write(db, "assign records", work)


def assigned(session: Session, member: Member, stage: str) -> list[int]:
    """The record ids assigned to ``member`` at ``stage``, in assignment order."""
    return list(session.exec(select(Assignment.record_id).where(
        Assignment.member_id == member.id, Assignment.stage == stage).order_by(col(Assignment.id))))


def next_assigned(db: ReviewDB, claimed: str | None, stage: str) -> int | None:
    """The first record assigned to the acting member at ``stage`` that they have no vote on in force."""
    with db.session() as session:
        me = acting(db, session, claimed, enrol=False)
        todo = assigned(session, me, stage)
        rows = session.exec(select(ScreeningDecision).where(ScreeningDecision.member_id == me.id,
                                                            ScreeningDecision.stage == stage)).all()
    undone = {r.undoes for r in rows if r.kind == "undo"}
    done = {r.record_id for r in rows if r.kind == "decision" and r.id not in undone}
    from screening.decisions import group_map

    with db.session() as session:
        canon = group_map(session)
    return next((rid for rid in todo if canon.get(rid, rid) not in done), None)


@dataclass(frozen=True)
class StageProgress:
    """One member at one stage: records assigned, how many of those they voted on, and their votes in all."""

    member: str
    name: str
    stage: str
    assigned: int
    done_of_assigned: int
    voted: int

    def to_json(self) -> dict[str, object]:
        return {"member": self.member, "name": self.name, "stage": self.stage, "assigned": self.assigned,
                "done_of_assigned": self.done_of_assigned, "voted": self.voted}


def progress(db: ReviewDB) -> list[StageProgress]:
    """Per member and stage: records assigned, and how many of them (and in all) they have voted on."""
    from screening.protocol import STAGES

    with db.session() as session:
        members = session.exec(select(Member).where(Member.active == True).order_by(col(Member.id))).all()  # noqa: E712
        given = {(int(m), s): int(n) for m, s, n in session.exec(
            select(Assignment.member_id, Assignment.stage, func.count(col(Assignment.id)))
            .group_by(col(Assignment.member_id), col(Assignment.stage)))}
        rows = session.exec(select(ScreeningDecision).where(ScreeningDecision.kind != "resolution")).all()
        todo = {(a.member_id, a.stage, a.record_id) for a in session.exec(select(Assignment))}
    undone = {r.undoes for r in rows if r.kind == "undo"}
    voted: dict[tuple[int, str], set[int]] = {}
    for r in rows:
        if r.kind == "decision" and r.id not in undone and r.member_id is not None:
            voted.setdefault((r.member_id, r.stage), set()).add(r.record_id)
    out = []
    for m in members:
        for stage in STAGES:
            mine = voted.get((int(m.id or 0), stage), set())
            n = given.get((int(m.id or 0), stage), 0)
            done = sum(1 for rid in mine if (m.id, stage, rid) in todo)
            out.append(StageProgress(m.identity, m.name, stage, n, done, len(mine)))
    return out
