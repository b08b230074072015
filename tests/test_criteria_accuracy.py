"""Per-criterion accuracy on the hand-labelled abstracts (tests/data/abstracts): >= 95% on the tuning and
on the held-out half, "unclear" counted wrong where the label decides, and no record meeting every
criterion suggested for exclusion, also on the fresh check set (tests/criteria_accuracy.py computes;
docs/criteria-accuracy.md reports, with the fresh set's accuracy, which is measured, not asserted)."""

from __future__ import annotations

import pytest

from tests.criteria_accuracy import HALVES, ROWS, SETS, abstracts, evaluate

TARGET = 0.95
SHORT_OF_TARGET: dict[tuple[str, str], str] = {}
"""(half, row) known to miss the target, with the measured reason (reported in docs/criteria-accuracy.md)."""


@pytest.fixture(scope="module")
def results():
    return {h: evaluate(h) for h in SETS}


def test_the_sets_are_large_and_cover_four_languages():
    for h in HALVES:
        rows = abstracts(h)
        assert len(rows) >= 100
        assert {"eng", "ger", "fre", "ita"} <= {a["language"] for a in rows}
    ids = [a["id"] for h in HALVES for a in abstracts(h)]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("half", HALVES)
@pytest.mark.parametrize("row", ROWS)
def test_accuracy_per_criterion(results, half, row):
    if (half, row) in SHORT_OF_TARGET:
        pytest.xfail(SHORT_OF_TARGET[(half, row)])
    r = results[half]
    assert r.accuracy(row) >= TARGET, (row, r.wrong.get(row))


@pytest.mark.parametrize("half", SETS)
def test_no_record_meeting_every_criterion_is_suggested_for_exclusion(results, half):
    r = results[half]
    assert r.meeting_all["alliance"] >= 4 and r.meeting_all["cbt_depression"] >= 5
    assert r.false_exclusions == []
