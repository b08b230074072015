"""The coding scheme for effect sizes: fields, vocabularies, validation, and double-coding agreement.

The built-in vocabularies are the moderators of the alliance–outcome meta-analysis (Horvath, Del Re,
Flückiger & Symonds 2011). A protocol extends them with a small mapping (a dict, or a ``[codebook]``
table in the protocol's TOML)::

    {"required": ["alliance_measure", ...],              # replaces the default list of required fields
     "values":   {"alliance_measure": ["STA"]},          # extra values for built-in category fields
     "aliases":  {"treatment": {"DBT": "CBT"}},          # extra spellings -> an allowed value
     "omit":     ["alliance_session"],                    # built-in moderators this review does not code
     "redefine": {"alliance_time": {"type": "text", "label": "When"}},  # a built-in moderator's own definition
     "custom_fields": {
         "setting": ["inpatient", "outpatient"],          # short form: a category field
         "dose": {"type": "number", "label": "Dose", "help": "sessions attended", "min": 1, "required": true},
         "blinded": {"type": "yes_no", "label": "Assessors blinded"},
         "site": {"type": "category", "values": ["A", "B"], "aliases": {"a.": "A"}, "other": true}}}

Field types (`KINDS`, `KIND_LABELS`): category (a choice from a list), number (with an optional range),
integer (a whole number), text (free text), yes_no (stored as "yes" or "no"). ``help`` (or ``meaning``) is
the field's help text, ``label`` what the form shows (default: the name). Category values match
case-insensitively, ignoring spaces, hyphens, slashes and underscores; aliases (synonyms) such as "Working
Alliance Inventory" or "BDI-II" map to an allowed value ("WAI", "BDI"). Fields with ``other`` accept "Other"
or "Other: free text".

``redefine`` gives a built-in moderator a definition of its own (type, label, help, values, aliases, range,
other; the same keys as a custom field but ``required``, which the ``required`` list decides): the field keeps
its name, its new definition replaces the built-in one whole. Storing a protocol refuses a type change that
coded values already stored would not fit (`extraction.protocol_check`).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from db.errors import InputError
from extraction.effect_sizes import STATISTICS

KINDS = ("category", "number", "integer", "text", "yes_no")
KIND_LABELS = {"category": "choice from a list", "number": "number (with range)", "integer": "whole number",
               "text": "free text", "yes_no": "yes / no"}
"""What a person reads for each field type (the codebook editor, the codebook sheet)."""
CORE_NAMES = frozenset({"study_id", "r", "n"})
"""Fields every effect has: always required, never omitted."""
_YES = {"yes", "y", "true", "1", "ja", "oui", "si", "sì"}
_NO = {"no", "n", "false", "0", "nein", "non"}


def _norm(text: str) -> str:
    """Matching key: case-folded, runs of spaces/hyphens/dashes/slashes/underscores/dots as one space."""
    return re.sub(r"[\s\-‐–—_/.]+", " ", text.casefold()).strip()


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (
        isinstance(value, float) and math.isnan(value))


@dataclass(frozen=True)
class Field:
    """One codebook column: its kind, meaning, vocabulary (categories) or range (numbers)."""

    name: str
    meaning: str
    kind: str = "category"
    values: tuple[str, ...] = ()
    aliases: Mapping[str, str] = field(default_factory=dict)
    other: bool = False
    minimum: float | None = None
    maximum: float | None = None
    required: bool = False
    label: str = ""
    builtin: bool = False

    @property
    def title(self) -> str:
        """What a form shows for the field: its label, else its name."""
        return self.label or self.name

    def canonical(self, value: Any) -> str | None:
        """The allowed spelling of a category value, "Other: text" for free text, "yes"/"no" for a yes/no
        field (also true/false, 1/0, ja/nein, oui/non, sì/no), None if not allowed."""
        if self.kind == "yes_no":
            key = str(value).strip().casefold() if not isinstance(value, bool) else str(value).casefold()
            return "yes" if key in _YES else "no" if key in _NO else None
        text = str(value).strip()
        key = _norm(text)
        for v in self.values:
            if _norm(v) == key:
                return v
        for alias, target in self.aliases.items():
            if _norm(alias) == key:
                return target
        if self.other:
            m = re.fullmatch(r"other\s*(?:[:(\-–]\s*(.*?)\)?)?\s*", text, flags=re.IGNORECASE)
            if m:
                return f"Other: {m.group(1).strip()}" if m.group(1) and m.group(1).strip() else "Other"
        return None

    def allowed(self) -> str:
        """The allowed values as one line of text (for the codebook sheet and messages)."""
        if self.kind == "category":
            return ", ".join(self.values) + ("; Other: <free text>" if self.other else "")
        if self.kind == "yes_no":
            return "yes or no"
        lo = "" if self.minimum is None else f">= {self.minimum:g}"
        hi = "" if self.maximum is None else f"<= {self.maximum:g}"
        word = {"number": "a number", "integer": "a whole number", "text": "free text"}[self.kind]
        return " ".join(p for p in (word, lo, "and" if lo and hi else "", hi) if p)

    def check(self, value: Any) -> str | None:
        """An error message for a present value, or None when it is allowed."""
        if self.kind == "text":
            return None
        if self.kind == "yes_no":
            return None if self.canonical(value) is not None else f"{self.name}: {value!r} is not yes or no"
        if self.kind == "category":
            if self.canonical(value) is not None:
                return None
            hint = f"; for one not listed write 'Other: {value}'" if self.other else ""
            return f"{self.name}: {value!r} is not an allowed value ({self.allowed()}){hint}"
        x = _as_number(value)
        if x is None:
            return f"{self.name}: {value!r} is not a number"
        if self.kind == "integer" and not x.is_integer():
            return f"{self.name}: {value!r} is not a whole number"
        if (self.minimum is not None and x < self.minimum) or (self.maximum is not None and x > self.maximum):
            return f"{self.name}: {value!r} is out of range ({self.allowed()})"
        return None


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        x = float(value.strip()) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


_RATERS = ("client", "therapist", "observer")
_RATER_ALIASES = {"patient": "client", "self report": "client", "self": "client", "clinician": "therapist",
                  "counselor": "therapist", "counsellor": "therapist", "judge": "observer",
                  "independent rater": "observer", "external rater": "observer"}

ALLIANCE_FIELDS: tuple[Field, ...] = (
    Field("study_id", "identifier of the independent sample (one per sample, several rows allowed)",
          "text", required=True),
    Field("sample", "label of the sample within a report, when a report has several", "text"),
    Field("r", "alliance-outcome correlation (positive = better alliance, better outcome)", "number",
          minimum=-1, maximum=1, required=True),
    Field("n", "number of participants the correlation is based on", "integer", minimum=1, required=True),
    Field("statistic", "statistic the r was converted from", "category", tuple(STATISTICS)),
    Field("value", "the reported statistic's value", "number"),
    Field("df", "(denominator) degrees of freedom of t or F", "number", minimum=0),
    Field("df1", "numerator degrees of freedom of F (must be 1)", "number", minimum=1),
    Field("alliance_measure", "alliance instrument", "category",
          ("CALPAS", "HAq", "VPPS", "WAI", "WAI-S", "WAI-SR", "WAI-O", "WAI-O-S"),
          {"California Psychotherapy Alliance Scales": "CALPAS", "CALPAS-P": "CALPAS",
           "CALPAS-T": "CALPAS", "CALTARS": "CALPAS", "Helping Alliance Questionnaire": "HAq",
           "Penn Helping Alliance": "HAq", "HAq-I": "HAq", "HAq-II": "HAq", "HAQ II": "HAq",
           "Penn": "HAq", "Vanderbilt Psychotherapy Process Scale": "VPPS",
           "Working Alliance Inventory": "WAI", "WAI short": "WAI-S", "WAI short form": "WAI-S",
           "WAI short revised": "WAI-SR", "WAI-SR-C": "WAI-SR", "WAI observer": "WAI-O",
           "WAI observer short": "WAI-O-S"},
          other=True, required=True),
    Field("alliance_rater", "who rated the alliance", "category", _RATERS, _RATER_ALIASES,
          required=True),
    Field("alliance_time", "when the alliance was assessed", "category",
          ("early", "mid", "late", "averaged"),
          {"middle": "mid", "average": "averaged", "mean": "averaged", "aggregated": "averaged",
           "beginning": "early", "end": "late"}, required=True),
    Field("alliance_session", "session number of the alliance assessment", "integer", minimum=1),
    Field("outcome_measure", "outcome instrument", "category", ("BDI", "SCL-90", "dropout"),
          {"Beck Depression Inventory": "BDI", "BDI-II": "BDI", "BDI II": "BDI", "SCL": "SCL-90",
           "SCL-90-R": "SCL-90", "Symptom Checklist 90": "SCL-90", "Symptom Check List": "SCL-90",
           "drop out": "dropout", "attrition": "dropout"}, other=True, required=True),
    Field("outcome_rater", "who rated the outcome", "category", (*_RATERS, "other"), _RATER_ALIASES,
          required=True),
    Field("treatment", "type of treatment", "category",
          ("CBT", "IPT", "psychodynamic", "substance abuse", "other"),
          {"cognitive behavioral": "CBT", "cognitive behavioural": "CBT",
           "cognitive behavioral therapy": "CBT", "cognitive behavioural therapy": "CBT",
           "cognitive therapy": "CBT", "interpersonal": "IPT", "interpersonal therapy": "IPT",
           "interpersonal psychotherapy": "IPT", "psychoanalytic": "psychodynamic",
           "dynamic": "psychodynamic", "substance use": "substance abuse", "addiction": "substance abuse"},
          required=True),
    Field("pub_source", "where the study was published", "category",
          ("journal", "book chapter", "unpublished"),
          {"journal article": "journal", "article": "journal", "chapter": "book chapter",
           "book": "book chapter", "thesis": "unpublished", "dissertation": "unpublished",
           "unpublished / thesis": "unpublished"}, required=True),
    Field("language", "language of the report", "category",
          ("English", "German", "French", "Italian", "Spanish"),
          {"en": "English", "eng": "English", "de": "German", "deutsch": "German", "ger": "German",
           "fr": "French", "fre": "French", "it": "Italian", "ita": "Italian", "es": "Spanish",
           "spa": "Spanish"}, other=True),
    Field("pub_year", "publication year", "integer", minimum=1900, maximum=2100, required=True),
)


class Codebook:
    """The fields of an effect-size row, with validation and a description for the codebook sheet.

    ``df_tolerance``: how far a reported df of t, r or F(1, df) may lie from n − 2 (default 1).
    """

    def __init__(self, fields: Sequence[Field] = ALLIANCE_FIELDS, df_tolerance: float = 1.0) -> None:
        self.fields: dict[str, Field] = {f.name: f for f in fields}
        self.df_tolerance = df_tolerance

    @classmethod
    def from_protocol(cls, mapping: Mapping[str, Any] | None, where: str = "protocol") -> Codebook:
        """The alliance codebook extended by a protocol mapping (schema in the module docstring)."""
        data = dict(mapping or {})
        if isinstance(data.get("codebook"), Mapping):
            data = dict(data["codebook"])
        unknown = set(data) - {"required", "values", "aliases", "custom_fields", "omit", "redefine"}
        if unknown:
            raise InputError(f"[codebook]: unknown key(s) {', '.join(sorted(unknown))}", file=where)
        fields = {f.name: replace(f, builtin=True) for f in ALLIANCE_FIELDS}
        omit = data.get("omit", [])
        if not isinstance(omit, list) or not all(isinstance(o, str) for o in omit):
            raise InputError("[codebook] omit: expected a list of built-in field names", file=where)
        for name in omit:
            if name not in fields or name in CORE_NAMES or name in ("statistic", "value", "df", "df1"):
                raise InputError(f"[codebook] omit: {name!r} is not a built-in moderator (one of "
                                 f"{', '.join(moderator_names())})", file=where)
            del fields[name]
        for name, spec in _table(data, "redefine", where).items():
            if name not in moderator_names():
                raise InputError(f"[codebook] redefine: {name!r} is not a built-in moderator (one of "
                                 f"{', '.join(moderator_names())})", file=where)
            if name not in fields:
                raise InputError(f"[codebook] redefine: {name!r} is left out (omit); redefine it or omit it",
                                 file=where)
            if isinstance(spec, Mapping) and "required" in spec:
                raise InputError(f"[codebook] redefine.{name}: required is set by [codebook] required, not "
                                 "here", file=where)
            base, given = fields[name], spec if isinstance(spec, Mapping) else {}
            new = _custom_field(name, spec, where, "redefine")
            fields[name] = replace(new, builtin=True, required=base.required,
                                   meaning=new.meaning if "help" in given or "meaning" in given else base.meaning,
                                   label=new.label if "label" in given else base.label)
        for name, spec in _table(data, "custom_fields", where).items():
            if name in fields:
                raise InputError(f"[codebook] custom_fields: {name!r} is already a built-in field",
                                 file=where)
            fields[name] = _custom_field(name, spec, where)
        for name, extra in _table(data, "values", where).items():
            f = _category(fields, name, "values", where)
            if not isinstance(extra, list) or not all(isinstance(v, str) and v.strip() for v in extra):
                raise InputError(f"[codebook] values.{name}: expected a list of non-empty strings",
                                 file=where)
            fields[name] = replace(f, values=f.values + tuple(v.strip() for v in extra))
        for name, extra in _table(data, "aliases", where).items():
            f = _category(fields, name, "aliases", where)
            if not isinstance(extra, Mapping) or not all(
                    isinstance(k, str) and f.canonical(v) is not None for k, v in extra.items()):
                raise InputError(f"[codebook] aliases.{name}: expected {{alias = allowed value}} with "
                                 f"values among {f.allowed()}", file=where)
            fields[name] = replace(f, aliases={**f.aliases, **{k: f.canonical(v) or v for k, v in extra.items()}})
        if "required" in data:
            req = data["required"]
            if not isinstance(req, list) or not all(isinstance(r, str) and r in fields for r in req):
                raise InputError("[codebook] required: expected a list of field names", file=where)
            # the list replaces the built-in fields' defaults; a custom field's own ``required = true`` stands
            fields = {k: replace(f, required=k in CORE_NAMES or k in req or (f.required and not f.builtin))
                      for k, f in fields.items()}
        return cls(list(fields.values()))

    def canonical(self, name: str, value: Any) -> str | None:
        """The allowed spelling of a category value of field ``name`` (None if not allowed)."""
        return self.fields[name].canonical(value)

    def validate_effect(self, values: Mapping[str, Any], min_n: int) -> list[str]:
        """Messages for everything wrong with one coded effect; an empty list means valid.

        Checks: known fields, required fields present, |r| <= 1, n >= ``min_n`` (the protocol's
        minimum), values in their vocabularies, df of t / r / F(1, df) within ``df_tolerance`` of n − 2.
        """
        msgs = [f"unknown field {k!r}" for k in values if k not in self.fields]
        present = {k: v for k, v in values.items() if k in self.fields and not _missing(v)}
        for f in self.fields.values():
            if f.required and f.name not in present:
                msgs.append(f"missing required field {f.name!r} ({f.meaning})")
        for name, value in present.items():
            msg = self.fields[name].check(value)
            if msg:
                msgs.append(msg)
        n = _as_number(present.get("n"))
        if n is not None and n < min_n:
            msgs.append(f"n: {n:g} is below the protocol minimum of {min_n} participants")
        stat = present.get("statistic")
        stat = self.fields["statistic"].canonical(stat) if stat is not None else None
        df = _as_number(present.get("df"))
        if stat in ("t", "r", "F") and df is not None and n is not None:
            if abs(df - (n - 2)) > self.df_tolerance:
                msgs.append(f"df: {df:g} does not match n = {n:g} (expected n - 2 = {n - 2:g} for {stat}, "
                            f"tolerance {self.df_tolerance:g})")
        df1 = _as_number(present.get("df1"))
        if stat == "F" and df1 is not None and df1 != 1:
            msgs.append(f"df1: F({df1:g}, df) has no single correlation; only F(1, df) converts to r")
        return msgs

    def describe(self) -> list[dict[str, str]]:
        """One row per field for an Excel codebook sheet: column, meaning, allowed values, required."""
        return [{"column": f.name, "label": f.title, "meaning": f.meaning, "allowed values": f.allowed(),
                 "required": "yes" if f.required else "no"} for f in self.fields.values()]


def _table(data: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, Mapping):
        raise InputError(f"[codebook] {key}: expected a table", file=where)
    return value


def _category(fields: Mapping[str, Field], name: str, key: str, where: str) -> Field:
    if name not in fields or fields[name].kind != "category":
        raise InputError(f"[codebook] {key}.{name}: not a category field", file=where)
    return fields[name]


def _custom_field(name: str, spec: Any, where: str, section: str = "custom_fields") -> Field:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise InputError(f"[codebook] {section}: {name!r} is not a valid column name", file=where)
    if isinstance(spec, list):
        spec = {"type": "category", "values": spec}
    if not isinstance(spec, Mapping):
        raise InputError(f"[codebook] {section}.{name}: expected a list of values or a table", file=where)
    kind = spec.get("type", "category")
    bad = set(spec) - {"type", "meaning", "help", "label", "values", "aliases", "other", "min", "max", "required"}
    if kind not in KINDS or bad:
        raise InputError(f"[codebook] {section}.{name}: " + (f"unknown key(s) {', '.join(sorted(bad))}"
                         if bad else f"type must be one of {', '.join(KINDS)}"), file=where)
    values = spec.get("values", [])
    if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values) or (
            kind == "category" and not values and not spec.get("other")):
        raise InputError(f"[codebook] {section}.{name}: values must be a non-empty list of strings",
                         file=where)
    for key in ("min", "max"):
        if key in spec and _as_number(spec[key]) is None:
            raise InputError(f"[codebook] {section}.{name}: {key} must be a number", file=where)
    aliases = spec.get("aliases", {})
    if not isinstance(aliases, Mapping) or not all(a in values for a in aliases.values()):
        raise InputError(f"[codebook] {section}.{name}: aliases must map to listed values", file=where)
    for key in ("label", "help", "meaning"):
        if key in spec and not isinstance(spec[key], str):
            raise InputError(f"[codebook] {section}.{name}: {key} must be text", file=where)
    for key in ("required", "other"):
        if key in spec and not isinstance(spec[key], bool):
            raise InputError(f"[codebook] {section}.{name}: {key} must be true or false", file=where)
    lo, hi = _as_number(spec.get("min")), _as_number(spec.get("max"))
    if lo is not None and hi is not None and lo > hi:
        raise InputError(f"[codebook] {section}.{name}: min {lo:g} is above max {hi:g}", file=where)
    if kind == "yes_no" and (values or aliases):
        raise InputError(f"[codebook] {section}.{name}: a yes_no field takes no values", file=where)
    help_text = str(spec.get("help", spec.get("meaning", ""))).strip() or name
    return Field(name, help_text, kind, tuple(v.strip() for v in values), dict(aliases),
                 bool(spec.get("other", False)), lo, hi, bool(spec.get("required", False)),
                 str(spec.get("label", "")).strip())


def moderator_names() -> list[str]:
    """The built-in moderator fields a protocol may leave out (``[codebook] omit``)."""
    return [f.name for f in ALLIANCE_FIELDS if f.name not in CORE_NAMES and f.name not in
            ("sample", "statistic", "value", "df", "df1")]


# ---------------------------------------------------------------- agreement between two coders


def _pairs(a: Sequence[Any], b: Sequence[Any], text: bool = True) -> list[tuple[Any, Any]]:
    """The items both coders coded (missing values dropped); with ``text``, compared as `_norm` keys."""
    if len(a) != len(b):
        raise InputError(f"the two codings differ in length ({len(a)} and {len(b)} items)")

    def key(v: Any) -> Any:
        return _norm(v) if text and isinstance(v, str) else v

    pairs = [(key(x), key(y)) for x, y in zip(a, b, strict=True) if not _missing(x) and not _missing(y)]
    if not pairs:
        raise InputError("no item was coded by both coders")
    return pairs


def percent_agreement(a: Sequence[Any], b: Sequence[Any]) -> float:
    """Percentage (0-100) of the items coded by both on which the two codes are identical."""
    pairs = _pairs(a, b)
    return 100.0 * sum(x == y for x, y in pairs) / len(pairs)


def cohen_kappa(a: Sequence[Any], b: Sequence[Any]) -> float | None:
    """Cohen's (1960) kappa, (p_o − p_e) / (1 − p_e), p_e = Σ_c p_a(c)·p_b(c), for categorical codes.

    None when undefined: both coders used one and the same category for every item (p_e = 1).
    """
    pairs = _pairs(a, b)
    m = len(pairs)
    p_o = sum(x == y for x, y in pairs) / m
    ca, cb = Counter(x for x, _ in pairs), Counter(y for _, y in pairs)
    p_e = sum(ca[c] * cb[c] for c in ca) / m ** 2
    if p_e == 1:
        return None
    return (p_o - p_e) / (1 - p_e)


def icc(*coders: Sequence[float], form: str = "2,1") -> float | None:
    """Intraclass correlation of continuous codes (e.g. r) from two or more coders.

    ``form="2,1"`` (default): ICC(2,1), two-way random effects, absolute agreement, single coder,
    (MSR − MSE) / (MSR + (k − 1)·MSE + k·(MSC − MSE)/n); ``"3,1"``: ICC(3,1), two-way mixed,
    consistency, (MSR − MSE) / (MSR + (k − 1)·MSE) (Shrout & Fleiss 1979). Items missing for any coder
    are dropped; n >= 2 items needed. None when undefined (no variance at all).
    """
    if form not in ("2,1", "3,1"):
        raise InputError(f"ICC form must be '2,1' or '3,1', got {form!r}")
    if len(coders) < 2 or len({len(c) for c in coders}) != 1:
        raise InputError("ICC needs two or more codings of the same items")
    rows = []
    for i, items in enumerate(zip(*coders, strict=True)):
        if any(_missing(v) for v in items):
            continue
        nums = [_as_number(v) for v in items]
        if any(x is None for x in nums):
            raise InputError(f"item {i + 1}: ICC needs numbers, got {items!r}")
        rows.append([float(x) for x in nums if x is not None])
    n, k = len(rows), len(coders)
    if n < 2:
        raise InputError("ICC needs at least two items coded by every coder")
    grand = sum(map(sum, rows)) / (n * k)
    ss_rows = k * sum((sum(r) / k - grand) ** 2 for r in rows)
    ss_cols = n * sum((sum(r[j] for r in rows) / n - grand) ** 2 for j in range(k))
    ss_total = sum((x - grand) ** 2 for r in rows for x in r)
    msr, msc = ss_rows / (n - 1), ss_cols / (k - 1)
    mse = max(ss_total - ss_rows - ss_cols, 0.0) / ((n - 1) * (k - 1))
    denom = msr + (k - 1) * mse + (k * (msc - mse) / n if form == "2,1" else 0.0)
    if denom <= 0:
        return None
    return (msr - mse) / denom


def mean_abs_difference(a: Sequence[float], b: Sequence[float]) -> float:
    """Mean |a_i − b_i| over the items both coders coded (same units as the codes, e.g. r)."""
    pairs = _pairs(a, b, text=False)
    diffs = []
    for x, y in pairs:
        fx, fy = _as_number(x), _as_number(y)
        if fx is None or fy is None:
            raise InputError(f"mean absolute difference needs numbers, got {x!r} and {y!r}")
        diffs.append(abs(fx - fy))
    return sum(diffs) / len(diffs)
