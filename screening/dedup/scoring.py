"""Field-by-field comparison of candidate pairs (vectorised with ``rapidfuzz.process.cpdist``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from screening.dedup.features import Features
from screening.dedup.normalize import journals_compatible

# Agreement codes for the exact-match fields (NEAR: DOIs one character apart, a typo or two articles).
MISSING, AGREE, CONFLICT, NEAR = 0, 1, 2, 3


@dataclass(slots=True)
class PairScores:
    """Per-pair comparison columns, aligned with the candidate index arrays ``i`` and ``j``."""

    i: np.ndarray
    j: np.ndarray
    title: np.ndarray
    authors: np.ndarray
    first_author: np.ndarray
    year_gap: np.ndarray
    journal: np.ndarray
    volume: np.ndarray
    issue: np.ndarray
    start: np.ndarray
    end: np.ndarray
    doi: np.ndarray
    abstract: np.ndarray
    kind_conflict: np.ndarray
    both_conference: np.ndarray
    pages_disjoint: np.ndarray
    title_numbers: np.ndarray
    title_prefix: np.ndarray
    long_prefix: np.ndarray
    thesis: np.ndarray
    serial: np.ndarray
    provisional_pages: np.ndarray
    supplement_mismatch: np.ndarray
    has_alt_title: np.ndarray
    translated: np.ndarray
    both_thesis: np.ndarray
    both_short: np.ndarray
    both_ranges: np.ndarray
    title_words: np.ndarray

    def __len__(self) -> int:
        return len(self.i)


def _ratio(a: list[str], b: list[str], scorer=fuzz.ratio) -> np.ndarray:
    if not a:
        return np.zeros(0, dtype=np.float32)
    return process.cpdist(a, b, scorer=scorer, dtype=np.float32, workers=1) / 100.0


def _exact(col: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    a, b = col[i], col[j]
    present = (a != "") & (b != "")
    out = np.full(len(i), MISSING, dtype=np.int8)
    out[present & (a == b)] = AGREE
    out[present & (a != b)] = CONFLICT
    return out


def _pick(values: list[str], idx: np.ndarray) -> list[str]:
    return [values[k] for k in idx]


def _kind_conflict(kind: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """A thesis, a conference report or a journal-club commentary on one side and an article/book (or
    nothing of that kind) on the other: reports of a shared sample, not the same record."""
    a, b = kind[i], kind[j]
    special_a = (a == "thesis") | (a == "conference") | (a == "erratum") | (a == "commentary")
    special_b = (b == "thesis") | (b == "conference") | (b == "erratum") | (b == "commentary")
    erratum = (a == "erratum") != (b == "erratum")
    return ((special_a | special_b) & (a != b) & (a != "") & (b != "")) | erratum


def _doi_compare(feats: Features, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """AGREE when the records share a DOI (of all those in their DOI fields), NEAR when none is shared but
    two are one edit apart, CONFLICT when both have DOIs and none is close, MISSING otherwise."""
    out = np.full(len(i), MISSING, dtype=np.int8)
    dois = feats.dois
    for k in range(len(i)):
        a, b = dois[i[k]], dois[j[k]]
        if not a or not b:
            continue
        if a[0] == b[0] or set(a) & set(b):
            out[k] = AGREE
        elif any(Levenshtein.distance(x, y, score_cutoff=1) <= 1 for x in a for y in b):
            out[k] = NEAR
        else:
            out[k] = CONFLICT
    return out


def _author_sets(feats: Features, i: np.ndarray, j: np.ndarray, title: np.ndarray) -> np.ndarray:
    """Authors compared as sets of ``surname initial``: the Dice overlap (``-1`` when a side has none), so
    that co-authors in another order or given names spelled out in one copy only do not matter. (A list cut
    short by ``et al.`` is compared in order, as a prefix, by `score_pairs`: an unordered subset of a long
    list is weak evidence.)"""
    out = np.full(len(i), -1.0, dtype=np.float32)
    keys = feats.author_keys
    for k in range(len(i)):
        a, b = keys[i[k]], keys[j[k]]
        if not a or not b:
            continue
        out[k] = 2 * len(a & b) / (len(a) + len(b))
        # (the rules tell 0.75 from 0.85 apart nowhere, and authors matter only with titles from 0.6)
        if out[k] < 0.75 and title[k] >= 0.6:
            out[k] = max(out[k], _surnames_in_words(feats.surnames[i[k]], feats.name_words(int(j[k]))),
                         _surnames_in_words(feats.surnames[j[k]], feats.name_words(int(i[k]))))
    return out


NAME_WORDS_SCORE = 0.85
"""The author score of a list whose surnames all (or four in five) appear among the other list's name words:
the same people with names split the wrong way; corroboration, but less than names that match."""


def _surnames_in_words(surnames: frozenset[str], words: frozenset[str]) -> float:
    found = len(surnames & words)
    return NAME_WORDS_SCORE if found >= 2 and found >= 0.8 * len(surnames) else 0.0


def _provisional_pages(feats: Features, i: np.ndarray, j: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Start pages that differ because one copy has the online-first pagination (``e123``, an article
    number, ``1-7``) and the other the final one: no contradiction."""
    ka, kb = feats.page_kind[i], feats.page_kind[j]
    return (start == CONFLICT) & (ka != kb) & ((ka == "provisional") | (kb == "provisional"))


def _pages_disjoint(feats: Features, i: np.ndarray, j: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Both records give a full page range of the same kind (``s12-s14`` or ``12-14``; with several ranges
    in a field, every one of them) and no range of one overlaps a range of the other: a firm disagreement,
    unlike a lone start page that may be an article number or page count."""
    out = np.zeros(len(i), dtype=bool)
    for k in np.flatnonzero(start == CONFLICT):
        a, b = i[k], j[k]
        if not (feats.page_end[a] and feats.page_end[b]):
            continue
        ra, rb = feats.page_ranges[a], feats.page_ranges[b]
        if not ra or not rb or ra[0][0] != rb[0][0]:
            continue
        out[k] = not any(pa == pb and lo_a <= hi_b and lo_b <= hi_a
                         for pa, lo_a, hi_a in ra for pb, lo_b, hi_b in rb)
    return out


def _start_compare(feats: Features, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """First pages compared; a field with several ranges agrees with a copy starting at any of them."""
    start = _exact(feats.page_key, i, j)
    several = feats.several_ranges
    for k in np.flatnonzero((start == CONFLICT) & (several[i] | several[j])):
        if feats.page_starts[i[k]] & feats.page_starts[j[k]]:
            start[k] = AGREE
    return start


def _end_compare(feats: Features, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Last pages compared: AGREE when the copies share any last page a range of theirs gives (``'1217-24;
    discussion 1224-5'`` ends at 1224 or 1225)."""
    out = _exact(feats.page_end, i, j)
    several = feats.several_ranges
    ends = feats.page_ends
    for k in np.flatnonzero(several[i] | several[j]):
        a, b = ends[i[k]], ends[j[k]]
        out[k] = (AGREE if a & b else CONFLICT) if a and b else MISSING
    return out


def _numbers_conflict(feats: Features, i: np.ndarray, j: np.ndarray, col: np.ndarray | None = None) -> np.ndarray:
    """CONFLICT when each title has a number the other lacks ("phase 2" vs "phase 3", "part 1" vs "part 2");
    a number present on one side only (a truncated title) is no conflict. (``col``: another column of
    numbers, such as the digits inside codes.)"""
    out_col = feats.title_numbers if col is None else col
    out = _exact(out_col, i, j)
    for k in np.flatnonzero(out == CONFLICT):
        a, b = set(out_col[i[k]].split()), set(out_col[j[k]].split())
        if not (a - b and b - a):
            out[k] = AGREE
    return out


MIN_PREFIX_WORDS = 4


LONG_PREFIX_WORDS = 8
"""A main title this long that the other copy continues with a subtitle names one work by itself."""


def _title_prefix(ti: list[str], tj: list[str], min_words: int = MIN_PREFIX_WORDS) -> np.ndarray:
    """One title is the other cut short at a word boundary (a dropped subtitle: ``'Optimal therapy of
    malignant pleural effusions'`` / ``'... effusions: report of a randomized trial'``); the shorter one
    keeps at least ``MIN_PREFIX_WORDS`` words."""
    out = np.zeros(len(ti), dtype=bool)
    for k, (a, b) in enumerate(zip(ti, tj, strict=True)):
        if not a or not b or a == b:
            continue
        short, full = (a, b) if len(a) < len(b) else (b, a)
        out[k] = full.startswith(short + " ") and short.count(" ") + 1 >= min_words
    return out


def score_pairs(feats: Features, i: np.ndarray, j: np.ndarray) -> PairScores:
    """Compare every candidate pair ``(i[k], j[k])`` field by field."""
    ti, tj = _pick(feats.title, i), _pick(feats.title, j)
    title = np.maximum(_ratio(ti, tj), _ratio(ti, tj, fuzz.token_sort_ratio))
    # "English title [Original title]": either title of one record may be the title of the other
    alt = [k for k in range(len(i)) if feats.title_alt[i[k]] or feats.title_alt[j[k]]]
    if alt:
        sel = np.asarray(alt, dtype=np.int64)
        ai_, aj_ = [feats.title_alt[i[k]] or ti[k] for k in alt], [feats.title_alt[j[k]] or tj[k] for k in alt]
        title[sel] = np.maximum.reduce([title[sel], _ratio(ai_, [tj[k] for k in alt]),
                                        _ratio([ti[k] for k in alt], aj_)])
    empty_title = np.array([not a or not b for a, b in zip(ti, tj, strict=True)], dtype=bool)
    title[empty_title] = 0.0

    ai, aj = _pick(feats.authors, i), _pick(feats.authors, j)
    authors = _ratio(ai, aj)
    # a truncated author list ("et al.") is not a disagreement: compare on the shorter list's length
    short = [min(len(a), len(b)) for a, b in zip(ai, aj, strict=True)]
    prefix = _ratio([a[:k] for a, k in zip(ai, short, strict=True)],
                    [b[:k] for b, k in zip(aj, short, strict=True)])
    authors = np.maximum(authors, prefix * 0.95)
    authors = np.maximum(authors, _author_sets(feats, i, j, title))
    no_auth = np.array([not a or not b for a, b in zip(ai, aj, strict=True)], dtype=bool)
    authors[no_auth] = -1.0
    fa = np.array(feats.first_author, dtype=object)
    first_author = _exact(fa, i, j)

    yi, yj = feats.year[i], feats.year[j]
    year_gap = np.where((yi < 0) | (yj < 0), -1, np.abs(yi - yj)).astype(np.int32)

    ji, jj = _pick(feats.journal, i), _pick(feats.journal, j)
    journal = np.full(len(i), MISSING, dtype=np.int8)
    for k, (a, b) in enumerate(zip(ji, jj, strict=True)):
        if a and b:
            journal[k] = AGREE if journals_compatible(a, b) else CONFLICT

    abstract = np.full(len(i), -1.0, dtype=np.float32)
    bi, bj = _pick(feats.abstract, i), _pick(feats.abstract, j)
    both = np.array([bool(a) and bool(b) for a, b in zip(bi, bj, strict=True)], dtype=bool)
    if both.any():
        sel = np.flatnonzero(both)
        abstract[sel] = _ratio([bi[k] for k in sel], [bj[k] for k in sel])

    sa, sb = feats.page_start[i], feats.page_start[j]
    supp_a = np.array([x[:1] == "s" and x[1:2].isdigit() for x in sa], dtype=bool)
    supp_b = np.array([x[:1] == "s" and x[1:2].isdigit() for x in sb], dtype=bool)
    # a supplement page (S500) against a regular page of the other copy (not against no pages at all)
    supplement = (supp_a & ~supp_b & (sb != "")) | (supp_b & ~supp_a & (sa != ""))
    start = _start_compare(feats, i, j)
    serial = feats.serial[i] | feats.serial[j]
    provisional = _provisional_pages(feats, i, j, start) & ~serial
    start[provisional] = MISSING
    doi = _doi_compare(feats, i, j)
    return PairScores(
        i=i, j=j, title=title, authors=authors, first_author=first_author, year_gap=year_gap,
        journal=journal, volume=_exact(feats.volume, i, j), issue=_exact(feats.issue, i, j),
        start=start, end=np.where(provisional, MISSING, _end_compare(feats, i, j)).astype(np.int8),
        doi=doi,
        abstract=abstract, kind_conflict=_kind_conflict(feats.kind, i, j),
        both_conference=(feats.kind[i] == "conference") & (feats.kind[j] == "conference"),
        pages_disjoint=_pages_disjoint(feats, i, j, start),
        # digits inside codes that differ ("(D2)" / "(D4)") tell two studies apart unless the citation places
        # both at one first page or DOI (then it is a typo: "p6INK4a" / "p16(INK4a)")
        title_numbers=np.where((_numbers_conflict(feats, i, j, feats.title_codes) == CONFLICT) & (start != AGREE)
                               & (doi != AGREE), CONFLICT, _numbers_conflict(feats, i, j)).astype(np.int8),
        title_prefix=(prefix_cut := _title_prefix(ti, tj)),
        long_prefix=prefix_cut & _title_prefix(ti, tj, LONG_PREFIX_WORDS),
        thesis=(feats.kind[i] == "thesis") | (feats.kind[j] == "thesis"),
        serial=serial, provisional_pages=provisional, supplement_mismatch=supplement,
        translated=feats.translated[i] | feats.translated[j],
        both_ranges=(feats.page_span[i] >= 1) & (feats.page_span[j] >= 1),
        title_words=np.minimum(feats.title_words[i], feats.title_words[j]),
        both_thesis=(feats.kind[i] == "thesis") & (feats.kind[j] == "thesis"),
        # both records a page or two long (or a meeting's abstract): abstracts, letters, not articles
        both_short=(((feats.page_span[i] >= 0) & (feats.page_span[i] <= 1)) | (feats.kind[i] == "conference"))
        & (((feats.page_span[j] >= 0) & (feats.page_span[j] <= 1)) | (feats.kind[j] == "conference")),
        has_alt_title=np.array([bool(feats.title_alt[a] or feats.title_alt[b]) for a, b in zip(i, j, strict=True)],
                               dtype=bool),
    )
