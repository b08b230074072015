"""From field comparisons to a decision: auto-merge, queue for a person, or distinct; plus score and reasons.

A duplicate needs a matching title *and* corroboration (authors, year, volume, pages, journal, DOI,
abstract). A conflicting DOI, volume or page range, a year gap over one, a thesis/conference/erratum
against another kind of record, or different numbers in the titles veto an automatic merge; such pairs can
still be queued. A missing field neither helps nor contradicts.

Evidence is weighed, not counted as vetoes alone: a shared DOI with a matching title and year outweighs
one discordant volume or page (a typo, an online-first record); DOIs one character apart only queue.
Titles of recurring columns ("Editorial", "Reply", "In this issue") identify nothing: such pairs merge only
on a shared DOI or the same volume, issue and page, and any conflict there rejects them automatically
(outcome ``rejected``, with the reason). Other plainly distinct pairs that would reach the queue are rejected
the same way (`distinct_classes`): companion papers, other parts, other authors, an abstract and its later
article, theses of other years, one work's abstracts at meetings of other years or in two journals, companion
abstracts on one page or on other pages of one volume.

Missing fields are weighed too: the same full page range within a year (in no other volume, journal or
issue) is a place one article holds, so a damaged copy without authors, volume or journal merges on a near
or cut-short title there (`decide`'s fingerprint); a copy without authors merges on a long nearly equal title
in the same journal or volume and year with nothing in conflict.
"""

from __future__ import annotations

import numpy as np

from screening.dedup.scoring import AGREE, CONFLICT, MISSING, NEAR, PairScores

AUTO, QUEUED, DISTINCT, REJECTED = "auto", "queued", "distinct", "rejected"
OUTCOME_NAMES = (DISTINCT, QUEUED, AUTO, REJECTED)  # index = outcome code


def evidence(p: PairScores) -> np.ndarray:
    """Corroboration points beyond the title (negative when fields disagree softly)."""
    e = np.zeros(len(p), dtype=np.int16)
    e += 3 * (p.doi == AGREE)
    e += 2 * (p.authors >= 0.9) + (p.authors >= 0.75) - 2 * ((p.authors >= 0) & (p.authors < 0.5))
    e += p.year_gap == 0
    e += p.volume == AGREE
    e += p.start == AGREE
    e -= 2 * ((p.start == CONFLICT) & ~p.pages_disjoint & ~doi_outweighs(p))
    e += p.journal == AGREE
    e -= p.journal == CONFLICT
    e += 2 * (p.abstract >= 0.9) - ((p.abstract >= 0) & (p.abstract < 0.5))
    return e


def doi_outweighs(p: PairScores) -> np.ndarray:
    """One discordant volume or page range is a typo or an online-first copy, not another article, when
    the rest agrees firmly: a shared DOI with a matching title and year (at most one apart), or, without
    DOIs, the same title, the same authors, year, journal and volume with only the pages discordant."""
    discord = (p.volume == CONFLICT).astype(np.int8) + (p.start == CONFLICT)
    plain = ~p.serial & ~p.kind_conflict & (p.title_numbers != CONFLICT)
    by_doi = (p.doi == AGREE) & (p.title >= 0.9) & (p.year_gap >= 0) & (p.year_gap <= 1) & (discord <= 1)
    by_citation = ((p.doi == 0) & (p.title >= 0.97) & (p.authors >= 0.9) & (p.year_gap == 0)
                   & (p.journal == AGREE) & (p.volume == AGREE) & (p.issue != CONFLICT) & (discord <= 1))
    return (by_doi | by_citation) & plain


def citation_conflicts(p: PairScores) -> np.ndarray:
    """How many citation fields disagree: year (two or more apart), DOI, journal, volume, issue, start page."""
    return ((p.year_gap >= 2).astype(np.int8) + (p.doi == CONFLICT) + (p.journal == CONFLICT)
            + (p.volume == CONFLICT) + (p.issue == CONFLICT) + (p.start == CONFLICT))


def serial_conflict(p: PairScores) -> np.ndarray:
    """Recurring-column titles whose place in the serial differs: another issue's column."""
    return p.serial & (
        (p.doi == CONFLICT) | (p.doi == NEAR) | (p.volume == CONFLICT) | (p.issue == CONFLICT)
        | (p.start == CONFLICT) | (p.year_gap >= 1)
    )


def supplement_other_year(p: PairScores) -> np.ndarray:
    """One copy on a supplement page (``S500``: a meeting abstract) and the other on a regular page of
    another year and not in the same volume: the abstract and the article that followed it, two records."""
    return p.supplement_mismatch & (p.year_gap >= 1) & (p.volume != AGREE)


def distinct_classes(p: PairScores) -> list[tuple[str, np.ndarray]]:
    """Pairs alike enough to be compared but plainly two publications, rejected without a person, each with
    the reason stored: another issue's recurring column; a companion paper (same journal volume, page ranges
    that do not overlap, another title); another part or phase (numbers in the titles differ and so do the
    pages); a look-alike title by other authors; a meeting abstract and the article of another year."""
    no_doi = p.doi != AGREE
    return [
        ("another issue's column", serial_conflict(p)),
        ("companion paper: same volume, other pages, another title",
         no_doi & p.pages_disjoint & (p.volume == AGREE) & (p.title < 0.9) & ~p.has_alt_title),
        ("another part: numbers in the titles and the pages differ",
         no_doi & (p.title_numbers == CONFLICT) & (p.start == CONFLICT)),
        ("other authors", no_doi & (p.authors >= 0) & (p.authors < 0.3) & (p.title < 0.95)),
        ("meeting abstract and article of another year", no_doi & supplement_other_year(p) & ~p.kind_conflict),
        ("theses of years two or more apart: two degrees", no_doi & p.both_thesis & (p.year_gap >= 2)),
        ("abstracts of one work at meetings of other years (volumes differ)",
         no_doi & p.both_short & (p.volume == CONFLICT) & (p.year_gap >= 1) & ~p.serial),
        ("companion abstracts on one page: other titles", no_doi & one_page_companions(p)),
        ("another journal and volume: two publications",
         no_doi & (p.year_gap >= 0) & (p.volume == CONFLICT) & (p.journal == CONFLICT) & ~p.serial & ~p.kind_conflict),
        ("a thesis and an article years apart, every place differing",
         no_doi & p.kind_conflict & p.thesis & (p.year_gap >= 2) & (citation_conflicts(p) >= 4)),
        ("companion abstracts: same volume, other pages",
         no_doi & p.both_short & (p.volume == AGREE) & (p.start == CONFLICT) & (p.title < 0.9) & ~p.translated),
    ]


def one_page_companions(p: PairScores) -> np.ndarray:
    """Two items a page or two long on the same page of one volume with titles that differ (and neither a
    translation nor the other cut short), or differ less but by other authors: abstracts printed side by
    side in a meeting supplement."""
    return (p.both_short & (p.start == AGREE) & (p.volume != CONFLICT) & ~p.title_prefix & ~p.translated
            & ((p.title < 0.7) | ((p.title < 0.9) & (p.authors >= 0) & (p.authors < 0.5))))


def vetoes(p: PairScores) -> np.ndarray:
    """Pairs that must not be merged automatically whatever their similarity."""
    place = ((p.volume == CONFLICT) | p.pages_disjoint) & ~doi_outweighs(p)
    # a recurring column merges only on its DOI or its exact place in the serial
    serial_unplaced = p.serial & ~(
        (p.doi == AGREE) | ((p.volume == AGREE) & (p.start == AGREE) & (p.issue != CONFLICT)))
    return (
        (p.doi == CONFLICT) | (p.doi == NEAR) | (p.year_gap > 1) | place | p.kind_conflict
        | (p.title_numbers == CONFLICT) | serial_unplaced | serial_conflict(p)
        | (supplement_other_year(p) & (p.doi != AGREE))
    )


def decide(p: PairScores) -> tuple[np.ndarray, np.ndarray]:
    """``(outcome codes, scores)``: code 2 = auto, 1 = queued, 0 = distinct; score in [0, 1]."""
    t = p.title
    e = evidence(p)
    doi_eq = p.doi == AGREE
    veto = vetoes(p)
    # journal names that are not abbreviations of each other (a journal-club commentary reusing the title,
    # a translated journal name) need the pages or the DOI to agree
    # (conference venues are named too freely for this)
    # ... unless the rest of the citation names one place: the same title, authors, year and volume with no
    # page conflict is one article under two names of its journal (transliterated, translated, renamed)
    alias_gap = ((t >= 0.97) & (p.authors >= 0.9) & (p.year_gap == 0) & (p.volume == AGREE)
                 & (p.start != CONFLICT) & ~p.kind_conflict)
    veto |= ((p.journal == CONFLICT) & (p.start != AGREE) & ~doi_eq & (p.abstract < 0.9) & ~p.both_conference
             & ~alias_gap)
    # same year, volume and start page: the citation itself corroborates a translated or annotated title
    # (a copy without a volume, an ahead-of-print or conference export, counts when the journal agrees)
    # (an online-first year against the print year, one apart, counts when volume and journal agree)
    citation = (p.start == AGREE) & (
        ((p.year_gap == 0) & ((p.volume == AGREE) | ((p.volume == MISSING) & (p.journal == AGREE))))
        | ((p.year_gap == 1) & (p.volume == AGREE) & (p.journal == AGREE)))
    # ... and the same journal and full page range: a place no other article occupies; a translated title
    # of a record without authors still needs to be recognisably the same
    full_citation = citation & (p.end == AGREE) & (p.journal == AGREE) & ~p.both_conference
    # a title in another language (or translated) with the same full citation and the same authors
    titled = t > 0
    translated = full_citation & (p.authors >= 0.9) & titled & ~p.serial
    authors_ok = (p.authors < 0) | (p.authors >= 0.75)
    no_authors = p.authors < 0
    # the same full page range (two pages or more) within a year, in no other volume or journal: a place in
    # the literature that one article holds, whatever else a damaged copy lacks (authors, volume, journal)
    fingerprint = ((p.start == AGREE) & (p.end == AGREE) & p.both_ranges & (p.year_gap >= 0) & (p.year_gap <= 1)
                   & (p.volume != CONFLICT) & (p.journal != CONFLICT) & (p.issue != CONFLICT)
                   & ((p.volume == AGREE) | (p.journal == AGREE) | (p.year_gap == 0)) & ~p.serial)
    # a copy without authors: nothing to corroborate with but the rest of the citation, so a long title
    # that is nearly equal, the same journal and year (or the same volume a year apart), and no conflict
    bare = (no_authors & (t >= 0.97) & (p.title_words >= 6) & ((p.journal == AGREE) | (p.volume == AGREE))
            & (citation_conflicts(p) == 0) & (p.issue != CONFLICT)
            & ((p.year_gap == 0) | ((p.year_gap == 1) & (p.volume == AGREE))) & ~p.serial)
    auto = ~veto & (
        ((t >= 0.95) & (e >= 3)) | ((t >= 0.9) & (e >= 5)) | (doi_eq & (t >= 0.8) & (e >= 4))
        | (citation & (t >= 0.95)) | (citation & (t >= 0.6) & (p.authors >= 0.9) & ~one_page_companions(p))
        | (full_citation & (t >= 0.7) & authors_ok)
        | (citation & p.title_prefix & (p.authors >= 0.9)) | translated
        | (fingerprint & ((t >= 0.9) | p.title_prefix)) | bare
        # a translation (bracketed, marked or given beside the original) at the same full citation
        | (full_citation & p.both_ranges & p.translated & (t >= 0.5) & authors_ok)
        # a truncated title without authors at the same year, volume and first page (not one page of abstracts)
        | (citation & p.title_prefix & no_authors & ~p.both_short)
        # a dropped subtitle in a copy without pages: the same authors, year, journal and volume, no other issue
        | (p.title_prefix & (p.authors >= 0.9) & (p.year_gap == 0) & (p.volume == AGREE) & (p.issue != CONFLICT)
           & (p.journal == AGREE) & (p.start != CONFLICT))
        # ... or in a copy without volume and pages, when the main title is long enough to name the work alone
        | (p.long_prefix & (p.authors >= 0.9) & (p.year_gap == 0) & (p.volume != CONFLICT) & (p.issue != CONFLICT)
           & (p.journal == AGREE) & (p.start != CONFLICT))
        # ... and without authors, in the same volume of the same journal
        | (p.long_prefix & no_authors & (p.year_gap == 0) & (p.volume == AGREE) & (p.issue != CONFLICT)
           & (p.journal == AGREE) & (p.start != CONFLICT))
    )
    # a dissertation and its listing a year apart (Dissertation Abstracts vs the thesis) are for a person
    auto &= ~(p.thesis & (p.year_gap != 0) & ~doi_eq)
    queued = ~auto & ((t >= 0.8) | (doi_eq & (t >= 0.5)) | ((t >= 0.6) & (e >= 4)) | (p.title_prefix & (e >= 3))
                      | (citation & (p.authors >= 0.9) & titled))
    # three or more discordant citation fields and another (or no) year: another publication of the same
    # work (a meeting abstract and its article, a reprint), not a copy; no person needs to see it (an
    # erratum or a thesis against its article still goes to a person, who may want to link them)
    # The same holds in the same year when the journal is another one too (a report published twice is one
    # study in several records: `extraction.samples` links those, deduplication leaves them apart).
    queued &= ~((citation_conflicts(p) >= 3) & ((p.year_gap != 0) | (p.journal == CONFLICT)) & ~doi_eq
                & ~p.kind_conflict)
    rejected = serial_conflict(p) & (t >= 0.8)
    for _, mask in distinct_classes(p)[1:]:
        rejected |= queued & mask
    queued &= ~rejected
    code = np.where(auto, 2, np.where(queued, 1, np.where(rejected, 3, 0))).astype(np.int8)
    score = 0.6 * t + 0.4 * np.clip((e + 2) / 10.0, 0.0, 1.0)
    score = np.where(veto, np.minimum(score, 0.79), score)
    score = np.where(auto, np.maximum(score, 0.9), np.minimum(score, 0.89))
    return code, np.clip(score, 0.0, 1.0).astype(np.float32)


def reasons(p: PairScores, k: int) -> list[str]:
    """Short human-readable reasons for pair ``k`` (``"title 0.97"``, ``"doi equal"``, ``"year ±1"``...)."""
    out = [f"title {p.title[k]:.2f}"]
    if p.authors[k] >= 0:
        out.append(f"authors {p.authors[k]:.2f}")
    gap = int(p.year_gap[k])
    if gap == 0:
        out.append("year equal")
    elif gap == 1:
        out.append("year ±1")
    elif gap > 1:
        out.append(f"year gap {gap}")
    for name, col in (("doi", p.doi), ("volume", p.volume), ("issue", p.issue), ("pages", p.start),
                      ("journal", p.journal)):
        if col[k] == AGREE:
            out.append(f"{name} equal" if name != "journal" else "journal compatible")
        elif col[k] == CONFLICT:
            out.append(f"{name} conflict")
        elif col[k] == NEAR:
            out.append(f"{name} one character apart")
    if p.provisional_pages[k]:
        out.append("online-first and final pagination")
    if p.serial[k]:
        out.append("recurring column title")
        where = [n for n, bad in (("doi", p.doi[k] in (CONFLICT, NEAR)), ("volume", p.volume[k] == CONFLICT),
                                  ("issue", p.issue[k] == CONFLICT), ("pages", p.start[k] == CONFLICT),
                                  ("year", p.year_gap[k] >= 1)) if bad]
        if where:
            out.append("automatic rejection: another issue's column (" + ", ".join(where) + " differ)")
    if p.supplement_mismatch[k]:
        out.append("supplement page on one side only")
    if p.abstract[k] >= 0:
        out.append(f"abstract {p.abstract[k]:.2f}")
    if p.kind_conflict[k]:
        out.append("publication type conflict")
    if p.title_numbers[k] == CONFLICT:
        out.append("numbers in title differ")
    if p.title_prefix[k]:
        out.append("one title is the other cut short")
    return out
