"""Agreement statistics checked against hand-computed examples (the arithmetic is written out)."""

from __future__ import annotations

import pytest
from test_decisions import add_records

from screening.agreement import BINARY, agreement, cohen_kappa, contingency, gwet_ac1, pair_agreement
from screening.decisions import decide, undo

TA = "title_abstract"

# Ten records, reviewer A (rows) against reviewer B (columns):
#              B include  B exclude  B maybe
#  A include       3          1         1
#  A exclude       0          4         0
#  A maybe         0          0         1
THREE = [("include", "include")] * 3 + [("include", "exclude"), ("include", "maybe")] + \
        [("exclude", "exclude")] * 4 + [("maybe", "maybe")]


def test_three_category_kappa_and_ac1_by_hand():
    res = pair_agreement(THREE)
    assert res.n == 10 and res.agree == 8 and res.percent == 80.0
    assert res.counts["include"] == {"include": 3, "exclude": 1, "maybe": 1}
    # p_o = 8/10 = .8; A: include .5, exclude .4, maybe .1; B: include .3, exclude .5, maybe .2
    # kappa: p_e = .5*.3 + .4*.5 + .1*.2 = .37 -> (.8 - .37) / (1 - .37) = .43 / .63
    assert res.kappa == pytest.approx(0.43 / 0.63)
    # AC1 (Q = 3): pi = (.4, .45, .15); sum pi(1-pi) = .24 + .2475 + .1275 = .615; p_e = .615 / 2 = .3075
    # -> (.8 - .3075) / (1 - .3075) = .4925 / .6925
    assert res.ac1 == pytest.approx(0.4925 / 0.6925)
    # maybe counted as include: include/include 5, include/exclude 1, exclude/exclude 4; p_o = .9
    # A include .6, B include .5: p_e = .6*.5 + .4*.5 = .5 -> kappa = .4 / .5 = .8
    # AC1: pi = (.55, .45), p_e = 2 * .55 * .45 = .495 -> (.9 - .495) / (1 - .495) = .405 / .505
    ie = res.include_exclude
    assert ie.percent == 90.0 and ie.kappa == pytest.approx(0.8) and ie.ac1 == pytest.approx(0.405 / 0.505)


# Extreme prevalence, 100 records: 94 both exclude, 1 both include, 3 A include / B exclude,
# 2 A exclude / B include.
PREVALENCE = [("exclude", "exclude")] * 94 + [("include", "include")] + [("include", "exclude")] * 3 + \
             [("exclude", "include")] * 2


def test_extreme_prevalence_low_kappa_high_ac1_by_hand():
    table = contingency(PREVALENCE, BINARY)
    # p_o = 95/100 = .95; A include .04, B include .03
    # kappa: p_e = .04*.03 + .96*.97 = .0012 + .9312 = .9324 -> (.95 - .9324) / (1 - .9324) = .0176 / .0676
    kappa = cohen_kappa(table, BINARY)
    assert kappa == pytest.approx(0.0176 / 0.0676)  # about 0.26: "fair" agreement
    # AC1 (Q = 2): pi include = .035, exclude = .965; p_e = 2 * .035 * .965 = .06755
    # -> (.95 - .06755) / (1 - .06755) = .88245 / .93245
    ac1 = gwet_ac1(table, BINARY)
    assert ac1 == pytest.approx(0.88245 / 0.93245)  # about 0.946
    assert kappa < 0.3 < 0.9 < ac1


def test_degenerate_tables():
    everything_included = contingency([("include", "include")] * 5)
    assert cohen_kappa(everything_included) is None  # p_e = 1: kappa undefined
    # AC1: pi include = 1, p_e = 0 -> (1 - 0) / 1
    assert gwet_ac1(everything_included) == pytest.approx(1.0)
    assert cohen_kappa(contingency([])) is None and gwet_ac1(contingency([])) is None
    assert pair_agreement([]).percent is None


def test_agreement_from_the_review_uses_current_verdicts_per_pair(review):
    ids = add_records(review, 100)
    for (a, b), rid in zip(PREVALENCE, ids, strict=True):
        decide(review, rid, "ann", TA, a, reason="no alliance measure" if a == "exclude" else "")
        decide(review, rid, "bob", TA, b)
    # ann first said maybe on record 0 and withdrew it; only her current verdict counts
    decide(review, ids[0], "ann", TA, "maybe")
    undo(review, "ann", TA, ids[0])
    # a third reviewer screened three records (include, include, exclude) against ann's exclude x3
    for rid, v in zip(ids[:3], ("include", "include", "exclude"), strict=True):
        decide(review, rid, "cat", TA, v)
    pairs = {p.reviewers: p for p in agreement(review, TA)}
    assert set(pairs) == {("ann", "bob"), ("ann", "cat"), ("bob", "cat")}
    ab = pairs[("ann", "bob")]
    assert ab.n == 100 and ab.percent == 95.0
    assert ab.counts["include"] == {"include": 1, "exclude": 3, "maybe": 0}
    assert ab.include_exclude.kappa == pytest.approx(0.0176 / 0.0676)
    assert ab.include_exclude.ac1 == pytest.approx(0.88245 / 0.93245)
    # three categories, maybe never used: p_e(AC1) = (.035*.965 + .965*.035 + 0) / 2 = .03377
    assert ab.ac1 == pytest.approx((0.95 - 0.0337750) / (1 - 0.0337750))
    assert ab.kappa == pytest.approx(0.0176 / 0.0676)  # an unused category adds nothing to kappa
    ac = pairs[("ann", "cat")]
    # ann: exclude x3; cat: include, include, exclude -> agree 1/3
    assert ac.n == 3 and ac.agree == 1 and ac.counts["exclude"]["include"] == 2
    assert agreement(review, "full_text") == []
