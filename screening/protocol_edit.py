"""Protocols edited as data (the app's New Review wizard and Protocol screen): start from a bundled protocol, a
file or a blank template, change the TOML tables as a dict, write the dict back as TOML.

A protocol's TOML text is parsed to a plain dict (`protocol_data`); editors change its tables (``[stages]``,
``[exclusion_reasons]``, ``[[criterion]]``, ``[keywords]``, ``[codebook]``) and `protocol_text` writes it out
with `screening.protocol.protocol_to_toml` (validated; comments of the original text are not kept). Nothing
here stores anything: `extraction.protocol_check` validates and stores a text.
"""

from __future__ import annotations

import re
import tomllib
from typing import Any

from db.errors import InputError
from screening.protocol import STAGES, protocol_to_toml


def protocol_data(text: str, where: str = "protocol") -> dict[str, Any]:
    """A protocol text's tables as a plain dict; `InputError` naming ``where`` when it is not TOML."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"is not valid TOML: {exc}", file=where) from exc


def protocol_text(data: dict[str, Any], where: str = "the protocol") -> str:
    """The TOML text of a protocol dict (`InputError` naming ``where`` and the key when it is not valid)."""
    return protocol_to_toml(data, where)


def slug(title: str) -> str:
    """A protocol name from a title: lower case words joined by hyphens ("protocol" for none)."""
    words = re.findall(r"[^\W_]+", title.casefold())
    return "-".join(words)[:60] or "protocol"


def blank_protocol(title: str = "", codebook: dict[str, Any] | None = None) -> dict[str, Any]:
    """A blank template: both stages decided by two agreeing reviewers, no exclusion reasons, no criteria, no
    keywords; ``codebook``: its ``[codebook]`` table (the extraction layer's blank one)."""
    data: dict[str, Any] = {"name": slug(title), "title": title or "New review", "version": 1,
                            "stages": {"order": list(STAGES), "rule": "two_agree"},
                            "exclusion_reasons": {s: [] for s in STAGES},
                            "keywords": {"include": [], "exclude": []}, "criterion": []}
    if codebook:
        data["codebook"] = codebook
    return data
