"""Review protocol files (TOML): criteria, stages, exclusion reasons, keyword and term lists.

The default protocol is the alliance–outcome meta-analysis (``screening/protocols/alliance.toml``).
`load_protocol_text` validates a file and raises `InputError` naming the file and the bad key. A
protocol may leave out ``[terms]`` lists; those fall back to the default protocol's lists.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from db.errors import InputError
from screening.criteria.evidence import check_term

STAGES = ("title_abstract", "full_text")
STAGE_LABELS = {"title_abstract": "Title / abstract", "full_text": "Full text"}
"""What a person reads for each stage (screens, status bar, exports, CLI text); the keys stay in --json."""
CRITERIA = ("alliance", "clinical", "sample_size", "adult")
TERM_LISTS = (
    "alliance_qualified", "alliance_measures", "alliance_bare", "alliance_contextual", "alliance_related",
    "alliance_organisational", "alliance_organisational_proper", "organisation_context", "therapy_context",
    "clinical", "analogue", "analogue_weak", "minors", "adults", "adult_contexts", "participants", "couples",
    "therapists", "non_participants", "screened", "single_case",
)
"""Every term list the criteria read (``[terms]`` keys)."""
DEFAULT_REASONS = {
    "alliance": "no alliance measure", "clinical": "analogue / non-clinical treatment",
    "sample_size": "fewer than five participants", "adult": "children or adolescents",
}


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
    assess: tuple[str, ...] = CRITERIA
    adult_age: int = 18
    criterion_reasons: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_REASONS))
    terms: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def criteria(self) -> tuple[str, ...]:
        """The criteria to assess: ``assess`` less those switched off (adults_only, clinical_only)."""
        off = {"adult"} if not self.adults_only else set()
        off |= {"clinical"} if not self.clinical_only else set()
        return tuple(c for c in self.assess if c not in off)

    def terms_key(self) -> tuple[Any, ...]:
        """A hashable summary of what the criteria compile (for caching compiled matchers)."""
        return (tuple(sorted(self.terms.items())), self.min_participants, self.adult_age)


def default_protocol_text() -> str:
    """The text of the bundled alliance protocol."""
    return resources.files("screening").joinpath("protocols/alliance.toml").read_text(encoding="utf-8")


@cache
def default_protocol() -> Protocol:
    """The bundled alliance protocol, parsed once."""
    return load_protocol_text(default_protocol_text(), "default alliance protocol", fallback_terms=False)


@lru_cache(maxsize=8)
def _parse_stored(text: str, where: str) -> Protocol:
    return load_protocol_text(text, where)


def review_protocol(text: str | None, review_name: str) -> Protocol:
    """A review's protocol from its stored text (``review.protocol``), or the bundled default when it has none;
    parsed once per text."""
    return _parse_stored(text, f"{review_name} (review protocol)") if text else default_protocol()


def _expect(cond: bool, where: str, what: str) -> None:
    if not cond:
        raise InputError(f"{what}", file=where)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _string_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(i, str) for i in value)


def _load_terms(data: dict[str, Any], where: str, fallback: bool) -> dict[str, tuple[str, ...]]:
    raw = data.get("terms", {})
    _expect(isinstance(raw, dict), where, "[terms] must be a table of name = [terms]")
    for key, items in raw.items():
        _expect(key in TERM_LISTS, where,
                f"[terms] {key}: unknown term list; expected one of {', '.join(TERM_LISTS)}")
        _expect(_string_list(items), where, f"[terms] {key}: expected a list of strings")
        for i, term in enumerate(items):
            problem = check_term(term)
            _expect(problem is None, where, f"[terms] {key}[{i}] {term!r}: {problem}")
    terms = {k: tuple(v) for k, v in raw.items()}
    missing = [k for k in TERM_LISTS if k not in terms]
    if missing:
        _expect(fallback, where, f"[terms] is missing {', '.join(missing)}")
        defaults = default_protocol().terms
        terms.update({k: defaults[k] for k in missing})
    return {k: terms[k] for k in TERM_LISTS}


def _load_criteria(crit: dict[str, Any], where: str, reasons: dict[str, tuple[str, ...]]) -> dict[str, Any]:
    min_n = crit.get("min_participants", 5)
    _expect(_is_int(min_n) and min_n >= 1, where, "[criteria] min_participants: expected a whole number >= 1")
    for key in ("adults_only", "clinical_only"):
        _expect(isinstance(crit.get(key, True), bool), where, f"[criteria] {key}: expected true or false")
    adult_age = crit.get("adult_age", 18)
    _expect(_is_int(adult_age) and 10 <= adult_age <= 30, where,
            "[criteria] adult_age: expected a whole number between 10 and 30")
    assess = crit.get("assess", list(CRITERIA))
    _expect(_string_list(assess), where, "[criteria] assess: expected a list of criterion names")
    for name in assess:
        _expect(name in CRITERIA, where,
                f"[criteria] assess: unknown criterion {name!r}; expected some of {', '.join(CRITERIA)}")
    why = crit.get("reasons", {})
    _expect(isinstance(why, dict), where, "[criteria.reasons] must be a table of criterion = \"reason\"")
    allowed = reasons.get("title_abstract")
    for name, reason in why.items():
        _expect(name in CRITERIA, where, f"[criteria.reasons] {name}: unknown criterion")
        _expect(isinstance(reason, str) and reason.strip() != "", where,
                f"[criteria.reasons] {name}: expected a non-empty string")
        _expect(allowed is None or reason.strip() in allowed, where,
                f"[criteria.reasons] {name}: {reason!r} is not one of [exclusion_reasons] title_abstract")
    return {"min_participants": min_n, "adults_only": crit.get("adults_only", True),
            "clinical_only": crit.get("clinical_only", True), "adult_age": adult_age,
            "assess": tuple(dict.fromkeys(assess)),
            "criterion_reasons": {**DEFAULT_REASONS, **{k: v.strip() for k, v in why.items()}}}


def load_protocol_text(text: str, where: str = "protocol", *, fallback_terms: bool = True) -> Protocol:
    """Parse and validate a protocol's TOML text (``fallback_terms``: missing term lists from the default)."""
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
    crit = data.get("criteria", {})
    _expect(isinstance(crit, dict), where, "[criteria] must be a table")
    criteria = _load_criteria(crit, where, reasons)
    kw = data.get("keywords", {})
    _expect(isinstance(kw, dict), where, "[keywords] must be a table with include/exclude lists")
    for key in ("include", "exclude"):
        _expect(_string_list(kw.get(key, [])), where, f"[keywords] {key}: expected a list of strings")
    return Protocol(
        name=data["name"].strip(), title=str(data.get("title") or data["name"]).strip(), stages=order,
        rule=rule, exclusion_reasons=reasons, include_keywords=tuple(kw.get("include", [])),
        exclude_keywords=tuple(kw.get("exclude", [])), raw=data,
        terms=_load_terms(data, where, fallback_terms), **criteria)
