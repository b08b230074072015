"""The review's protocol: the one reader of its current version, and protocol changes as logged, versioned acts.

`protocol_of` is how every part of MetaSift (screening, coding, exports, the screens) reads the protocol a
review works under: its current `ProtocolVersion` (`db.protocol_store`), parsed once per text
(`screening.protocol.review_protocol`), or the bundled alliance protocol when the review never stored one.
(``review.protocol`` holds a copy of the current text, which `metasift status`'s direct read uses.)
`save_protocol` validates a new text, refuses it unless
the person is a lead (on PostgreSQL the server refuses it too), and stores it as the next version with who,
when, and a summary of what changed (`describe_changes`, plus the person's own words). New screening decisions
and coded effects record the version in force (``protocol_version``).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from db import protocol_store
from db.engine import ReviewDB
from db.errors import InputError
from db.models import ProtocolVersion
from screening.protocol import Protocol, default_protocol, load_protocol_text, protocol_label, review_protocol


@dataclass(frozen=True)
class CurrentProtocol:
    """The protocol in force: its version number (None: the review never stored one), text and parse."""

    version: int | None
    text: str
    protocol: Protocol
    where: str
    """How messages name it (`protocol_label`; the bundled protocol: ``the bundled protocol``)."""


def current_protocol(db: ReviewDB, session: Session | None = None) -> CurrentProtocol:
    """The review's current protocol version (one read; ``session``: inside the caller's transaction)."""
    if session is None:
        with db.session() as own:
            row = protocol_store.latest(own)
    else:
        row = protocol_store.latest(session)
    if row is None:
        from screening.protocol import default_protocol_text

        return CurrentProtocol(None, default_protocol_text(), default_protocol(), "the bundled protocol")
    where = protocol_label(db.name, row.version)
    return CurrentProtocol(row.version, row.text, review_protocol(row.text, where), where)


def protocol_of(db: ReviewDB) -> Protocol:
    """The review's protocol (its current version), or the bundled alliance protocol when it has none."""
    return current_protocol(db).protocol


def describe_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What changed between two protocols' TOML data, one line a change, e.g. ``[exclusion_reasons]
    title_abstract: added 'wrong population'`` (lists: items added and removed; tables: keys added, removed,
    changed). Empty when they are equal."""
    out: list[str] = []

    def where(path: tuple[str, ...]) -> str:
        return ("[" + ".".join(path[:-1]) + "] " if len(path) > 1 else "") + path[-1]

    def short(value: Any) -> str:
        text = repr(value)
        return text if len(text) <= 60 else text[:57] + "..."

    def walk(a: Any, b: Any, path: tuple[str, ...]) -> None:
        if a == b:
            return
        if isinstance(a, dict) and isinstance(b, dict):
            for key in list(a) + [k for k in b if k not in a]:
                sub = (*path, str(key))
                if key not in b:
                    out.append(f"{where(sub)}: removed")
                elif key not in a and isinstance(b[key], dict) and b[key] and all(
                        isinstance(v, dict) for v in b[key].values()):
                    walk({}, b[key], sub)  # a new table of tables (custom_fields): name each table added
                elif key not in a:
                    out.append(f"{where(sub)}: added {short(b[key])}" if not isinstance(b[key], dict)
                               else f"[{'.'.join(sub)}]: added")
                else:
                    walk(a[key], b[key], sub)
        elif isinstance(a, list) and isinstance(b, list) and path:
            added = [x for x in b if x not in a]
            removed = [x for x in a if x not in b]
            parts = ([f"added {', '.join(short(x) for x in added)}"] if added else []) + (
                [f"removed {', '.join(short(x) for x in removed)}"] if removed else [])
            out.append(f"{where(path)}: {'; '.join(parts) or 'reordered'}")
        elif path:
            out.append(f"{where(path)}: {short(a)} -> {short(b)}")

    walk(old, new, ())
    return out


def _data(text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return {}


def save_protocol(db: ReviewDB, text: str, who: str | None, summary: str = "", *,
                  where: str = "the new protocol", base: int | None | Literal["any"] = "any") -> ProtocolVersion:
    """Validate ``text`` and store it as the review's next protocol version, by ``who`` (a lead).

    The stored summary is the person's ``summary`` (if any) followed by what changed (`describe_changes`).
    Refused (`InputError`, nothing stored): invalid TOML or protocol (the message names ``where`` and the
    key), a text that changes nothing, and (``base``: the version the person began editing, None for the
    bundled protocol) a version stored by someone else meanwhile, which the edit would silently undo.
    (The codebook and aggregation tables are the extraction layer's:
    `extraction.protocol_check.store_protocol` checks them too, and is what the CLI and the app call.)
    `PermissionRefused`: ``who`` is not a lead (the server refuses it too).
    """
    from screening.team import acting, require, server_refusal

    protocol = load_protocol_text(text, where)

    def work(session: Session) -> ProtocolVersion:
        me = acting(db, session, who)
        require(me, "lead", act="change the review's protocol")
        before = current_protocol(db, session)
        if base != "any" and before.version != base:
            raise InputError(f"protocol version {before.version} was stored by someone else while you edited "
                             f"{'the bundled protocol' if base is None else f'version {base}'}; nothing was "
                             "stored. Reload to see it, then make your change again")
        lines = describe_changes(_data(before.text), protocol.raw)
        if before.version is not None and not lines and before.text.strip() == text.strip():
            raise InputError(f"{where} is the same as protocol version {before.version}; nothing was stored")
        said = summary.strip()
        changed = "; ".join(lines) if lines else "comments and layout only"
        if before.version is None:
            changed = "first protocol stored for the review" + (f" (from the bundled: {changed})" if lines else "")
        return protocol_store.append(session, text, name=protocol.name, who=me.identity, member_id=me.id,
                                     summary=f"{said}. Changes: {changed}" if said else f"Changes: {changed}")

    try:
        with db.transaction() as session:
            return work(session)
    except DBAPIError as exc:
        refused = server_refusal(exc, "change the review's protocol")
        if refused is not None:
            raise refused from None
        raise


@dataclass(frozen=True)
class VersionInfo:
    """A stored protocol version without its text: number, name, who stored it, when (ISO 8601, UTC), the
    summary of what changed, and whether it is the current one."""

    version: int
    name: str
    who: str
    summary: str
    at: str | None
    current: bool

    @classmethod
    def of(cls, row: ProtocolVersion, current: int | None = None) -> VersionInfo:
        """``row``; ``current``: the current version's number, to mark it."""
        return cls(row.version, row.name, row.who, row.summary, row.at.isoformat() if row.at else None,
                   row.version == current)

    def to_json(self) -> dict[str, Any]:
        return {"version": self.version, "name": self.name, "who": self.who, "summary": self.summary,
                "at": self.at, "current": self.current}
