"""Find the reported statistics in a paper's text: r, t, F, chi², z, d/g, OR (with its CI), beta and sample
sizes, each with the p that goes with it, its page and offsets, its sentence, r where MetaSift's conversions
apply (`extraction.effect_sizes.convert`; why not where they do not), the p check (`pcheck`) and cues for the
coding form (alliance measure, rater, time, outcome measure, session, n) taken from the codebook's own
vocabulary, found in the statistic's sentence or, failing that, its surroundings on the page.

The patterns run on text made regular by `extraction.statfinder.text.normalise` (line breaks, hyphenation,
minus glyphs, ligatures), so ``r(48) =\\n.32``, ``t(28) = −2.20`` and ``p<.001`` are found; chi² is found
written as χ2, χ², chi2, X2, chi-square, or as a bare ``2(df, N = n)`` where the χ was a glyph without text.
Written by hand (regular expressions): statcheck does this in R and no Python library does it.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from db.errors import InputError
from extraction.statfinder.layout import Box, table_layout
from extraction.statfinder.pcheck import PCheck, check
from extraction.statfinder.tables import TableCell, table_cells
from extraction.statfinder.text import Mapped, normalise

_NUM = (r"(?:-|[?\ufffd](?=\.?\d))?\s?(?:0,\d+|\d+,\d{1,2}(?!\d|,\d)|\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
        r"|\.\d+)")
"""A number as printed; a ``?`` or U+FFFD right before it is a minus sign the text lost (its glyph had no
character), so the value is read without its sign (`FoundStatistic.sign_lost`). A decimal comma (``0,32``,
``2,5``: a leading zero or one or two digits after the comma) is a decimal point; three digits after it are
thousands (``1,224.08``)."""
_DECIMAL_COMMA = re.compile(r"-?(?:0,\d+|\d+,\d{1,2})")
_DF = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
"""A df as printed, thousands separated or not (``t(1,628)``: a t has one df, so the comma is a thousands one)."""
_DF1 = r"(?:\d+(?:\.\d+)?|l(?=\s*,))"
"""F's first df; ``l`` is a 1 set in a font whose one maps to the letter (``F(l, 76)``)."""
_EQ = "=<>≤≥\u00bc"
"""Relations; ``¼`` is an ``=`` whose glyph maps to the character ¼ (some publishers' PDFs)."""
_OP = rf"\s*(?P<op>[{_EQ}])\s*"
_OP_DF = rf"(?:\s*(?P<op>[{_EQ}])\s*|(?<=[)\]}}])(?P<gop>[bN])(?=\.?\d)|(?<=[)\]}}])\s+(?P<gop2>p)\s+(?=\.?\d))"
"""After a df bracket, also ``b`` for < and ``N`` for > set flush against it (``Fs(1, 248)b1.16``), or a
``p`` for = between spaces (``F(1, 127) p 6.36``), as the glyphs of some publishers' PDFs come out."""
_PRE = r"(?:(?<![\w.])|(?<=(?<![\w.])Δ)|(?<=[\s(]B)|(?<=^B))"
"""Start of a symbol: no letter or digit before it, except a Δ (a change: ``ΔF(1, 94)``, ``Δχ2(2)``) or an
opening quote that came out as ``B`` (``Bt(37) = ...``, the quote glyphs of some publishers' PDFs)."""
_OPEN, _CLOSE = r"[(\[{]", r"[)\]}]"
_CHI = r"(?:χ|Χ|chi|Chi|CHI|X|x|G)\s*[_^]?\s*2"
"""χ² and its spellings; G² is the likelihood-ratio chi-square."""
_Q = r"Q\s*(?:_?\s*(?:[BWTbw]|-?[Bb]etween|-?[Ww]ithin|-?[Tt]otal|-?[Rr]esidual|-?[Ee]rror|E)(?![\w-]))?"
"""A heterogeneity test: Q, Q_B / QB / Qb / Qbetween / Q-between, Qw / Qwithin, QT, QE (a residual Q)."""
_DF_AFTER = (r"\s*(?:[,;(]\s*)?df\s*[=\u00bc]\s*(?P<df1>\d+(?:\.\d+)?)(?:\s*[/,]\s*(?P<df2>\d+(?:\.\d+)?))?"
             r"(?:\s*\))?")
"""The df written after the value, older style: ``t = 2.74, df = 52``, ``t = 3.05 (df = 148)``, ``F = 4.40,
df = 1/148``, ``χ2 = 6.02, df = 2``."""
_PATTERNS: tuple[tuple[str, str], ...] = (
    ("t", rf"{_PRE}ts?{_OP}(?P<val>{_NUM}){_DF_AFTER}"),
    ("F", rf"{_PRE}Fs?{_OP}(?P<val>{_NUM}){_DF_AFTER}"),
    ("chi2", rf"(?:{_PRE}{_CHI}|(?<![\w.])[Cc]hi[- ]?squared?){_OP}(?P<val>{_NUM}){_DF_AFTER}"),
    ("Q", rf"(?<![\w.]){_Q}{_OP}(?P<val>{_NUM}){_DF_AFTER}"),
    ("Q", rf"(?<![\w.]){_Q}\s*{_OPEN}\s*(?P<df1>{_DF})\s*{_CLOSE}{_OP}(?P<val>{_NUM})"),
    ("t", rf"{_PRE}ts?\s*{_OPEN}\s*(?P<df1>{_DF})\s*{_CLOSE}{_OP_DF}(?P<val>{_NUM})"),
    ("F", rf"{_PRE}Fs?\s*{_OPEN}\s*(?P<df1>{_DF1})\s*,\s*(?P<df2>{_DF})\s*{_CLOSE}{_OP_DF}(?P<val>{_NUM})"),
    ("chi2", rf"(?:{_PRE}{_CHI}|(?<![\w.])[Cc]hi[- ]?squared?)\s*"
             rf"{_OPEN}\s*(?P<df1>{_DF})\s*(?:,\s*[Nn]\s*(?:[=\u00bc]|p(?=\s))\s*(?P<n>\d[\d,]*)\s*)?{_CLOSE}{_OP_DF}"
             rf"(?P<val>{_NUM})"),
    # χ lost (a glyph without text): "2(1, N = 226) = 6.90"; with a "?" where it was, the N may be missing
    ("chi2", rf"(?:(?<![\w.])[?\ufffd]{{1,2}}|(?<![\w.(,?\ufffd])|(?<=[\s(]B)|(?<=^B))2\s*\(\s*(?P<df1>{_DF})"
             rf"\s*,\s*[Nn]\s*=\s*(?P<n>\d[\d,]*)\s*\){_OP}(?P<val>{_NUM})"),
    ("chi2", rf"(?<![\w.])[?\ufffd]{{1,2}}2\s*\(\s*(?P<df1>{_DF})\s*\){_OP}(?P<val>{_NUM})"),
    # F without its df, reported with a p ("F = 6.74, p = .013"): found, not converted
    ("F", rf"{_PRE}F{_OP}(?P<val>{_NUM})(?=\s*[,;]\s*p\s*[{_EQ}])"),
    ("r", rf"(?:{_PRE}r(?:_?s|_?pb)?|(?<![\w.])(?:ρ|rho))\s*(?:\(\s*(?P<df1>{_DF})\s*\))?{_OP_DF}(?P<val>{_NUM})"),
    ("z", rf"(?<![\w.])[zZ]{_OP}(?P<val>{_NUM})"),
    ("d", rf"(?<![\w.'])(?P<sym>d|g){_OP}(?P<val>{_NUM})"),
    ("OR", rf"(?<![\w.])(?:OR|AOR|aOR|odds ratio){_OP}(?P<val>\d+(?:\.\d+)?)(?:\s*[,;(]?\s*(?:95\s*%\s*)?CI"
           rf"\s*[:=,]?\s*[\[(]?\s*(?P<lo>\d+(?:\.\d+)?)\s*(?:,|-|to)\s*(?P<hi>\d+(?:\.\d+)?)\s*[\])]?)?"),
    # medical style, no "=": "OR 2.14, 95% CI 1.31 to 3.49" (the CI makes it an odds ratio, not the word OR)
    ("OR", r"(?<![\w.])(?:OR|AOR|aOR|odds ratio(?: of| was)?)\s+(?P<val>\d+(?:\.\d+)?)\s*[,;(]?\s*(?:95\s*%\s*)?CI"
           r"\s*[:=,]?\s*[\[(]?\s*(?P<lo>\d+(?:\.\d+)?)\s*(?:,|-|to)\s*(?P<hi>\d+(?:\.\d+)?)\s*[\])]?"),
    ("beta", rf"(?:β|(?<![\w.])beta){_OP}(?P<val>{_NUM})"),
    ("n", r"(?<![\w.])(?P<sym>[Nn])\s*=\s*(?P<val>\d{1,3}(?:,\d{3})+|\d+)(?![\d.])"),
)
_COMPILED = tuple((kind, re.compile(rx)) for kind, rx in _PATTERNS)
_P_AFTER = re.compile(r"(?:\s*,\s*(?:MSE\s*[=\u00bc]\s*\d[\d,]*(?:\.\d+)?|[Nn]\s*=\s*\d[\d,]*(?![\d.])"
                      r"|(?:η|ω|eta|omega)\s*[_p]?\s*[2²]\s*p?\s*=\s*0?\.\d+|SE\s*=\s*-?\d*\.?\d+))*"
                      r"(?:\s*[,;]?\s*(?:(?:9[059]\s*%\s*)?(?:CI|confidence interval)\s*[:=]?\s*)?"
                      r"[\[(]\s*-?\d*\.?\d+\s*(?:,|;|to|-)\s*"
                      r"-?\d*\.?\d+\s*[\])])?"
                      r"(?:\s*[,;]\s*|\s*\(\s*|\s+)"
                      r"(?:(?:one|two)[- ]?(?:tailed|sided)\s*,?\s*)?"
                      r"(?:[pP]s?\s*(?P<pop>[=<>≤≥\u00bc!]|[bN](?=\s?\.)|p(?=\s+\.?\d))\s*"
                      r"(?P<p>0?\s?\.\s?\d+(?:e-\d+)?|0,\d+|[01](?:\.\d+)?)(?![\d.]\d)|(?P<ns>n\.?s\.?|NS)(?!\w))")
"""The p after a statistic (and after its MSE, its n, an η² or its confidence interval: ``r = .31, 95% CI
[.12, .48], p = .002``); capital P as medical journals print it, or in brackets (``r = .38 (p < .01)``)."""
_AND = re.compile(rf"\s+and\s+(?P<val>{_NUM})(?=\s*[,;)])")
"""A second value of the same test: ``F(1, 15) = 19.9 and 5.16, p < .001 and p < .05``."""
_AND_P = re.compile(r"\s+and\s+(?=p)")
_GLYPH_OPS = {"\u00bc": "=", "b": "<", "N": ">", "p": "=", "!": "<"}
"""What relations come out as in some publishers' PDFs: ¼ for =, b for <, N for >, p for =, ! for <."""
_SENTENCE_END = re.compile(r"(?<![A-Z]\.)(?<!\bal\.)(?<!\be\.g\.)(?<!\bi\.e\.)[.!?]\s+(?=[A-Z(])")
WINDOW = 600
"""Characters either side of a statistic searched for cues when its sentence has none (PDF text has no
reliable paragraph marks)."""
CUE_FIELDS = ("alliance_measure", "alliance_rater", "alliance_time", "outcome_measure")
KINDS = ("r", "t", "F", "chi2", "z", "d", "OR", "beta", "Q", "n")


@dataclass(frozen=True)
class CodingSuggestion:
    """What "Use" puts in the coding form for a statistic found (``statistic`` empty: not offered)."""

    statistic: str
    value: float
    df: float | None
    n: int | None
    location: str
    quote: str
    moderators: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"statistic": self.statistic, "value": self.value, "df": self.df, "n": self.n,
                "location": self.location, "quote": self.quote, "moderators": dict(self.moderators)}


@dataclass(frozen=True)
class StatProvenance:
    """Where a coded effect's statistic was read: the PDF, page, quoted words and their offsets."""

    source: str
    pdf: str
    page: int
    quote: str
    start: int
    end: int
    kind: str

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "pdf": self.pdf, "page": self.page, "quote": self.quote,
                "start": self.start, "end": self.end, "kind": self.kind}


@dataclass
class FoundStatistic:
    """One statistic found: what the text says, where, what it converts to, and what goes with it."""

    kind: str
    raw: str
    page: int
    """1-based page number."""
    start: int
    end: int
    """Offsets in that page's text (as stored; PDFium character indices)."""
    sentence: str
    value: float
    df1: float | None = None
    df2: float | None = None
    n: int | None = None
    op: str = "="
    p_op: str = ""
    p: float | None = None
    ci: tuple[float, float] | None = None
    r: float | None = None
    r_method: str = ""
    why_not_r: str = ""
    check: PCheck | None = None
    table: str = ""
    """``Table 2`` when it was read in a table's cells (``sentence`` then names the row and column)."""
    sign_lost: bool = False
    """The text has a ``?`` where the minus sign was (lost with its glyph): the value's sign is unknown."""
    ocr: bool = False
    """Read in the OCR text of a picture page (`screening.fulltext.ocr`): its offsets are in that text, not on
    the page, and its digits may be misread."""
    cues: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def warning(self) -> str:
        """A note for the coder when the reported p does not fit the statistic (never a block)."""
        lost = "; ".join(w for w in (
            "the sign was lost from the text (a '?' stands where a minus may have been): check the page"
            if self.sign_lost else "",
            "read by OCR from a picture of the page: check its digits against the page" if self.ocr else "") if w)
        if self.check is None or self.check.consistent:
            return lost
        what = "decision error: " if self.check.decision_error else ""
        return (f"{what}the reported p {self.p_op} {self.p:g} does not fit {self.kind} = {self.value:g} "
                f"(recomputed p = {self.check.computed:.4f})" + (f"; {lost}" if lost else ""))

    def implied_n(self) -> int | None:
        """The total N the test's own df imply (t and r: df + 2; F(1, df2): df2 + 2; χ² with its N), or None."""
        if self.kind in ("t", "r") and self.df1:
            return int(self.df1) + 2
        if self.kind == "F" and self.df1 == 1 and self.df2:
            return int(self.df2) + 2
        return None

    def cue_conflicts(self) -> list[str]:
        """Cues that disagree with the statistic: an N nearby that is not the N its df imply (another sample,
        a subgroup, or a typo: the coder should check which N goes with it)."""
        n_cue, implied = self.cues.get("n"), self.implied_n()
        if n_cue and implied and abs(int(n_cue["value"]) - implied) > 0:
            return ["n"]
        return []

    def suggestion(self) -> CodingSuggestion:
        """What "Use" puts in the coding form: statistic, value, df, n, location, quote, moderators."""
        # a z test is coded as MetaSift's "ztest" (r = z / sqrt(N)); a beta is not offered (`why_not_r` says why)
        stat = {"r": "r", "t": "t", "F": "F", "chi2": "chi2", "d": "d", "OR": "or", "z": "ztest"}.get(self.kind, "")
        if self.op != "=":
            stat = ""  # a bound ("t < 1") is no value to code
        return CodingSuggestion(stat, self.value, self.df2 if self.kind == "F" else self.df1, self.n,
                                f"p. {self.page}" + (f", {self.table}" if self.table else ""),
                                self.sentence if self.table else self.raw,
                                {k: v["value"] for k, v in self.cues.items() if k in (*CUE_FIELDS, "alliance_session")})

    def provenance(self, pdf_sha256: str = "") -> StatProvenance:
        """The effect's provenance when the coder uses this statistic (`extraction.coding.clean_provenance`)."""
        return StatProvenance("full text (OCR)" if self.ocr else "full text", pdf_sha256, self.page,
                              self.sentence if self.table else self.raw, self.start, self.end, self.kind)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "raw": self.raw, "page": self.page, "table": self.table or None,
                "start": self.start, "end": self.end,
                "sentence": self.sentence, "value": self.value, "df1": self.df1, "df2": self.df2, "n": self.n,
                "op": self.op, "p_op": self.p_op, "p": self.p, "ci": list(self.ci) if self.ci else None,
                "r": self.r, "r_method": self.r_method, "why_not_r": self.why_not_r, "ocr": self.ocr,
                "p_check": self.check.to_json() if self.check else None, "warning": self.warning,
                "cues": self.cues, "suggestion": self.suggestion().to_json()}


def _clean(text: str) -> str:
    """A number as printed, without spaces, thousands separators or a lost sign's ``?``; a decimal comma
    becomes a point."""
    t = text.replace(" ", "").lstrip("?\ufffd")
    return t.replace(",", ".") if _DECIMAL_COMMA.fullmatch(t) else t.replace(",", "")


def _num(text: str) -> float:
    return float(_clean(text))


def _to_r(s: FoundStatistic) -> None:
    from extraction.effect_sizes import convert

    try:
        if s.op != "=":
            raise InputError(f"{s.kind} is given as a bound ({s.op}), not a value")
        if s.kind == "r":
            c = convert("r", s.value, n=s.n if s.n and s.n >= 4 else None)
        elif s.kind == "t":
            c = convert("t", s.value, df=s.df1)
        elif s.kind == "F":
            if not s.df2:
                raise InputError("F is given without its degrees of freedom: read them in the table or the text")
            c = convert("F", s.value, df=(s.df1 or 0, s.df2 or 0))
        elif s.kind == "chi2":
            if s.df1 != 1:
                raise InputError(f"chi-square with {s.df1:g} df has no single correlation (only 1 df converts)")
            if not s.n:
                raise InputError("chi-square converts to r only with the total N, and none is given with it")
            c = convert("chi2", s.value, n=s.n)
        elif s.kind == "d":
            c = convert("d", s.value)
        elif s.kind == "OR":
            c = convert("or", s.value)
        elif s.kind == "z":
            if not s.n:
                raise InputError("a z test converts to r as z / sqrt(N), and no N is given with it or near it: "
                                 "Use it and enter the total N")
            c = convert("ztest", s.value, n=s.n)
        elif s.kind == "Q":
            raise InputError("a heterogeneity test (Q) says how much effects differ, it is not an effect size")
        elif s.kind == "beta":
            raise InputError("a standardized regression weight (β) is not a correlation unless it is the model's "
                             "only predictor, and MetaSift has no conversion for it: code the zero-order r (the "
                             "paper's correlation table) instead")
        else:
            return
    except InputError as exc:
        s.why_not_r = exc.detail
        return
    s.r, s.r_method = round(c.r, 4), c.method
    if s.kind in ("F", "chi2"):
        s.r_method += " (the text gives the direction)"


_PROSE_WORDS = {"mean", "average", "middle", "end"}
"""Codebook aliases a coder may type ("mean" for averaged alliance, "end" for late) that in a paper's text are
mostly the statistic or plain prose ("mean age 41", "BDI at the end of treatment": the outcome's time, not
the alliance's): not taken as cues in the text."""


@lru_cache(maxsize=4)
def _cue_patterns(codebook: Any = None) -> dict[str, list[tuple[re.Pattern[str], str]]]:
    from extraction.codebook import Codebook

    book = codebook or Codebook()
    out: dict[str, list[tuple[re.Pattern[str], str]]] = {}
    for name in CUE_FIELDS:
        f = book.fields.get(name)
        if f is None:
            continue
        terms = [(v, v) for v in f.values] + [(a, v) for a, v in f.aliases.items() if a.lower() not in _PROSE_WORDS]
        pats = []
        for term, target in sorted(terms, key=lambda t: -len(t[0])):
            word = re.escape(term).replace(r"\ ", r"[\s-]+").replace(r"\-", r"[\s-]?")
            acronym = term.isupper() or any(ch.isupper() for ch in term[1:])
            plural = "" if acronym else "(?:s|['\u2019]s)?"  # "clients", "therapist's"
            end = r"(?![\w-])" if acronym else r"(?!\w)"  # "WAI" is not "WAI-SR"; "client-rated" is client
            pats.append((re.compile(rf"(?<![\w-]){word}{plural}{end}", 0 if acronym else re.IGNORECASE), target))
        out[name] = pats
    return out


_SESSION = re.compile(r"\bsession\s+(\d{1,3})\b", re.IGNORECASE)
_N_CUE = re.compile(r"(?<![\w.])[Nn]\s*=\s*(\d{1,3}(?:,\d{3})+|\d+)(?![\d.])")


CueHit = tuple[int, int, int, Any, str]
"""(start, end, rank: the term's place in the longest-first order, value, text) of one cue word on a page."""


def page_cue_hits(text: str, codebook: Any) -> dict[str, list[CueHit]]:
    """Every cue word on the (normalised) page, per field, in text order: found once per page, so each
    statistic only picks among them (`_cues`)."""
    out: dict[str, list[CueHit]] = {}
    for name, pats in _cue_patterns(codebook).items():
        out[name] = sorted((m.start(), m.end(), rank, target, m.group(0)) for rank, (rx, target) in enumerate(pats)
                           for m in rx.finditer(text))
    out["alliance_session"] = [(m.start(), m.end(), 0, int(m.group(1)), m.group(0)) for m in _SESSION.finditer(text)]
    out["n"] = [(m.start(), m.end(), 0, int(m.group(1).replace(",", "")), m.group(0)) for m in _N_CUE.finditer(text)]
    return out


def _cues(hits: dict[str, list[CueHit]], sentence: tuple[int, int], around: tuple[int, int],
          clause: tuple[int, int] | None = None, places: Sequence[tuple[str, tuple[int, int]]] = ()
          ) -> dict[str, dict[str, Any]]:
    """Cues in the statistic's ``clause`` (its part of the sentence between semicolons), else its
    ``sentence``, else ``around`` it (or in ``places``, in turn: `_page_stats` looks first at the statistic's
    own words, from the statistic before it in its clause): ``{field: {value, text, where, start, end}}``,
    ``where`` sentence or nearby, ``start``/``end`` offsets in the normalised page. In a clause or sentence the
    longest term wins (then the first); nearby, the one closest to the statistic."""
    from bisect import bisect_left

    places = places or (("sentence", clause or sentence), ("sentence", sentence), ("nearby", around))
    mid = (sentence[0] + sentence[1]) // 2
    cues: dict[str, dict[str, Any]] = {}
    for name, found in hits.items():
        for where, (a, b) in places:
            i = bisect_left(found, (a,))
            inside = []
            while i < len(found) and found[i][0] < b:
                if found[i][1] <= b:
                    inside.append(found[i])
                i += 1
            if inside:
                best = (min(inside, key=lambda h: abs(h[0] - mid)) if where == "nearby"
                        else min(inside, key=lambda h: (h[2], h[0])))
                cues[name] = {"value": best[3], "text": best[4], "where": where, "start": best[0], "end": best[1]}
                break
    return cues


def _sentence_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence around ``text[start:end]`` (at most 400 characters back, 300 on when it has no end)."""
    a = 0
    for m in _SENTENCE_END.finditer(text, max(0, start - 400), start):
        a = m.end()
    after = _SENTENCE_END.search(text, end)
    return a, after.start() + 1 if after else min(len(text), end + 300)


def _p_at(s: FoundStatistic, text: str, at: int, value_text: str) -> int:
    """Read the p reported right after ``at`` into ``s`` (and check it); the end of what was read."""
    pm = _P_AFTER.match(text, at) if s.kind != "n" else None
    if pm and pm.group("ns"):
        s.p_op = "ns"
        return pm.end()
    if not pm:
        return at
    ptext = pm.group("p").replace(" ", "").replace(",", ".")
    p_op = _GLYPH_OPS.get(pm.group("pop"), pm.group("pop"))
    if float(ptext) > 1:
        return at
    s.p_op, s.p = p_op, float(ptext)
    if s.kind in ("t", "F", "r", "chi2", "z", "Q") and s.op == "=":
        s.check = check(s.kind, value_text, s.df1, s.df2, s.p_op, ptext)
    return pm.end()


def _statistic(kind: str, gd: dict[str, Any], page: int) -> FoundStatistic | None:
    """The statistic of one match's groups (value, df, N, CI), or None when it is none."""
    try:
        value = _num(gd["val"])
    except ValueError:
        return None
    if kind == "r" and abs(value) > 1:
        return None
    given = gd.get("op") or gd.get("gop") or gd.get("gop2") or "="
    op = _GLYPH_OPS.get(given, given)
    s = FoundStatistic(kind=kind, raw="", page=page, start=0, end=0, sentence="", value=value, op=op,
                       sign_lost=gd["val"].lstrip()[:1] in ("?", "\ufffd"))
    if gd.get("df1"):
        s.df1 = 1.0 if gd["df1"] == "l" else float(gd["df1"].replace(",", ""))
    if gd.get("df2"):
        s.df2 = float(gd["df2"].replace(",", ""))
    if kind == "n":
        if value < 2:
            return None
        s.n = int(value)
    elif gd.get("n"):
        s.n = int(_num(gd["n"]))
    elif kind in ("r", "t") and s.df1:
        s.n = int(s.df1) + 2
    elif kind == "F" and s.df1 == 1 and s.df2:
        s.n = int(s.df2) + 2
    if gd.get("lo") and gd.get("hi"):
        s.ci = (float(gd["lo"]), float(gd["hi"]))
    return s


_LINE = re.compile(r"[^\n]+")


def blank_running_heads(text: str) -> str:
    """``text`` with its running heads (a line of letters and digits, no relation sign, repeated at least
    twice: ``Behav Res (2016) 48:1205-1226``) turned to spaces, so a statistic cut by a page or column break
    (``F(2,`` head ``70) = 4.48``) reads whole. Same length: offsets stay those of ``text``."""
    lines = [(m.start(), m.end(), m.group(0).strip()) for m in _LINE.finditer(text)]
    counts: dict[str, int] = {}
    for _a, _b, line in lines:
        counts[line] = counts.get(line, 0) + 1
    heads = {line for line, n in counts.items() if n >= 2 and len(line) >= 10 and not set(line) & set(_EQ)
             and any(c.isdigit() for c in line) and any(c.isalpha() for c in line)}
    if not heads:
        return text
    out = list(text)
    for a, b, line in lines:
        if line in heads:
            out[a:b] = " " * (b - a)
    return "".join(out)


def _page_stats(raw: str, page: int, codebook: Any, boxes: list[Box | None] | None = None) -> list[FoundStatistic]:
    blanked = blank_running_heads(raw)
    norm: Mapped = normalise(blanked)
    text = norm.text
    hits: dict[str, list[CueHit]] | None = None
    taken: list[tuple[int, int]] = []
    out: list[FoundStatistic] = []
    found: list[tuple[FoundStatistic, int, int, tuple[int, int], tuple[int, int], tuple[int, int]]] = []
    for kind, rx in _COMPILED:
        for m in rx.finditer(text):
            a, b = m.span()
            if any(a < y and x < b for x, y in taken):
                continue  # part of a statistic found already (the N inside chi², ...)
            gd = m.groupdict()
            s = _statistic(kind, gd, page)
            if s is None:
                continue
            parts = [(s, _clean(gd["val"]), a)]
            second = _AND.match(text, b) if kind in ("t", "F", "r", "chi2") else None
            if second:  # "F(1, 15) = 19.9 and 5.16, p < .001 and p < .05": two results, the p values in turn
                s2 = _statistic(kind, {**gd, "val": second.group("val")}, page)
                if s2 is not None:
                    parts.append((s2, _clean(second.group("val")), second.start("val")))
                    b = second.end()
            for i, (st, value_text, start) in enumerate(parts):
                if i:
                    more = _AND_P.match(text, b)
                    if more:
                        b = _p_at(st, text, more.end() - 1, value_text)
                else:
                    b = _p_at(st, text, b, value_text)
                st.start, st.end = norm.span(start, b)
                st.raw = text[start:b]
                sa, sb = _sentence_span(text, a, b)
                st.sentence = text[sa:sb].strip()
                ca, cb = text.rfind(";", sa, start) + 1 or sa, text.find(";", b, sb)
                found.append((st, start, b, (sa, sb), (ca, cb if cb >= 0 else sb), (max(0, a - WINDOW), b + WINDOW)))
            taken.append((a, b))
    ends = sorted(b for st, _a, b, *_ in found if st.kind != "n")
    for st, start, b, sentence, clause, around in found:
        # its own words first: from the statistic before it in its clause (or the clause's start) to its end
        k = bisect_right(ends, start)
        own_a = max(clause[0], ends[k - 1] if k else 0)
        places = (("sentence", (own_a, b)), ("sentence", clause), ("sentence", sentence), ("nearby", around))
        if hits is None:
            hits = page_cue_hits(text, codebook)
        st.cues = _cues(hits, sentence, around, places=places) if st.kind != "n" else {}
        for cue in st.cues.values():  # offsets into the page text as stored, for highlights
            cue["start"], cue["end"] = norm.span(cue["start"], cue["end"])
        if st.n is None and "n" in st.cues:
            st.n = st.cues["n"]["value"]
        _to_r(st)
        out.append(st)
    cells = _cells(blanked, boxes)
    if cells:
        if hits is None:
            hits = page_cue_hits(text, codebook)
        out.extend(_table_stats(cells, out, norm, page, hits))
    out.sort(key=lambda s: s.start)
    return out


def _cells(text: str, boxes: list[Box | None] | None) -> list[TableCell]:
    """The page's table cells read in its text's order and, with the characters' boxes, in its layout
    (`layout.table_layout`); per table the reading that finds more cells (the layout on a tie: it knows the rows)."""
    cells = table_cells(text)
    lay = table_layout(text, boxes) if boxes else None
    if lay is None:
        return cells
    laid = [_cell_back(c, lay) for c in table_cells(lay.text)]
    by_table: dict[str, list[TableCell]] = {}
    for c in cells:
        by_table.setdefault(c.table, []).append(c)
    for c in laid:
        by_table.setdefault(c.table, [])
    out: list[TableCell] = []
    for table, got in by_table.items():
        other = [c for c in laid if c.table == table]
        out.extend(other if len(other) >= len(got) else got)
    out.sort(key=lambda c: c.start)
    return out


def _cell_back(c: TableCell, lay: Mapped) -> TableCell:
    """``c`` (read in the laid-out text) with its offsets those of the page text."""

    def back(a: int, b: int) -> tuple[int, int]:
        x, y = lay.span(a, b)
        if y - x > 3 * (b - a) + 20:  # a label gathered from lines far apart in the text: its first word
            first = lay.text.find(" ", a, b)
            x, y = lay.span(a, first if first > a else b)
        return x, y

    c.start, c.end = back(c.start, c.end)
    c.spans = [back(a, b) for a, b in c.spans]
    return c


def _table_stats(cells: list[TableCell], prose: list[FoundStatistic], norm: Mapped, page: int,
                 hits: dict[str, list[CueHit]]) -> list[FoundStatistic]:
    """The statistics of a page's table cells (`tables.table_cells`), those not read in its prose already."""
    from bisect import bisect_left

    def to_norm(a: int, b: int) -> tuple[int, int]:
        return bisect_left(norm.source, a), bisect_left(norm.source, b)

    out = []
    for c in cells:
        if any(c.start < s.end and s.start < c.end for s in prose):
            continue
        gd = {"val": c.value_text, "df1": f"{c.df1:g}" if c.df1 else None}
        st = _statistic(c.kind, gd, page)
        if st is None:
            continue
        st.start, st.end, st.raw, st.table = c.start, c.end, c.value_text, c.table
        pair = f"{c.row_label} with {c.col_label}" if c.col_label else c.row_label
        st.sentence = f"{c.table}: {c.caption} — {pair}: {c.kind} = {c.value_text}".replace(" :", ":")
        if c.n:
            st.n = c.n
            if c.kind == "r" and st.df1 is None and c.n > 2:
                st.df1 = float(c.n - 2)  # the row's own N: r's df, so its p can be checked
        st.ci = c.ci
        if c.p_text:
            st.p_op, st.p = c.p_op, float(c.p_text)
            if c.kind in ("t", "F", "r", "chi2", "z", "Q"):
                st.check = check(c.kind, c.value_text, st.df1, st.df2, st.p_op, c.p_text)
        places = [("table", to_norm(*span)) for span in c.spans]
        a, b = to_norm(c.start, c.end)
        st.cues = _cues(hits, (a, b), (a, b), places=places)
        for cue in st.cues.values():
            cue["start"], cue["end"] = norm.span(cue["start"], cue["end"])
        if st.n is None and "n" in st.cues:
            st.n = st.cues["n"]["value"]
        _to_r(st)
        out.append(st)
    return out


MIN_TEXT = 40
"""A page with fewer letters and digits than this has no text layer to speak of (a scan, or a picture)."""


def pages_without_text(pages: Sequence[str], pictures: Sequence[int] = ()) -> list[int]:
    """The 1-based numbers of the pages whose text layer is missing or nearly empty, and of the ``pictures``
    (`screening.fulltext.pdf.picture_pages`: an image covers most of the page, a line or two of text at most):
    statistics on them (a scanned page, a table or results set as a picture) cannot be read, and the coder is
    told so."""
    empty = {i for i, t in enumerate(pages, start=1) if sum(ch.isalnum() for ch in (t or "")) < MIN_TEXT}
    return sorted(empty | set(pictures))


def no_text_notes(blank: Sequence[int], pictures: Sequence[int] = (), ocr: Sequence[int] = (),
                  how_to_ocr: str = "metasift stats --ocr") -> list[str]:
    """One sentence per page without a text layer (`pages_without_text`), for the coder: a picture page says
    so (and how to have it read: ``how_to_ocr``), a page read by OCR says that its statistics are marked and
    need checking."""
    out = []
    for i in blank:
        what = "a picture covers it: a scan or an image" if i in pictures else "a scan or a picture"
        if i in ocr:
            out.append(f"page {i} has no text layer ({what}): read by OCR (Tesseract); its statistics are marked "
                       f"OCR: check their digits against the page")
        else:
            out.append(f"page {i} has no text layer ({what}): statistics on it cannot be read, read the page "
                       f"and type them" + (f" (or read it by OCR: {how_to_ocr})" if i in pictures else ""))
    return out


def find_statistics(pages: Sequence[str], codebook: Any = None, kinds: Sequence[str] = KINDS,
                    boxes: Sequence[list[Box | None] | None] | None = None) -> list[FoundStatistic]:
    """Every statistic of ``kinds`` on ``pages`` (one string per page, as stored), in reading order.
    ``codebook`` (an `extraction.codebook.Codebook`) gives the cue vocabulary; default: the alliance one.
    ``boxes`` (a PDF's, per page, `screening.fulltext.pdf.char_boxes`; None for a page or a text file) lets
    tables be read from where their characters sit (`layout`)."""
    out: list[FoundStatistic] = []
    for i, raw in enumerate(pages, start=1):
        bx = boxes[i - 1] if boxes is not None and i <= len(boxes) else None
        out.extend(s for s in _page_stats(raw or "", i, codebook, bx) if s.kind in kinds)
    return out
