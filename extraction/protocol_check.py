"""Checking and storing a whole protocol text: screening's tables (`screening.protocol`) and extraction's
(``[codebook]``, ``[aggregation]``, `extraction.coding.settings_of`), so that nothing a later step would
refuse is ever stored as a protocol version. The command line and the app store protocols through here.

A codebook field whose type changes is checked against the coded values already stored (current effect
versions): when any of them would not fit the new type (a text "3-4" in a field made a whole number, a
number in a field made a choice), storing is refused, naming the field, how many values and an example."""

from __future__ import annotations

from typing import Any, Literal

from db.engine import ReviewDB
from db.errors import InputError
from db.models import ProtocolVersion
from extraction.codebook import KIND_LABELS, Codebook
from extraction.coding import CodingSettings, effects, settings_of
from screening.protocol import load_protocol_text
from screening.review_protocol import current_protocol, save_protocol


def check_protocol_text(text: str, where: str) -> CodingSettings:
    """Validate a protocol's whole TOML ``text``; `InputError` naming ``where`` and the bad key otherwise."""
    return settings_of(load_protocol_text(text, where), where)


def store_protocol(db: ReviewDB, text: str, who: str | None, summary: str = "", *,
                   where: str = "the new protocol", base: int | None | Literal["any"] = "any") -> ProtocolVersion:
    """Check ``text`` whole (`check_protocol_text`) and store it as the review's next protocol version
    (`screening.review_protocol.save_protocol`: leads only, with who, when and what changed; ``base``: the
    version the edit began from, refused when another was stored since)."""
    settings = check_protocol_text(text, where)
    check_type_changes(db, settings.codebook, where)
    return save_protocol(db, text, who, summary, where=where, base=base)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def check_type_changes(db: ReviewDB, new: Codebook, where: str) -> None:
    """`InputError` when a field of ``new`` changes type and coded values stored in ``db`` would not fit it."""
    try:
        old = Codebook.from_protocol(current_protocol(db).protocol.raw.get("codebook"))
    except InputError:
        return
    changed = {n: f for n, f in new.fields.items() if n in old.fields and old.fields[n].kind != f.kind}
    if not changed:
        return
    rows = effects(db)
    problems = []
    for name, f in changed.items():
        bad = [(e.id, msg) for e in rows
               if not _blank(value := (e.moderators or {}).get(name)) and (msg := f.check(value)) is not None]
        if bad:
            problems.append(f"field {name!r} cannot change from {KIND_LABELS[old.fields[name].kind]} to "
                            f"{KIND_LABELS[f.kind]}: {len(bad)} coded value(s) stored would not fit (e.g. effect "
                            f"#{bad[0][0]}: {bad[0][1]})")
    if problems:
        raise InputError("[codebook] " + "; ".join(problems) + ". Nothing was stored: keep the type, or recode "
                         "those effects first", file=where)
