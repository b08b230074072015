"""Double coding: disagreements per field, reconciliation, agreement statistics."""

from __future__ import annotations

import pytest

from db.errors import InputError
from db.models import ImportBatch, Record
from extraction.coding import code_effect, effects
from extraction.double_coding import agreement, disagreements, reconcile

MODS = {"alliance_measure": "WAI", "alliance_rater": "client", "alliance_time": "early", "outcome_measure": "BDI",
        "outcome_rater": "client", "treatment": "CBT", "pub_source": "journal"}


def add_records(db, n: int) -> list[int]:
    with db.transaction() as s:
        batch = ImportBatch(file_name="t.ris", sha256="sha", format="ris", source_db="PsycINFO")
        s.add(batch)
        s.flush()
        rows = [Record(batch_id=batch.id, ordinal=i, source_id=f"S{i}", title=f"Study {i}", authors=[f"Au{i}, A."],
                       year=2000 + i) for i in range(n)]
        s.add_all(rows)
        s.flush()
        return [r.id for r in rows]


@pytest.fixture
def coded(review):
    ids = add_records(review, 4)
    ann = [(0.30, "CBT"), (0.20, "CBT"), (0.40, "IPT"), (0.10, "IPT")]
    bob = [(0.30, "CBT"), (0.25, "IPT"), (0.40, "IPT"), (0.10, "IPT")]
    for rid, (ra, ta), (rb, tb) in zip(ids, ann, bob, strict=True):
        code_effect(review, rid, "ann", "r", ra, n=60, moderators={**MODS, "treatment": ta}, label="BDI, client")
        code_effect(review, rid, "bob", "r", rb, n=60, moderators={**MODS, "treatment": tb}, label="bdi,  Client")
    return review, ids


def test_disagreements_list_every_differing_field(coded):
    db, ids = coded
    items = disagreements(db)
    assert {(d.record, d.field) for d in items} == {(ids[1], "r"), (ids[1], "treatment")}
    r_item = next(d for d in items if d.field == "r")
    assert r_item.values == {"ann": pytest.approx(0.20), "bob": pytest.approx(0.25)}
    assert disagreements(db, record=ids[0]) == []


def test_r_within_tolerance_is_agreement_and_missing_label_is_a_disagreement(coded):
    db, ids = coded
    code_effect(db, ids[0], "ann", "r", 0.501, n=60, moderators=MODS, label="SCL")
    code_effect(db, ids[0], "bob", "r", 0.503, n=60, moderators=MODS, label="SCL")
    code_effect(db, ids[0], "ann", "r", 0.2, n=60, moderators=MODS, label="dropout")
    items = disagreements(db, record=ids[0])
    assert [(d.label, d.field, d.values) for d in items] == [
        ("dropout", "coded", {"ann": True, "bob": False})]


def test_agreement_kappa_and_icc_by_hand(coded):
    db, _ = coded
    (rep,) = agreement(db)
    assert rep.coders == ("ann", "bob") and rep.items == 4
    # p_o = 3/4; p_e = (2*1 + 2*3)/16 = 1/2 -> kappa = (3/4 - 1/2)/(1/2) = 1/2
    assert rep.fields["treatment"].percent == pytest.approx(75.0)
    assert rep.fields["treatment"].kappa == pytest.approx(0.5)
    assert rep.fields["alliance_measure"].kappa is None       # one category only: undefined
    assert rep.r is not None and rep.r.mean_abs_difference == pytest.approx(0.05 / 4)
    assert 0.9 < rep.r.icc < 1.0


def test_reconcile_adopts_overrides_and_versions(coded):
    db, ids = coded
    with pytest.raises(InputError, match="no coded effect labelled"):
        reconcile(db, ids[1], "HAM-D", {"treatment": "CBT"}, "carl")
    with pytest.raises(InputError, match="'zed' coded no effect"):
        reconcile(db, ids[1], "BDI, client", {}, "carl", adopt="zed")
    row = reconcile(db, ids[1], "BDI, CLIENT", {"treatment": "CBT"}, "carl", adopt="bob")
    assert row.kind == "reconciled" and row.coder == "carl" and row.label == "BDI, client"
    assert row.r == pytest.approx(0.25) and row.moderators["treatment"] == "CBT"
    assert disagreements(db) == []
    assert len(disagreements(db, include_reconciled=True)) == 2
    again = reconcile(db, ids[1], "BDI, client", {"statistic": "r", "value": 0.22, "n": 60,
                                                  "moderators": MODS}, "consensus")
    assert again.replaces == row.id and again.r == pytest.approx(0.22)
    assert [e.id for e in effects(db) if e.kind == "reconciled"] == [again.id]
