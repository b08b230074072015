"""Protocols edited as data (the app's New Review wizard and Protocol screen): start from a bundled protocol, a
file or a blank template, change the TOML tables as a dict, write the dict back to TOML.

A protocol's TOML text is parsed to a plain dict (`protocol_data`); editors change its tables (``[stages]``,
``[exclusion_reasons]``, ``[criteria]``, ``[keywords]``, ``[codebook]``) and `protocol_text` writes it out again
(tomlkit, a maintained TOML writer; comments of the original text are not kept). Nothing here stores anything:
`extraction.protocol_check` validates and stores a text.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any

from db.errors import InputError
from screening.protocol import STAGES


@dataclass(frozen=True)
class Bundled:
    """A protocol shipped with MetaSift: its key (file stem), what a person reads, and its TOML text."""

    key: str
    label: str
    text: str


def bundled_protocols() -> list[Bundled]:
    """The protocols shipped in ``screening/protocols`` (the alliance meta-analysis first)."""
    folder = resources.files("screening").joinpath("protocols")
    out = []
    for item in sorted(folder.iterdir(), key=lambda p: (p.name != "alliance.toml", p.name)):
        if not item.name.endswith(".toml"):
            continue
        text = item.read_text(encoding="utf-8")
        data = tomllib.loads(text)
        out.append(Bundled(item.name[:-5], str(data.get("title") or data.get("name") or item.name), text))
    return out


def protocol_data(text: str, where: str = "protocol") -> dict[str, Any]:
    """A protocol text's tables as a plain dict; `InputError` naming ``where`` when it is not TOML."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"is not valid TOML: {exc}", file=where) from exc


def protocol_text(data: dict[str, Any]) -> str:
    """The TOML text of a protocol dict (tables in the order given; empty tables left out)."""
    import tomlkit

    def clean(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items() if not (isinstance(v, dict) and not v)}
        return value

    return tomlkit.dumps(clean(data))


def slug(title: str) -> str:
    """A protocol name from a title: lower case words joined by hyphens ("protocol" for none)."""
    words = re.findall(r"[^\W_]+", title.casefold())
    return "-".join(words)[:60] or "protocol"


def blank_protocol(title: str = "", codebook: dict[str, Any] | None = None) -> dict[str, Any]:
    """A blank template: both stages decided by two agreeing reviewers, no exclusion reasons, no criteria
    assessed, no keywords; ``codebook``: its ``[codebook]`` table (the extraction layer's blank one)."""
    data: dict[str, Any] = {"name": slug(title), "title": title or "New review", "version": 1,
                            "stages": {"order": list(STAGES), "rule": "two_agree"},
                            "exclusion_reasons": {s: [] for s in STAGES},
                            "criteria": {"assess": []}, "keywords": {"include": [], "exclude": []}}
    if codebook:
        data["codebook"] = codebook
    return data


def stage_reasons(data: dict[str, Any]) -> dict[str, list[str]]:
    """``[exclusion_reasons]`` per stage (every stage of `STAGES`, empty when none)."""
    reasons = data.get("exclusion_reasons", {})
    return {s: list(reasons.get(s, [])) for s in STAGES}
