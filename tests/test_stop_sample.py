"""The random sample at the end of screening: its size, its order, and its log (SQLite and PostgreSQL)."""

from __future__ import annotations

import math

import pytest
from conftest import corpus_or_skip
from scipy.stats import hypergeom

from screening.stop_sample import RandomSample, sample_order, sample_progress, sample_size
from screening.stopping import check_hypergeometric


@pytest.mark.parametrize(("found", "screened", "n_records"), [(40, 500, 5000), (1, 4, 393), (20, 40, 393),
                                                              (7, 300, 1000), (95, 100, 200)])
def test_sample_size_is_the_smallest_that_rejects_with_scipy_as_oracle(found, screened, n_records):
    n = sample_size(found, screened, n_records)
    urn = n_records - screened
    missing = math.floor(found / 0.95) + 1 - found
    p = lambda m: hypergeom(urn, min(missing, urn), m).cdf(0)  # noqa: E731 - P(no relevant in m drawn)
    assert n is not None and p(n) < 0.05 and (n == 1 or p(n - 1) >= 0.05)
    seq = [1] * found + [0] * (screened - found)
    assert check_hypergeometric(seq + [0] * n, n_records, sample_from=screened).stop
    assert not check_hypergeometric(seq + [0] * (n - 1), n_records, sample_from=screened).stop or n == 1


def test_sample_size_edges_and_relevant_records_in_the_sample():
    assert sample_size(0, 50, 1000) is None  # nothing relevant yet: no recall to test
    assert sample_size(5, 1000, 1000) is None  # nothing left
    base = sample_size(40, 500, 5000)
    grown = sample_size(40, 500, 5000, in_sample=100, relevant_in_sample=1)
    assert grown is not None and base is not None and grown > base  # a relevant record makes it larger
    seq = [1] * 40 + [0] * 460 + [1] + [0] * (grown - 1)
    assert check_hypergeometric(seq, 5000, sample_from=500).stop
    assert not check_hypergeometric(seq[:-1], 5000, sample_from=500).stop


def test_sample_order_is_seeded_and_a_permutation():
    ids = [9, 3, 5, 1, 7]
    assert sample_order(ids, 4) == sample_order(list(reversed(ids)), 4)
    assert sorted(sample_order(ids, 4)) == sorted(ids)
    assert len({tuple(sample_order(ids, s)) for s in range(10)}) > 1  # the seed matters


def test_sample_progress_follows_the_decisions():
    sample = RandomSample("ana", sample_from=40, found_before=20, n_records=393, planned=sample_size(20, 40, 393),
                          seed=1, target_recall=0.95, confidence=0.95, started_by="ana", started_at=None)
    decisions = [1, 0] * 20
    p = sample_progress(decisions, sample)
    assert p.screened == 0 and not p.verdict.stop and p.needed == sample.planned
    p = sample_progress(decisions + [0] * sample.planned, sample)
    assert p.screened == sample.planned and p.verdict.stop
    assert p.verdict.params["sample_from"] == 40


def test_a_sample_is_logged_by_a_lead_and_read_back(review):
    from sqlmodel import select

    from db.models import Record, TeamEvent
    from screening.decisions import decide
    from screening.importing import import_file
    from screening.stop_sample import SAMPLE_EVENT, current_sample, end_sample, start_sample

    import_file(review, corpus_or_skip() / "ris" / "asreview__proquest.ris")
    with review.session() as session:
        ids = sorted(int(r) for r in session.exec(select(Record.id)))
    decide(review, ids[0], "ana", "title_abstract", "exclude")
    with pytest.raises(Exception, match="relevant record found first"):
        start_sample(review, "title_abstract", "ana", [0], len(ids))
    decide(review, ids[1], "ana", "title_abstract", "include")
    assert current_sample(review, "title_abstract", "ana") is None
    got = start_sample(review, "title_abstract", "ana", [0, 1], len(ids), seed=11)
    assert got.sample_from == 2 and got.seed == 11 and got.planned == sample_size(1, 2, len(ids))
    assert got.started_by == "ana" and got.started_at
    assert got == current_sample(review, "title_abstract", "ana")
    assert current_sample(review, "title_abstract", "bob") is None  # another reviewer's decisions: no sample
    end_sample(review, "title_abstract", "ana", why="back to ranked order")
    assert current_sample(review, "title_abstract", "ana") is None
    with review.session() as session:
        kinds = [(e.kind, e.who, bool(e.detail.get("ended"))) for e in session.exec(
            select(TeamEvent).where(TeamEvent.kind == SAMPLE_EVENT).order_by(TeamEvent.id))]
    assert kinds == [(SAMPLE_EVENT, "ana", False), (SAMPLE_EVENT, "ana", True)]


def test_sample_rest_on_the_command_line(tmp_path, capsys, monkeypatch):
    import json

    from sqlmodel import select

    from cli.app import main
    from db.models import Record
    from screening.decisions import decide
    from screening.demo import build_demo_review

    monkeypatch.setenv("METASIFT_USER", "ana")
    db = build_demo_review(tmp_path)
    with db.session() as session:
        ids = sorted(int(r) for r in session.exec(select(Record.id)))
    path = str(tmp_path / "demo.metasift")
    decide(db, ids[0], "ana", "title_abstract", "exclude")
    db.close()
    assert main(["sample-rest", path]) == 2  # nothing relevant yet: no recall to test
    assert "relevant record found first" in capsys.readouterr().err
    assert main(["sample-rest", path, "--end"]) == 2
    assert "no random sample in progress" in capsys.readouterr().err
    db = build_demo_review(tmp_path)
    decide(db, ids[1], "ana", "title_abstract", "include")
    db.close()
    assert main(["sample-rest", path, "--seed", "3", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    sample = out["sample"]
    assert sample["sample_from"] == 2 and sample["seed"] == 3 and sample["started_by"] == "ana"
    assert set(out["order"]) <= set(ids) - {ids[0], ids[1]} and len(out["order"]) == min(20, len(ids) - 2)
    assert main(["sample-rest", path, "--end", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["ended"] is True
