"""The codebook: vocabularies, aliases, protocol extension, validation, and coder agreement."""

from __future__ import annotations

import tomllib

import pytest

from db.errors import InputError
from extraction.codebook import Codebook, cohen_kappa, icc, mean_abs_difference, percent_agreement

TOL = 1e-9

GOOD = {"study_id": "Horvath-1993a", "r": 0.26, "n": 42, "statistic": "t", "value": 1.7, "df": 40,
        "alliance_measure": "WAI", "alliance_rater": "client", "alliance_time": "early",
        "alliance_session": 3, "outcome_measure": "BDI", "outcome_rater": "client", "treatment": "CBT",
        "pub_source": "journal", "language": "English", "pub_year": 1993}


def test_a_complete_effect_is_valid() -> None:
    assert Codebook().validate_effect(GOOD, min_n=5) == []


@pytest.mark.parametrize(("field", "value", "canonical"), [
    ("alliance_measure", "Working Alliance Inventory", "WAI"),
    ("alliance_measure", "wai-sr", "WAI-SR"),
    ("alliance_measure", "WAI SR", "WAI-SR"),
    ("alliance_measure", "calpas", "CALPAS"),
    ("alliance_measure", "Penn Helping Alliance", "HAq"),
    ("alliance_measure", "Other: STA", "Other: STA"),
    ("alliance_measure", "other (Session Rating Scale)", "Other: Session Rating Scale"),
    ("alliance_measure", "OTHER", "Other"),
    ("alliance_rater", "Patient", "client"),
    ("alliance_time", "Average", "averaged"),
    ("outcome_measure", "SCL", "SCL-90"),
    ("outcome_measure", "Beck Depression Inventory", "BDI"),
    ("treatment", "cognitive-behavioural therapy", "CBT"),
    ("pub_source", "Dissertation", "unpublished"),
    ("pub_source", "unpublished / thesis", "unpublished"),
    ("alliance_measure", "Therapeutic Bond Scale", None),   # needs "Other: ..."
    ("alliance_rater", "supervisor", None),
])
def test_vocabularies_and_aliases(field: str, value: str, canonical: str | None) -> None:
    assert Codebook().canonical(field, value) == canonical


def test_messages_for_each_kind_of_error() -> None:
    cb = Codebook()
    msgs = cb.validate_effect({**GOOD, "r": 1.2, "alliance_measure": "TBS", "colour": "red"}, min_n=5)
    assert any(m.startswith("r:") and "out of range" in m for m in msgs)
    assert any("alliance_measure" in m and "Other: TBS" in m for m in msgs)
    assert "unknown field 'colour'" in msgs
    assert len(msgs) == 3
    msgs = cb.validate_effect({**GOOD, "n": 4, "df": 2}, min_n=5)
    assert msgs == ["n: 4 is below the protocol minimum of 5 participants"]   # df 2 = 4 − 2 is fine
    msgs = cb.validate_effect({k: v for k, v in GOOD.items() if k != "alliance_rater"} | {"treatment": ""},
                              min_n=5)
    assert sorted(m.split("'")[1] for m in msgs) == ["alliance_rater", "treatment"]
    assert cb.validate_effect({**GOOD, "n": "forty"}, min_n=5) == ["n: 'forty' is not a number"]
    msgs = cb.validate_effect({**GOOD, "pub_year": 1993.5}, min_n=5)
    assert msgs == ["pub_year: 1993.5 is not a whole number"]


@pytest.mark.parametrize(("statistic", "df", "ok"), [
    ("t", 40, True),     # n − 2 = 40
    ("t", 41, True),     # within the tolerance of 1
    ("t", 38, False),
    ("r", 30, False),
    ("F", "40", True),
    ("F", 20, False),
    ("d", 10, True),     # df is only checked for t, r and F
])
def test_df_must_match_n(statistic: str, df: object, ok: bool) -> None:
    msgs = Codebook().validate_effect({**GOOD, "statistic": statistic, "df": df}, min_n=5)
    assert (msgs == []) is ok
    if not ok:
        assert "expected n - 2 = 40" in msgs[0]


def test_f_with_two_numerator_df_is_flagged() -> None:
    msgs = Codebook().validate_effect({**GOOD, "statistic": "F", "df1": 2}, min_n=5)
    assert len(msgs) == 1 and "F(2, df)" in msgs[0]


def test_protocol_extends_the_codebook() -> None:
    cb = Codebook.from_protocol({"custom_fields": {
        "setting": ["inpatient", "outpatient"],
        "dose": {"type": "integer", "meaning": "number of sessions", "min": 1, "required": True}},
        "values": {"alliance_measure": ["STA"]},
        "aliases": {"treatment": {"DBT": "CBT"}}})
    assert cb.canonical("setting", "Inpatient") == "inpatient"
    assert cb.canonical("alliance_measure", "sta") == "STA"
    assert cb.canonical("treatment", "dbt") == "CBT"
    assert cb.validate_effect({**GOOD, "setting": "outpatient", "dose": 12}, min_n=5) == []
    msgs = cb.validate_effect({**GOOD, "setting": "day clinic"}, min_n=5)
    assert any("setting" in m and "inpatient, outpatient" in m for m in msgs)
    assert any("'dose'" in m and "missing" in m for m in msgs)
    msgs = cb.validate_effect({**GOOD, "dose": 0}, min_n=5)
    assert msgs == ["dose: 0 is out of range (a whole number >= 1)"]


def test_protocol_toml_table_and_required_override() -> None:
    text = """
[codebook]
required = ["alliance_measure"]
[codebook.custom_fields]
setting = ["inpatient", "outpatient"]
"""
    cb = Codebook.from_protocol(tomllib.loads(text))
    minimal = {"study_id": "S1", "r": 0.3, "n": 30, "alliance_measure": "HAq"}
    assert cb.validate_effect(minimal, min_n=5) == []
    assert any("'r'" in m for m in cb.validate_effect({"study_id": "S1", "n": 30,
                                                       "alliance_measure": "HAq"}, min_n=5))


@pytest.mark.parametrize(("mapping", "message"), [
    ({"custom_fieldz": {}}, "unknown key"),
    ({"custom_fields": {"r": ["a"]}}, "built-in"),
    ({"custom_fields": {"bad name": ["a"]}}, "valid column name"),
    ({"custom_fields": {"x": {"type": "colour"}}}, "type must be"),
    ({"custom_fields": {"x": {"type": "category", "values": []}}}, "non-empty list"),
    ({"custom_fields": {"x": {"values": ["a"], "aliases": {"b": "c"}}}}, "aliases"),
    ({"values": {"n": ["x"]}}, "not a category"),
    ({"aliases": {"treatment": {"DBT": "dialectical"}}}, "aliases.treatment"),
    ({"required": ["nonexistent"]}, "required"),
])
def test_bad_protocol_mappings_are_refused(mapping: dict, message: str) -> None:
    with pytest.raises(InputError, match=message):
        Codebook.from_protocol(mapping, where="alliance.toml")


def test_describe_rows_for_the_codebook_sheet() -> None:
    rows = Codebook.from_protocol({"custom_fields": {"setting": ["inpatient", "outpatient"]}}).describe()
    by_col = {r["column"]: r for r in rows}
    assert set(rows[0]) == {"column", "label", "meaning", "allowed values", "required"}
    assert "WAI-SR" in by_col["alliance_measure"]["allowed values"]
    assert "Other: <free text>" in by_col["alliance_measure"]["allowed values"]
    assert by_col["r"]["allowed values"] == "a number >= -1 and <= 1"
    assert by_col["setting"]["allowed values"] == "inpatient, outpatient"
    assert by_col["study_id"]["required"] == "yes" and by_col["language"]["required"] == "no"


# ------------------------------------------------------------------ agreement


def test_percent_agreement() -> None:
    # 4 of 5 items agree -> 80 %; the missing item is dropped, case and spacing are ignored
    a = ["CBT", "IPT", "cbt", "other", "IPT", None]
    b = ["CBT", "CBT", "CBT", "Other", "ipt ", "IPT"]
    assert percent_agreement(a, b) == pytest.approx(80.0, abs=TOL)


def test_cohen_kappa_by_hand() -> None:
    a = ["A", "A", "A", "B", "B", "C"]
    b = ["A", "A", "B", "B", "B", "C"]
    # p_o = 5/6; margins a: A 3, B 2, C 1; b: A 2, B 3, C 1
    # p_e = (3·2 + 2·3 + 1·1) / 36 = 13/36; κ = (30/36 − 13/36) / (23/36) = 17/23
    assert cohen_kappa(a, b) == pytest.approx(17 / 23, abs=TOL)
    # one coder constant, the other not: p_o = 3/4, p_e = 4·3/16 = 3/4 -> κ = 0
    assert cohen_kappa(["A"] * 4, ["A", "A", "A", "B"]) == pytest.approx(0.0, abs=TOL)
    # perfect agreement on two categories: p_o = 1, p_e = (2·2 + 2·2)/16 = 1/2 -> κ = 1
    assert cohen_kappa(["x", "y", "x", "y"], ["x", "y", "x", "y"]) == pytest.approx(1.0, abs=TOL)


def test_cohen_kappa_all_same_category_is_undefined() -> None:
    assert cohen_kappa(["client"] * 5, ["Client"] * 5) is None


def test_icc_by_hand() -> None:
    a, b = [1, 2, 3, 4], [2, 2, 4, 5]
    # grand mean 23/8; row means 1.5, 2, 3.5, 4.5; column means 2.5, 3.25
    # SSR = 2·(1.375² + .875² + .625² + 1.625²) = 11.375, MSR = 11.375/3 = 91/24
    # SSC = 4·(.375² + .375²) = 1.125, MSC = 1.125 = 27/24
    # SST = 12.875, SSE = 12.875 − 11.375 − 1.125 = .375, MSE = .375/3 = 3/24
    # ICC(2,1) = (91 − 3) / (91 + 3 + 2·(27 − 3)/4) = 88/106 = 44/53
    # ICC(3,1) = (91 − 3) / (91 + 3) = 88/94 = 44/47
    assert icc(a, b) == pytest.approx(44 / 53, abs=TOL)
    assert icc(a, b, form="3,1") == pytest.approx(44 / 47, abs=TOL)


def test_icc_edge_cases() -> None:
    assert icc([0.1, 0.2, 0.3], [0.1, 0.2, 0.3]) == pytest.approx(1.0, abs=TOL)   # MSE = MSC = 0
    assert icc([0.2, 0.2], [0.2, 0.2]) is None                                    # no variance at all
    # a missing item is dropped: the same as the complete example above
    assert icc([1, 2, None, 3, 4], [2, 2, 9, 4, 5]) == pytest.approx(44 / 53, abs=TOL)
    with pytest.raises(InputError, match="two items"):
        icc([0.3], [0.3])
    with pytest.raises(InputError, match="form"):
        icc([1, 2], [1, 2], form="1,1")
    with pytest.raises(InputError, match="numbers"):
        icc([1, "x"], [1, 2])


def test_mean_absolute_difference() -> None:
    # (|.30 − .28| + |.25 − .25| + |.10 − .15|) / 3 = (.02 + 0 + .05) / 3
    assert mean_abs_difference([0.30, "0.25", 0.10], [0.28, 0.25, 0.15]) == pytest.approx(0.07 / 3, abs=TOL)
    with pytest.raises(InputError, match="length"):
        mean_abs_difference([0.1], [0.1, 0.2])


def test_yes_no_fields_labels_help_and_omitted_moderators() -> None:
    book = Codebook.from_protocol({"omit": ["alliance_session", "language"], "required": ["blinded"],
                                   "custom_fields": {
                                       "blinded": {"type": "yes_no", "label": "Assessors blinded",
                                                   "help": "were outcome assessors blind to the arm?"},
                                       "dose": {"type": "integer", "label": "Sessions", "min": 1, "max": 40}}})
    f = book.fields["blinded"]
    assert (f.kind, f.title, f.meaning, f.required, f.allowed()) == (
        "yes_no", "Assessors blinded", "were outcome assessors blind to the arm?", True, "yes or no")
    assert [f.canonical(v) for v in ("Yes", " no ", "TRUE", "0", "ja", True, "maybe")] == [
        "yes", "no", "yes", "no", "yes", "yes", None]
    assert f.check("maybe") == "blinded: 'maybe' is not yes or no"
    assert "alliance_session" not in book.fields and "language" not in book.fields
    assert book.fields["dose"].check(41) == "dose: 41 is out of range (a whole number >= 1 and <= 40)"
    assert book.fields["alliance_measure"].builtin and not book.fields["dose"].builtin
    assert book.fields["r"].title == "r"
    with pytest.raises(InputError, match=r"omit: 'r' is not a built-in moderator"):
        Codebook.from_protocol({"omit": ["r"]})
    with pytest.raises(InputError, match="min 5 is above max 1"):
        Codebook.from_protocol({"custom_fields": {"x": {"type": "number", "min": 5, "max": 1}}})
    with pytest.raises(InputError, match="a yes_no field takes no values"):
        Codebook.from_protocol({"custom_fields": {"x": {"type": "yes_no", "values": ["y"]}}})
    with pytest.raises(InputError, match="required must be true or false"):
        Codebook.from_protocol({"custom_fields": {"x": {"type": "text", "required": "yes"}}})
