"""Coding effect sizes into the review: conversion, codebook validation, edit/delete history."""

from __future__ import annotations

import pytest
from sqlmodel import select

from db.errors import InputError
from db.models import EffectSize, ImportBatch, Record
from extraction.coding import code_effect, delete_effect, edit_effect, effects, history, settings

MODS = {"alliance_measure": "Working Alliance Inventory", "alliance_rater": "client", "alliance_time": "early",
        "outcome_measure": "BDI", "outcome_rater": "client", "treatment": "CBT", "pub_source": "journal"}


def add_records(db, *recs: tuple[str, list[str], int]) -> list[int]:
    """Records (source_id, authors, year) in one batch; returns their ids."""
    with db.transaction() as s:
        batch = ImportBatch(file_name="t.ris", sha256=f"sha-{recs[0][0]}", format="ris", source_db="PsycINFO")
        s.add(batch)
        s.flush()
        rows = [Record(batch_id=batch.id, ordinal=i, source_id=sid, title=f"Alliance study {sid}", authors=au,
                       year=year) for i, (sid, au, year) in enumerate(recs)]
        s.add_all(rows)
        s.flush()
        return [r.id for r in rows]


def _count(db) -> int:
    with db.session() as s:
        return len(s.exec(select(EffectSize)).all())


def test_code_converts_canonicalises_and_stores(review):
    (rid,) = add_records(review, ("A1", ["Horvath, A. O."], 1993))
    row = code_effect(review, rid, "ann", "t", 2.5, df=48, n=50, moderators=MODS, label="BDI, client, early")
    assert row.id is not None and row.kind == "coded" and row.replaces is None
    assert row.r == pytest.approx(2.5 / (2.5 ** 2 + 48) ** 0.5)
    assert row.var_z == pytest.approx(1 / 47)
    assert row.moderators["alliance_measure"] == "WAI"          # alias -> allowed spelling
    assert row.moderators["pub_year"] == 1993                   # from the record when not given
    stored = effects(review)
    assert [e.id for e in stored] == [row.id] and stored[0].r == pytest.approx(row.r)


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({"statistic": "r", "value": 1.3, "n": 50}, ["r must lie in [-1, 1]"]),
    ({"statistic": "r", "value": 0.3, "n": 4}, ["below the protocol minimum of 5"]),
    ({"statistic": "t", "value": 2.0, "df": 30, "n": 50}, ["df: 30 does not match n = 50"]),
    ({"statistic": "r", "value": 0.3, "n": 50, "moderators": {**MODS, "treatment": "yoga"}},
     ["treatment: 'yoga' is not an allowed value"]),
    ({"statistic": "r", "value": 1.2, "n": 4, "moderators": {**MODS, "alliance_rater": "cat", "colour": "x"}},
     ["r must lie in [-1, 1]", "below the protocol minimum", "alliance_rater: 'cat'", "unknown field 'colour'"]),
    ({"statistic": "r", "value": 0.3}, ["missing required field 'n'"]),
    ({"statistic": "r", "value": 1.0, "n": 40}, ["exactly ±1 cannot be pooled"]),
])
def test_invalid_effects_store_nothing_and_say_everything(review, kwargs, expected):
    (rid,) = add_records(review, ("A1", ["Smith, J."], 2001))
    kwargs = {"moderators": MODS, **kwargs}
    with pytest.raises(InputError) as err:
        code_effect(review, rid, "ann", kwargs.pop("statistic"), kwargs.pop("value"), label="x", **kwargs)
    for text in expected:
        assert text in str(err.value)
    assert _count(review) == 0


def test_protocol_minimum_and_custom_fields_come_from_the_review(tmp_path):
    from db.engine import create_review
    from screening.protocol import default_protocol_text

    text = default_protocol_text().replace("min_participants = 5", "min_participants = 20")
    text += '\n[codebook.custom_fields]\nsetting = ["inpatient", "outpatient"]\n'
    db = create_review(tmp_path / "p.metasift", protocol=text, protocol_name="alliance-outcome")
    try:
        (rid,) = add_records(db, ("A1", ["Smith, J."], 2001))
        assert settings(db).min_n == 20
        with pytest.raises(InputError, match="below the protocol minimum of 20"):
            code_effect(db, rid, "ann", "r", 0.3, n=12, moderators=MODS)
        with pytest.raises(InputError, match="setting: 'day clinic'"):
            code_effect(db, rid, "ann", "r", 0.3, n=30, moderators={**MODS, "setting": "day clinic"})
        row = code_effect(db, rid, "ann", "r", 0.3, n=30, moderators={**MODS, "setting": "Inpatient"})
        assert row.moderators["setting"] == "inpatient"
    finally:
        db.close()


def test_unknown_record_and_duplicate_label_are_refused(review):
    (rid,) = add_records(review, ("A1", ["Smith, J."], 2001))
    with pytest.raises(InputError, match="no record #999"):
        code_effect(review, 999, "ann", "r", 0.3, n=30, moderators=MODS)
    code_effect(review, rid, "ann", "r", 0.3, n=30, moderators=MODS, label="BDI")
    with pytest.raises(InputError, match="already coded 'bdi'"):
        code_effect(review, rid, "ann", "r", 0.2, n=30, moderators=MODS, label="bdi")
    code_effect(review, rid, "bob", "r", 0.2, n=30, moderators=MODS, label="bdi")  # another coder may
    assert _count(review) == 2


def test_edit_and_delete_keep_the_history(review):
    (rid,) = add_records(review, ("A1", ["Smith, J."], 2001))
    first = code_effect(review, rid, "ann", "r", 0.30, n=40, moderators=MODS, label="BDI")
    second = edit_effect(review, first.id, value=0.35, moderators={**MODS, "treatment": "IPT"})
    assert second.replaces == first.id and second.coder == "ann" and second.label == "BDI"
    assert [e.id for e in effects(review)] == [second.id]
    assert effects(review)[0].r == pytest.approx(0.35)
    with pytest.raises(InputError, match="already replaced"):
        edit_effect(review, first.id, value=0.1)
    with pytest.raises(InputError, match="nothing stored"):
        edit_effect(review, second.id, n=3)
    gone = delete_effect(review, second.id, note="wrong table")
    assert gone.kind == "deleted" and gone.replaces == second.id
    assert effects(review) == []
    assert [h.kind for h in history(review, first.id)] == ["coded", "coded", "deleted"]
    assert [h.r for h in history(review, gone.id)][:2] == pytest.approx([0.30, 0.35])
    assert len(effects(review, current=False)) == 3


def test_a_retried_write_is_stored_once(review):
    (rid,) = add_records(review, ("A1", ["Smith, J."], 2001))
    a = code_effect(review, rid, "ann", "r", 0.3, n=30, moderators=MODS, uid="same-act")
    b = code_effect(review, rid, "ann", "r", 0.3, n=30, moderators=MODS, uid="same-act")
    assert a.id == b.id and _count(review) == 1
