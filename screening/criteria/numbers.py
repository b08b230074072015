"""Reading counts the way a person would: "1,234", "1.234", "1 234", "twenty-four", "fünfzig",
"trente", "ventotto" (English, German, French and Italian number words up to 999)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import cache, lru_cache

# A whole number in digits: thousands separated by comma, dot, space or narrow no-break space
# (first group without a leading zero, so "0.450" is not 450), or plain digits with an optional
# decimal part (a decimal is not a count).
DIGITS = r"(?<![\d.,])(?:[1-9]\d{0,2}(?:[,.\u00a0\u202f\u2009 ]\d{3})+(?![\d]|[.,]\d)|\d+(?:[.,]\d+)?)"
_DIGITS_RE = re.compile(DIGITS)


def parse_digits(text: str) -> int | None:
    """The whole number ``text`` spells in digits, or None (decimals are not counts)."""
    t = text.strip()
    if re.fullmatch(r"[1-9]\d{0,2}(?:[,.\u00a0\u202f\u2009 ]\d{3})+", t):
        return int(re.sub(r"\D", "", t))
    if t.isdigit():
        return int(t)
    return None


_EN_UNITS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_EN_TEENS = ["ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
             "eighteen", "nineteen"]
_EN_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def _english() -> dict[str, int]:
    below: dict[int, list[str]] = {}
    for i, w in enumerate(_EN_UNITS, 1):
        below[i] = [w]
    for i, w in enumerate(_EN_TEENS, 10):
        below[i] = [w]
    for t, tw in enumerate(_EN_TENS, 2):
        below[t * 10] = [tw]
        for u, uw in enumerate(_EN_UNITS, 1):
            below[t * 10 + u] = [f"{tw} {uw}"]
    out = {w: n for n, ws in below.items() for w in ws}
    for h in range(1, 10):
        heads = [f"{_EN_UNITS[h - 1]} hundred"] + (["a hundred", "hundred"] if h == 1 else [])
        for head in heads:
            out[head] = h * 100
            for n, ws in below.items():
                for w in ws:
                    out[f"{head} and {w}"] = h * 100 + n
                    out[f"{head} {w}"] = h * 100 + n
    return out


_DE_UNITS = ["ein", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun"]
_DE_TEENS = ["zehn", "elf", "zwölf", "dreizehn", "vierzehn", "fünfzehn", "sechzehn", "siebzehn", "achtzehn",
             "neunzehn"]
_DE_TENS = ["zwanzig", "dreißig", "vierzig", "fünfzig", "sechzig", "siebzig", "achtzig", "neunzig"]


def _german() -> dict[str, int]:
    below = {"eins": 1}
    for i, w in enumerate(_DE_UNITS[1:], 2):
        below[w] = i
    for i, w in enumerate(_DE_TEENS, 10):
        below[w] = i
    for t, tw in enumerate(_DE_TENS, 2):
        below[tw] = t * 10
        for u, uw in enumerate(_DE_UNITS, 1):
            below[f"{uw}und{tw}"] = t * 10 + u
    out = dict(below)
    for h in range(1, 10):
        heads = [f"{_DE_UNITS[h - 1]}hundert"] + (["hundert"] if h == 1 else [])
        for head in heads:
            out[head] = h * 100
            for w, n in below.items():
                out[f"{head}{w}"] = h * 100 + n
                out[f"{head}und{w}"] = h * 100 + n
    return {_norm_de(k): v for k, v in out.items()}


_FR_UNITS = ["un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf"]
_FR_TEENS = ["dix", "onze", "douze", "treize", "quatorze", "quinze", "seize", "dix sept", "dix huit",
             "dix neuf"]


def _french() -> dict[str, int]:
    below: dict[int, str] = {}
    for i, w in enumerate(_FR_UNITS, 1):
        below[i] = w
    for i, w in enumerate(_FR_TEENS, 10):
        below[i] = w
    for t, tw in zip((20, 30, 40, 50, 60), ("vingt", "trente", "quarante", "cinquante", "soixante"),
                     strict=True):
        below[t] = tw
        below[t + 1] = f"{tw} et un"
        for u in range(2, 10):
            below[t + u] = f"{tw} {_FR_UNITS[u - 1]}"
    below[70] = "soixante dix"
    below[71] = "soixante et onze"
    for u in range(2, 10):
        below[70 + u] = f"soixante {_FR_TEENS[u]}"
    below[80] = "quatre vingts"
    for u in range(1, 10):
        below[80 + u] = f"quatre vingt {_FR_UNITS[u - 1]}"
    for u in range(0, 10):
        below[90 + u] = f"quatre vingt {_FR_TEENS[u]}"
    out = {w: n for n, w in below.items() if n > 1}
    out["quatre vingt"] = 80
    out["vingt et une"] = 21
    for h in range(1, 10):
        head = "cent" if h == 1 else f"{_FR_UNITS[h - 1]} cent"
        out[head] = h * 100
        if h > 1:
            out[f"{head}s"] = h * 100
        for n, w in below.items():
            out[f"{head} {w}"] = h * 100 + n
    return {_norm_fr(k): v for k, v in out.items()}


_IT_UNITS = ["uno", "due", "tre", "quattro", "cinque", "sei", "sette", "otto", "nove"]
_IT_TEENS = ["dieci", "undici", "dodici", "tredici", "quattordici", "quindici", "sedici", "diciassette",
             "diciotto", "diciannove"]
_IT_TENS = ["venti", "trenta", "quaranta", "cinquanta", "sessanta", "settanta", "ottanta", "novanta"]


def _italian() -> dict[str, int]:
    below: dict[str, int] = {}
    for i, w in enumerate(_IT_UNITS[1:], 2):
        below[w] = i
    for i, w in enumerate(_IT_TEENS, 10):
        below[w] = i
    for t, tw in enumerate(_IT_TENS, 2):
        below[tw] = t * 10
        for u, uw in enumerate(_IT_UNITS, 1):
            stem = tw[:-1] if uw in ("uno", "otto") else tw
            below[stem + uw] = t * 10 + u
    out = dict(below)
    for h in range(1, 10):
        head = "cento" if h == 1 else f"{_IT_UNITS[h - 1]}cento"
        out[head] = h * 100
        for w, n in {"uno": 1, **below}.items():
            out[head + w] = h * 100 + n
            if w.startswith("o"):
                out[head[:-1] + w] = h * 100 + n
    return {_norm_it(k): v for k, v in out.items()}


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def _norm_en(text: str) -> str:
    return " ".join(re.split(r"[\s\-\u2010\u2011]+", text.lower()))


def _norm_de(text: str) -> str:
    t = text.lower().replace("ß", "ss").replace("ü", "u").replace("ö", "o").replace("ä", "a")
    return re.sub(r"[\s\-\u2010\u2011]+", "", t.replace("ue", "u"))


def _norm_fr(text: str) -> str:
    return " ".join(re.split(r"[\s\-\u2010\u2011]+", _strip_accents(text.lower())))


def _norm_it(text: str) -> str:
    return re.sub(r"[\s\-\u2010\u2011]+", "", _strip_accents(text.lower()))


@cache
def _tables() -> tuple[tuple[Callable[[str], str], dict[str, int]], ...]:
    return ((_norm_en, _english()), (_norm_de, _german()), (_norm_fr, _french()), (_norm_it, _italian()))


@lru_cache(maxsize=8192)
def word_number(words: str) -> int | None:
    """The number a phrase of number words spells in one of the four languages, or None."""
    if not words or len(words) > 60:
        return None
    for norm, table in _tables():
        n = table.get(norm(words))
        if n is not None:
            return n
    return None


_WORD = re.compile(r"[^\W\d_]+(?:[\-\u2010\u2011][^\W\d_]+)*")


def number_at(text: str, pos: int) -> tuple[int, int] | None:
    """A count (digits or number words) starting at ``pos``: (value, end), or None."""
    m = _DIGITS_RE.match(text, pos)
    if m:
        value = parse_digits(m.group())
        return (value, m.end()) if value is not None else None
    words: list[re.Match[str]] = []
    i = pos
    while len(words) < 6:
        w = _WORD.match(text, i)
        if not w:
            break
        words.append(w)
        gap = re.match(r"[ \t]+", text[w.end():w.end() + 3])
        if not gap:
            break
        i = w.end() + gap.end()
    for k in range(len(words), 0, -1):
        value = word_number(text[pos:words[k - 1].end()])
        if value is not None:
            return value, words[k - 1].end()
    return None
