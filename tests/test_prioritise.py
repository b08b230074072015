"""Prioritised screening: the ranker, the simulation metrics, the stopping guide and the CLI."""

from __future__ import annotations

import csv
import json
import math

import numpy as np
import pytest
from conftest import corpus_or_skip

from cli.app import main
from db.errors import InputError
from screening.prioritise import (
    MIN_DF,
    Ranker,
    consecutive_irrelevant,
    estimate_remaining,
    rank,
    stopping_advice,
)
from screening.simulation import metrics, pick_priors, read_labelled, simulate

LABELLED = "labeled_screening"
COHEN = "srd__Cohen_2006_Antihistamines.csv"
KITCHENHAM = "srd__Kitchenham_2010.csv"

# A hand-made review: 3 relevant records share their vocabulary, 7 irrelevant ones share another.
TINY_TEXTS = [
    "cats purr and groom their whiskers at home",
    "stock market prices fell on bank news",
    "bond market yields rose after bank report",
    "cats groom whiskers and purr when calm",
    "central bank sets interest rates for market",
    "market traders sold bank shares today",
    "interest rates and bond prices in the market",
    "whiskers of cats sense and purr groom",
    "bank profits and market shares rose",
    "bond traders watch interest rates daily",
]
TINY_LABELS = [1, 0, 0, 1, 0, 0, 0, 1, 0, 0]


def test_metrics_on_a_known_screening_order():
    # N' = 10 screened after the priors, R' = 4 relevant; the 4th (= ceil(0.95 * 4)) is found 8th.
    m = metrics([1, 0, 1, 1, 0, 0, 0, 1, 0, 0], n_records=10, n_relevant=4)
    assert m.screened_to_95 == 8
    assert m.wss95 == pytest.approx((10 - 8) / 10 - 0.05)
    assert m.rrf10 == pytest.approx(1 / 4)  # ceil(10% of 10) = 1 record screened, 1 of 4 found
    # records never screened count as screened after the last relevant one
    assert metrics([0, 1], n_records=100, n_relevant=1).to_json() == {
        "n_records": 100, "n_relevant": 1, "wss95": pytest.approx(1 - 2 / 100 - 0.05), "rrf10": 1.0,
        "screened_to_95": 2}
    assert metrics([0, 0, 1], n_records=20, n_relevant=1).rrf10 == 0.0  # 2 screened at 10%, none found


def test_simulate_on_a_tiny_review_finds_the_relevant_first():
    res = simulate(TINY_TEXTS, TINY_LABELS, seed=3)
    assert TINY_LABELS[res.priors[0]] == 1 and TINY_LABELS[res.priors[1]] == 0
    # the two relevant records left are screened first, then the simulation stops
    assert res.found_labels == [1, 1]
    assert res.metrics.screened_to_95 == 2
    assert res.metrics.wss95 == pytest.approx(1 - 2 / 8 - 0.05)  # N' = 10 - 2 priors
    assert res.metrics.rrf10 == pytest.approx(0.5)  # ceil(0.8) = 1 screened: 1 of R' = 2
    assert res.curve() == [(0, 0), (1, 1), (2, 2)]


def test_priors_are_seeded_and_of_each_class():
    assert pick_priors(TINY_LABELS, 7) == pick_priors(TINY_LABELS, 7)
    with pytest.raises(InputError, match="at least 1 relevant"):
        pick_priors([0, 0, 0], 1)


def test_ranker_reuses_its_matrix_and_handles_one_class_and_bad_indices():
    ranker = Ranker(TINY_TEXTS, seed=0)
    matrix = ranker.matrix
    order = ranker.update({0: 1})  # relevant only: similarity to it
    assert set(order[:2]) == {3, 7}
    assert ranker.matrix is matrix and len(order) == 9
    order = ranker.update({0: 1, 1: 0})
    assert set(order[:2]) == {3, 7} and 0 not in order and 1 not in order
    assert ranker.last is not None and ranker.last.scores == sorted(ranker.last.scores, reverse=True)
    assert rank(TINY_TEXTS, {0: 1, 1: 0}).order == order
    with pytest.raises(IndexError):
        ranker.update({10: 1})
    assert len(ranker.update({})) == 10  # no labels: every record, seeded order


def test_one_relevant_record_ranks_by_words_only():
    # one relevant example: the fit sees the word block only, so ranking and scores equal a words-only ranker
    ranker = Ranker(TINY_TEXTS, seed=0)
    words_only = Ranker(TINY_TEXTS, seed=0, char_weight=0)
    assert ranker.char_weight == 0.5 and words_only.char_weight == 0
    assert ranker.update({0: 1, 1: 0, 2: 0}) == words_only.update({0: 1, 1: 0, 2: 0})
    np.testing.assert_allclose(ranker.last.scores, words_only.last.scores, rtol=1e-4, atol=1e-5)
    # a second relevant record brings the char block in: the scores change
    ranker.update({0: 1, 1: 0, 2: 0, 3: 1})
    words_only.update({0: 1, 1: 0, 2: 0, 3: 1})
    assert not np.allclose(ranker.last.scores, words_only.last.scores, rtol=1e-4, atol=1e-5)


def test_words_found_in_one_record_only_count_in_its_row():
    # the shipped setting keeps terms seen in one record (as ASReview's TF-IDF does): of two records with the
    # relevant record's words, the one padded with words no other record has matches it less and ranks lower;
    # dropping those terms (min_df=2) makes the two the same vector
    padded = "cats groom whiskers and purr zebra quokka wombat narwhal axolotl"
    texts = [*TINY_TEXTS, padded, "cats groom whiskers and purr"]
    labels = {0: 1, 1: 0, 2: 0}
    assert MIN_DF == 1 and Ranker(texts).min_df == 1
    kept, dropped = Ranker(texts, seed=0), Ranker(texts, seed=0, min_df=2)
    assert kept.matrix.shape[1] > dropped.matrix.shape[1]
    order = kept.update(labels)
    assert order.index(11) < order.index(10)
    score = dict(zip(kept.last.order, kept.last.scores, strict=True))
    assert score[11] > score[10]
    dropped.update(labels)
    score = dict(zip(dropped.last.order, dropped.last.scores, strict=True))
    assert score[11] == pytest.approx(score[10], abs=1e-6)


def test_ranker_puts_relevant_records_far_above_chance_after_a_few_labels():
    data = read_labelled(corpus_or_skip() / LABELLED / KITCHENHAM)
    y = np.array(data.labels)
    rng = np.random.default_rng(0)
    known = [*rng.choice(np.flatnonzero(y == 1), 5, replace=False),
             *rng.choice(np.flatnonzero(y == 0), 50, replace=False)]
    order = Ranker(data.texts, seed=0).update({int(i): int(y[i]) for i in known})
    positions = [k / len(order) for k, i in enumerate(order) if y[i] == 1]
    assert len(positions) == 40
    assert np.median(positions) < 0.15  # chance: 0.5


def test_simulation_on_a_real_review_saves_work():
    data = read_labelled(corpus_or_skip() / LABELLED / KITCHENHAM)
    res = simulate(data.texts, data.labels, seed=42, batch=0)
    assert res.n_records == 1704 and res.n_relevant == 45
    assert res.metrics.wss95 > 0.5  # random order: about 0
    assert res.metrics.rrf10 > 0.4  # random order: about 0.1
    assert sum(res.found_labels) == 44  # all found (one was a prior)


def test_estimate_remaining_and_stopping_advice():
    matrix = Ranker(TINY_TEXTS).matrix
    est = estimate_remaining(matrix, dict.fromkeys(range(10), 0) | {0: 1, 3: 1, 7: 1})
    assert est.unlabelled == 0 and est.expected == 0.0
    # a discovery rate that decays: the estimate is small and finite
    n = 400
    seq = [1 if k in {0, 1, 2, 4, 6, 9, 14, 25} else 0 for k in range(120)]
    big = Ranker([f"record {k} word{k % 7}" for k in range(n)]).matrix
    est = estimate_remaining(big, dict(enumerate(seq)))
    assert est.decay_slope < 0 and 0 <= est.expected < 2
    assert est.recent_rate_bound == pytest.approx(1 / 100 * 280)  # 1 relevant in the last 100
    assert consecutive_irrelevant([1, 0, 1, 0, 0, 0]) == 3
    advice = stopping_advice(seq, n, est.expected)
    assert advice.run_needed == 50 and advice.consecutive_irrelevant == 94 and advice.stop is True
    advice = stopping_advice(seq, n, 3.0)
    assert advice.stop is False and "expects 3.0" in advice.reason
    advice = stopping_advice(seq[:30], n)
    assert advice.stop is False and advice.consecutive_irrelevant == 4
    assert stopping_advice([0] * 10, 10).stop is True  # everything screened
    assert math.isnan(estimate_remaining(big, {0: 0}).expected)


def test_cli_simulate_json_shape(capsys):
    path = corpus_or_skip() / LABELLED / COHEN
    assert main(["simulate", str(path), "--seed", "1", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"n_records", "n_relevant", "wss95", "rrf10", "screened_to_95", "seconds", "curve",
            "priors"} <= set(data)
    assert data["n_records"] == 310 and data["n_relevant"] == 16 and data["n_priors"] == 2
    assert data["curve"][0] == [0, 0] and data["curve"][-1][1] == 15
    assert -0.05 <= data["wss95"] <= 0.95 and 0 <= data["rrf10"] <= 1


def test_cli_simulate_missing_label_column_exits_2(capsys):
    path = corpus_or_skip() / LABELLED / COHEN
    assert main(["simulate", str(path), "--label", "decision"]) == 2
    err = capsys.readouterr().err
    assert "has no label column 'decision'" in err and "--label" in err and COHEN in err


def test_cli_rank_with_labels_file(tmp_path, capsys):
    path = corpus_or_skip() / LABELLED / COHEN
    review = str(tmp_path / "r.metasift")
    assert main(["init", review]) == 0 and main(["import", review, str(path)]) == 0
    capsys.readouterr()
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    labelled = [r for r in rows if r["label_included"] == "1"][:3] + rows[:20]
    labels = tmp_path / "labels.csv"
    with labels.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["source_id", "label"])
        w.writerows([[r["record_id"], r["label_included"]] for r in labelled])
    assert main(["rank", review, "--labels", str(labels), "--limit", "10", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    known = {r["record_id"] for r in labelled}
    assert data["count"] == 10 and data["unscreened"] == 310 - len(known)
    assert data["labelled"] == len(known) and data["relevant_labelled"] >= 3
    assert not known & {r["source_id"] for r in data["records"]}
    assert [r["rank"] for r in data["records"]] == list(range(1, 11))
    assert {"expected", "recent_rate_bound"} <= set(data["estimate_remaining"])
    assert {"stop", "reason", "assumptions"} <= set(data["stopping_advice"])
    bad = tmp_path / "bad.csv"
    bad.write_text("source_id,label\nno-such-record,1\n", encoding="utf-8")
    assert main(["rank", review, "--labels", str(bad)]) == 2
    assert "line 2" in capsys.readouterr().err


def _strict_json(text: str) -> dict:
    """JSON as other tools read it: NaN or Infinity is an error, not a float."""
    def refuse(name: str) -> None:
        raise ValueError(f"{name} is not valid JSON")
    return json.loads(text, parse_constant=refuse)


def test_cli_rank_takes_labels_from_the_decision_store(demo, capsys):
    from sqlmodel import select

    from db.models import Record
    from screening.decisions import decide
    from screening.demo import STUDIES
    from screening.duplicates import groups, run_dedup

    db = demo
    run_dedup(db)
    key = {s.title.lower(): s.key for s in STUDIES}
    with db.session() as session:
        study_of = {int(rid): key[title.lower()] for rid, title in session.exec(select(Record.id, Record.title))}
    dups = groups(db)
    kept = {m: g[0] for g in dups for m in g}
    members = {k: sorted(r for r, s in study_of.items() if s == k) for k in set(study_of.values())}
    assert len(members["A1"]) == 2  # A1 is in both exports: decide on the member that is not kept
    decide(db, members["A1"][-1], "ana", "title_abstract", "include")
    decide(db, members["A2"][0], "ana", "title_abstract", "include")
    decide(db, members["X1"][0], "ana", "title_abstract", "exclude", reason="children or adolescents")
    decide(db, members["X3"][0], "ana", "title_abstract", "exclude", reason="no alliance measure")
    path = str(db.target)

    assert main(["rank", path, "--json"]) == 0
    data = _strict_json(capsys.readouterr().out)
    assert data["labels_from"] == "title/abstract decisions"
    assert data["labelled"] == 4 and data["relevant_labelled"] == 2 and data["basis"] == "trained on"
    assert data["duplicates_left_out"] == sum(len(g) - 1 for g in dups) > 0
    ranked = [r["id"] for r in data["records"]]
    # every undecided study once, as its kept record; no duplicate member and no decided study
    undecided = {k for k in members if k not in {"A1", "A2", "X1", "X3"}}
    assert sorted(study_of[i] for i in ranked) == sorted(undecided)
    assert all(kept.get(i, i) == i for i in ranked)
    positions = {study_of[i]: r["rank"] for i, r in zip(ranked, data["records"], strict=True)}
    # the English-language alliance-outcome studies rank above every study to be excluded (A3-A5 are in
    # French, German and Italian and share few words with the two included ones)
    assert max(positions[k] for k in ("A6", "A7", "A8")) < min(positions[k] for k in ("X2", "X4", "X5"))
    assert data["estimate_remaining"]["labelled"] == 4
    assert data["stopping_advice"]["stop"] is False and data["stopping_advice"]["screened"] == 4

    assert main(["rank", path]) == 0  # the text view says where the labels came from
    text = capsys.readouterr().out
    assert "from title/abstract decisions" in text and "duplicate records left out" in text


def test_simulation_order_up_to_95_percent_does_not_depend_on_the_tail():
    data = read_labelled(corpus_or_skip() / LABELLED / "srd__Cohen_2006_NSAIDS.csv")
    full = simulate(data.texts, data.labels, seed=1)
    tail = simulate(data.texts, data.labels, seed=1, tail_batch=0)
    fast = simulate(data.texts, data.labels, seed=1, stop_recall=0.95)
    k = full.metrics.screened_to_95
    assert full.screened_order[:k] == tail.screened_order[:k] == fast.screened_order
    assert full.metrics.wss95 == tail.metrics.wss95 == fast.metrics.wss95
    assert sum(tail.found_labels) == full.n_relevant - 1  # the tail still finds every relevant record
    assert 0 < fast.seconds_to_95 <= fast.seconds


def test_blend_weight_follows_which_model_ranked_the_found_relevant_records_higher():
    # two models side by side; after each re-rank, every relevant record found since adds its position in
    # each model's previous ranking to that model's loss, and the second model's weight moves accordingly
    data = read_labelled(corpus_or_skip() / LABELLED / COHEN)
    y = np.array(data.labels)
    first_labels = {int(i): int(y[i]) for i in [*np.flatnonzero(y == 1)[:2], *np.flatnonzero(y == 0)[:20]]}
    ranker = Ranker(data.texts, seed=0, blend=0.5, blend_rate=3.0)
    ours, words = Ranker(data.texts, seed=0), Ranker(data.texts, seed=0, prefix=0, char_weight=0.0, min_df=1)
    ranker.update(first_labels)
    assert ranker.blend_weight == pytest.approx(0.5)  # nothing found since a previous ranking yet
    ours.update(first_labels)
    words.update(first_labels)
    found = [int(i) for i in np.flatnonzero(y == 1)[2:6]]
    loss = []
    for model in (ours, words):
        position = {rec: k / (len(model.last.order) - 1) for k, rec in enumerate(model.last.order)}
        loss.append(sum(position[i] for i in found))
    second_labels = first_labels | dict.fromkeys(found, 1)
    ranker.update(second_labels)
    np.testing.assert_allclose(ranker._loss, loss, atol=1e-9)
    expected = 1 / (1 + math.exp(-3.0 * (loss[0] - loss[1])))
    assert ranker.blend_weight == pytest.approx(expected)
    assert loss[0] != pytest.approx(loss[1])
    # the ranking is the weighted mean of the two models' standardised scores
    ours.update(second_labels)
    words.update(second_labels)
    a = dict(zip(ours.last.order, ours.last.scores, strict=True))
    b = dict(zip(words.last.order, words.last.scores, strict=True))
    rest = ranker.last.order
    za, zb = np.array([a[i] for i in rest]), np.array([b[i] for i in rest])
    blended = (1 - expected) * (za - za.mean()) / za.std() + expected * (zb - zb.mean()) / zb.std()
    np.testing.assert_allclose(ranker.last.scores, blended, rtol=1e-6, atol=1e-6)
    assert Ranker(data.texts, blend=0.3).blend_weight == 0.3  # blend_rate 0: the weight stays
