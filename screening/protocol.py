"""Review protocol files (TOML): criteria, stages, exclusion reasons and keyword lists.

The default protocol is the alliance–outcome meta-analysis (``screening/protocols/alliance.toml``).
`load_protocol_text` validates a file and raises `InputError` naming the file and the bad key.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from db.errors import InputError

STAGES = ("title_abstract", "full_text")


@dataclass(frozen=True)
class Protocol:
    """A validated review protocol."""

    name: str
    title: str
    stages: tuple[str, ...] = STAGES
    rule: str = "two_agree"
    exclusion_reasons: dict[str, tuple[str, ...]] = field(default_factory=dict)
    min_participants: int = 5
    adults_only: bool = True
    clinical_only: bool = True
    include_keywords: tuple[str, ...] = ()
    exclude_keywords: tuple[str, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict)


def default_protocol_text() -> str:
    """The text of the bundled alliance protocol."""
    return resources.files("screening").joinpath("protocols/alliance.toml").read_text(encoding="utf-8")


def _expect(cond: bool, where: str, what: str) -> None:
    if not cond:
        raise InputError(f"{what}", file=where)


def load_protocol_text(text: str, where: str = "protocol") -> Protocol:
    """Parse and validate a protocol's TOML text."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"is not valid TOML: {exc}", file=where) from exc
    _expect(isinstance(data.get("name"), str) and data["name"].strip() != "", where,
            "needs a `name = \"...\"` string at the top")
    stages = data.get("stages", {})
    _expect(isinstance(stages, dict), where, "[stages] must be a table")
    order = tuple(stages.get("order", STAGES))
    for s in order:
        _expect(s in STAGES, where, f"[stages] order: unknown stage {s!r}; expected one of {', '.join(STAGES)}")
    rule = stages.get("rule", "two_agree")
    _expect(rule in ("two_agree", "one_reviewer"), where,
            f"[stages] rule: unknown rule {rule!r}; expected 'two_agree' or 'one_reviewer'")
    reasons_raw = data.get("exclusion_reasons", {})
    _expect(isinstance(reasons_raw, dict), where, "[exclusion_reasons] must be a table of stage = [reasons]")
    reasons: dict[str, tuple[str, ...]] = {}
    for stage, items in reasons_raw.items():
        _expect(stage in STAGES, where, f"[exclusion_reasons]: unknown stage {stage!r}")
        _expect(isinstance(items, list) and all(isinstance(i, str) and i.strip() for i in items), where,
                f"[exclusion_reasons] {stage}: expected a list of non-empty strings")
        reasons[stage] = tuple(i.strip() for i in items)
    crit = data.get("criteria", {})
    _expect(isinstance(crit, dict), where, "[criteria] must be a table")
    min_n = crit.get("min_participants", 5)
    _expect(isinstance(min_n, int) and not isinstance(min_n, bool) and min_n >= 1, where,
            "[criteria] min_participants: expected a whole number >= 1")
    for key in ("adults_only", "clinical_only"):
        _expect(isinstance(crit.get(key, True), bool), where, f"[criteria] {key}: expected true or false")
    kw = data.get("keywords", {})
    _expect(isinstance(kw, dict), where, "[keywords] must be a table with include/exclude lists")
    for key in ("include", "exclude"):
        _expect(isinstance(kw.get(key, []), list) and all(isinstance(i, str) for i in kw.get(key, [])),
                where, f"[keywords] {key}: expected a list of strings")
    return Protocol(
        name=data["name"].strip(), title=str(data.get("title") or data["name"]).strip(), stages=order,
        rule=rule, exclusion_reasons=reasons, min_participants=min_n,
        adults_only=crit.get("adults_only", True), clinical_only=crit.get("clinical_only", True),
        include_keywords=tuple(kw.get("include", [])), exclude_keywords=tuple(kw.get("exclude", [])),
        raw=data)
