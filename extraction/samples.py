"""Reports that share one sample: suggest links with evidence, let a person confirm, reject or undo them.

Evidence, strongest first: a trial registration number in both records; a named study or a study acronym
shared by both; a dissertation followed by an article of the same first author on the same topic; strong
author overlap (two shared surname+initial or the same first author) together with a similar title or the
same sample size. The same n alone never links two reports, and the same authors with different sample
sizes give at most a weak suggestion. Nothing is linked automatically: suggestions wait for a person.

Links are `SampleLink` rows in the review's pair log (`db.pair_log.SAMPLE_LINKS`: append-only; an ``undone``
row withdraws the decision in force, so undoing a confirmation puts the suggestion back). Duplicate groups (see
``screening.duplicates``) are one report: suggestions are made between groups, never inside one.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from rapidfuzz import fuzz
from sqlmodel import col, select

from db import pair_log
from db.engine import ReviewDB
from db.models import ImportBatch, Record, SampleLink
from db.pair_log import SAMPLE_LINKS, UNDONE, PairDecision, components, merged_pairs, pair_key, sample_pairs
from screening.dedup.normalize import publication_kind
from screening.outcomes import outcomes
from screening.protocol import STAGES

STRONG, MODERATE, WEAK = "strong", "moderate", "weak"
ReadN = Callable[[str, str], int | None]
"""``read_n(title, abstract) -> n or None``: the sample size a record reports."""

_REGISTRATIONS = re.compile(
    r"\b(NCT\s?\d{8}|ISRCTN\s?\d{8}|ACTRN\s?\d{14}|DRKS\s?\d{8}|ChiCTR[-\w]{0,5}\d{6,10}|UMIN\s?\d{9}|"
    r"NTR\s?\d{3,5}|PACTR\s?\d{15}|IRCT\s?\d{8,}N\d+|KCT\s?\d{7}|CTRI/\d{4}/\d{2,3}/\d{6}|"
    r"EudraCT\s*(?:No\.?|number)?\s*:?\s*\d{4}-\d{6}-\d{2})\b", re.IGNORECASE)
_EUDRACT = re.compile(r"\d{4}-\d{6}-\d{2}")
NAMED_STUDIES: dict[str, tuple[str, ...]] = {
    "TDCRP": ("Treatment of Depression Collaborative Research Program", "TDCRP", "NIMH TDCRP"),
    "Project MATCH": ("Project MATCH", "Matching Alcoholism Treatments to Client Heterogeneity"),
    "NIDA CCTS": ("NIDA Collaborative Cocaine Treatment Study", "Collaborative Cocaine Treatment Study"),
    "STAR*D": ("STAR*D", "Sequenced Treatment Alternatives to Relieve Depression"),
    "COMBINE": ("COMBINE Study", "COMBINE trial"),
    "UKATT": ("UKATT", "United Kingdom Alcohol Treatment Trial", "UK Alcohol Treatment Trial"),
    "CYT": ("Cannabis Youth Treatment",),
    "Sheffield Psychotherapy Project": ("Sheffield Psychotherapy Project", "Second Sheffield Psychotherapy Project"),
    "Vanderbilt Psychotherapy Project": ("Vanderbilt Psychotherapy Project", "Vanderbilt II"),
    "Penn Psychotherapy Project": ("Penn Psychotherapy Project",),
    "Menninger Psychotherapy Research Project": ("Menninger Psychotherapy Research Project",),
}
_NAMED = [(key, re.compile(r"(?<!\w)" + r"\s+".join(re.escape(w) for w in alias.split()) + r"(?!\w)",
                           0 if alias.isupper() or "*" in alias else re.IGNORECASE))
          for key, aliases in NAMED_STUDIES.items() for alias in aliases]
_ACRONYM = re.compile(r"\(([A-Z][A-Za-z0-9*\-]{1,10}[A-Z0-9*])\)")
_STUDY_WORD = re.compile(r"\b(?:study|trial|project|program|programme|cohort|consortium|initiative|"
                         r"network|collaborative|survey)\b", re.IGNORECASE)
_THESIS = re.compile(r"\b(?:thesis|dissertation|doctoral|phd|ph\.d|masters?)\b", re.IGNORECASE)
_N_EQ = re.compile(r"(?<![\w.])[Nn]\s*(?:=|:)\s*(\d{1,3}(?:,\d{3})+|\d+)")
_N_NOUN = re.compile(r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d{2,})\s+(?:[a-z\-]+\s+){0,3}?(?:patients|participants|"
                     r"clients|adults|outpatients|inpatients|veterans|individuals|subjects|adolescents|"
                     r"students|couples|families|women|men|dyads)\b", re.IGNORECASE)
_WORDS = re.compile(r"[^\W\d_]{3,}")
_STOPWORDS = frozenset("the and for with from into among their study trial of in on a an to its this that "
                       "doctoral dissertation thesis".split())
MAX_AUTHOR_BLOCK = 300


def read_n(title: str, abstract: str) -> int | None:
    """A simple sample-size reader: the largest ``N = x``, else the first ``x patients`` (None if absent)."""
    text = f"{title}\n{abstract}"
    eq = [int(m.group(1).replace(",", "")) for m in _N_EQ.finditer(text)]
    if eq:
        return max(eq)
    m = _N_NOUN.search(text)
    return int(m.group(1).replace(",", "")) if m else None


def registration_key(text: str) -> str:
    """A registration number in one spelling: ``'nct 01234567'`` -> ``'NCT01234567'``, EudraCT as digits."""
    eudract = _EUDRACT.search(text)
    if eudract:
        return f"EudraCT {eudract.group()}"
    return re.sub(r"[\s\-]", "", text.upper())


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).lower()


def author_key(name: str) -> str:
    """``'Okafor, Ngozi'`` / ``'Okafor N'`` / ``'Ngozi Okafor'`` -> ``'okafor n'``."""
    raw = _fold(name).replace(".", " ").strip()
    if "," in raw:
        surname, _, given = raw.partition(",")
    else:
        parts = raw.split()
        if not parts:
            return ""
        if len(parts) > 1 and len(parts[-1]) <= 3 and parts[-1].isalpha():
            surname, given = " ".join(parts[:-1]), parts[-1]
        else:
            surname, given = parts[-1], " ".join(parts[:-1])
    sur = re.sub(r"[^a-z]", "", surname)
    ini = re.sub(r"[^a-z]", "", given)[:1]
    return f"{sur} {ini}".strip() if sur else ""


@dataclass
class Report:
    """One report (a record or a duplicate group) with the features the evidence rules read."""

    id: int
    members: list[int]
    authors: list[str]
    year: int | None
    title: str
    is_thesis: bool
    n: int | None
    registrations: set[str] = field(default_factory=set)
    studies: set[str] = field(default_factory=set)
    acronyms: set[str] = field(default_factory=set)


def _text_of(rec: Record) -> str:
    parts = [rec.title, rec.abstract, " ".join(rec.keywords or []), json.dumps(rec.other_ids, ensure_ascii=False),
             json.dumps(rec.raw, ensure_ascii=False)]
    return "\n".join(p for p in parts if p)


_FUNCTION_WORDS = frozenset("of the and for in on a an to with at de der des la le".split())


def _expansion(acronym: str, words: list[str]) -> list[str]:
    """The words at the end of ``words`` whose initials spell ``acronym`` (function words allowed in
    between, one other word skipped at most); ``[]`` when they do not spell it."""
    letters = [c for c in acronym.upper() if c.isalpha()]
    k, skipped = len(words), 0
    while letters and k > 0:
        k -= 1
        w = words[k]
        if w.lower() in _FUNCTION_WORDS:
            continue
        if w[:1].upper() == letters[-1]:
            letters.pop()
        elif skipped or len(letters) == len([c for c in acronym if c.isalpha()]):
            return []
        else:
            skipped += 1
    return [] if letters else words[k:]


def _study_acronyms(text: str) -> set[str]:
    """Acronyms in parentheses that name a study: "... Research Program (TDCRP)", "the ARCS study (ARCS)",
    "(ARCS) trial"; a measure or treatment acronym ("trial of cognitive behavioural therapy (CBT)") is not."""
    out = set()
    for m in _ACRONYM.finditer(text):
        acro = m.group(1)
        if sum(c.isupper() for c in acro) < 3:
            continue
        clause = re.split(r"[.;:,()\n]", text[max(0, m.start() - 120):m.start()])[-1]
        words = clause.split()[-(len(acro) + 4):]
        spelled = _expansion(acro, words)
        named = bool(spelled) and bool(_STUDY_WORD.search(" ".join(spelled)))
        repeated = acro in words[-3:] and bool(_STUDY_WORD.search(" ".join(words[words.index(acro):])))
        if named or repeated or _STUDY_WORD.match(text[m.end():m.end() + 12].strip()):
            out.add(acro.upper())
    return out


def _reports(recs: list[tuple[Record, str]], dup_groups: list[list[int]], reader: ReadN) -> list[Report]:
    by_id = {r.id: (r, db) for r, db in recs if r.id is not None}
    group_of = {m: g for g in dup_groups for m in g}
    seen: set[int] = set()
    out = []
    for rid in sorted(by_id):
        if rid in seen:
            continue
        members = [m for m in group_of.get(rid, [rid]) if m in by_id]
        seen.update(members)
        rows = [by_id[m][0] for m in members]
        if all(_is_notice(r) for r in rows):  # an erratum or correction notice reports no sample
            continue
        main = max(rows, key=lambda r: (len(r.authors or []), len(r.abstract or "")))
        text = "\n".join(_text_of(r) for r in rows)
        regs = {registration_key(m.group(1)) for m in _REGISTRATIONS.finditer(text)}
        ns = [n for n in (reader(r.title or "", r.abstract or "") for r in rows) if n]
        out.append(Report(
            id=rid, members=members, authors=[k for k in (author_key(a) for a in main.authors or []) if k],
            year=next((r.year for r in rows if r.year), None), title=main.title or "",
            is_thesis=any(_THESIS.search(f"{r.pub_type} {r.journal}") or r.pub_type.upper().startswith("THES")
                          for r in rows),
            n=max(ns) if ns else None, registrations=regs,
            studies={key for key, rx in _NAMED if rx.search(text)}, acronyms=_study_acronyms(text)))
    return out


def _is_notice(rec: Record) -> bool:
    """An erratum, correction or expression-of-concern notice (by its title or its publication type)."""
    return publication_kind(rec.pub_type, rec.journal, rec.title) == "erratum"


def title_similarity(a: str, b: str) -> float:
    """Content-word similarity of two titles in [0, 1] (token-set ratio without function words)."""
    wa = " ".join(w for w in _WORDS.findall(_fold(a)) if w not in _STOPWORDS)
    wb = " ".join(w for w in _WORDS.findall(_fold(b)) if w not in _STOPWORDS)
    if not wa or not wb:
        return 0.0
    return fuzz.token_set_ratio(wa, wb) / 100.0


def evidence(a: Report, b: Report) -> tuple[str, list[dict[str, Any]]] | None:
    """(strength, evidence items) for two reports, or None when nothing beyond chance links them."""
    items: list[dict[str, Any]] = []
    strong = False
    for reg in sorted(a.registrations & b.registrations):
        items.append({"kind": "registration", "detail": f"both cite trial registration {reg}"})
        strong = True
    for name in sorted(a.studies & b.studies):
        items.append({"kind": "named_study", "detail": f"both name the {name} study"})
        strong = True
    for acro in sorted(a.acronyms & b.acronyms - {s.upper() for s in a.studies & b.studies}):
        items.append({"kind": "study_acronym", "detail": f"both name the study ({acro})"})
        strong = True
    shared = sorted(set(a.authors) & set(b.authors))
    same_first = bool(a.authors and b.authors and a.authors[0] == b.authors[0])
    sim = title_similarity(a.title, b.title)
    same_n = a.n is not None and a.n == b.n
    other_n = a.n is not None and b.n is not None and a.n != b.n
    authors_strong = len(shared) >= 2 or same_first
    if authors_strong:
        who = f"same first author ({a.authors[0]})" if same_first else f"shared authors: {', '.join(shared)}"
        items.append({"kind": "authors", "detail": who})
        if sim >= 0.7:
            items.append({"kind": "title", "detail": f"similar titles ({sim:.2f})"})
        if same_n:
            items.append({"kind": "sample_size", "detail": f"same sample size (n = {a.n})"})
        elif other_n:
            items.append({"kind": "sample_size_differs", "detail": f"different sample sizes ({a.n} vs {b.n})"})
        thesis, article = (a, b) if a.is_thesis else (b, a)
        if same_first and thesis.is_thesis != article.is_thesis and (sim >= 0.5 or same_n) and not other_n \
                and (thesis.year or 0) <= (article.year or 9999):
            items.append({"kind": "thesis_article", "detail": f"dissertation ({thesis.year or '?'}) followed by "
                          f"an article ({article.year or '?'}) of the same first author"})
            strong = True
    if strong:
        return STRONG, items
    if not authors_strong or not (sim >= 0.7 or same_n):
        return None
    if other_n:
        return WEAK, items
    return (STRONG if sim >= 0.7 and same_n else MODERATE), items


def _candidate_pairs(reports: list[Report]) -> set[tuple[int, int]]:
    """Pairs of report indexes sharing a registration, a study, an acronym or an author (blocking)."""
    blocks: dict[str, list[int]] = defaultdict(list)
    for k, r in enumerate(reports):
        for key in ({f"r:{x}" for x in r.registrations} | {f"s:{x}" for x in r.studies}
                    | {f"a:{x}" for x in r.acronyms} | {f"p:{x}" for x in r.authors}):
            blocks[key].append(k)
    pairs: set[tuple[int, int]] = set()
    for key, members in blocks.items():
        if key.startswith("p:") and len(members) > MAX_AUTHOR_BLOCK:
            continue
        pairs.update(combinations(members, 2))
    return pairs


def _new_links(session: Any, who: str, reader: ReadN) -> list[SampleLink]:
    """A ``suggested`` link (not stored) for every pair of reports with evidence and no link row yet."""
    recs = list(session.exec(select(Record, ImportBatch.source_db).join(
        ImportBatch, col(Record.batch_id) == col(ImportBatch.id))).all())
    reports = _reports(recs, components(merged_pairs(session)), reader)
    latest = SAMPLE_LINKS.current(session)
    out = []
    for i, j in sorted(_candidate_pairs(reports)):
        found = evidence(reports[i], reports[j])
        key = pair_key(reports[i].id, reports[j].id)
        if found is None or key in latest:
            continue
        latest[key] = row = SampleLink(record_a=key[0], record_b=key[1], decision="suggested", strength=found[0],
                                       evidence=found[1], who=who or "metasift")
        out.append(row)
    return out


def suggest_links(db: ReviewDB, *, who: str = "", reader: ReadN | None = None) -> list[PairDecision]:
    """Store a ``suggested`` link for every new pair of reports with evidence; return the open suggestions.

    A pair that already has a link row (suggested or decided by a person) gets no new row. Each returned
    `PairDecision` has ``strength`` and ``evidence`` in its ``details``.
    """
    with db.transaction() as session:
        session.add_all(_new_links(session, who, reader or read_n))
    return suggestions(db)


def unstored_suggestions(db: ReviewDB, *, reader: ReadN | None = None) -> list[PairDecision]:
    """The suggestions `suggest_links` would add now, computed without storing anything (read-only): what a
    listing shows before anyone ran ``suggest`` (``details["stored"]`` is False, ``id`` 0). Same filters and
    order as `suggestions`."""
    excluded = _excluded(db)
    with db.session() as session:
        rows = [r for r in _new_links(session, "metasift", reader or read_n)
                if r.record_a not in excluded and r.record_b not in excluded]
    rows.sort(key=lambda r: (_ORDER.get(r.strength, 3), r.record_a, r.record_b))
    return [PairDecision(id=0, a=r.record_a, b=r.record_b, decision=r.decision, who=r.who, when=r.decided_at,
                         automatic=True, details={"strength": r.strength, "evidence": list(r.evidence),
                                                  "stored": False}) for r in rows]


def _rows(db: ReviewDB) -> dict[tuple[int, int], SampleLink | None]:
    with db.session() as session:
        return SAMPLE_LINKS.current(session)


_ORDER = {STRONG: 0, MODERATE: 1, WEAK: 2}


def links(db: ReviewDB, decisions: tuple[str, ...] = ("confirmed", "rejected")) -> list[PairDecision]:
    """Pairs whose link decision in force is one of ``decisions`` (default: what people decided), so any
    earlier decision can be reviewed or undone."""
    rows = [r for r in _rows(db).values() if r is not None and r.decision in decisions]
    rows.sort(key=lambda r: (r.record_a, r.record_b))
    return [SAMPLE_LINKS.entry(r) for r in rows]


def suggestions(db: ReviewDB) -> list[PairDecision]:
    """Open suggestions (decision in force ``suggested``), strongest first; a pair with a record excluded at
    title/abstract or full text is left out (it returns if the exclusion is undone)."""
    excluded = _excluded(db)
    rows = [r for r in _rows(db).values() if r is not None and r.decision == "suggested"
            and r.record_a not in excluded and r.record_b not in excluded]
    rows.sort(key=lambda r: (_ORDER.get(r.strength, 3), r.record_a, r.record_b))
    return [SAMPLE_LINKS.entry(r) for r in rows]


def _excluded(db: ReviewDB) -> set[int]:
    """Records whose outcome at some screening stage is ``excluded`` (duplicates share their group's)."""
    return {rid for stage in STAGES for rid, o in outcomes(db, stage).items() if o.state == "excluded"}


def _carry(decision: str, who: str) -> Callable[[SampleLink | None], dict[str, Any]]:
    """A person's row keeps the pair's strength and evidence (a link without a suggestion says who made it);
    an undo names what it withdraws."""
    def carry(prior: SampleLink | None) -> dict[str, Any]:
        if prior is None:
            return {"strength": "", "evidence": [{"kind": "manual", "detail": f"linked by {who}"}]}
        items = list(prior.evidence)
        if decision == UNDONE:
            items.append({"kind": "undo", "detail": f"undoes {prior.decision} #{prior.id}"})
        return {"strength": prior.strength, "evidence": items}

    return carry


def confirm_link(db: ReviewDB, a: int, b: int, who: str) -> PairDecision:
    """A person confirms that records ``a`` and ``b`` report one sample."""
    return SAMPLE_LINKS.append(db, a, b, who, "confirmed", _carry("confirmed", who))


def reject_link(db: ReviewDB, a: int, b: int, who: str) -> PairDecision:
    """A person rejects the link: ``a`` and ``b`` report different samples."""
    return SAMPLE_LINKS.append(db, a, b, who, "rejected", _carry("rejected", who))


def undo_link(db: ReviewDB, a: int, b: int, who: str) -> PairDecision:
    """Withdraw the link decision in force (a compensating ``undone`` row); the one before applies again."""
    return SAMPLE_LINKS.append(db, a, b, who, UNDONE, _carry(UNDONE, who))


def link_history(db: ReviewDB, a: int, b: int) -> list[PairDecision]:
    """Every link row of the pair, oldest first."""
    return SAMPLE_LINKS.history(db, a, b)


def samples(db: ReviewDB) -> list[list[int]]:
    """Every independent sample as a sorted list of record ids: connected components of confirmed links
    and duplicate merges; every other record is a sample of its own."""
    with db.session() as session:
        ids = [i for i in session.exec(select(Record.id).order_by(col(Record.id))) if i is not None]
        joined = components(sample_pairs(session))
    inside = {m for g in joined for m in g}
    out = joined + [[i] for i in ids if i not in inside]
    return sorted(out)


def independent_samples(db: ReviewDB) -> int:
    """The number of independent samples in the review."""
    with db.session() as session:
        return pair_log.independent_samples(session, len(list(session.exec(select(Record.id)))))
