"""metafor as the test oracle: run R code through ``Rscript`` in the same test run, get its numbers back.

`run_r(code, data)` writes ``data`` (a DataFrame, optional) to a CSV that the R code sees as ``dat``,
runs ``code`` (which must leave a named list in ``out``) and returns ``out`` decoded from JSON
(jsonlite at full precision, 15 significant digits, NA -> None). Results are cached per (code, data) for the
session; with ``R_ORACLE_CACHE=DIR`` (local development only) also across runs, in DIR.

When ``Rscript`` or one of the R packages is missing the calling test is *skipped* with the reason; with
the environment variable ``CI`` set it *fails* instead, so CI cannot pass without the oracle.

`printed_equal(ours, theirs, digits)` is the comparison the tests use: both values agree when metafor's
printout (fixed ``digits`` decimals) would show the same text, or when they differ by less than 1e-7
relative (a value on a rounding boundary, where the last printed digit depends on the 16th).
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

PACKAGES = ("metafor", "metadat", "jsonlite")
TIMEOUT = 300  # seconds for one Rscript call


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"R oracle required in CI: {reason}")
    pytest.skip(f"R oracle not available: {reason}")


@functools.cache
def _check(packages: tuple[str, ...]) -> str | None:
    """None when Rscript and the packages load, else the reason."""
    if shutil.which("Rscript") is None:
        return "Rscript is not on PATH (install r-base-core and r-cran-metafor)"
    code = "; ".join(f"suppressPackageStartupMessages(library({p}))" for p in packages)
    proc = subprocess.run(["Rscript", "--vanilla", "-e", code], capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        return f"R packages {', '.join(packages)} do not load: {proc.stderr.strip()[-300:]}"
    return None


def require_r(packages: tuple[str, ...] = PACKAGES) -> None:
    """Skip (locally) or fail (CI) unless Rscript and ``packages`` are usable."""
    reason = _check(tuple(packages))
    if reason:
        _unavailable(reason)


_cache: dict[str, Any] = {}


def run_r(code: str, data: pd.DataFrame | None = None, packages: tuple[str, ...] = PACKAGES) -> Any:
    """Run ``code`` with metafor loaded (``dat`` = ``data``) and return its ``out`` list as Python."""
    require_r(tuple(packages))
    csv = data.to_csv(index=False) if data is not None else ""
    key = hashlib.sha256((code + "\0" + csv + "\0" + ",".join(packages)).encode()).hexdigest()
    if key in _cache:
        return _cache[key]
    disk = Path(os.environ["R_ORACLE_CACHE"]) / f"{key}.json" if os.environ.get("R_ORACLE_CACHE") else None
    if disk is not None and disk.exists() and not os.environ.get("CI"):
        _cache[key] = json.loads(disk.read_text(encoding="utf-8"))
        return _cache[key]
    with tempfile.TemporaryDirectory(prefix="r_oracle_") as tmp:
        t = Path(tmp)
        script = ["options(warn = 1)"]
        script += [f"suppressPackageStartupMessages(library({p}))" for p in packages]
        if data is not None:
            (t / "data.csv").write_text(csv, encoding="utf-8")
            script.append(f"dat <- read.csv({json.dumps(str(t / 'data.csv'))}, stringsAsFactors = FALSE)")
        script.append(code)
        script.append(f"jsonlite::write_json(out, {json.dumps(str(t / 'out.json'))}, auto_unbox = TRUE, "
                      "digits = NA, na = 'null', null = 'null')")
        (t / "script.R").write_text("\n".join(script) + "\n", encoding="utf-8")
        proc = subprocess.run(["Rscript", "--vanilla", str(t / "script.R")], capture_output=True, text=True,
                              timeout=TIMEOUT)
        if proc.returncode != 0:
            raise AssertionError(f"R failed:\n{proc.stderr[-2000:]}\n--- code ---\n{code}")
        text = (t / "out.json").read_text(encoding="utf-8")
        result = json.loads(text)
    if disk is not None:
        disk.parent.mkdir(parents=True, exist_ok=True)
        disk.write_text(text, encoding="utf-8")
    _cache[key] = result
    return result


@functools.cache
def dataset(name: str, columns: tuple[str, ...] | None = None) -> pd.DataFrame:
    """A metadat dataset as R holds it (exported through JSON, so the numbers are R's own)."""
    cols = "" if columns is None else f"[, c({', '.join(json.dumps(c) for c in columns)})]"
    rows = run_r(f"out <- as.data.frame({name}){cols}")
    return pd.DataFrame(rows)


def fmt(x: float | None, digits: int) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "NA"
    text = f"{x:.{digits}f}"
    return "0." + "0" * digits if text.lstrip("-") == "0." + "0" * digits else text  # -0.0000 -> 0.0000


def printed_equal(ours: float | None, theirs: float | None, digits: int = 4) -> bool:
    """Equal at metafor's printed precision (see the module docstring)."""
    if ours is None or theirs is None:
        return ours is None and theirs is None
    if fmt(ours, digits) == fmt(theirs, digits):
        return True
    return abs(ours - theirs) <= 1e-7 * max(1.0, abs(theirs))


def pval_equal(ours: float, theirs: float) -> bool:
    """p values as metafor prints them (4 digits, "<.0001" below 1e-4)."""
    if ours < 1e-4 and theirs < 1e-4:
        return True
    return printed_equal(ours, theirs, 4)
