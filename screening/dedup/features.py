"""Turn input records (dicts or objects) into normalised, column-oriented features for blocking/scoring."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from db.errors import InputError
from screening.dedup.normalize import (
    alternative_title,
    doi_list,
    fold,
    is_serial_title,
    is_translated_title,
    name_words,
    normalize_authors,
    normalize_journal,
    normalize_number,
    normalize_title,
    page_kind,
    page_ranges,
    publication_kind,
    squash,
)

FIELDS = ("id", "title", "authors", "year", "journal", "volume", "issue", "pages", "doi", "abstract",
          "pub_type")


def get_field(record: Any, name: str) -> Any:
    """A field of a dict-like or attribute-style record (``None`` when absent)."""
    if isinstance(record, Mapping):
        return record.get(name)
    return getattr(record, name, None)


def _year(value: Any) -> int:
    """The year as int, or -1 when missing or unparseable."""
    if value is None:
        return -1
    try:
        y = int(float(str(value).strip()[:4]))
    except ValueError:
        return -1
    return y if 1000 < y < 3000 else -1


RECURRING_MIN = 3
"""A short title seen this often in one journal at different places (volume, issue, page) is a column."""


def _serial_titles(title: list[str], journal: list[str], volume: list[str], issue: list[str],
                   start: list[str]) -> np.ndarray:
    """Titles of recurring columns: a known column name (`is_serial_title`), or a short title (at most six
    words) that `RECURRING_MIN` or more records of one journal carry at different volumes/issues/pages."""
    out = np.array([is_serial_title(t) for t in title], dtype=bool)
    places: dict[tuple[str, str], set[tuple[str, str, str]]] = {}
    for k, t in enumerate(title):
        if t and not out[k] and t.count(" ") < 6 and journal[k]:
            places.setdefault((t, journal[k].split(" = ")[0]), set()).add((volume[k], issue[k], start[k]))
    recurring = {key for key, where in places.items() if len(where) >= RECURRING_MIN}
    if recurring:
        for k, t in enumerate(title):
            if not out[k] and journal[k] and (t, journal[k].split(" = ")[0]) in recurring:
                out[k] = True
    return out


_PREFIX = "abcdefghijklmnopqrstuvwxyz"
_DIGITS = re.compile(r"\d+")


def _pages(pages: Any) -> tuple[str, str, list[tuple[str, int, int]], frozenset[str], frozenset[str]]:
    """``(start, end, intervals, ends, starts)`` of a page field that may hold several ranges
    (`normalize.page_ranges`): the start is the lowest first page of the parts with the first part's letter
    prefix (so ``'233-8, 230-5, 246-51'`` and ``'230-5, 246-51, 233-8'`` start alike) and the end that range's
    end; ``intervals`` are ``(prefix, first, last)`` of every part (a lone page is one page long); ``ends``
    every last page a copy could give (each part's, and the last of all), ``starts`` every first page without
    its letter prefix."""
    ranges = page_ranges(pages)
    if not ranges:
        return "", "", [], frozenset(), frozenset()
    parsed: list[tuple[str, int, int, str, str]] = []  # prefix, first, last, start, end
    for a, b in ranges:
        digits = a.lstrip(_PREFIX)
        if digits.isdigit() and (b or a).lstrip(_PREFIX).isdigit():
            lo, hi = int(digits), int((b or a).lstrip(_PREFIX))
            parsed.append((a[: len(a) - len(digits)], lo, max(lo, hi), a, b))
    intervals = [(pre, lo, hi) for pre, lo, hi, _, _ in parsed]
    if len(ranges) == 1 or not parsed:
        start, end = ranges[0]
        return start, end, intervals, frozenset({end} if end else ()), frozenset({start.lstrip(_PREFIX) or start})
    prefix = parsed[0][0]
    same = [x for x in parsed if x[0] == prefix]
    _, _, _, start, end = min(same, key=lambda x: x[1])
    last = max(same, key=lambda x: x[2])
    ends = {b or a for a, b in ranges} | {f"{prefix}{last[2]}"}
    return start, end, intervals, frozenset(ends), frozenset(a.lstrip(_PREFIX) or a for a, _ in ranges)


@dataclass(slots=True)
class Features:
    """Normalised columns, one entry per input record (index = position in the input)."""

    ids: list[Any]
    title: list[str]
    authors: list[str]
    first_author: list[str]
    year: np.ndarray
    journal: list[str]
    volume: np.ndarray
    issue: np.ndarray
    page_start: np.ndarray
    page_end: np.ndarray
    page_key: np.ndarray
    doi: np.ndarray
    abstract: list[str]
    kind: np.ndarray
    title_numbers: np.ndarray
    dois: list[tuple[str, ...]]
    title_alt: list[str]
    author_keys: list[frozenset[str]]
    raw_authors: list[Any]
    surnames: list[frozenset[str]]
    page_kind: np.ndarray
    serial: np.ndarray
    page_ranges: list[list[tuple[str, int, int]]]
    page_ends: list[frozenset[str]]
    page_starts: list[frozenset[str]]
    translated: np.ndarray
    page_span: np.ndarray
    title_codes: np.ndarray
    several_ranges: np.ndarray
    title_words: np.ndarray
    _name_words: dict[int, frozenset[str]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ids)

    def name_words(self, k: int) -> frozenset[str]:
        """Every name word of record ``k``'s authors (`normalize.name_words`), computed when first asked."""
        if k not in self._name_words:
            self._name_words[k] = name_words(self.raw_authors[k])
        return self._name_words[k]


def build_features(records: Sequence[Any]) -> Features:
    """Normalise every record; raises ``InputError`` for a record without an id or a repeated id."""
    n = len(records)
    ids: list[Any] = []
    title, authors, first, journal, abstract = [], [], [], [], []
    year = np.full(n, -1, dtype=np.int32)
    volume, issue, pstart, pend, doi, kind, nums, pkind, codes = ([""] * n for _ in range(9))
    dois: list[tuple[str, ...]] = []
    alt: list[str] = []
    author_keys: list[frozenset[str]] = []
    raw_authors: list[Any] = []
    surnames: list[frozenset[str]] = []
    ranges: list[list[tuple[str, int, int]]] = [[] for _ in range(n)]
    ends: list[frozenset[str]] = [frozenset()] * n
    starts: list[frozenset[str]] = [frozenset()] * n
    translated = np.zeros(n, dtype=bool)
    seen: set[Any] = set()
    for i, rec in enumerate(records):
        rid = get_field(rec, "id")
        if rid is None or rid in seen:
            raise InputError("every record needs a unique id" if rid is None else f"duplicate id {rid!r}",
                             record=i)
        seen.add(rid)
        ids.append(rid)
        raw_title = get_field(rec, "title")
        title.append(normalize_title(raw_title))
        alt.append(alternative_title(raw_title))
        translated[i] = is_translated_title(raw_title, alt[-1])
        nums[i] = " ".join(sorted({w.lstrip("0") for w in title[-1].split() if w.isdigit()}))
        # every run of digits, also inside codes ("docetaxel (D2)" / "(D4)", "HPV16" / "HPV18"), so that
        # "p16INK4a" and "p16(INK4a)" agree and the arms or types of two studies do not
        codes[i] = " ".join(sorted({d.lstrip("0") or "0" for d in _DIGITS.findall(title[-1])}))
        names = normalize_authors(get_field(rec, "authors"))
        authors.append(" ".join(names))
        author_keys.append(frozenset(names))
        raw_authors.append(get_field(rec, "authors") if names else None)
        surnames.append(frozenset(s for s in (n.split(" ")[0] for n in names) if len(s) >= 3))
        first.append(names[0].split(" ")[0] if names else "")
        year[i] = _year(get_field(rec, "year"))
        raw_journal = get_field(rec, "journal")
        journal.append(normalize_journal(raw_journal))
        volume[i] = normalize_number(get_field(rec, "volume"))
        issue[i] = normalize_number(get_field(rec, "issue"))
        pstart[i], pend[i], ranges[i], ends[i], starts[i] = _pages(get_field(rec, "pages"))
        dois.append(doi_list(get_field(rec, "doi")))
        doi[i] = dois[-1][0] if dois[-1] else ""
        pkind[i] = page_kind(pstart[i], pend[i])
        raw_abstract = get_field(rec, "abstract")
        # only the first 1000 compared characters matter: fold no more than a margin beyond them
        abstract.append(squash(fold(raw_abstract[:1500] if isinstance(raw_abstract, str) else raw_abstract))[:1000])
        kind[i] = publication_kind(get_field(rec, "pub_type"), raw_journal, raw_title, get_field(rec, "volume"))
    return Features(
        dois=dois, title_alt=alt, author_keys=author_keys, raw_authors=raw_authors, surnames=surnames,
        page_kind=np.array(pkind, dtype=object),
        serial=_serial_titles(title, journal, volume, issue, pstart),
        page_ranges=ranges, page_ends=ends, page_starts=starts, translated=translated,
        several_ranges=np.array([len(e) > 1 or len(s) > 1 for e, s in zip(ends, starts, strict=True)], dtype=bool),
        title_words=np.array([t.count(" ") + 1 if t else 0 for t in title], dtype=np.int32),
        page_span=np.array([max((hi - lo for _, lo, hi in r), default=-1) for r in ranges], dtype=np.int32),
        ids=ids, title=title, authors=authors, first_author=first, year=year, journal=journal,
        volume=np.array(volume, dtype=object), issue=np.array(issue, dtype=object),
        page_start=np.array(pstart, dtype=object), page_end=np.array(pend, dtype=object),
        page_key=np.array([p.lstrip("abcdefghijklmnopqrstuvwxyz") or p for p in pstart], dtype=object),
        doi=np.array(doi, dtype=object), abstract=abstract, kind=np.array(kind, dtype=object),
        title_numbers=np.array(nums, dtype=object), title_codes=np.array(codes, dtype=object),
    )
