"""The tuning script of the ranker (`benchmarks/tune_prioritise.py`): held-out reviews are refused, and
its rule (score = mean WSS@95 + 0.5 x mean RRF@10, worst-seed early-recall constraint) is applied to
real simulations of a tuning review."""

from __future__ import annotations

import json
import sys

import pytest
from conftest import corpus_or_skip

from benchmarks import tune_prioritise as tp


def test_held_out_reviews_are_refused(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["tune_prioritise.py", "--datasets", "nsaids,beta_blockers"])
    with pytest.raises(SystemExit) as exc:
        tp.main()
    assert exc.value.code == 2
    assert "not tuning reviews (never tune on the held-out half): beta_blockers" in capsys.readouterr().err


def test_rule_on_a_real_tuning_review(monkeypatch, tmp_path, capsys):
    corpus_or_skip()
    monkeypatch.setattr(tp, "OUT", tmp_path)
    monkeypatch.setattr(sys, "argv", ["tune_prioritise.py", "--datasets", "nsaids", "--seeds", "42",
                                      "--tag", "t", "--candidate", "ref:", "--candidate", "same:ratio=10"])
    assert tp.main() == 0
    out = json.loads((tmp_path / "tune-t.json").read_text())
    ref, same = out["results"]
    wss, rrf = ref["per_review"]["nsaids"]["wss95"][0], ref["per_review"]["nsaids"]["rrf10"][0]
    assert ref["score"] == pytest.approx(wss + 0.5 * rrf, abs=1e-4)
    assert wss > 0.5 and rrf > 0.4  # the ranking works on this review (random order: ~0 and ~0.1)
    # ratio=10 is the default: the same screening order, so no gain and the reference is kept
    assert same["per_review"] == {"nsaids": {**ref["per_review"]["nsaids"],
                                             "seconds_to_95": same["per_review"]["nsaids"]["seconds_to_95"]}}
    assert same["meets_rrf_constraint"] and out["chosen"] == "ref"


def test_reference_taken_from_an_earlier_run(monkeypatch, tmp_path, capsys):
    corpus_or_skip()
    monkeypatch.setattr(tp, "OUT", tmp_path)
    argv = ["tune_prioritise.py", "--datasets", "nsaids", "--seeds", "42"]
    monkeypatch.setattr(sys, "argv", [*argv, "--tag", "a", "--candidate", "ref:"])
    assert tp.main() == 0
    first = json.loads((tmp_path / "tune-a.json").read_text())
    assert first["seeds"] == "42"
    monkeypatch.setattr(sys, "argv", [*argv, "--tag", "b", "--reference", f"{tmp_path / 'tune-a.json'}:ref",
                                      "--candidate", "same:ratio=10"])
    assert tp.main() == 0
    ref, same = json.loads((tmp_path / "tune-b.json").read_text())["results"]
    # the reference is the earlier run's, not simulated again; the candidate is measured against it
    assert ref["name"] == "ref (tune-a.json)" and ref["per_review"] == first["results"][0]["per_review"]
    assert same["per_review"]["nsaids"]["wss95"] == ref["per_review"]["nsaids"]["wss95"]
    assert same["worst_rrf10_change"] == {"nsaids": 0.0} and same["meets_rrf_constraint"]
    # another seed list than the earlier run's is refused
    monkeypatch.setattr(sys, "argv", ["tune_prioritise.py", "--datasets", "nsaids", "--seeds", "1", "--tag", "c",
                                      "--reference", str(tmp_path / "tune-a.json")])
    with pytest.raises(SystemExit) as exc:
        tp.main()
    assert exc.value.code == 2 and "other reviews or seeds" in capsys.readouterr().err
