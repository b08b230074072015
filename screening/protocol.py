"""Review protocols (TOML): stages, exclusion reasons, keyword highlights and the criteria.

A protocol lists its criteria as ``[[criterion]]`` tables, each a configuration of one of the criterion
kinds in `CRITERION_KINDS` (concept named, population age, setting, study design, minimum sample size,
publication years, languages): ``id``, ``kind``, ``label``, ``reason`` (one of the title/abstract
exclusion reasons) and the kind's parameters. The bundled protocols (``screening/protocols/*.toml``,
`bundled_protocols`) show the shape in their comments; the alliance–outcome meta-analysis is the default.

The API a protocol editor builds on: `CRITERION_KINDS` (kinds and their typed parameters),
`CriterionSpec` and `Protocol.criteria_specs`, `protocol_from_data` (validates a dict, `InputError`
naming the file and the key), `protocol_to_toml` (the dict as TOML; ``load_protocol_text`` of it gives
the same protocol), `bundled_protocols` / `bundled_protocol_text`.

Reviews made before criterion kinds store the old shape (``[criteria] assess = [...]``,
``min_participants``, ``adults_only``, ``clinical_only``, ``adult_age``, ``[criteria.reasons]``,
``[terms]``); `screening.protocol_legacy` reads it into the same criteria.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property, lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Any

from db.errors import InputError
from screening.criteria.kinds import (
    CRITERION_KINDS,
    OLD_TERMS,
    CriterionSpec,
    KindSpec,
    ParamSpec,
    default_params,
    lexicon,
    validate_params,
)
from screening.protocol_legacy import CRITERIA as LEGACY_CRITERIA
from screening.protocol_legacy import TERM_LISTS as LEGACY_TERM_LISTS

STAGES = ("title_abstract", "full_text")
STAGE_LABELS = {"title_abstract": "Title / abstract", "full_text": "Full text"}
"""What a person reads for each stage (screens, status bar, exports, CLI text); the keys stay in --json."""
CRITERIA = LEGACY_CRITERIA
"""The criteria of the old protocol shape."""
TERM_LISTS = LEGACY_TERM_LISTS
"""The old ``[terms]`` keys (what `Protocol.terms` is keyed by)."""


@dataclass(frozen=True)
class Protocol:
    """A validated review protocol; ``criteria_specs`` are its criteria in the order they are assessed."""

    name: str
    title: str
    stages: tuple[str, ...] = STAGES
    rule: str = "two_agree"
    exclusion_reasons: dict[str, tuple[str, ...]] = field(default_factory=dict)
    include_keywords: tuple[str, ...] = ()
    exclude_keywords: tuple[str, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict)
    criteria_specs: tuple[CriterionSpec, ...] = ()

    @property
    def criteria(self) -> tuple[str, ...]:
        """The ids of the criteria to assess, in order."""
        return tuple(s.id for s in self.criteria_specs)

    def spec(self, criterion_id: str) -> CriterionSpec:
        """The criterion with this id (KeyError when there is none)."""
        for s in self.criteria_specs:
            if s.id == criterion_id:
                return s
        raise KeyError(criterion_id)

    def _first(self, kind: str) -> CriterionSpec | None:
        return next((s for s in self.criteria_specs if s.kind == kind), None)

    @property
    def min_participants(self) -> int:
        """The sample-size minimum (5 without a sample-size criterion; full-text coding reads it too)."""
        s = self._first("sample_size")
        return int(s.params["min_participants"]) if s else 5

    @property
    def adult_age(self) -> int:
        s = self._first("age")
        return int(s.params["adult_age"]) if s else 18

    @property
    def adults_only(self) -> bool:
        """True when an age criterion wants adults."""
        return any(s.kind == "age" and s.params["group"] == "adults" for s in self.criteria_specs)

    @property
    def clinical_only(self) -> bool:
        """True when a setting criterion wants clinical samples."""
        return any(s.kind == "setting" and s.params["wanted"] == "clinical" for s in self.criteria_specs)

    @property
    def assess(self) -> tuple[str, ...]:
        return self.criteria

    @property
    def criterion_reasons(self) -> dict[str, str]:
        """Criterion id -> the exclusion reason suggested when it is clearly not met."""
        return {s.id: s.reason for s in self.criteria_specs}

    @property
    def terms(self) -> dict[str, tuple[str, ...]]:
        """The criteria's term lists under the old ``[terms]`` names (first criterion of each kind;
        the lexicon's list where the protocol has no criterion of that kind)."""
        out: dict[str, tuple[str, ...]] = {}
        for old, (kind, param) in OLD_TERMS.items():
            s = self._first(kind)
            out[old] = tuple(s.params[param]) if s else tuple(default_params(kind)[param])
        return out

    def terms_key(self) -> tuple[Any, ...]:
        """A hashable summary of what the criteria compile (for caching compiled criteria)."""
        return self._key

    @cached_property
    def _key(self) -> tuple[Any, ...]:
        return tuple(s.key() for s in self.criteria_specs)


@dataclass(frozen=True)
class BundledProtocol:
    """A protocol shipped with MetaSift: ``key`` (its file name without .toml) names it."""

    key: str
    name: str
    title: str


def bundled_protocols() -> list[BundledProtocol]:
    """The bundled protocols, the default (alliance) first, then by title."""
    out = []
    for entry in resources.files("screening").joinpath("protocols").iterdir():
        if entry.name.endswith(".toml"):
            key = entry.name[:-5]
            p = bundled_protocol(key)
            out.append(BundledProtocol(key, p.name, p.title))
    return sorted(out, key=lambda b: (b.key != DEFAULT_KEY, b.title.lower()))


def bundled_protocol_text(key: str) -> str:
    """The TOML text of a bundled protocol (`InputError` for an unknown key)."""
    path = resources.files("screening").joinpath(f"protocols/{key}.toml")
    if not re.fullmatch(r"[a-z0-9_]+", key) or not path.is_file():
        known = sorted(e.name[:-5] for e in resources.files("screening").joinpath("protocols").iterdir()
                       if e.name.endswith(".toml"))
        raise InputError(f"no bundled protocol {key!r}; expected one of {', '.join(known)}", file="protocol")
    return path.read_text(encoding="utf-8")


@cache
def bundled_protocol(key: str) -> Protocol:
    """A bundled protocol, parsed once."""
    return load_protocol_text(bundled_protocol_text(key), f"bundled protocol {key}", fallback_terms=False)


DEFAULT_KEY = "alliance"


def default_protocol_text() -> str:
    """The text of the bundled alliance protocol."""
    return bundled_protocol_text(DEFAULT_KEY)


def default_protocol() -> Protocol:
    """The bundled alliance protocol, parsed once."""
    return bundled_protocol(DEFAULT_KEY)


@lru_cache(maxsize=8)
def _parse_stored(text: str, where: str) -> Protocol:
    return load_protocol_text(text, where)


def protocol_label(review_name: str, version: int | None) -> str:
    """How messages name a review's protocol (its parse, its codebook, its ``[aggregation]``): one label."""
    return f"{review_name} protocol version {version}" if version else f"{review_name} (review protocol)"


def review_protocol(text: str | None, where: str) -> Protocol:
    """A review's protocol from its stored text, or the bundled default when it has none; parsed once per text.
    ``where``: `protocol_label`."""
    return _parse_stored(text, where) if text else default_protocol()


def _expect(cond: bool, where: str, what: str) -> None:
    if not cond:
        raise InputError(f"{what}", file=where)


def _string_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(i, str) for i in value)


_ID = re.compile(r"[a-z][a-z0-9_]{0,39}")
SPEC_KEYS = ("id", "kind", "label", "reason")


def _criterion(i: int, item: Any, where: str, allowed: tuple[str, ...] | None) -> CriterionSpec:
    """One ``[[criterion]]`` table, validated (``i`` counts from 1 in messages)."""
    at = f"[[criterion]] {i}"
    _expect(isinstance(item, dict), where, f"{at}: expected a table")
    cid = item.get("id")
    _expect(isinstance(cid, str) and _ID.fullmatch(cid) is not None, where,
            f"{at} id: expected a short name of lower-case letters, digits and _ (e.g. \"adult\")")
    at = f"[[criterion]] {cid}"
    kind = item.get("kind")
    _expect(isinstance(kind, str) and kind in CRITERION_KINDS, where,
            f"{at} kind: unknown kind {kind!r}; expected one of {', '.join(CRITERION_KINDS)}")
    label = item.get("label", CRITERION_KINDS[kind].label)
    _expect(isinstance(label, str) and label.strip() != "", where, f"{at} label: expected a non-empty string")
    reason = item.get("reason")
    _expect(isinstance(reason, str) and reason.strip() != "", where,
            f"{at} reason: expected the exclusion reason suggested when the criterion is not met")
    _expect(allowed is not None, where, f"{at} reason: the protocol needs [exclusion_reasons] title_abstract")
    _expect(reason.strip() in (allowed or ()), where,
            f"{at} reason: {reason!r} is not one of [exclusion_reasons] title_abstract")
    params, problems = validate_params(kind, {k: v for k, v in item.items() if k not in SPEC_KEYS})
    if problems:
        key, problem = problems[0]
        raise InputError(f"{at} {key}: {problem}", file=where)
    return CriterionSpec(cid, kind, label.strip(), reason.strip(), MappingProxyType(params))


def _criteria_specs(data: dict[str, Any], where: str, reasons: dict[str, tuple[str, ...]],
                    fallback_terms: bool) -> tuple[CriterionSpec, ...]:
    items = data.get("criterion")
    if items is None:
        from screening.protocol_legacy import legacy_specs

        return legacy_specs(data, where, reasons, fallback_terms)
    _expect(isinstance(items, list), where, "[[criterion]] must be an array of tables")
    _expect("criteria" not in data and "terms" not in data, where,
            "[[criterion]] tables cannot be mixed with the old [criteria] / [terms] shape")
    allowed = reasons.get("title_abstract")
    specs = tuple(_criterion(i, item, where, allowed) for i, item in enumerate(items, 1))
    seen: set[str] = set()
    for s in specs:
        _expect(s.id not in seen, where, f"[[criterion]] {s.id}: id used twice")
        seen.add(s.id)
    return specs


def protocol_from_data(given: Mapping[str, Any], where: str = "protocol", *,
                       fallback_terms: bool = True) -> Protocol:
    """Validate a protocol given as data (what TOML parses to; lists may be tuples) and build it.

    `InputError` names ``where`` and the offending key. ``fallback_terms`` (old shape only): term lists
    missing from ``[terms]`` come from the default protocol."""
    _expect(isinstance(given, Mapping), where, "expected a table of protocol settings")
    data: dict[str, Any] = _plain(given)
    _expect(isinstance(data.get("name"), str) and data["name"].strip() != "", where,
            "needs a `name = \"...\"` string at the top")
    _expect(data.get("title") is None or isinstance(data["title"], str), where, "title: expected a string")
    stages = data.get("stages", {})
    _expect(isinstance(stages, dict), where, "[stages] must be a table")
    order = stages.get("order", list(STAGES))
    _expect(_string_list(order) and len(order) > 0, where, "[stages] order: expected a list of stage names")
    for s in order:
        _expect(s in STAGES, where,
                f"[stages] order: unknown stage {s!r}; expected one of {', '.join(STAGES)}")
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
    specs = _criteria_specs(data, where, reasons, fallback_terms)
    kw = data.get("keywords", {})
    _expect(isinstance(kw, dict), where, "[keywords] must be a table with include/exclude lists")
    for key in ("include", "exclude"):
        _expect(_string_list(kw.get(key, [])), where, f"[keywords] {key}: expected a list of strings")
    return Protocol(
        name=data["name"].strip(), title=str(data.get("title") or data["name"]).strip(), stages=tuple(order),
        rule=rule, exclusion_reasons=reasons, include_keywords=tuple(kw.get("include", [])),
        exclude_keywords=tuple(kw.get("exclude", [])), raw=data, criteria_specs=specs)


def _plain(value: Any) -> Any:
    """A deep copy with tuples as lists and mappings as dicts (what TOML parses to)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def load_protocol_text(text: str, where: str = "protocol", *, fallback_terms: bool = True) -> Protocol:
    """Parse and validate a protocol's TOML text (``fallback_terms``: see `protocol_from_data`)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"is not valid TOML: {exc}", file=where) from exc
    return protocol_from_data(data, where, fallback_terms=fallback_terms)


def protocol_to_toml(data: Mapping[str, Any], where: str = "protocol") -> str:
    """A protocol given as data, validated, as TOML text; ``load_protocol_text`` of the text equals
    ``protocol_from_data(data)``. Criteria are written as ``[[criterion]]`` tables."""
    protocol_from_data(data, where)
    import tomlkit  # here: reading a protocol (every review command) does not need it

    return tomlkit.dumps(_plain(data))


def spec_data(spec: CriterionSpec, *, only_changed: bool = True) -> dict[str, Any]:
    """One criterion as a ``[[criterion]]`` table (``only_changed``: parameters at their default left out)."""
    out: dict[str, Any] = {"id": spec.id, "kind": spec.kind, "label": spec.label, "reason": spec.reason}
    defaults = default_params(spec.kind)
    for k, v in spec.params.items():
        same = (tuple(v) == tuple(defaults[k])) if isinstance(v, list | tuple) else v == defaults[k]
        if not (only_changed and same):
            out[k] = list(v) if isinstance(v, list | tuple) else v
    return out


__all__ = ["CRITERION_KINDS", "STAGES", "STAGE_LABELS", "BundledProtocol", "CriterionSpec",
           "KindSpec", "ParamSpec", "Protocol", "bundled_protocol", "bundled_protocol_text", "bundled_protocols",
           "default_protocol", "default_protocol_text", "lexicon", "load_protocol_text", "protocol_from_data",
           "protocol_to_toml", "spec_data"]
