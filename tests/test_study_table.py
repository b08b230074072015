"""The study table: one aggregated correlation per independent sample."""

from __future__ import annotations

import math

import numpy as np
import pytest

from db.models import ImportBatch, Record
from extraction.coding import code_effect
from extraction.double_coding import reconcile
from extraction.pooling import pool_report
from extraction.samples import confirm_link
from extraction.study_table import study_table

MODS = {"alliance_measure": "WAI", "alliance_rater": "client", "alliance_time": "early", "outcome_measure": "BDI",
        "outcome_rater": "client", "treatment": "CBT", "pub_source": "journal"}


@pytest.fixture
def constructed(review):
    """Reports 1 + 2 of one sample (linked), report 3 alone, report 4 double coded, report 5 never coded."""
    with review.transaction() as s:
        batch = ImportBatch(file_name="t.ris", sha256="sha", format="ris", source_db="PsycINFO")
        s.add(batch)
        s.flush()
        specs = [("P1", ["Krupnick, J. L.", "Sotsky, S. M.", "Simmens, S."], 1996),
                 ("P2", ["Zuroff, D. C."], 2006), ("P3", ["Krupnick, J.", "Elkin, I.", "Watkins, J."], 1996),
                 ("P4", ["Barber, J. P.", "Connolly, M. B."], 2000), ("P5", ["Nobody, N."], 2010)]
        rows = [Record(batch_id=batch.id, ordinal=i, source_id=sid, title=f"Study {sid}", authors=au, year=y)
                for i, (sid, au, y) in enumerate(specs)]
        s.add_all(rows)
        s.flush()
        ids = [r.id for r in rows]
    confirm_link(review, ids[0], ids[1], "lead")
    code_effect(review, ids[0], "ann", "r", 0.30, n=100, moderators=MODS, label="BDI")
    code_effect(review, ids[0], "ann", "t", 2.0, df=98, n=100, label="SCL",
                moderators={**MODS, "outcome_measure": "SCL-90"})
    code_effect(review, ids[1], "ann", "r", 0.10, n=90, label="dropout",
                moderators={**MODS, "outcome_measure": "dropout", "alliance_time": "late"})
    code_effect(review, ids[2], "ann", "r", -0.25, n=40, moderators=MODS, label="BDI")
    code_effect(review, ids[3], "ann", "r", 0.35, n=50, moderators=MODS, label="BDI")
    code_effect(review, ids[3], "bob", "r", 0.40, n=50, moderators=MODS, label="BDI")
    return review, ids


def test_composite_by_hand_flags_and_labels(constructed):
    db, ids = constructed
    table = study_table(db)
    assert list(table["study_id"]) == [ids[0], ids[2], ids[3]]   # report 5 has no effect: no row
    one = table.iloc[0]
    r_t = 2.0 / math.sqrt(4.0 + 98)
    rs = [0.30, r_t, 0.10]
    # Hunter & Schmidt composite with rho = .50: sum r / sqrt(k + k(k-1) rho) = sum r / sqrt(3 + 3)
    expected = sum(rs) / math.sqrt(6)
    assert one["r"] == pytest.approx(expected, abs=1e-12)
    assert one["k"] == 3 and one["n"] == 97                      # mean n 96.67 rounded
    assert one["z"] == pytest.approx(math.atanh(expected)) and one["var_z"] == pytest.approx(1 / 94)
    assert (one["ri"], one["ni"], one["yi"], one["vi"]) == (one["r"], one["n"], one["z"], one["var_z"])
    assert one["record_ids"] == f"{ids[0]}; {ids[1]}" and one["source_ids"] == "P1; P2"
    assert one["outcome_measure"] == "mixed" and one["alliance_time"] == "mixed"
    assert one["alliance_measure"] == "WAI" and one["pub_year"] == "mixed"
    assert list(table["label"]) == ["Krupnick et al. 1996a", "Krupnick et al. 1996b",
                                   "Barber & Connolly 2000"]
    single = table.iloc[1]
    assert single["r"] == pytest.approx(-0.25) and single["k"] == 1 and single["pub_year"] == 1996
    flagged = table.iloc[2]
    assert np.isnan(flagged["r"]) and "coded by ann, bob, not reconciled" in flagged["flags"]


def test_reconciled_row_is_used_and_rho_changes_the_composite(constructed):
    db, ids = constructed
    reconcile(db, ids[3], "BDI", {"value": 0.38}, "carl", adopt="ann")
    table = study_table(db, rho=0.8)
    row = table[table["study_id"] == ids[3]].iloc[0]
    assert row["r"] == pytest.approx(0.38) and row["flags"] == ""
    r_t = 2.0 / math.sqrt(102)
    first = table.iloc[0]
    assert first["r"] == pytest.approx((0.40 + r_t) / math.sqrt(3 + 6 * 0.8))
    assert list(table.columns[:4]) == ["study_id", "label", "record_ids", "source_ids"]


def test_by_moderator_and_pooling_reads_the_table(constructed):
    db, ids = constructed
    reconcile(db, ids[3], "BDI", {}, "carl", adopt="bob")
    table = study_table(db, by="outcome_measure")
    first = table[table["study_id"] == ids[0]]
    assert list(first["outcome_measure"]) == ["BDI", "SCL-90", "dropout"]
    assert list(first["k"]) == [1, 1, 1]
    whole = study_table(db)
    rep = pool_report(whole["yi"].to_numpy(float), whole["vi"].to_numpy(float)).pooled
    assert rep.k == 3
