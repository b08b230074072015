"""The criterion kinds a protocol combines, described as data so an editor can be generated from them.

`CRITERION_KINDS` maps a kind name to a frozen `KindSpec`: a label, a help text and its parameters
(`ParamSpec`: name, type, default, choices, help). Parameter types:

``int``       a whole number (``minimum``/``maximum`` bound it when set)
``bool``      true / false
``str``       a string
``str_list``  a list of strings; with ``choices`` every item must be one of them (a multiple choice),
              without, a term list in the syntax of `screening.criteria.evidence.term_pattern`
``choice``    one string out of ``choices``

A protocol lists its criteria as `CriterionSpec` values (id, kind, label, reason, params);
`validate_params` checks one criterion's parameters and fills in the defaults. Term-list defaults of
the generic kinds (clinical words, age words, counted nouns, ...) come from ``lexicon.toml`` next to
this module, so a protocol names only what differs.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any

from screening.criteria.evidence import check_term

OLD_TERMS: Mapping[str, tuple[str, str]] = {
    "alliance_qualified": ("concept", "terms"), "alliance_measures": ("concept", "measures"),
    "alliance_bare": ("concept", "bare_terms"), "alliance_contextual": ("concept", "contextual_terms"),
    "alliance_related": ("concept", "related_terms"), "alliance_organisational": ("concept", "other_sense_terms"),
    "alliance_organisational_proper": ("concept", "other_sense_proper"),
    "organisation_context": ("concept", "other_sense_context"), "therapy_context": ("concept", "context_terms"),
    "clinical": ("setting", "clinical_terms"), "analogue": ("setting", "analogue_terms"),
    "analogue_weak": ("setting", "analogue_weak_terms"),
    "minors": ("age", "minor_terms"), "adults": ("age", "adult_terms"), "adult_contexts": ("age", "adult_contexts"),
    "participants": ("sample_size", "participant_terms"), "couples": ("sample_size", "couple_terms"),
    "therapists": ("sample_size", "therapist_terms"), "non_participants": ("sample_size", "non_participant_terms"),
    "screened": ("sample_size", "screened_terms"), "single_case": ("sample_size", "single_case_terms"),
}
"""Old ``[terms]`` key -> (kind, parameter): how the old protocol shape's term lists map onto the kinds'
parameters (`screening.criteria.build`, `screening.protocol_legacy`; here, with the kinds, so that reading a
protocol does not load the criteria modules)."""

PARAM_TYPES = ("int", "bool", "str", "str_list", "choice")
DESIGNS = ("rct", "controlled_trial", "cohort", "cross_sectional", "case_report", "qualitative",
           "review", "meta_analysis", "protocol")
"""Study designs the ``design`` kind tells apart (``allowed`` is a subset)."""
DESIGN_LABELS = {
    "rct": "randomised controlled trial", "controlled_trial": "non-randomised controlled trial",
    "cohort": "cohort / longitudinal / naturalistic study", "cross_sectional": "cross-sectional / survey",
    "case_report": "case report / single-case study", "qualitative": "qualitative study",
    "review": "review (narrative or systematic)", "meta_analysis": "meta-analysis",
    "protocol": "study protocol (no results yet)",
}
AGE_GROUPS = ("adults", "older_adults", "children", "adolescents", "minors")
SETTINGS = ("clinical", "non_clinical")
LANGUAGES = ("en", "de", "fr", "it", "es", "pt", "nl")
"""ISO 639-1 codes the ``language`` kind can detect from text (a record's own field may name others)."""


@dataclass(frozen=True)
class ParamSpec:
    """One parameter of a criterion kind."""

    name: str
    type: str
    default: Any
    help: str = ""
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    lexicon: str | None = None
    """For a term list: the ``lexicon.toml`` list its default comes from (``default`` is then ())."""


@dataclass(frozen=True)
class KindSpec:
    """A criterion kind: what it checks and the parameters it takes."""

    name: str
    label: str
    help: str
    params: tuple[ParamSpec, ...]

    def param(self, name: str) -> ParamSpec:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)


@dataclass(frozen=True)
class CriterionSpec:
    """One criterion of a protocol: ``params`` holds every parameter of its kind (defaults filled in)."""

    id: str
    kind: str
    label: str
    reason: str
    params: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def key(self) -> tuple[Any, ...]:
        """A hashable summary (for caching compiled criteria)."""
        return (self.id, self.kind, self.label, self.reason,
                tuple(sorted((k, tuple(v) if isinstance(v, list | tuple) else v) for k, v in self.params.items())))


def _terms(name: str, help: str, lexicon: str | None = None) -> ParamSpec:
    return ParamSpec(name, "str_list", (), help, lexicon=lexicon)


CRITERION_KINDS: Mapping[str, KindSpec] = MappingProxyType({k.name: k for k in (
    KindSpec("concept", "Concept named",
             "Met when the record names the concept (a term or a measure of it); a bare word counts only in "
             "the context (e.g. therapy) and not where it has another sense (e.g. an organisation).", (
                 _terms("terms", "Names that are the concept on their own (\"working alliance\")"),
                 _terms("measures", "Instruments that measure the concept (\"Working Alliance Inventory\")"),
                 _terms("bare_terms", "The bare word: counts in the context, unless used in another sense"),
                 _terms("contextual_terms", "Words that count only in the context"),
                 _terms("related_terms", "Related words that are not the concept by name (-> unclear)"),
                 _terms("context_terms", "Words that make a bare word the concept (e.g. therapy words)",
                        "therapy_context"),
                 _terms("other_sense_terms", "Uses of the bare word in another sense (organisations, ...)"),
                 _terms("other_sense_proper", "Other senses recognised by capital letters (not in Title Case)"),
                 _terms("other_sense_context", "When the record names one of these, a bare word is the other "
                        "sense"),
             )),
    KindSpec("age", "Population age",
             "Met when the participants belong to the wanted age group, read from stated ages, ranges, means "
             "and age words; a range straddling the group's bound is unclear.", (
                 ParamSpec("group", "choice", "adults", "The age group the review wants", AGE_GROUPS),
                 ParamSpec("adult_age", "int", 18, "The youngest adult age (years)", minimum=10, maximum=30),
                 ParamSpec("older_age", "int", 60, "The youngest age of older adults (years)", minimum=40,
                           maximum=90),
                 ParamSpec("adolescent_age", "int", 12, "The youngest adolescent age (years)", minimum=8,
                           maximum=16),
                 _terms("minor_terms", "Words for children and adolescents", "minors"),
                 _terms("adult_terms", "Words for adults (veterans, university students, ...)", "adults"),
                 _terms("adult_contexts", "Where a minors word does not describe the participants "
                        "(\"parents of children\")", "adult_contexts"),
                 _terms("child_terms", "Words for children (not adolescents)", "children"),
                 _terms("adolescent_terms", "Words for adolescents", "adolescents"),
                 _terms("older_terms", "Words for older adults", "older_adults"),
                 _terms("animal_terms", "Animal studies (not adults)", "animals"),
                 _terms("professional_terms", "Professionals who may be the participants (therapists, nurses): "
                        "adults when they are counted and no patient is named", "professionals"),
                 _terms("patient_terms", "Words for patients or clients", "patient_words"),
                 _terms("generic_person_terms", "Words for people that say nothing of age (participants, "
                        "patients, refugees): a counted group named by any other word for people (prisoners, "
                        "firefighters) is adults when no child is named", "age_neutral_people"),
                 _terms("minor_setting_terms", "Services for minors that do not make the participants minors "
                        "(\"youth mental health service\")", "minor_settings"),
             )),
    KindSpec("setting", "Setting / population",
             "Clinical: patients or clients treated for a problem; not clinical: analogue designs (role-play, "
             "vignettes, simulated clients) and healthy volunteers.", (
                 ParamSpec("wanted", "choice", "clinical", "The setting the review wants", SETTINGS),
                 _terms("clinical_terms", "Words for clinical treatment of patients or clients", "clinical"),
                 _terms("treatment_terms", "A treatment received (\"were treated with\", \"receiving therapy\")",
                        "treatment_received"),
                 _terms("problem_terms", "A diagnosis or presenting problem (depression, PTSD, ...)", "problems"),
                 _terms("analogue_terms", "Analogue designs (strong evidence)", "analogue"),
                 _terms("analogue_weak_terms", "Weak analogue hints (students, volunteers)", "analogue_weak"),
                 _terms("healthy_terms", "Healthy or non-clinical participants", "healthy"),
                 _terms("therapy_terms", "Names of therapies and counselling", "therapies"),
                 _terms("non_treatment_terms", "Courses and training that are not a treatment, supervision",
                        "non_treatment"),
                 _terms("population_terms", "Population studies without treatment (surveys, cohorts)", "population"),
                 _terms("animal_terms", "Animal studies", "animals"),
                 _terms("organisation_terms", "Organisations as the units studied (firms, banks)", "organisations"),
                 _terms("professional_terms", "Professionals (therapists, nurses): their therapy words are no "
                        "treatment; surveyed professionals are not clinical", "professionals"),
             )),
    KindSpec("design", "Study design",
             "Met when the study's design is one of the allowed designs; not met when it is clearly another.", (
                 ParamSpec("allowed", "str_list", ("rct",), "The designs the review includes", DESIGNS),
             )),
    KindSpec("sample_size", "Minimum sample size",
             "Participants counted (not sessions, raters or therapists; couples count two; a single-case "
             "study has n = 1); met at the minimum or more.", (
                 ParamSpec("min_participants", "int", 5, "The fewest participants a study may have", minimum=1),
                 _terms("participant_terms", "Nouns that count participants", "participants"),
                 _terms("couple_terms", "Nouns that count two participants each", "couples"),
                 _terms("therapist_terms", "Nouns that count therapists (not the sample)", "therapists"),
                 _terms("non_participant_terms", "Nouns that count something else (sessions, sites, ...)",
                        "non_participants"),
                 _terms("screened_terms", "After a count: it was not the sample (\"300 were screened\")",
                        "screened"),
                 _terms("single_case_terms", "Single-case designs (n = 1)", "single_case"),
                 _terms("patient_terms", "Words for patients or clients (when none is named, counted therapists "
                        "are the sample)", "patient_words"),
             )),
    KindSpec("years", "Publication years",
             "Met when the record's publication year is within the bounds; unclear without a year.", (
                 ParamSpec("from_year", "int", 0, "The earliest year included (0: no lower bound)", minimum=0,
                           maximum=2100),
                 ParamSpec("to_year", "int", 0, "The latest year included (0: no upper bound)", minimum=0,
                           maximum=2100),
             )),
    KindSpec("language", "Languages",
             "Met when the record is in one of the languages, from its language field or, without one, "
             "detected from title and abstract.", (
                 ParamSpec("allowed", "str_list", ("en",), "ISO 639-1 codes of the languages included"),
                 ParamSpec("detect", "bool", True, "Detect the language from the text when the record does not "
                           "name it"),
             )),
)})
"""Every criterion kind, by name."""


@cache
def lexicon() -> Mapping[str, tuple[str, ...]]:
    """The default term lists of the generic kinds (``screening/criteria/lexicon.toml``)."""
    text = resources.files("screening").joinpath("criteria/lexicon.toml").read_text(encoding="utf-8")
    return MappingProxyType({k: tuple(v) for k, v in tomllib.loads(text).items()})


def default_params(kind: str) -> dict[str, Any]:
    """Every parameter of ``kind`` at its default (term lists from the lexicon)."""
    out: dict[str, Any] = {}
    for p in CRITERION_KINDS[kind].params:
        out[p.name] = lexicon()[p.lexicon] if p.lexicon else p.default
    return out


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_param(p: ParamSpec, value: Any) -> str | None:
    """None when ``value`` fits ``p``, else the problem in words."""
    if p.type == "int":
        if not _is_int(value):
            return "expected a whole number"
        if p.minimum is not None and value < p.minimum:
            return f"expected a whole number >= {p.minimum}"
        if p.maximum is not None and value > p.maximum:
            return f"expected a whole number <= {p.maximum}"
    elif p.type == "bool":
        if not isinstance(value, bool):
            return "expected true or false"
    elif p.type == "str":
        if not isinstance(value, str):
            return "expected a string"
    elif p.type == "choice":
        if value not in p.choices:
            return f"expected one of {', '.join(p.choices)}"
    elif p.type == "str_list":
        if not isinstance(value, list | tuple) or not all(isinstance(i, str) for i in value):
            return "expected a list of strings"
        for i, item in enumerate(value):
            if p.choices and item not in p.choices:
                return f"[{i}] {item!r}: expected one of {', '.join(p.choices)}"
            if not p.choices:
                problem = check_term(item)
                if problem is not None:
                    return f"[{i}] {item!r}: {problem}"
    return None


def validate_params(kind: str, raw: Mapping[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """(params with defaults filled in, [(parameter, problem)]) for one criterion of ``kind``.

    Unknown parameter names are problems; lists become tuples."""
    spec = CRITERION_KINDS[kind]
    names = {p.name for p in spec.params}
    problems = [(k, f"unknown parameter for kind {kind!r}; expected some of {', '.join(sorted(names))}")
                for k in raw if k not in names]
    params = default_params(kind)
    for p in spec.params:
        if p.name in raw:
            problem = check_param(p, raw[p.name])
            if problem is not None:
                problems.append((p.name, problem))
            else:
                value = raw[p.name]
                params[p.name] = tuple(value) if p.type == "str_list" else value
    return params, problems
