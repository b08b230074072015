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
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from db.errors import InputError
from extraction.statfinder.pcheck import PCheck, check
from extraction.statfinder.text import Mapped, normalise

_NUM = r"(?:-|[?\ufffd](?=\.?\d))?\s?(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
"""A number as printed; a ``?`` or U+FFFD right before it is a minus sign the text lost (its glyph had no
character), so the value is read without its sign (`FoundStatistic.sign_lost`)."""
_DF = r"\d+(?:\.\d+)?"
_DF1 = r"(?:\d+(?:\.\d+)?|l(?=\s*,))"
"""F's first df; ``l`` is a 1 set in a font whose one maps to the letter (``F(l, 76)``)."""
_EQ = "=<>≤≥\u00bc"
"""Relations; ``¼`` is an ``=`` whose glyph maps to the character ¼ (some publishers' PDFs)."""
_OP = rf"\s*(?P<op>[{_EQ}])\s*"
_OP_DF = rf"(?:\s*(?P<op>[{_EQ}])\s*|(?<=[)\]}}])(?P<gop>[bN])(?=\.?\d))"
"""After a df bracket, also ``b`` for < and ``N`` for > set flush against it (``Fs(1, 248)b1.16``), as the
glyphs of some publishers' PDFs come out."""
_PRE = r"(?:(?<![\w.])|(?<=[\s(]B)|(?<=^B))"
"""Start of a symbol: no letter or digit before it, except an opening quote that came out as ``B``
(``Bt(37) = ...``, the quote glyphs of some publishers' PDFs)."""
_OPEN, _CLOSE = r"[(\[{]", r"[)\]}]"
_CHI = r"(?:χ|Χ|chi|Chi|CHI|X|x|G)\s*[_^]?\s*2"
"""χ² and its spellings; G² is the likelihood-ratio chi-square."""
_PATTERNS: tuple[tuple[str, str], ...] = (
    ("t", rf"{_PRE}ts?\s*{_OPEN}\s*(?P<df1>{_DF})\s*{_CLOSE}{_OP_DF}(?P<val>{_NUM})"),
    ("F", rf"{_PRE}Fs?\s*{_OPEN}\s*(?P<df1>{_DF1})\s*,\s*(?P<df2>{_DF})\s*{_CLOSE}{_OP_DF}(?P<val>{_NUM})"),
    ("chi2", rf"(?:{_PRE}{_CHI}|(?<![\w.])[Cc]hi[- ]?squared?)\s*"
             rf"{_OPEN}\s*(?P<df1>{_DF})\s*(?:,\s*[Nn]\s*=\s*(?P<n>\d[\d,]*)\s*)?{_CLOSE}{_OP_DF}(?P<val>{_NUM})"),
    # χ lost (a glyph without text): "2(1, N = 226) = 6.90"; with a "?" where it was, the N may be missing
    ("chi2", rf"(?:(?<![\w.])[?\ufffd]{{1,2}}|(?<![\w.(,?\ufffd])|(?<=[\s(]B)|(?<=^B))2\s*\(\s*(?P<df1>{_DF})"
             rf"\s*,\s*[Nn]\s*=\s*(?P<n>\d[\d,]*)\s*\){_OP}(?P<val>{_NUM})"),
    ("chi2", rf"(?<![\w.])[?\ufffd]{{1,2}}2\s*\(\s*(?P<df1>{_DF})\s*\){_OP}(?P<val>{_NUM})"),
    ("r", rf"{_PRE}r\s*(?:\(\s*(?P<df1>{_DF})\s*\))?{_OP_DF}(?P<val>{_NUM})"),
    ("z", rf"(?<![\w.])[zZ]{_OP}(?P<val>{_NUM})"),
    ("d", rf"(?<![\w.'])(?P<sym>d|g){_OP}(?P<val>{_NUM})"),
    ("OR", rf"(?<![\w.])(?:OR|AOR|aOR|odds ratio){_OP}(?P<val>\d+(?:\.\d+)?)(?:\s*[,;(]?\s*(?:95\s*%\s*)?CI"
           rf"\s*[:=,]?\s*[\[(]?\s*(?P<lo>\d+(?:\.\d+)?)\s*(?:,|-|to)\s*(?P<hi>\d+(?:\.\d+)?)\s*[\])]?)?"),
    ("beta", rf"(?:β|(?<![\w.])beta){_OP}(?P<val>{_NUM})"),
    ("n", r"(?<![\w.])(?P<sym>[Nn])\s*=\s*(?P<val>\d{1,3}(?:,\d{3})+|\d+)(?![\d.])"),
)
_COMPILED = tuple((kind, re.compile(rx)) for kind, rx in _PATTERNS)
_P_AFTER = re.compile(r"(?:\s*,\s*MSE\s*[=\u00bc]\s*\d[\d,]*(?:\.\d+)?)?(?:\s*[,;]\s*|\s+)"
                      r"(?:(?:one|two)[- ]?(?:tailed|sided)\s*,?\s*)?(?:ps?\s*(?P<pop>[=<>≤≥\u00bc]|[bN](?=\s?\.))\s*"
                      r"(?P<p>0?\s?\.\s?\d+(?:e-\d+)?|[01](?:\.\d+)?)(?![\d.]\d)|(?P<ns>n\.?s\.?)(?!\w))")
_AND = re.compile(rf"\s+and\s+(?P<val>{_NUM})(?=\s*[,;)])")
"""A second value of the same test: ``F(1, 15) = 19.9 and 5.16, p < .001 and p < .05``."""
_AND_P = re.compile(r"\s+and\s+(?=p)")
_GLYPH_OPS = {"\u00bc": "=", "b": "<", "N": ">"}
_SENTENCE_END = re.compile(r"(?<![A-Z]\.)(?<!\bal\.)(?<!\be\.g\.)(?<!\bi\.e\.)[.!?]\s+(?=[A-Z(])")
WINDOW = 600
"""Characters either side of a statistic searched for cues when its sentence has none (PDF text has no
reliable paragraph marks)."""
CUE_FIELDS = ("alliance_measure", "alliance_rater", "alliance_time", "outcome_measure")
KINDS = ("r", "t", "F", "chi2", "z", "d", "OR", "beta", "n")


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
    sign_lost: bool = False
    """The text has a ``?`` where the minus sign was (lost with its glyph): the value's sign is unknown."""
    cues: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def warning(self) -> str:
        """A note for the coder when the reported p does not fit the statistic (never a block)."""
        lost = ("the sign was lost from the text (a '?' stands where a minus may have been): check the page"
                if self.sign_lost else "")
        if self.check is None or self.check.consistent:
            return lost
        what = "decision error: " if self.check.decision_error else ""
        return (f"{what}the reported p {self.p_op} {self.p:g} does not fit {self.kind} = {self.value:g} "
                f"(recomputed p = {self.check.computed:.4f})" + (f"; {lost}" if lost else ""))

    def suggestion(self) -> dict[str, Any]:
        """What "Use" puts in the coding form: statistic, value, df, n, location, quote, moderators."""
        # a z test is not the Fisher z MetaSift codes, a beta no correlation: neither is offered
        stat = {"r": "r", "t": "t", "F": "F", "chi2": "chi2", "d": "d", "OR": "or"}.get(self.kind, "")
        return {"statistic": stat, "value": self.value, "df": self.df2 if self.kind == "F" else self.df1,
                "n": self.n, "location": f"p. {self.page}", "quote": self.raw,
                "moderators": {k: v["value"] for k, v in self.cues.items() if k in CUE_FIELDS}}

    def provenance(self, pdf_sha256: str = "") -> dict[str, Any]:
        """The effect's provenance when the coder uses this statistic (`extraction.coding.clean_provenance`)."""
        return {"source": "full text", "pdf": pdf_sha256, "page": self.page, "quote": self.raw,
                "start": self.start, "end": self.end, "kind": self.kind}

    def public(self) -> dict[str, Any]:
        return {"kind": self.kind, "raw": self.raw, "page": self.page, "start": self.start, "end": self.end,
                "sentence": self.sentence, "value": self.value, "df1": self.df1, "df2": self.df2, "n": self.n,
                "op": self.op, "p_op": self.p_op, "p": self.p, "ci": list(self.ci) if self.ci else None,
                "r": self.r, "r_method": self.r_method, "why_not_r": self.why_not_r,
                "p_check": self.check.public() if self.check else None, "warning": self.warning,
                "cues": self.cues, "suggestion": self.suggestion()}


def _clean(text: str) -> str:
    """A number as printed, without spaces, thousands separators or a lost sign's ``?``."""
    return text.replace(" ", "").replace(",", "").lstrip("?\ufffd")


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
            raise InputError("a z test converts to r only as z / sqrt(N), which is not among MetaSift's conversions")
        elif s.kind == "beta":
            raise InputError("a regression weight is a correlation only when it is the model's one predictor")
        else:
            return
    except InputError as exc:
        s.why_not_r = exc.detail
        return
    s.r, s.r_method = round(c.r, 4), c.method
    if s.kind in ("F", "chi2"):
        s.r_method += " (the text gives the direction)"


@lru_cache(maxsize=4)
def _cue_patterns(codebook: Any = None) -> dict[str, list[tuple[re.Pattern[str], str]]]:
    from extraction.codebook import Codebook

    book = codebook or Codebook()
    out: dict[str, list[tuple[re.Pattern[str], str]]] = {}
    for name in CUE_FIELDS:
        f = book.fields.get(name)
        if f is None:
            continue
        terms = [(v, v) for v in f.values] + list(f.aliases.items())
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


def _cues(sentence: str, around: str, codebook: Any) -> dict[str, dict[str, Any]]:
    cues: dict[str, dict[str, Any]] = {}
    for name, pats in _cue_patterns(codebook).items():
        for where, text in (("sentence", sentence), ("nearby", around)):
            hit = next(((m, target) for rx, target in pats if (m := rx.search(text))), None)
            if hit:
                cues[name] = {"value": hit[1], "text": hit[0].group(0), "where": where}
                break
    for where, text in (("sentence", sentence), ("nearby", around)):
        m = _SESSION.search(text)
        if m:
            cues["alliance_session"] = {"value": int(m.group(1)), "text": m.group(0), "where": where}
            break
    for where, text in (("sentence", sentence), ("nearby", around)):
        m = _N_CUE.search(text)
        if m:
            cues["n"] = {"value": int(m.group(1).replace(",", "")), "text": m.group(0), "where": where}
            break
    return cues


def _sentence(text: str, start: int, end: int) -> str:
    a = 0
    for m in _SENTENCE_END.finditer(text, max(0, start - 400), start):
        a = m.end()
    after = _SENTENCE_END.search(text, end)
    b = after.start() + 1 if after else min(len(text), end + 300)
    return text[a:b].strip()


def _p_at(s: FoundStatistic, text: str, at: int, value_text: str) -> int:
    """Read the p reported right after ``at`` into ``s`` (and check it); the end of what was read."""
    pm = _P_AFTER.match(text, at) if s.kind != "n" else None
    if pm and pm.group("ns"):
        s.p_op = "ns"
        return pm.end()
    if not pm:
        return at
    ptext = pm.group("p").replace(" ", "")
    p_op = _GLYPH_OPS.get(pm.group("pop"), pm.group("pop"))
    if float(ptext) > 1:
        return at
    s.p_op, s.p = p_op, float(ptext)
    if s.kind in ("t", "F", "r", "chi2", "z") and s.op == "=":
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
    op = _GLYPH_OPS.get(gd.get("op") or gd.get("gop") or "=", gd.get("op") or gd.get("gop") or "=")
    s = FoundStatistic(kind=kind, raw="", page=page, start=0, end=0, sentence="", value=value, op=op,
                       sign_lost=gd["val"].lstrip()[:1] in ("?", "\ufffd"))
    if gd.get("df1"):
        s.df1 = 1.0 if gd["df1"] == "l" else float(gd["df1"])
    if gd.get("df2"):
        s.df2 = float(gd["df2"])
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


def _page_stats(raw: str, page: int, codebook: Any) -> list[FoundStatistic]:
    norm: Mapped = normalise(raw)
    text = norm.text
    taken: list[tuple[int, int]] = []
    out: list[FoundStatistic] = []
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
                st.sentence = _sentence(text, a, b)
                around = text[max(0, a - WINDOW):b + WINDOW]
                st.cues = _cues(st.sentence, around, codebook) if kind != "n" else {}
                if st.n is None and "n" in st.cues:
                    st.n = st.cues["n"]["value"]
                _to_r(st)
                out.append(st)
            taken.append((a, b))
    out.sort(key=lambda s: s.start)
    return out


def find_statistics(pages: Sequence[str], codebook: Any = None, kinds: Sequence[str] = KINDS
                    ) -> list[FoundStatistic]:
    """Every statistic of ``kinds`` on ``pages`` (one string per page, as stored), in reading order.
    ``codebook`` (an `extraction.codebook.Codebook`) gives the cue vocabulary; default: the alliance one."""
    out: list[FoundStatistic] = []
    for i, raw in enumerate(pages, start=1):
        out.extend(s for s in _page_stats(raw or "", i, codebook) if s.kind in kinds)
    return out
