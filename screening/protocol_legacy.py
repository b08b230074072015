"""The protocol shape from before criterion kinds, read into the same `CriterionSpec` values.

Reviews store their protocol's TOML text; those made earlier have ``[criteria]`` with ``assess``
(some of alliance, clinical, sample_size, adult), ``min_participants``, ``adults_only``,
``clinical_only``, ``adult_age``, ``[criteria.reasons]`` and ``[terms]`` lists. Each named criterion
becomes one criterion of its kind (alliance -> concept, clinical -> setting, sample_size ->
sample_size, adult -> age with group adults) whose term lists are the ``[terms]`` lists; missing lists
come from the bundled alliance protocol, as before. A list equal to the one the bundled protocol shipped
with then (``criteria/alliance_v1_terms.toml``) also counts as "the default": reviews that kept the
bundled lists follow today's lists (and their improvements), edited lists are kept as written.
Validation messages are the old ones.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any

from db.errors import InputError
from screening.criteria.evidence import check_term
from screening.criteria.kinds import OLD_TERMS, CriterionSpec, default_params

CRITERIA = ("alliance", "clinical", "sample_size", "adult")
KIND_OF = {"alliance": "concept", "clinical": "setting", "sample_size": "sample_size", "adult": "age"}
LABELS = {"alliance": "alliance", "clinical": "clinical treatment", "sample_size": "sample size",
          "adult": "adults"}
DEFAULT_REASONS = {
    "alliance": "no alliance measure", "clinical": "analogue / non-clinical treatment",
    "sample_size": "fewer than five participants", "adult": "children or adolescents",
}
TERM_LISTS = tuple(OLD_TERMS)


def _expect(cond: bool, where: str, what: str) -> None:
    if not cond:
        raise InputError(what, file=where)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _string_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(i, str) for i in value)


@cache
def _v1_terms() -> dict[str, tuple[str, ...]]:
    """The term lists the bundled alliance protocol shipped with in the old shape."""
    text = resources.files("screening").joinpath("criteria/alliance_v1_terms.toml").read_text(encoding="utf-8")
    return {k: tuple(v) for k, v in tomllib.loads(text)["terms"].items()}


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
    shipped = _v1_terms()
    terms = {k: tuple(v) for k, v in raw.items() if tuple(v) != shipped.get(k)}  # unchanged: the default
    missing = [k for k in TERM_LISTS if k not in terms]
    if missing:
        _expect(fallback or not [k for k in missing if k not in raw], where,
                f"[terms] is missing {', '.join(k for k in missing if k not in raw)}")
        from screening.protocol import default_protocol

        defaults = default_protocol().terms
        terms.update({k: defaults[k] for k in missing})
    return {k: terms[k] for k in TERM_LISTS}


def legacy_specs(data: dict[str, Any], where: str, reasons: dict[str, tuple[str, ...]],
                 fallback_terms: bool) -> tuple[CriterionSpec, ...]:
    """The criteria of an old-shape protocol (``[criteria]`` table and ``[terms]``)."""
    crit = data.get("criteria", {})
    _expect(isinstance(crit, dict), where, "[criteria] must be a table")
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
    terms = _load_terms(data, where, fallback_terms)
    off = ({"adult"} if not crit.get("adults_only", True) else set()) \
        | ({"clinical"} if not crit.get("clinical_only", True) else set())
    specs = []
    for name in dict.fromkeys(assess):
        if name in off:
            continue
        kind = KIND_OF[name]
        params = default_params(kind)
        params.update({param: terms[old] for old, (k, param) in OLD_TERMS.items() if k == kind})
        if kind == "sample_size":
            params["min_participants"] = min_n
        if kind == "age":
            params["adult_age"] = adult_age
        reason = str(why.get(name, DEFAULT_REASONS[name])).strip()
        specs.append(CriterionSpec(name, kind, LABELS[name], reason, MappingProxyType(params)))
    return tuple(specs)
