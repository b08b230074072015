"""Effect-size commands: ``convert`` (a reported statistic to r) and ``aggregate`` (one r per sample)."""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cli.base import Result, add_json_arg, table
from db.errors import InputError
from extraction import apa
from extraction.choices import AGGREGATION_METHODS as METHODS
from extraction.effect_sizes import STATISTICS, convert
from screening.importers.tabular_rows import check_workbook_file

if TYPE_CHECKING:
    import pandas as pd


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("convert")
    p.add_argument("--from", dest="statistic", required=True, choices=list(STATISTICS),
                   help="the reported statistic")
    p.add_argument("--value", required=True, type=float, help="its value")
    p.add_argument("--df", default=None,
                   help="degrees of freedom of t, F (DF, or DF1,DF2) or chi2 (only 1 converts, unless --table)")
    p.add_argument("--table", default=None, metavar="A,B,C,D",
                   help="chi2: the 2 x 2 table's cells (row by row); r is its phi coefficient")
    p.add_argument("--n", type=int, default=None, help="total sample size (needed for chi2, p and ztest)")
    p.add_argument("--n1", type=int, default=None, help="size of group 1 (d, or)")
    p.add_argument("--n2", type=int, default=None, help="size of group 2 (d, or)")
    p.add_argument("--tails", type=int, default=2, choices=[1, 2], help="tails of p (default 2)")
    p.add_argument("--direction", type=int, default=1, choices=[1, -1],
                   help="sign of the effect for F, chi2 and p; -1 reverses a signed statistic")
    add_json_arg(p)
    p.set_defaults(handler=cmd_convert)

    p = sub.add_parser("aggregate")
    p.add_argument("file", type=Path, metavar="FILE", help="CSV or .xlsx file, one row per effect")
    p.add_argument("--id", dest="id_col", required=True, metavar="COL", help="column of the sample id")
    p.add_argument("--r", dest="r_col", required=True, metavar="COL", help="column of the correlations")
    p.add_argument("--n", dest="n_col", required=True, metavar="COL", help="column of the sample sizes")
    p.add_argument("--rho", type=float, default=0.5,
                   help="assumed correlation between a sample's outcome measures (default 0.5)")
    p.add_argument("--method", default="composite", choices=list(METHODS),
                   help="composite (Hunter & Schmidt, as MAc::agg) or mean (of Fisher z, Borenstein et al.)")
    p.add_argument("--by", action="append", default=[], metavar="COL",
                   help="aggregate separately per level of this moderator column (repeatable)")
    add_json_arg(p)
    p.set_defaults(handler=cmd_aggregate)


def _finite(x: float | None) -> float | None:
    return x if x is not None and math.isfinite(x) else None


def _parse_df(text: str | None) -> float | tuple[float, float] | None:
    if text is None:
        return None
    parts = [t.strip() for t in text.split(",")]
    try:
        nums = [float(t) for t in parts]
    except ValueError:
        raise InputError(f"--df {text!r}: expected a number, or DF1,DF2 for F") from None
    if len(nums) == 1:
        return nums[0]
    if len(nums) == 2:
        return nums[0], nums[1]
    raise InputError(f"--df {text!r}: expected a number, or DF1,DF2 for F")


def _parse_table(text: str | None) -> tuple[float, float, float, float] | None:
    if text is None:
        return None
    try:
        cells = [float(t) for t in text.split(",")]
    except ValueError:
        raise InputError(f"--table {text!r}: expected four counts A,B,C,D") from None
    if len(cells) != 4:
        raise InputError(f"--table {text!r}: expected four counts A,B,C,D (a 2 x 2 table, row by row)")
    a, b, c, d = cells
    return a, b, c, d


def cmd_convert(args: argparse.Namespace) -> Result:
    conv = convert(args.statistic, args.value, df=_parse_df(args.df), n=args.n, n1=args.n1, n2=args.n2,
                   tails=args.tails, direction=args.direction, table=_parse_table(args.table))
    data = {"r": conv.r, "z": _finite(conv.z), "var_z": conv.var_z, "method": conv.method}
    var = "unknown (give --n)" if conv.var_z is None else apa.number(conv.var_z, 4)
    z = "infinite" if data["z"] is None else apa.number(conv.z, 3)
    return Result(data, f"r = {apa.bounded(conv.r, 3)}\nz = {z}\nvar(z) = {var}\n({conv.method}; --json gives full "
                  "precision)")


def read_table(path: Path) -> pd.DataFrame:
    import pandas as pd

    """A CSV or Excel (.xlsx) file as a DataFrame; InputError if unreadable.

    CSV: UTF-8, separated by the comma, semicolon or tab that occurs most often in the header line.
    """
    where = str(path)
    if not path.is_file():
        raise InputError("no such file", file=where)
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            check_workbook_file(path)  # a stray far cell or a compressed bomb would exhaust memory
            df = pd.read_excel(path, dtype=object, engine="openpyxl")
        else:
            with path.open(encoding="utf-8-sig") as fh:
                header = fh.readline()
            sep = max((",", ";", "\t"), key=header.count)
            df = pd.read_csv(path, dtype=str, sep=sep, encoding="utf-8-sig")
    except pd.errors.EmptyDataError:
        raise InputError("the file is empty", file=where) from None
    except UnicodeDecodeError:
        raise InputError("is not UTF-8 text; save it as UTF-8 CSV or as .xlsx", file=where) from None
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise InputError(f"cannot be read as a table: {exc}", file=where) from None
    df.columns = [str(c).strip() for c in df.columns]
    return df


def _plain(value: Any) -> Any:
    """JSON-friendly cell: numpy scalars to Python, NaN to None."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def cmd_aggregate(args: argparse.Namespace) -> Result:
    from extraction.aggregate import aggregate

    df = read_table(args.file)
    out = aggregate(df, args.id_col, args.r_col, args.n_col, rho=args.rho, method=args.method,
                    by=args.by or None, source=str(args.file))
    studies = [{k: _plain(v) for k, v in row.items()} for row in out.to_dict(orient="records")]
    data = {"studies": studies, "method": args.method, "rho": args.rho, "effects": len(df),
            "samples": len(studies)}
    cols = ["id", *args.by, "r", "n", "k"]
    rows = [[s[c] if c not in ("r",) else apa.bounded(s['r'], 3) for c in cols] for s in studies]
    text = table(rows, cols) + (f"\n{len(df)} effects -> {len(studies)} independent samples "
                                f"({args.method}, rho = {args.rho:g})")
    return Result(data, text)
