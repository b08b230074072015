"""Coding effect sizes into the review: store, edit and delete `EffectSize` rows, validated by the codebook.

Every coded effect is converted to r (``extraction.effect_sizes.convert``) and checked against the
review's codebook (the alliance codebook, extended by the protocol's ``[codebook]`` table) with the
protocol's ``min_participants``. Nothing invalid is stored: one `InputError` lists every problem.

Rows are append-only versions. An edit adds a row whose ``replaces`` names the version it corrects; a
deletion adds a ``kind="deleted"`` row. The current versions are the rows no later row replaces, less
the deletions (`effects`).
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from db.engine import ReviewDB
from db.errors import InputError
from db.models import EffectSize, Record
from db.protocol_store import latest_number
from extraction.codebook import Codebook
from extraction.effect_sizes import convert
from screening.protocol import Protocol
from screening.review_protocol import current_protocol
from screening.team import PermissionRefused, acting, require

CORE_FIELDS = frozenset({"study_id", "sample", "r", "n", "statistic", "value", "df", "df1"})
"""Codebook fields MetaSift fills itself; every other codebook field is a moderator."""
EDITABLE = ("statistic", "value", "df", "n", "n1", "n2", "tails", "direction", "moderators", "location",
            "note", "label", "provenance")
"""What `edit_effect` may change."""


@dataclass(frozen=True)
class CodingSettings:
    """The review's coding settings: codebook, minimum n, and the aggregation defaults of its protocol (read
    once per operation and passed down: an export builds several tables from one protocol)."""

    codebook: Codebook
    min_n: int
    rho: float
    method: str
    protocol: Protocol
    version: int | None = None
    """The protocol version these settings come from (None: the bundled protocol, never stored)."""


def settings(db: ReviewDB) -> CodingSettings:
    """Codebook, ``min_participants`` and the ``[aggregation]`` defaults (rho .50, composite) of the review.

    A protocol may set ``[aggregation] rho = 0.5`` and ``method = "composite"`` (or ``"mean"``).
    """
    current = current_protocol(db)
    return settings_of(current.protocol, current.where, current.version)


def settings_of(protocol: Protocol, where: str, version: int | None = None) -> CodingSettings:
    """The coding settings a protocol defines (see `settings`); `InputError` naming ``where`` and the key."""
    codebook = Codebook.from_protocol(protocol.raw.get("codebook"), where=where)
    agg = protocol.raw.get("aggregation", {})
    if not isinstance(agg, Mapping):
        raise InputError("[aggregation] must be a table (rho, method)", file=where)
    rho, method = agg.get("rho", 0.5), agg.get("method", "composite")
    if isinstance(rho, bool) or not isinstance(rho, int | float) or not 0 <= rho <= 1:
        raise InputError(f"[aggregation] rho: expected a number in [0, 1], got {rho!r}",
                         file=where)
    if method not in ("composite", "mean"):
        raise InputError(f"[aggregation] method: expected 'composite' or 'mean', got {method!r}",
                         file=where)
    return CodingSettings(codebook, protocol.min_participants, float(rho), method, protocol, version)


def _clean_moderators(codebook: Codebook, moderators: Mapping[str, Any], msgs: list[str]) -> dict[str, Any]:
    """Moderators in their canonical spelling (category) or as numbers; problems go to ``msgs``."""
    out: dict[str, Any] = {}
    for name, value in moderators.items():
        if name in CORE_FIELDS:
            msgs.append(f"{name!r} is not a moderator: give it as the statistic, value, df or n")
            continue
        f = codebook.fields.get(name)
        if f is None or value is None or (isinstance(value, str) and not value.strip()):
            out[name] = value  # unknown or empty: validate_effect reports / ignores it
            continue
        if f.check(value) is not None:
            out[name] = value
        elif f.kind in ("category", "yes_no"):
            out[name] = f.canonical(value)
        elif f.kind == "integer":
            out[name] = int(float(value))
        elif f.kind == "number":
            out[name] = float(value)
        else:
            out[name] = str(value).strip()
    return {k: v for k, v in out.items() if v is not None and not (isinstance(v, str) and not v.strip())}


PROVENANCE_SOURCES = ("full text", "full text (OCR)")
"""Where a found statistic was read: the PDF's text layer, or the OCR text of a picture page."""
PROVENANCE_KEYS = {"source": str, "pdf": str, "page": int, "quote": str, "start": int, "end": int, "kind": str}


def clean_provenance(prov: Mapping[str, Any] | None) -> dict[str, Any]:
    """A provenance as stored: ``{}`` (typed) or a `PROVENANCE_SOURCES` source with the page (>= 1) and the
    quote."""
    if not prov:
        return {}
    bad = sorted(set(prov) - set(PROVENANCE_KEYS))
    if bad:
        raise InputError(f"unknown provenance field(s) {', '.join(bad)}; expected {', '.join(PROVENANCE_KEYS)}")
    out: dict[str, Any] = {}
    for key, kind in PROVENANCE_KEYS.items():
        if prov.get(key) is None:
            continue
        try:
            out[key] = kind(prov[key])
        except (TypeError, ValueError):
            raise InputError(f"provenance {key}: expected {kind.__name__}, got {prov[key]!r}") from None
    if out.get("source", "full text") not in PROVENANCE_SOURCES:
        raise InputError(f"provenance source {out['source']!r}: only 'full text' or 'full text (OCR)' (typed "
                         "values have none)")
    out.setdefault("source", "full text")
    if out.get("page", 0) < 1:
        raise InputError("provenance from the full text needs its page (>= 1)")
    out["quote"] = out.get("quote", "")[:500]
    return out


def _build(session: Session, cfg: CodingSettings, record: int, coder: str, statistic: str, value: Any, *,
           df: float | None, n: int | None, n1: int | None, n2: int | None, tails: int, direction: int,
           moderators: Mapping[str, Any] | None, location: str, note: str, label: str, kind: str = "coded",
           replacing: int | None = None, provenance: Mapping[str, Any] | None = None) -> EffectSize:
    """A validated, unsaved `EffectSize`; InputError listing every problem otherwise."""
    msgs: list[str] = []
    rec = session.get(Record, record)
    if rec is None:
        raise InputError(f"there is no record #{record} in this review")
    if not coder or not coder.strip():
        msgs.append("the coder's name is missing")
    for other in current_rows(session):
        if (other.record_id == record and other.id != replacing and other.kind == kind
                and " ".join(other.label.casefold().split()) == " ".join(label.casefold().split())
                and (kind == "reconciled" or other.coder == coder.strip())):
            who = "a reconciled version" if kind == "reconciled" else f"{other.coder!r}"
            msgs.append(f"{who} already coded {label or '(no label)'!r} for this record (effect #{other.id}); "
                        "edit that one, or give this effect its own label")
    mods = _clean_moderators(cfg.codebook, dict(moderators or {}), msgs)
    if "pub_year" in cfg.codebook.fields and "pub_year" not in mods and rec.year:
        mods["pub_year"] = rec.year  # the report's own year unless the coder gives another
    conv = None
    try:
        conv = convert(statistic, value, df=df, n=n, n1=n1, n2=n2, tails=tails, direction=direction)
    except InputError as exc:
        msgs.append(exc.detail)
    total = n if n is not None else (n1 + n2 if n1 is not None and n2 is not None else None)
    stat = str(statistic).strip()
    values: dict[str, Any] = {"study_id": str(record), "statistic": stat, "value": value, "df": df, "n": total,
                              **mods}
    if conv is not None:
        values["r"] = conv.r
        if abs(conv.r) >= 1:
            msgs.append(f"r = {conv.r:g}: a correlation of exactly ±1 cannot be pooled (Fisher z is infinite)")
    elif stat == "r":
        values["r"] = value
    problems = cfg.codebook.validate_effect(values, cfg.min_n)
    if conv is None:  # the conversion message already says what is wrong with r
        problems = [p for p in problems if not p.startswith("missing required field 'r'")]
    msgs += problems
    if msgs:
        where = f"record #{record}" + (f", {label!r}" if label else "")
        raise InputError(f"{where}: nothing stored: " + "; ".join(dict.fromkeys(msgs)))
    assert conv is not None
    canonical_stat = cfg.codebook.canonical("statistic", stat) or stat
    return EffectSize(uid=uuid.uuid4().hex, record_id=record, coder=coder.strip(), label=label.strip(),
                      statistic=canonical_stat, value=float(value), df=df, n=total, n1=n1, n2=n2, tails=tails,
                      direction=direction, r=conv.r, z=conv.z, var_z=conv.var_z, method=conv.method,
                      location=location, note=note, moderators=mods, provenance=clean_provenance(provenance))


def _as_coder(db: ReviewDB, session: Session, row: EffectSize) -> None:
    """Name ``row`` after the acting member (`screening.team.acting`), who must be a coder or lead; a coder
    changes only their own coding. A reconciled row "by consensus" keeps that word as its coder (on
    PostgreSQL it still refers to the login that stored it)."""
    if row.kind == "reconciled" and row.coder == "consensus":
        if not db.is_sqlite:
            row.member_id = acting(db, session, None).id
        return
    me = acting(db, session, row.coder)
    require(me, "coder", "lead", act="code effect sizes")
    if row.kind == "coded" and row.replaces is not None and me.identity != row.coder:
        raise PermissionRefused(f"{me.name} may not change {row.coder}'s coding; each coder edits their own")
    row.member_id = me.id
    if row.replaces is None or row.kind == "reconciled":
        row.coder = me.identity


def _store(db: ReviewDB, make: Any, uid: str | None) -> EffectSize:
    with db.transaction() as session:
        if uid:
            old = session.exec(select(EffectSize).where(EffectSize.uid == uid)).first()
            if old is not None:  # a retried write: the row is already there
                return old
        row = make(session)
        if uid:
            row.uid = uid
        _as_coder(db, session, row)
        row.protocol_version = latest_number(session)
        session.add(row)
        session.flush()
        session.refresh(row)
        return row


def code_effect(db: ReviewDB, record: int, coder: str, statistic: str, value: float, *,
                df: float | None = None, n: int | None = None, n1: int | None = None, n2: int | None = None,
                tails: int = 2, direction: int = 1, moderators: Mapping[str, Any] | None = None,
                location: str = "", note: str = "", label: str = "", kind: str = "coded",
                uid: str | None = None, provenance: Mapping[str, Any] | None = None) -> EffectSize:
    """Convert, validate and store one coded effect of ``record`` by ``coder``; committed on return.

    ``provenance`` says where the numbers came from (`clean_provenance`): a statistic found in the record's
    full text (``FoundStatistic.provenance``), or nothing when the coder typed them.

    ``kind`` is ``coded`` (a coder's own coding) or ``reconciled`` (double coding's consensus, see
    ``extraction.double_coding``). ``uid`` makes a retried call store nothing twice.
    """
    if kind not in ("coded", "reconciled"):
        raise InputError(f"kind must be 'coded' or 'reconciled', got {kind!r}")
    cfg = settings(db)

    def make(session: Session) -> EffectSize:
        who = acting(db, session, coder).identity if coder and coder.strip() else coder
        row = _build(session, cfg, record, who, statistic, value, df=df, n=n, n1=n1, n2=n2, tails=tails,
                     direction=direction, moderators=moderators, location=location, note=note, label=label,
                     kind=kind, provenance=provenance)
        row.kind = kind
        return row

    return _store(db, make, uid)


def _current_row(session: Session, effect_id: int) -> EffectSize:
    row = session.get(EffectSize, effect_id)
    if row is None:
        raise InputError(f"there is no effect size #{effect_id} in this review")
    newer = session.exec(select(EffectSize).where(EffectSize.replaces == effect_id)).first()
    if newer is not None:
        raise InputError(f"effect size #{effect_id} was already replaced by #{newer.id}"
                         f" ({newer.kind}); change the current version")
    if row.kind == "deleted":
        raise InputError(f"effect size #{effect_id} is a deletion; code the effect again instead")
    return row


def edit_effect(db: ReviewDB, effect_id: int, *, uid: str | None = None, **changes: Any) -> EffectSize:
    """Store a corrected version of effect ``effect_id`` (a new row replacing it); validated like a new one.

    ``changes`` may hold any of `EDITABLE`; ``moderators`` replaces the whole mapping. The coder and the
    kind stay those of the version edited.
    """
    bad = sorted(set(changes) - set(EDITABLE))
    if bad:
        raise InputError(f"cannot edit {', '.join(bad)}; editable: {', '.join(EDITABLE)}")
    cfg = settings(db)

    def make(session: Session) -> EffectSize:
        old = _current_row(session, effect_id)
        fields = {k: getattr(old, k) for k in EDITABLE}
        fields.update(changes)
        if {"n1", "n2"} & set(changes) and "n" not in changes:
            fields["n"] = None  # the new group sizes give the total
        elif "n" in changes and "n1" not in changes:
            fields["n1"] = fields["n2"] = None
        row = _build(session, cfg, old.record_id, old.coder, kind=old.kind, replacing=old.id, **fields)
        row.kind, row.replaces = old.kind, old.id
        return row

    return _store(db, make, uid)


def delete_effect(db: ReviewDB, effect_id: int, *, note: str = "", uid: str | None = None) -> EffectSize:
    """Withdraw effect ``effect_id``: a ``kind="deleted"`` row replacing it (the history stays)."""
    def make(session: Session) -> EffectSize:
        old = _current_row(session, effect_id)
        keep = {k: getattr(old, k) for k in ("record_id", "coder", "label", "statistic", "value", "df", "n",
                                               "n1", "n2", "tails", "direction", "r", "z", "var_z", "method",
                                               "location", "moderators", "provenance")}
        return EffectSize(uid=uuid.uuid4().hex, kind="deleted", replaces=old.id, note=note, **keep)

    return _store(db, make, uid)


def current_rows(session: Session) -> list[EffectSize]:
    """The current versions in ``session`` (no later row replaces them, not deleted), by id."""
    rows = list(session.exec(select(EffectSize).order_by(col(EffectSize.id))))
    replaced = {r.replaces for r in rows if r.replaces is not None}
    return [r for r in rows if r.id not in replaced and r.kind != "deleted"]


def effects(db: ReviewDB, coder: str | None = None, current: bool = True,
            record: int | None = None) -> list[EffectSize]:
    """Effect sizes, by id: the current versions (``current=False``: every row, the whole history)."""
    with db.session() as session:
        if current:
            rows = current_rows(session)
        else:
            rows = list(session.exec(select(EffectSize).order_by(col(EffectSize.id))))
    return [r for r in rows if (coder is None or r.coder == coder) and (record is None or r.record_id == record)]


def history(db: ReviewDB, effect_id: int) -> list[EffectSize]:
    """Every version of the effect ``effect_id`` belongs to, oldest first (the chain through ``replaces``)."""
    with db.session() as session:
        rows = {r.id: r for r in session.exec(select(EffectSize))}
    if effect_id not in rows:
        raise InputError(f"there is no effect size #{effect_id} in this review")
    first = rows[effect_id]
    while first.replaces is not None:
        first = rows[first.replaces]
    by_parent = {r.replaces: r for r in rows.values() if r.replaces is not None}
    chain = [first]
    while chain[-1].id in by_parent:
        chain.append(by_parent[chain[-1].id])
    return chain


def _finite(x: float | None) -> float | None:
    return x if x is None or math.isfinite(x) else None


@dataclass(frozen=True)
class CodedEffect:
    """One effect-size row as the screens and ``--json`` show it (`of` a stored `EffectSize`)."""

    id: int | None
    uid: str
    record: int
    coder: str
    kind: str  # coded, reconciled, deleted
    replaces: int | None
    label: str
    statistic: str
    value: float | None
    df: float | None
    n: int | None
    n1: int | None
    n2: int | None
    tails: int
    direction: int
    r: float | None
    z: float | None  # None where r is ±1
    var_z: float | None
    method: str
    location: str
    note: str
    moderators: dict[str, Any]
    coded_at: str | None  # ISO 8601, UTC
    provenance: dict[str, Any]
    protocol_version: int | None

    @classmethod
    def of(cls, row: EffectSize) -> CodedEffect:
        return cls(row.id, row.uid, row.record_id, row.coder, row.kind, row.replaces, row.label, row.statistic,
                   row.value, row.df, row.n, row.n1, row.n2, row.tails, row.direction, row.r, _finite(row.z),
                   row.var_z, row.method, row.location, row.note, dict(row.moderators),
                   row.coded_at.isoformat() if row.coded_at else None, dict(row.provenance or {}),
                   row.protocol_version)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "uid": self.uid, "record": self.record, "coder": self.coder, "kind": self.kind,
                "replaces": self.replaces, "label": self.label, "statistic": self.statistic, "value": self.value,
                "df": self.df, "n": self.n, "n1": self.n1, "n2": self.n2, "tails": self.tails,
                "direction": self.direction, "r": self.r, "z": self.z, "var_z": self.var_z, "method": self.method,
                "location": self.location, "note": self.note, "moderators": dict(self.moderators),
                "coded_at": self.coded_at, "provenance": dict(self.provenance),
                "protocol_version": self.protocol_version}
