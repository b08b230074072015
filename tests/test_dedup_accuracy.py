"""Accuracy of the duplicate-detection engine on the labelled corpus sets (marker ``corpus``).

Pairwise metrics (see ``screening.dedup.evaluate``): every unordered pair of records inside one gold group
is a gold pair; every pair inside one predicted automatic group is a predicted pair.
auto precision = |predicted ∩ gold| / |predicted|; auto recall = |predicted ∩ gold| / |gold|;
auto+queued recall = share of gold pairs that end up in one group when a reviewer accepts exactly the
queued candidates that are gold pairs (groups = connected components of automatic groups plus accepted
pairs). The bar is on the four Rathbone sets pooled (counts summed over sets, not averaged).

The rules were tuned on stroke, respiratory, cytology_screening and the bib-dedupe special cases only;
haematology is a check-only set.
"""

from __future__ import annotations

import json

import pytest
from conftest import corpus_or_skip

from screening.dedup import AUTO, deduplicate
from screening.dedup.evaluate import (
    RATHBONE_SETS,
    bibtex_row_to_record,
    load_bibtex_csv,
    load_rathbone,
    pairwise_metrics,
)

pytestmark = pytest.mark.corpus


@pytest.fixture(scope="module")
def rathbone_metrics() -> dict[str, dict[str, float]]:
    corpus = corpus_or_skip()
    out = {}
    for name in RATHBONE_SETS:
        records, gold = load_rathbone(corpus, name)
        out[name] = pairwise_metrics(deduplicate(records), gold)
    return out


def test_rathbone_pooled_bar(rathbone_metrics):
    gold = sum(m["gold_pairs"] for m in rathbone_metrics.values())
    pred = sum(m["auto_pairs"] for m in rathbone_metrics.values())
    tp = pred - sum(m["false_pairs"] for m in rathbone_metrics.values())
    covered = sum(m["queued_recall"] * m["gold_pairs"] for m in rathbone_metrics.values())
    assert gold > 2000
    assert tp / pred >= 0.999, rathbone_metrics
    assert tp / gold >= 0.97, rathbone_metrics
    assert covered / gold >= 0.99, rathbone_metrics


def test_rathbone_each_set_is_precise(rathbone_metrics):
    for name, m in rathbone_metrics.items():
        assert m["auto_precision"] >= 0.995, (name, m)


def test_bibdedupe_special_cases():
    corpus = corpus_or_skip() / "labeled_duplicates"
    records, gold = load_bibtex_csv(corpus / "bibdedupe_special_cases__records_pre_merged.csv",
                                    corpus / "bibdedupe_special_cases__merged_record_ids.csv")
    m = pairwise_metrics(deduplicate(records), gold)
    assert m["false_pairs"] == 0
    assert m["queued_recall"] == 1.0


def test_bibdedupe_labelled_pairs():
    """Pairs labelled not-duplicate are never merged automatically; duplicates are merged or queued."""
    cases = json.loads((corpus_or_skip() / "labeled_duplicates" / "bibdedupe__test_cases.json").read_text())
    wrong = []
    for case in cases["cases"]:
        a, b = bibtex_row_to_record(case["record_a"]), bibtex_row_to_record(case["record_b"])
        b["id"] = f"{b['id']}_b"
        outcome = deduplicate([a, b]).outcome(a["id"], b["id"])
        if case["expected_duplicate"] != (outcome == AUTO) and (case["expected_duplicate"] is False
                                                                or outcome != "queued"):
            wrong.append((case["id"], outcome))
    assert wrong == []
