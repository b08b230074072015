"""Inter-rater agreement per stage and per reviewer pair: counts, percent agreement, Cohen's kappa, Gwet's AC1.

Each pair is compared over the records both have screened at the stage, using each reviewer's current
(latest, not undone) verdict; duplicate members count once, as their kept record. Resolutions are not
reviewer verdicts and are left out.

The headline statistics use the **three categories include / exclude / maybe** (a maybe is its own category,
so include vs maybe is a disagreement); Gwet's AC1 then takes Q = 3 categories. ``include_exclude`` gives
the same statistics with maybe counted as include (Q = 2): the question "does it go on to the next stage?".

    p_o   = sum of the diagonal / n
    kappa = (p_o - p_e) / (1 - p_e),  p_e = sum_k pA_k * pB_k                 (Cohen 1960)
    AC1   = (p_o - p_e) / (1 - p_e),  p_e = 1/(Q-1) * sum_k pi_k (1 - pi_k),
          pi_k = (pA_k + pB_k) / 2                                           (Gwet 2008)

Kappa is ``None`` when p_e = 1 (both reviewers used one and the same category throughout); with few records
or an extreme prevalence (almost everything excluded) kappa can be low although agreement is high, which AC1
is designed to withstand.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import combinations
from typing import Any

from db.engine import ReviewDB
from db.errors import InputError
from db.models import VERDICTS
from screening.decisions import blind_keep, group_map, replay, stage_rows
from screening.protocol import STAGES

CATEGORIES = VERDICTS
"""include, exclude, maybe: the categories of the headline statistics."""
BINARY = ("include", "exclude")


def contingency(pairs: Sequence[tuple[str, str]], categories: Sequence[str] = CATEGORIES) -> dict[str, dict[str, int]]:
    """Counts table ``table[a][b]``: how many records reviewer A put in ``a`` and reviewer B in ``b``."""
    table = {a: {b: 0 for b in categories} for a in categories}
    for a, b in pairs:
        table[a][b] += 1
    return table


def _marginals(table: Mapping[str, Mapping[str, int]], categories: Sequence[str]) -> tuple[int, float, list[float],
                                                                                             list[float]]:
    n = sum(table[a][b] for a in categories for b in categories)
    po = sum(table[k][k] for k in categories) / n
    pa = [sum(table[k][b] for b in categories) / n for k in categories]
    pb = [sum(table[a][k] for a in categories) / n for k in categories]
    return n, po, pa, pb


def cohen_kappa(table: Mapping[str, Mapping[str, int]], categories: Sequence[str] = CATEGORIES) -> float | None:
    """Cohen's kappa of a counts table (``None`` for an empty table or when chance agreement is 1)."""
    if not sum(table[a][b] for a in categories for b in categories):
        return None
    _, po, pa, pb = _marginals(table, categories)
    pe = sum(x * y for x, y in zip(pa, pb, strict=True))
    return None if pe >= 1 - 1e-12 else (po - pe) / (1 - pe)


def gwet_ac1(table: Mapping[str, Mapping[str, int]], categories: Sequence[str] = CATEGORIES) -> float | None:
    """Gwet's AC1 of a counts table over Q = len(categories) categories (``None`` for an empty table)."""
    if not sum(table[a][b] for a in categories for b in categories):
        return None
    _, po, pa, pb = _marginals(table, categories)
    pi = [(x + y) / 2 for x, y in zip(pa, pb, strict=True)]
    pe = sum(p * (1 - p) for p in pi) / (len(categories) - 1)
    return (po - pe) / (1 - pe)


@dataclass(frozen=True)
class Agreement:
    """Agreement over verdict pairs in one set of categories: the counts table, how many agree, and the
    statistics (``percent`` in %, rounded to 2 places; each None when undefined, see the module docstring)."""

    counts: dict[str, dict[str, int]]
    agree: int
    percent: float | None
    kappa: float | None
    ac1: float | None

    def to_json(self) -> dict[str, Any]:
        return {"counts": self.counts, "agree": self.agree, "percent": self.percent, "kappa": self.kappa,
                "ac1": self.ac1}


@dataclass(frozen=True)
class PairAgreement(Agreement):
    """One reviewer pair: ``n`` records in common, the three-category statistics (the inherited fields) and
    ``include_exclude`` (maybe counted as include). ``stage`` and ``reviewers`` (A, B) are set by `agreement`."""

    n: int
    include_exclude: Agreement
    stage: str = ""
    reviewers: tuple[str, str] | None = None

    def to_json(self) -> dict[str, Any]:
        head: dict[str, Any] = {"stage": self.stage, "reviewers": list(self.reviewers)} if self.reviewers else {}
        return {**head, "n": self.n, **super().to_json(), "include_exclude": self.include_exclude.to_json()}


def _stats(pairs: Sequence[tuple[str, str]], categories: Sequence[str]) -> Agreement:
    table = contingency(pairs, categories)
    n = len(pairs)
    agree = sum(table[k][k] for k in categories)
    return Agreement(table, agree, round(100 * agree / n, 2) if n else None, cohen_kappa(table, categories),
                     gwet_ac1(table, categories))


def pair_agreement(pairs: list[tuple[str, str]]) -> PairAgreement:
    """Statistics for one reviewer pair's verdict pairs (three categories, and include vs exclude)."""
    binary = [("include" if a == "maybe" else a, "include" if b == "maybe" else b) for a, b in pairs]
    three = _stats(pairs, CATEGORIES)
    return PairAgreement(three.counts, three.agree, three.percent, three.kappa, three.ac1, len(pairs),
                         _stats(binary, BINARY))


def agreement(db: ReviewDB, stage: str = "title_abstract") -> list[PairAgreement]:
    """One entry per reviewer pair (names sorted; A is the first) that screened at least one record in common."""
    if stage not in STAGES:
        raise InputError(f"unknown stage {stage!r}; expected one of {', '.join(STAGES)}")
    with db.session() as session:
        states = replay(stage_rows(session, [stage], keep=blind_keep(db, session)), group_map(session))
    by_pair: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for (_, _), st in sorted(states.items()):
        current = {r: row.verdict for r, row in st.verdicts.items()}
        for a, b in combinations(sorted(current), 2):
            by_pair.setdefault((a, b), []).append((current[a], current[b]))
    return [replace(pair_agreement(p), stage=stage, reviewers=(a, b)) for (a, b), p in sorted(by_pair.items())]
