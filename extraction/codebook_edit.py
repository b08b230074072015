"""The codebook as rows a person edits (the app's codebook editor), and back to a protocol's ``[codebook]`` table.

Every field is one `FieldRow`: name, label, type, allowed values, synonyms (alias -> allowed value, e.g. BDI-II
-> BDI), range, required, help text. A built-in field (the alliance codebook's) keeps its name; a protocol
adds values and synonyms to it, makes it required or not, or leaves it out (``omit``), and a change to its
type, label, help text, range or built-in values gives it a definition of its own (``redefine``). A field the
review adds (``custom_fields``) is edited whole. `codebook_table` writes rows back and
`Codebook.from_protocol` reads them, so what the editor shows is what the form, validation and exports use.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from extraction.codebook import ALLIANCE_FIELDS, CORE_NAMES, Codebook, moderator_names

_BUILTIN = {f.name: f for f in ALLIANCE_FIELDS}
EDITABLE_BUILTINS = tuple(moderator_names())
"""The built-in fields the editor lists (the statistic's own fields are MetaSift's, not the codebook's)."""


@dataclass
class FieldRow:
    """One codebook field as the editor shows it (``omitted``: a built-in this review does not code)."""

    name: str
    kind: str = "category"
    label: str = ""
    help: str = ""
    values: list[str] = field(default_factory=list)
    synonyms: dict[str, str] = field(default_factory=dict)
    minimum: float | None = None
    maximum: float | None = None
    required: bool = False
    other: bool = False
    builtin: bool = False
    omitted: bool = False


def field_rows(table: dict[str, Any] | None) -> list[FieldRow]:
    """The editor's rows for a ``[codebook]`` table: the built-in moderators (with this protocol's additions,
    omitted ones flagged), then the review's own fields. `InputError` when the table is invalid."""
    book = Codebook.from_protocol(table or {})
    omit = set((table or {}).get("omit", []))
    rows = []
    for name in EDITABLE_BUILTINS:
        base = _BUILTIN[name]
        f = book.fields.get(name, base)
        rows.append(FieldRow(name, f.kind, f.label, f.meaning, list(f.values), dict(f.aliases), f.minimum,
                             f.maximum, f.required, f.other, builtin=True, omitted=name in omit))
    for name, f in book.fields.items():
        if not f.builtin:
            rows.append(FieldRow(name, f.kind, f.label, f.meaning if f.meaning != name else "", list(f.values),
                                 dict(f.aliases), f.minimum, f.maximum, f.required, f.other))
    return rows


def _number(x: float | None) -> int | float | None:
    return None if x is None else int(x) if float(x).is_integer() else x


def codebook_table(rows: list[FieldRow]) -> dict[str, Any]:
    """The ``[codebook]`` table of the rows (only what differs from the built-in codebook)."""
    table: dict[str, Any] = {}
    required = sorted(r.name for r in rows if r.required and not r.omitted and r.builtin)
    default_required = sorted(n for n in EDITABLE_BUILTINS if _BUILTIN[n].required)
    if required != default_required:
        table["required"] = required
    omit = [r.name for r in rows if r.builtin and r.omitted]
    if omit:
        table["omit"] = omit
    values: dict[str, list[str]] = {}
    aliases: dict[str, dict[str, str]] = {}
    redefine: dict[str, Any] = {}
    for r in rows:
        if r.builtin and not r.omitted and _redefined(r):
            spec = _spec(r)
            spec.pop("required", None)  # the [codebook] required list decides for built-in fields
            redefine[r.name] = spec
    if redefine:
        table["redefine"] = redefine
    for r in rows:
        if not r.builtin or r.omitted or r.kind != "category" or r.name in redefine:
            continue
        base = _BUILTIN[r.name]
        extra = [v for v in r.values if v not in base.values]
        if extra:
            values[r.name] = extra
        new = {k: v for k, v in r.synonyms.items() if base.aliases.get(k) != v}
        if new:
            aliases[r.name] = new
    if values:
        table["values"] = values
    if aliases:
        table["aliases"] = aliases
    custom = {r.name.strip(): _spec(r) for r in rows if not r.builtin}
    if custom:
        table["custom_fields"] = custom
    return table


def _redefined(r: FieldRow) -> bool:
    """True when a built-in row differs from its built-in field in more than added values and synonyms."""
    base = _BUILTIN[r.name]
    return (r.kind != base.kind or r.label.strip() != base.label or r.help.strip() != base.meaning
            or r.minimum != base.minimum or r.maximum != base.maximum or r.other != base.other
            or (r.kind == "category" and not set(base.values) <= set(r.values)))


def _spec(r: FieldRow) -> dict[str, Any]:
    """A row's whole definition, as ``custom_fields`` (and ``redefine``) write it."""
    spec: dict[str, Any] = {"type": r.kind}
    if r.label.strip():
        spec["label"] = r.label.strip()
    if r.help.strip():
        spec["help"] = r.help.strip()
    if r.kind == "category":
        spec["values"] = [v for v in r.values if v.strip()]
        if r.synonyms:
            spec["aliases"] = dict(r.synonyms)
        if r.other:
            spec["other"] = True
    if r.kind in ("number", "integer"):
        if r.minimum is not None:
            spec["min"] = _number(r.minimum)
        if r.maximum is not None:
            spec["max"] = _number(r.maximum)
    if r.required:
        spec["required"] = True
    return spec


def blank_codebook() -> dict[str, Any]:
    """A blank template's codebook: only the fields every effect has (study, r, n): the alliance moderators
    left out, none required."""
    return {"required": [], "omit": list(EDITABLE_BUILTINS)}


def parse_synonyms(text: str) -> dict[str, str]:
    """Synonyms typed one a line as ``alias = value`` (or ``alias -> value``); blank lines ignored."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        sep = "->" if "->" in line else "=" if "=" in line else None
        if sep is None:
            if line.strip():
                out[line.strip()] = ""  # Codebook.from_protocol names the line with no value
            continue
        alias, value = (p.strip() for p in line.split(sep, 1))
        if alias:
            out[alias] = value
    return out


def synonyms_text(synonyms: dict[str, str]) -> str:
    """The synonyms as the editor shows them, one ``alias -> value`` a line."""
    return "\n".join(f"{k} -> {v}" for k, v in synonyms.items())


def with_row(rows: list[FieldRow], row: FieldRow, index: int | None = None) -> list[FieldRow]:
    """The rows with ``row`` replacing row ``index`` (None: added at the end)."""
    out = list(rows)
    if index is None:
        out.append(replace(row))
    else:
        out[index] = replace(row)
    return out


__all__ = ["CORE_NAMES", "EDITABLE_BUILTINS", "FieldRow", "blank_codebook", "codebook_table", "field_rows",
           "parse_synonyms", "synonyms_text", "with_row"]
