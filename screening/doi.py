"""The one DOI canonicaliser: importers (`screening.importers.fields`), deduplication
(`screening.dedup`), full-text matching and PDF reading all read DOIs through these two functions, so a DOI
looks the same wherever it is compared.

Written here because no maintained library handles what exports put in DOI fields: several DOIs in one
field, ``doi:``/``https://doi.org/`` prefixes, URL escapes, HTML entities, a trailing ``[doi]`` or sentence
punctuation, and SICI-style DOIs whose ``<``, ``>``, ``;`` and ``#`` belong to the DOI.
"""

from __future__ import annotations

import html
import re
from urllib.parse import unquote

_SPLIT = re.compile(r"\s*[;,|]\s*(?=(?:doi\s*:?\s*|https?://|(?:dx\.)?doi\.org/|10\.\d))|\s+")
_DOI_IN = re.compile(r"10\.\d{4,9}/\S+")  # registrant codes have four digits or more
_TAG = re.compile(r"</?(?:i|b|u|em|strong|sup|sub|p|br|span|sc|inf)\b[^<>]{0,40}>")  # not a SICI's <...>
_EMPTY = frozenset({"", "nan", "none", "na", "null"})
MAX_FIELD = 10_000
"""Characters of one field read at most (bounded time on hostile input)."""


def _tail(d: str) -> str:
    """Trailing punctuation of the sentence around a DOI off; a closing bracket only when unbalanced (SICI
    DOIs such as ``10.1002/(sici)1097-4636(199602)30:2<145::aid-jbm3>3.0.co;2-#`` keep theirs)."""
    pairs = {")": "(", "]": "[", ">": "<", "}": "{"}
    while d:
        last = d[-1]
        if last in ".,;:'\"":
            d = d[:-1]
        elif last in pairs and d.count(pairs[last]) < d.count(last):
            d = d[:-1]
        else:
            break
    return d


def doi_list(value: object) -> tuple[str, ...]:
    """Every DOI in a field, canonical: lower case ``10.x/...``, without ``doi:``/``https://doi.org/``
    prefixes, URL escapes, markup or trailing punctuation; several DOIs (``'10.1/a; 10.1/b'``) are all
    returned, in order, once each; ``()`` when there is none."""
    if value is None:
        return ()
    s = str(value)[:MAX_FIELD].strip()
    if s.lower() in _EMPTY:
        return ()
    if "&" in s:
        s = html.unescape(s)
    if "%" in s:
        s = unquote(s)
    s = s.lower()
    if "<" in s:
        s = _TAG.sub("", s)
    s = s.replace("[doi]", " ")
    out: list[str] = []
    for piece in _SPLIT.split(s):
        for m in _DOI_IN.finditer(piece):
            d = _tail(m.group(0))
            if "/" in d and not d.endswith("/") and d not in out:
                out.append(d)
    return tuple(out)


def normalize_doi(value: object) -> str:
    """The first canonical DOI of a field (see `doi_list`), ``''`` when there is none."""
    found = doi_list(value)
    return found[0] if found else ""
