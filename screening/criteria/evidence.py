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
from functools import lru_cache
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

    def to_json(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "text": self.text, "field": self.field,
                "polarity": self.polarity}


@dataclass(frozen=True, slots=True)
class RecordText:
    """The fields a criterion reads: title, abstract and the keywords joined by ``KEYWORD_SEPARATOR``
    (evidence spans index these), and the record's publication year and language field."""

    title: str = ""
    abstract: str = ""
    keywords: str = ""
    year: int | None = None
    language: str = ""

    @classmethod
    def of(cls, title: str | None = "", abstract: str | None = "",
           keywords: str | Sequence[str] | None = (), *, year: int | None = None,
           language: str | None = "") -> RecordText:
        if keywords is None:
            kw = ""
        elif isinstance(keywords, str):
            kw = keywords
        else:
            kw = KEYWORD_SEPARATOR.join(k.strip() for k in keywords if k and k.strip())
        return cls(title or "", abstract or "", kw, year if isinstance(year, int) else None, language or "")

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
    reason: str = ""
    """The exclusion reason to suggest instead of the criterion's own, when its own would be wrong (an animal
    study fails the adult criterion, but not as "children or adolescents")."""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"verdict": self.verdict}
        out.update(self.extra)
        out["evidence"] = [s.to_json() for s in sorted(self.evidence, key=_span_order)]
        out["detail"] = self.detail
        return out


def _span_order(s: Span) -> tuple[int, int, int]:
    return (FIELDS.index(s.field) if s.field in FIELDS else 9, s.start, s.end)


def _fragments(term: str) -> list[str]:
    """A plain term as a list of regex fragments, one per character (see `term_pattern`)."""
    out: list[str] = []
    for ch in " ".join(term.split()):
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
            base = unicodedata.normalize("NFD", ch.lower())[0]
            if base != ch.lower() and base.isascii():
                out.append(f"[{re.escape(ch.lower())}{base}]")
            else:
                out.append(re.escape(ch.lower()))
    return out


def term_pattern(term: str) -> str:
    """The regular expression for one protocol term (see the module docstring for the syntax)."""
    if term.startswith("re:"):
        return f"(?:{term[3:]})"
    return r"(?<!\w)" + "".join(_fragments(term)) + r"(?!\w)"


_END = ""


def _first_variants(frag: str) -> list[list[str]]:
    """Literal spellings of a term's first fragment, so the regex gets a first-character prefilter."""
    for alt in _FOLD.values():
        if frag == alt:
            return [list(v) for v in alt[3:-1].split("|")]
    m = re.fullmatch(r"\[(.)(.)\]", frag)
    if m:
        return [[m.group(1)], [m.group(2)]]
    return [[frag]]


def _trie_pattern(terms: Sequence[str]) -> str:
    """Plain terms as one trie-shaped regex for LOWER-CASED text (far faster than a flat alternation
    in Python's re: every alternative starts with a literal, so re skips impossible positions)."""
    root: dict[str, Any] = {}
    for term in terms:
        frags = _fragments(term)
        for first in _first_variants(frags[0]):
            node = root
            for frag in first + frags[1:]:
                node = node.setdefault(frag, {})
            node[_END] = {}

    def emit(node: dict[str, Any], top: bool = False) -> str:
        alts = [frag + (r"(?<!\w.)" if top else "") + emit(child) for frag, child in node.items()
                if frag != _END]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 and _END not in node else "(?:" + "|".join(alts) + ")"
        return body + "?" if _END in node else body

    return emit(root, top=True) + r"(?!\w)"


def check_term(term: str) -> str | None:
    """None when ``term`` compiles, else the problem in words (for protocol validation)."""
    if not isinstance(term, str) or not term.strip() or term.strip() == "re:":
        return "expected a non-empty string"
    if term.startswith("re:") and "(?P<" in term:
        return "named groups (?P<...>) are not allowed in re: terms"
    if not term.startswith("re:"):  # a plain term is built from escaped fragments: it always compiles
        return None
    try:
        re.compile(term_pattern(term), re.IGNORECASE)
    except re.error as exc:
        return f"is not a valid regular expression: {exc}"
    return None


_WORD_HEAD = re.compile(r"(?<!\w)\w\w?")


def _spellings(term: str) -> list[str]:
    """The lower-cased ways a plain term may begin (accents and umlauts folded)."""
    t = term.strip().lower()
    first = t[:1]
    out = {t}
    if first in _FOLD:
        out |= {v + t[1:] for v in _FOLD[first][3:-1].split("|")}
    base = unicodedata.normalize("NFD", first)[:1]
    if base != first and base.isascii():
        out.add(base + t[1:])
    return sorted(out)


def _head(spelling: str) -> str:
    """The first one or two word characters of a spelling (what `_lowered` collects from a text)."""
    two = spelling[:2]
    return two if len(two) == 2 and (two[1].isalnum() or two[1] == "_") and two[1] not in _FOLD \
        and unicodedata.normalize("NFD", two[1]) == two[1] else two[:1]


@lru_cache(maxsize=64)
def _lowered(text: str) -> tuple[str, dict[str, list[int]]]:
    """A text lower-cased, and where its words start, by their first one and two characters."""
    low = text.lower()
    heads: dict[str, list[int]] = {}
    for m in _WORD_HEAD.finditer(low):
        heads.setdefault(m.group(), []).append(m.start())
    for h in [h for h in heads if len(h) == 2]:
        heads.setdefault(h[0], []).extend(heads[h])
    return low, heads


class TermSet:
    """Named term lists compiled once; where matches of different lists overlap, the leftmost wins,
    and at the same position the earlier list."""

    def __init__(self, groups: Mapping[str, Sequence[str]]) -> None:
        self._plain: list[tuple[int, str, re.Pattern[str], re.Pattern[str]]] = []
        self._raw: list[tuple[int, str, re.Pattern[str]]] = []
        self._heads: list[frozenset[str]] = []
        for prio, (name, terms) in enumerate(groups.items()):
            terms = [t for t in terms if t and t.strip()]
            bounded = [f"(?:{t[5:]})" for t in terms if t.startswith("re:\\b")]
            raw = [term_pattern(t) for t in terms if t.startswith("re:") and not t.startswith("re:\\b")]
            if bounded:  # one shared leading \b: checked once per position, not once per term
                raw.append(r"\b(?:" + "|".join(bounded) + ")")
            plain = [t for t in terms if not t.startswith("re:")]
            if plain:
                pattern = _trie_pattern(plain)
                self._plain.append((prio, name, re.compile(pattern), re.compile(pattern, re.IGNORECASE)))
                self._heads.append(frozenset(_head(t) for t in plain for t in _spellings(t)))
            if raw:
                self._raw.append((prio, name, re.compile("|".join(raw), re.IGNORECASE)))

    @property
    def empty(self) -> bool:
        return not self._plain and not self._raw

    def finditer(self, text: str, pos: int = 0, endpos: int | None = None) -> Iterator[tuple[str, int, int]]:
        """(list name, start, end) of every non-overlapping match, left to right (within pos:endpos)."""
        if not text:
            return
        end = len(text) if endpos is None else endpos
        low, heads = _lowered(text)
        same = len(low) == len(text)
        hits: list[tuple[int, int, int, str]] = []
        for (prio, name, fast, careful), need in zip(self._plain, self._heads, strict=True):
            if not same:  # lower-casing changed the length (rare letters): scan the original text
                hits += [(m.start(), prio, m.end(), name) for m in careful.finditer(text, pos, end)]
                continue
            # try the compiled terms only where a word starts with a term's first letters
            starts = sorted({at for h in need for at in heads.get(h, ()) if pos <= at < end})
            last = -1
            for at in starts:
                if at < last:
                    continue
                m = fast.match(low, at, end)
                if m:
                    hits.append((at, prio, m.end(), name))
                    last = m.end()
        for prio, name, rx in self._raw:
            for m in rx.finditer(text, pos, end):
                if m.end() > m.start():
                    hits.append((m.start(), prio, m.end(), name))
        if len(self._plain) + len(self._raw) > 1:
            hits.sort()
        last = -1
        for start, _prio, stop, name in hits:
            if start >= last:
                last = stop
                yield name, start, stop

    def any(self, record: RecordText) -> bool:
        """True when any field has a match."""
        return any(True for _, text in record.fields() for _ in self.finditer(text))

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
