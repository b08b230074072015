"""Evidence spans and term matching shared by every criterion.

A term list (from the protocol's ``[terms]``) is compiled once into one regular expression:
case-insensitive, word-boundary aware, accent tolerant ("thérapeutique" also matches "therapeutique",
"ü" also "ue"), with ``*`` for the rest of a word and ``re:`` for a raw regular expression. Matches
are reported as `Span` objects whose offsets index the record field they were found in, so the GUI
can highlight them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

MET, NOT_MET, UNCLEAR = "met", "not_met", "unclear"
INCLUDE, EXCLUDE = "include", "exclude"
FIELDS = ("title", "abstract", "keywords")
KEYWORD_SEPARATOR = "; "
"""Keywords are joined with this separator; keyword evidence offsets index the joined string."""

_FOLD = {"ä": "(?:ä|ae|a)", "ö": "(?:ö|oe|o)", "ü": "(?:ü|ue|u)", "ß": "(?:ß|ss)"}
_HYPHENS = "-\u2010\u2011\u2012\u2013"
_GAP = r"[\s\-\u2010\u2011\u2012\u2013/]+"
_OPTIONAL_HYPHEN = r"[\s\-\u2010\u2011\u2012\u2013]?"


@dataclass(frozen=True, slots=True)
class Span:
    """A piece of evidence: ``text == record field[start:end]``."""

    start: int
    end: int
    text: str
    field: str
    polarity: str

    def as_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "text": self.text, "field": self.field,
                "polarity": self.polarity}


@dataclass(frozen=True, slots=True)
class RecordText:
    """The fields a criterion reads: title, abstract and the keywords joined by ``KEYWORD_SEPARATOR``."""

    title: str = ""
    abstract: str = ""
    keywords: str = ""

    @classmethod
    def of(cls, title: str | None = "", abstract: str | None = "",
           keywords: str | Sequence[str] | None = ()) -> RecordText:
        if keywords is None:
            kw = ""
        elif isinstance(keywords, str):
            kw = keywords
        else:
            kw = KEYWORD_SEPARATOR.join(k.strip() for k in keywords if k and k.strip())
        return cls(title or "", abstract or "", kw)

    def fields(self) -> Iterator[tuple[str, str]]:
        """(name, text) of every non-empty field."""
        for name in FIELDS:
            text = getattr(self, name)
            if text:
                yield name, text

    @property
    def has_abstract(self) -> bool:
        return len(self.abstract.strip()) >= 40


@dataclass(slots=True)
class CriterionResult:
    """A criterion's verdict with its evidence; ``detail`` is a short reason, ``extra`` e.g. ``{"n": 45}``."""

    verdict: str
    evidence: list[Span] = field(default_factory=list)
    detail: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"verdict": self.verdict}
        out.update(self.extra)
        out["evidence"] = [s.as_dict() for s in sorted(self.evidence, key=_span_order)]
        out["detail"] = self.detail
        return out


def _span_order(s: Span) -> tuple[int, int, int]:
    return (FIELDS.index(s.field) if s.field in FIELDS else 9, s.start, s.end)


def term_pattern(term: str) -> str:
    """The regular expression for one protocol term (see the module docstring for the syntax)."""
    if term.startswith("re:"):
        return f"(?:{term[3:]})"
    out: list[str] = []
    text = " ".join(term.split())
    for ch in text:
        if ch == "*":
            out.append(r"\w*")
        elif ch == " ":
            out.append(_GAP)
        elif ch in _HYPHENS:
            out.append(_OPTIONAL_HYPHEN)
        elif ch in "'\u2019":
            out.append("['\u2019]")
        elif ch.lower() in _FOLD:
            out.append(_FOLD[ch.lower()])
        else:
            base = unicodedata.normalize("NFD", ch)[0]
            if base != ch and base.isascii():
                out.append(f"[{re.escape(ch)}{base}]")
            else:
                out.append(re.escape(ch))
    return r"(?<!\w)" + "".join(out) + r"(?!\w)"


def check_term(term: str) -> str | None:
    """None when ``term`` compiles, else the problem in words (for protocol validation)."""
    if not isinstance(term, str) or not term.strip() or term.strip() == "re:":
        return "expected a non-empty string"
    if term.startswith("re:") and "(?P<" in term:
        return "named groups (?P<...>) are not allowed in re: terms"
    try:
        re.compile(term_pattern(term), re.IGNORECASE)
    except re.error as exc:
        return f"is not a valid regular expression: {exc}"
    return None


class TermSet:
    """Several named term lists compiled into one pattern; earlier lists win at the same position."""

    def __init__(self, groups: Mapping[str, Sequence[str]]) -> None:
        parts: list[str] = []
        self._names: dict[str, str] = {}
        for i, (name, terms) in enumerate(groups.items()):
            terms = [t for t in terms if t and t.strip()]
            if not terms:
                continue
            key = f"g{i}"
            self._names[key] = name
            ordered = sorted(terms, key=lambda t: (not t.startswith("re:"), -len(t)))
            parts.append(f"(?P<{key}>{'|'.join(term_pattern(t) for t in ordered)})")
        self.regex = re.compile("|".join(parts), re.IGNORECASE) if parts else None

    def finditer(self, text: str) -> Iterator[tuple[str, int, int]]:
        """(list name, start, end) of every non-overlapping match, left to right."""
        if self.regex is None or not text:
            return
        for m in self.regex.finditer(text):
            if m.end() > m.start():
                yield self._names[m.lastgroup or ""], m.start(), m.end()

    def spans(self, record: RecordText, polarity: str,
              only: set[str] | None = None) -> dict[str, list[Span]]:
        """Matches in every field, grouped by list name (``only``: keep just these lists)."""
        out: dict[str, list[Span]] = {}
        for fname, text in record.fields():
            for name, start, end in self.finditer(text):
                if only is None or name in only:
                    out.setdefault(name, []).append(Span(start, end, text[start:end], fname, polarity))
        return out


def overlaps(span: Span, others: Sequence[Span]) -> bool:
    """True when ``span`` shares characters with one of ``others`` in the same field."""
    return any(o.field == span.field and o.start < span.end and span.start < o.end for o in others)


def with_polarity(spans: Sequence[Span], polarity: str) -> list[Span]:
    return [Span(s.start, s.end, s.text, s.field, polarity) for s in spans]


def is_title_case(text: str) -> bool:
    """True for a Title Case Heading (most words of four or more letters start with a capital)."""
    words = [w for w in re.findall(r"[^\W\d_]{4,}", text)]
    if len(words) < 3:
        return False
    return sum(w[0].isupper() for w in words) / len(words) >= 0.6
