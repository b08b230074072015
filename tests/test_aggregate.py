"""Aggregation of dependent correlations: hand-computed composites and means, errors, the CLI."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from cli.app import main
from db.errors import InputError
from extraction.aggregate import aggregate, round_like_r
from tests.r_oracle import run_r

TOL = 1e-9


def _frame(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["study", "r", "n", "rater"])


ROWS = [("A", 0.3, 50, "client"), ("A", 0.4, 50, "client"), ("B", 0.2, 40, "therapist"),
        ("A", 0.1, 51, "therapist")]


def test_composite_by_hand() -> None:
    out = aggregate(_frame(ROWS), "study", "r", "n")
    assert list(out.columns) == ["id", "r", "n", "k", "z", "var_z"]
    assert list(out["id"]) == ["A", "B"]                       # order of first appearance
    a = out.iloc[0]
    # Σr = .3 + .4 + .1 = .8; k + k(k − 1)ρ = 3 + 3·2·.5 = 6 -> .8 / √6 = 0.32659863...
    assert a["r"] == pytest.approx(0.8 / math.sqrt(6), abs=TOL)
    assert a["r"] == pytest.approx(0.326598632371, abs=1e-12)
    assert a["n"] == 50                                         # mean(50, 50, 51) = 50.33 -> 50
    assert a["k"] == 3
    assert a["z"] == pytest.approx(0.5 * math.log((1 + a["r"]) / (1 - a["r"])), abs=TOL)
    assert a["var_z"] == pytest.approx(1 / 47, abs=TOL)         # 1 / (50 − 3)


def test_single_effect_passes_through_unchanged() -> None:
    b = aggregate(_frame(ROWS), "study", "r", "n").iloc[1]
    assert (b["r"], b["n"], b["k"]) == (0.2, 40, 1)
    assert b["var_z"] == pytest.approx(1 / 37, abs=TOL)
    b = aggregate(_frame(ROWS), "study", "r", "n", method="mean").iloc[1]
    assert (b["r"], b["n"], b["k"]) == (0.2, 40, 1)


@pytest.mark.parametrize(("rho", "expected"), [
    (1.0, (0.3 + 0.4 + 0.1) / 3),      # √(3 + 6) = 3: the plain mean
    (0.0, 0.8 / math.sqrt(3)),          # √3
    (0.2, 0.8 / math.sqrt(4.2)),        # 3 + 6·.2 = 4.2
])
def test_composite_depends_on_rho(rho: float, expected: float) -> None:
    out = aggregate(_frame(ROWS), "study", "r", "n", rho=rho)
    assert out.iloc[0]["r"] == pytest.approx(expected, abs=TOL)


def test_mean_of_correlated_fisher_z_by_hand() -> None:
    df = _frame([("S", 0.3, 53, "x"), ("S", 0.5, 28, "x")])
    s = aggregate(df, "study", "r", "n", method="mean").iloc[0]
    z1 = 0.5 * math.log(1.3 / 0.7)                              # atanh .3
    z2 = 0.5 * math.log(1.5 / 0.5)                              # atanh .5 = ½ ln 3
    assert s["z"] == pytest.approx((z1 + z2) / 2, abs=TOL)
    # V = 1/50 and 1/25; (1/2)² (1/50 + 1/25 + 2·.5·√(1/50 · 1/25)) = ¼ (.06 + √.0008)
    assert s["var_z"] == pytest.approx(0.25 * (0.06 + math.sqrt(0.0008)), abs=TOL)
    assert s["var_z"] == pytest.approx(0.022071067811865, abs=1e-12)
    assert s["r"] == pytest.approx(math.tanh((z1 + z2) / 2), abs=TOL)
    assert s["n"] == 40                                         # (53 + 28)/2 = 40.5 -> 40 (R: half to even)


def test_by_moderator_levels() -> None:
    out = aggregate(_frame(ROWS), "study", "r", "n", by="rater")
    assert list(out.columns) == ["id", "rater", "r", "n", "k", "z", "var_z"]
    assert [(i, m, k) for i, m, k in zip(out["id"], out["rater"], out["k"], strict=True)] == [
        ("A", "client", 2), ("B", "therapist", 1), ("A", "therapist", 1)]
    # A/client: (.3 + .4) / √(2 + 2·1·.5) = .7 / √3
    assert out.iloc[0]["r"] == pytest.approx(0.7 / math.sqrt(3), abs=TOL)


def test_rounding_is_r_round() -> None:
    xs = [50.5, 12.5, 13.5, 24.5, 12.49, 0.5, 1.5, 2.5, 40.5, 99.50000001, 7.0]
    assert [round_like_r(x) for x in xs] == [50, 12, 14, 24, 12, 0, 2, 2, 40, 100, 7]
    # and R itself (as MAc::agg rounds the mean n) agrees, in this test run
    assert [round_like_r(x) for x in xs] == run_r(f"out <- round(c({', '.join(map(repr, xs))}))",
                                                   packages=("jsonlite",))


def test_aggregated_n_of_an_even_sum_half() -> None:
    df = _frame([("S", 0.3, 24, "x"), ("S", 0.4, 25, "x")])      # mean n 24.5
    assert aggregate(df, "study", "r", "n").iloc[0]["n"] == 24


def test_ids_from_text_and_numbers_group_together() -> None:
    df = pd.DataFrame({"id": [7, "7", 7.0], "r": ["0.2", 0.2, "0.2"], "n": ["30", 30, 30.0]})
    out = aggregate(df, "id", "r", "n", rho=1.0)
    assert list(out["id"]) == ["7"] and out.iloc[0]["k"] == 3
    assert out.iloc[0]["r"] == pytest.approx(0.2, abs=TOL)      # ρ = 1: the plain mean


def test_impossible_composite_is_refused() -> None:
    # .9 · 4 / √(4 + 12·.5) = 3.6 / √10 = 1.138 > 1
    df = _frame([("C", 0.9, 30, "x")] * 4)
    with pytest.raises(InputError, match="rho"):
        aggregate(df, "study", "r", "n")


@pytest.mark.parametrize(("rows", "kwargs", "message"), [
    ([("A", "abc", 30, "x")], {}, r"line 2: column 'r': 'abc' is not a number"),
    ([("A", 0.3, 30, "x"), ("A", None, 30, "x")], {}, r"line 3: column 'r' is empty"),
    ([("A", 1.2, 30, "x")], {}, "strictly between"),
    ([("A", 0.3, 3, "x")], {}, r"column 'n'.*>= 4"),
    ([("A", 0.3, 30.5, "x")], {}, r"column 'n'.*whole"),
    ([(None, 0.3, 30, "x")], {}, r"column 'study'.*empty"),
    ([("A", 0.3, 30, "x")], {"by": "setting"}, "no column 'setting'"),
])
def test_bad_values_name_the_column_and_line(rows: list[tuple], kwargs: dict, message: str) -> None:
    with pytest.raises(InputError, match=message) as info:
        aggregate(_frame(rows), "study", "r", "n", source="effects.csv", **kwargs)
    assert info.value.file == "effects.csv"


@pytest.mark.parametrize(("kwargs", "message"), [({"rho": 1.5}, "rho"), ({"rho": -0.1}, "rho"),
                                                 ({"method": "median"}, "unknown aggregation method")])
def test_bad_parameters_are_refused(kwargs: dict, message: str) -> None:
    with pytest.raises(InputError, match=message):
        aggregate(_frame(ROWS), "study", "r", "n", **kwargs)


# ------------------------------------------------------------------ CLI

CSV = "study,r,n,rater\nA,0.3,50,client\nA,0.4,50,client\nB,0.2,40,therapist\nA,0.1,51,therapist\n"


def test_cli_aggregate_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "effects.csv"
    path.write_text(CSV, encoding="utf-8")
    assert main(["aggregate", str(path), "--id", "study", "--r", "r", "--n", "n", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [(s["id"], s["n"], s["k"]) for s in data["studies"]] == [("A", 50, 3), ("B", 40, 1)]
    assert data["studies"][0]["r"] == pytest.approx(0.8 / math.sqrt(6), abs=TOL)
    assert main(["aggregate", str(path), "--id", "study", "--r", "r", "--n", "n", "--by", "rater",
                 "--method", "mean", "--rho", "0.5", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [(s["id"], s["rater"], s["k"]) for s in data["studies"]] == [
        ("A", "client", 2), ("B", "therapist", 1), ("A", "therapist", 1)]
    assert main(["aggregate", str(path), "--id", "study", "--r", "r", "--n", "n"]) == 0
    assert "2 independent samples" in capsys.readouterr().out


def test_cli_aggregate_semicolon_csv_and_xlsx(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    semi = tmp_path / "semi.csv"
    semi.write_text(CSV.replace(",", ";"), encoding="utf-8")
    assert main(["aggregate", str(semi), "--id", "study", "--r", "r", "--n", "n", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["studies"]) == 2
    xlsx = tmp_path / "effects.xlsx"
    pd.DataFrame({"study": [1, 1, 2], "r": [0.3, 0.5, 0.25], "n": [40, 42, 60]}).to_excel(xlsx, index=False)
    assert main(["aggregate", str(xlsx), "--id", "study", "--r", "r", "--n", "n", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [(s["id"], s["n"], s["k"]) for s in data["studies"]] == [("1", 41, 2), ("2", 60, 1)]
    assert data["studies"][0]["r"] == pytest.approx(0.8 / math.sqrt(3), abs=TOL)   # .8 / √(2 + 1)


def test_cli_aggregate_errors_name_file_column_and_row(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("study,r,n\nA,0.3,50\nA,x,50\n", encoding="utf-8")
    assert main(["aggregate", str(path), "--id", "study", "--r", "r", "--n", "n"]) == 2
    err = capsys.readouterr().err
    assert "bad.csv" in err and "line 3" in err and "column 'r'" in err
    assert main(["aggregate", str(path), "--id", "study", "--r", "corr", "--n", "n"]) == 2
    err = capsys.readouterr().err
    assert "bad.csv" in err and "'corr'" in err
    assert main(["aggregate", str(tmp_path / "missing.csv"), "--id", "a", "--r", "b", "--n", "c"]) == 2
    assert "missing.csv" in capsys.readouterr().err
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    assert main(["aggregate", str(empty), "--id", "a", "--r", "b", "--n", "c"]) == 2
    assert "empty" in capsys.readouterr().err
