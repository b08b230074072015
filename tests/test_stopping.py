"""Stopping rules: the hypergeometric test, N consecutive irrelevant, the knee method, and their replay."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import corpus_or_skip
from scipy.stats import hypergeom

from screening.simulation import read_labelled, simulate
from screening.stopping import (
    RULES,
    check,
    first_stop,
    hypergeom_cdf,
    hypergeometric_p,
    knee_point,
    simulate_rules,
    summarise_rules,
)


def _every_window_p(seq: list[int], n_records: int, target: float) -> float:
    """Callaghan & Müller-Hansen's p written out for every window size n, with scipy's hypergeometric."""
    s, r = len(seq), sum(seq)
    k_null = math.floor(r / target) + 1
    best = 1.0
    for n in range(1, s + 1):
        k = sum(seq[s - n:])
        urn, rel = n_records - s + n, k_null - (r - k)
        best = min(best, 0.0 if rel > urn else float(hypergeom.cdf(k, urn, rel, n)))
    return best


def test_hypergeometric_p_equals_the_test_over_every_window():
    rng = np.random.default_rng(7)
    for _ in range(25):
        n_records = int(rng.integers(30, 300))
        seq = [int(v) for v in rng.random(int(rng.integers(1, n_records))) < rng.random() * 0.4]
        assert hypergeometric_p(seq, n_records, 0.95)[0] == pytest.approx(
            _every_window_p(seq, n_records, 0.95), abs=1e-9)


def test_hypergeom_cdf_matches_scipy():
    rng = np.random.default_rng(3)
    urn = rng.integers(5, 3000, 100)
    good = (rng.random(100) * urn * 0.6).astype(int)
    n = (rng.random(100) * urn).astype(int)
    k = np.minimum(rng.integers(0, 25, 100), n)
    assert np.allclose(hypergeom_cdf(k, urn, good, n), hypergeom.cdf(k, urn, good, n), atol=1e-10)


def test_hypergeometric_rule_by_hand():
    # 20 relevant in the first 40 of 1000, then irrelevant ones. Null: >= floor(20/0.95)+1 = 22 relevant,
    # so >= 2 among the rest; the sample of the last n (all irrelevant) from the 1000-40+n not screened
    # before it holds none: p = C(urn-2, n) / C(urn, n).
    seq = [1, 0] * 20 + [0] * 300
    p, n = hypergeometric_p(seq, 1000, 0.95)
    urn = 1000 - len(seq) + 301  # the longest all-irrelevant window starts after the last relevant record
    assert n == 301
    assert p == pytest.approx(hypergeom.pmf(0, urn, 2, 301))
    assert not check("hypergeometric", seq, 1000).stop  # p ~ 0.21
    long = [1, 0] * 20 + [0] * 850
    res = check("hypergeometric", long, 1000, target=0.95, confidence=0.95)
    assert res.stop and res.detail["p_value"] < 0.05 and "rejected" in res.reason
    assert "random sample" in res.assumption
    # an explicit random sample at the end: only that window is tested
    sampled = check("hypergeometric", long, 1000, sample_from=len(long) - 100)
    assert sampled.detail["sample_size"] == 100 and sampled.detail["p_value"] > res.detail["p_value"]
    assert not check("hypergeometric", [0] * 500, 1000).stop  # nothing relevant yet: never
    assert check("hypergeometric", [0, 1] * 50, 100).stop  # every record screened


def test_consecutive_rule():
    n = 2000  # needs max(50, 5% of 2000) = 100 in a row
    assert not check("consecutive", [1] + [0] * 99, n).stop
    res = check("consecutive", [1] + [0] * 100, n)
    assert res.stop and res.detail["consecutive_irrelevant"] == 100
    assert not check("consecutive", [0] * 300, n).stop  # nothing relevant yet
    assert check("consecutive", [1] + [0] * 20, n, min_run=20, share=0.0).stop


def test_knee_rule_by_hand():
    # 10 relevant first, then irrelevant: the knee is record 10, slope 1 before and 1/(s - 10) after
    # (one relevant record added after the knee), so the ratio is s - 10.
    seq = [1] * 10 + [0] * 150
    assert knee_point(seq) == (10, pytest.approx(150.0))
    assert not check("knee", seq, 5000).stop
    assert check("knee", [1] * 10 + [0] * 156, 5000).stop
    assert not check("knee", [1] * 10 + [0] * 100, 5000, slope_ratio=50, min_screened=150).stop  # too early
    with pytest.raises(ValueError):
        check("budget", seq, 5000)


def test_first_stop_pads_with_irrelevant_records():
    # the review's relevant records all come first; screening on finds only irrelevant ones
    assert first_stop("consecutive", [1, 1, 0], 1000) == 2 + 50
    assert first_stop("knee", [1] * 10, 5000) == 10 + 156


def test_rules_replayed_on_a_real_simulation():
    path = corpus_or_skip() / "labeled_screening" / "srd__Cohen_2006_NSAIDS.csv"
    data = read_labelled(path)
    res = simulate(data.texts, data.labels, seed=42)
    rows = simulate_rules(res.found_labels, res.n_records - 2, res.n_relevant - 1, priors=2, prior_relevant=1)
    assert [r.rule for r in rows] == list(RULES)
    seq = [1, 0] + res.found_labels
    for r in rows:
        at = r.stopped_at
        # the rule is met where the replay says, and not one decision earlier
        padded = seq + [0] * (res.n_records - len(seq))
        assert check(r.rule, padded[:at], res.n_records, **r.params).stop
        assert at == 3 or not check(r.rule, padded[:at - 1], res.n_records, **r.params).stop
        assert r.recall == pytest.approx(sum(padded[:at]) / res.n_relevant, abs=1e-4)
        assert r.work_saved == pytest.approx(1 - at / res.n_records, abs=1e-4)
    table = summarise_rules([{**r.to_json(), "half": "tune"} for r in rows])
    assert table[0].startswith("| half | rule") and len(table) == 2 + len(RULES)


def test_stop_screening_is_recorded_in_the_decision_log_and_prisma(tmp_path, capsys, monkeypatch):
    import json

    from sqlmodel import select

    from cli.app import main
    from db.models import Record
    from screening.decisions import STOP_METHOD, decide
    from screening.demo import build_demo_review

    monkeypatch.setenv("METASIFT_USER", "ana")
    db = build_demo_review(tmp_path)
    with db.session() as session:
        ids = sorted(int(r) for r in session.exec(select(Record.id)))
    decide(db, ids[0], "ana", "title_abstract", "include")
    decide(db, ids[1], "ana", "title_abstract", "exclude", reason="children or adolescents")
    decide(db, ids[2], "ana", "title_abstract", "exclude", reason="children or adolescents")
    path = str(tmp_path / "demo.metasift")
    db.close()

    assert main(["rank", path, "--stop-rule", "consecutive", "--run", "2", "--json"]) == 0
    rule = json.loads(capsys.readouterr().out)["stopping_rule"]
    assert rule["rule"] == "consecutive" and rule["stop"] is True and "no recall guarantee" in rule["assumption"]
    # the statistical rule is not met after three decisions: stopping by it is refused without --force
    assert main(["stop-screening", path]) == 2
    assert "not met" in capsys.readouterr().err

    assert main(["stop-screening", path, "--stop-rule", "consecutive", "--run", "2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["not_screened"] == len(ids) - 3 and out["rule"]["rule"] == "consecutive"
    assert main(["history", path, "--record", f"#{ids[-1]}", "--json"]) == 0
    history = json.loads(capsys.readouterr().out)["history"]
    assert [(h["kind"], h["verdict"], h["method"]) for h in history] == [("resolution", "exclude", STOP_METHOD)]
    assert "N consecutive irrelevant" in history[0]["note"] and "Assumes:" in history[0]["note"]

    assert main(["prisma", path, "--json", "--out", str(tmp_path / "flow.png")]) == 0
    prisma = json.loads(capsys.readouterr().out)
    assert prisma["stopped_unscreened"] == len(ids) - 3 and prisma["adds_up"]
    assert prisma["excluded_screening"] >= prisma["stopped_unscreened"]
    assert prisma["stopping_rule"].startswith("N consecutive irrelevant")
    assert (tmp_path / "flow.png").stat().st_size > 10_000

    # the exported decision log carries the rule on every record it left unscreened
    import csv

    assert main(["export", path, str(tmp_path / "log.csv"), "--level", "decisions"]) == 0
    capsys.readouterr()
    with open(tmp_path / "log.csv", encoding="utf-8-sig") as fh:
        log = list(csv.DictReader(fh))
    stopped = [r for r in log if r["method"] == STOP_METHOD]
    assert len(stopped) == len(ids) - 3 and all(r["note"].startswith("N consecutive irrelevant") for r in stopped)

    # undoing the stop: a logged act with who, when and why; PRISMA no longer shows the stop
    assert main(["undo-stop", path]) == 2  # --why is required
    capsys.readouterr()
    assert main(["undo-stop", path, "--why", "stopped too early: a second search added records", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["records_back"] == len(ids) - 3 and out["stop"]["by"] == "ana"
    assert main(["undo-stop", path, "--why", "again"]) == 2
    assert "no stop to undo" in capsys.readouterr().err
    assert main(["history", path, "--record", f"#{ids[-1]}", "--json"]) == 0
    history = json.loads(capsys.readouterr().out)["history"]
    assert [h["kind"] for h in history] == ["resolution", "undo"]
    assert history[1]["note"] == "stopped too early: a second search added records" and history[1]["decided_at"]
    assert history[1]["reviewer"] == "ana"
    assert main(["prisma", path, "--json", "--out", str(tmp_path / "flow2.png")]) == 0
    prisma = json.loads(capsys.readouterr().out)
    assert prisma["stopped_unscreened"] == 0 and prisma["adds_up"] and not prisma["stopping_rule"]
    assert main(["export", path, str(tmp_path / "log2.csv"), "--level", "decisions"]) == 0
    capsys.readouterr()
    with open(tmp_path / "log2.csv", encoding="utf-8-sig") as fh:
        undone = [r for r in csv.DictReader(fh) if r["kind"] == "undo"]
    assert len(undone) == len(ids) - 3 and {r["note"] for r in undone} == {"stopped too early: a second search "
                                                                            "added records"}


def test_stop_screening_on_both_back_ends(review):
    from sqlmodel import select

    from db.models import Record, ScreeningDecision
    from screening.decisions import STOP_METHOD, decide, stop_screening, stopped_by_rule
    from screening.importing import import_file
    from screening.outcomes import outcome

    import_file(review, corpus_or_skip() / "ris" / "asreview__proquest.ris")
    with review.session() as session:
        ids = sorted(int(r) for r in session.exec(select(Record.id)))
    assert len(ids) == 6
    decide(review, ids[0], "ana", "title_abstract", "include")
    decide(review, ids[1], "ana", "title_abstract", "exclude")
    assert stopped_by_rule(review) is None
    note = check("consecutive", [1, 0], 6, min_run=1, share=0.0).note()
    assert stop_screening(review, "title_abstract", "ana", note, uid_prefix="stop-1") == 4
    assert stop_screening(review, "title_abstract", "ana", note, uid_prefix="stop-1") == 0  # nothing left
    with review.session() as session:
        rows = list(session.exec(select(ScreeningDecision).where(ScreeningDecision.method == STOP_METHOD)))
    assert sorted(r.record_id for r in rows) == ids[2:] and all(r.kind == "resolution" for r in rows)
    assert outcome(review, ids[5]).state == "excluded" and outcome(review, ids[0]).state != "excluded"
    info = stopped_by_rule(review)
    assert info is not None and info.not_screened == 4 and info.rule.startswith("N consecutive")
    with pytest.raises(Exception, match="rule"):
        stop_screening(review, "title_abstract", "ana", "  ")


def test_undo_of_a_stop_is_logged_and_the_prisma_counts_follow(review):
    from sqlmodel import select

    from db.models import Record, ScreeningDecision
    from extraction.prisma import prisma_counts
    from screening.decisions import STOP_METHOD, decide, stop_screening, stopped_by_rule, undo_stop
    from screening.importing import import_file
    from screening.outcomes import outcome

    import_file(review, corpus_or_skip() / "ris" / "asreview__proquest.ris")
    with review.session() as session:
        ids = sorted(int(r) for r in session.exec(select(Record.id)))
    decide(review, ids[0], "ana", "title_abstract", "include")
    decide(review, ids[1], "ana", "title_abstract", "exclude")
    assert undo_stop(review, "title_abstract", "ana", "nothing to undo") == 0
    note = check("consecutive", [1, 0], 6, min_run=1, share=0.0).note()
    assert stop_screening(review, "title_abstract", "ana", note, uid_prefix="stop-1") == 4
    assert prisma_counts(review).stopped_unscreened == 4
    with pytest.raises(Exception, match="reason"):
        undo_stop(review, "title_abstract", "ana", " ")
    assert undo_stop(review, "title_abstract", "ana", "rule met too early: new search results", uid_prefix="u1") == 4
    assert stopped_by_rule(review) is None and prisma_counts(review).stopped_unscreened == 0
    back = outcome(review, ids[5])
    assert back.state == "pending" and not back.verdicts and not back.method  # unscreened again
    assert outcome(review, ids[0]).verdicts == {"ana": "include"}
    with review.session() as session:
        undos = list(session.exec(select(ScreeningDecision).where(ScreeningDecision.kind == "undo")))
        stops = {r.id: r.record_id for r in session.exec(select(ScreeningDecision).where(
            ScreeningDecision.method == STOP_METHOD, ScreeningDecision.kind == "resolution"))}
    assert sorted(r.undoes for r in undos) == sorted(stops)  # each stop row withdrawn by name
    assert {r.note for r in undos} == {"rule met too early: new search results"}
    assert all(r.reviewer and r.decided_at is not None and r.record_id == stops[r.undoes] for r in undos)
    # a second stop after the undo counts again; undoing it leaves the first undo's rows alone
    assert stop_screening(review, "title_abstract", "ana", note, uid_prefix="stop-2") == 4
    assert prisma_counts(review).stopped_unscreened == 4
    assert undo_stop(review, "title_abstract", "ana", "again", uid_prefix="u2") == 4
    assert prisma_counts(review).stopped_unscreened == 0
