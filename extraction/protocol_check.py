"""Checking and storing a whole protocol text: screening's tables (`screening.protocol`) and extraction's
(``[codebook]``, ``[aggregation]``, `extraction.coding.settings_of`), so that nothing a later step would
refuse is ever stored as a protocol version. The command line and the app store protocols through here."""

from __future__ import annotations

from typing import Literal

from db.engine import ReviewDB
from db.models import ProtocolVersion
from extraction.coding import CodingSettings, settings_of
from screening.protocol import load_protocol_text
from screening.review_protocol import save_protocol


def check_protocol_text(text: str, where: str) -> CodingSettings:
    """Validate a protocol's whole TOML ``text``; `InputError` naming ``where`` and the bad key otherwise."""
    return settings_of(load_protocol_text(text, where), where)


def store_protocol(db: ReviewDB, text: str, who: str | None, summary: str = "", *,
                   where: str = "the new protocol", base: int | None | Literal["any"] = "any") -> ProtocolVersion:
    """Check ``text`` whole (`check_protocol_text`) and store it as the review's next protocol version
    (`screening.review_protocol.save_protocol`: leads only, with who, when and what changed; ``base``: the
    version the edit began from, refused when another was stored since)."""
    check_protocol_text(text, where)
    return save_protocol(db, text, who, summary, where=where, base=base)
