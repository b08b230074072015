"""``metasift export REVIEW analysis.R``: the study table beside an R script that reproduces MetaSift's
pooled result, moderator tests, bias checks and plots with metafor.

Two files are written: ``<stem>_studies.csv`` (the study table, as ``export --level studies`` writes it)
and the script. The script reads the CSV from its own folder, so the pair can be moved together. It fits
``rma(yi, vi)`` (yi = Fisher's z) with the same estimator and test, prints metafor's output, the
Q-profile CIs and the back-transformed r, a mixed-effects model per moderator column (``factor()`` for
categories, as is for numbers), Egger's and Begg's tests and trim-and-fill, draws forest and funnel
plots into ``<stem>_plots.pdf``, and, when jsonlite is installed, writes its numbers to
``<stem>_results.json`` (tests compare those with MetaSift's). MetaSift's own values are in the
script's header comment for the reader to check against.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from db.engine import ReviewDB
from db.errors import InputError
from extraction.coding import CodingSettings
from extraction.export import atomic_path, write_csv
from extraction.pooling.estimators import normalise_method, normalise_test
from extraction.pooling.moderators import MetaRegression, categorical_moderator, continuous_moderator
from extraction.pooling.table import PoolReport, pool_report
from extraction.study_table import moderator_columns, study_table


def _r_string(text: str) -> str:
    """An R string literal (JSON escaping is valid R for these characters)."""
    return json.dumps(str(text), ensure_ascii=False)


def moderator_specs(frame: pd.DataFrame) -> list[tuple[str, str]]:
    """(column, "factor" | "numeric") for the study table's moderators with at least two distinct values."""
    specs = []
    cols = list(moderator_columns(frame))
    if "pub_year" in frame.columns and "pub_year" not in cols:
        cols.append("pub_year")
    for col in cols:
        values = frame[col].dropna()
        values = values[values.astype(str).str.strip() != ""]
        if values.astype(str).nunique() < 2:
            continue
        numeric = pd.to_numeric(values, errors="coerce").notna().all()
        specs.append((col, "numeric" if numeric else "factor"))
    return specs


@dataclass(frozen=True)
class MetaSiftResults:
    """MetaSift's numbers for the analyses the R script runs: the pooled report and, per moderator column, its
    meta-regression (or the message of why it could not be fitted)."""

    pooled: PoolReport
    moderators: dict[str, MetaRegression | str]

    def to_json(self) -> dict[str, Any]:
        return {"pooled": self.pooled.to_json(),
                "moderators": {col: m.to_json() if isinstance(m, MetaRegression) else {"error": m}
                               for col, m in self.moderators.items()}}


def metasift_results(frame: pd.DataFrame, method: str, test: str) -> MetaSiftResults:
    """MetaSift's numbers for the same analyses the script runs (for the header and for tests)."""
    d = frame.dropna(subset=["yi", "vi"]).reset_index(drop=True)
    y, v = d["yi"].to_numpy(float), d["vi"].to_numpy(float)
    moderators: dict[str, MetaRegression | str] = {}
    for col, kind in moderator_specs(d):
        try:
            if kind == "factor":
                m = categorical_moderator(y, v, d[col].where(d[col].notna(), None), name=col, method=method,
                                          test=test).model
            else:
                m = continuous_moderator(y, v, pd.to_numeric(d[col], errors="coerce").to_numpy(float), col,
                                         method=method, test=test)
            moderators[col] = m
        except InputError as exc:
            moderators[col] = exc.detail
    return MetaSiftResults(pool_report(y, v, method=method, test=test), moderators)


def _script(csv_name: str, stem: str, method: str, test: str, specs: list[tuple[str, str]],
            ours: MetaSiftResults, review: str) -> str:
    p = ours.pooled.pooled
    header = [
        f"# Reproduces MetaSift's meta-analysis of {review} with metafor (written by `metasift export`).",
        "# Run: Rscript analysis.R (the study table must stay in the same folder).",
        f"# MetaSift ({method}, test = {test}): estimate (Fisher z) = {p.estimate_z:.4f} (SE {p.se_z:.4f}), "
        f"tau^2 = {p.tau2:.4f}, I^2 = {p.i2:.2f}%, Q({p.q_df}) = {p.q:.4f}",
    ]
    if p.estimate_r is not None and p.ci_r is not None:
        header.append(f"#   r = {p.estimate_r:.4f} [{p.ci_r[0]:.4f}, {p.ci_r[1]:.4f}]")
    for col, m in ours.moderators.items():
        if isinstance(m, MetaRegression):
            header.append(f"#   moderator {col}: QM = {m.qm:.4f} (df = {m.qm_df}), p = {m.qm_p:.4f}")
    mods = ",\n  ".join(f"{_r_string(c)} = {_r_string(k)}" for c, k in specs)
    body = f"""
suppressPackageStartupMessages(library(metafor))
args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
here <- if (length(script) == 1) dirname(normalizePath(script)) else getwd()
dat <- read.csv(file.path(here, {_r_string(csv_name)}), fileEncoding = "UTF-8-BOM", stringsAsFactors = FALSE)
dat[] <- lapply(dat, function(x) if (is.character(x)) ifelse(trimws(x) == "", NA, x) else x)  # blank = missing
dat <- dat[!is.na(dat$yi) & !is.na(dat$vi), ]   # samples without a usable effect size

res <- rma(yi, vi, data = dat, method = {_r_string(method)}, test = {_r_string(test)}, slab = label)
print(res)
print(confint(res))
print(predict(res, transf = transf.ztor))        # yi are Fisher's z: back to r

moderators <- list(
  {mods}
)
mod_fits <- list()
for (m in names(moderators)) {{
  f <- if (moderators[[m]] == "factor") as.formula(paste0("~ factor(`", m, "`)")) else as.formula(paste0("~ `", m, "`"))
  fit <- tryCatch(rma(yi, vi, mods = f, data = dat, method = {_r_string(method)}, test = {_r_string(test)}),
                  error = function(e) e)
  cat("\\n== moderator", m, "\\n")
  print(fit)
  mod_fits[[m]] <- fit
}}

eg <- regtest(res)
print(eg)
rk <- ranktest(res)
print(rk)
tf <- trimfill(res)
print(tf)
print(fsn(yi, vi, data = dat))

pdf(file.path(here, {_r_string(stem + "_plots.pdf")}))
forest(res, transf = transf.ztor, header = TRUE)
funnel(tf)
dev.off()

if (requireNamespace("jsonlite", quietly = TRUE)) {{
  num <- function(x) if (is.null(x)) NA else unname(as.numeric(x))
  out <- list(pooled = list(k = res$k, estimate_z = num(res$beta), se_z = num(res$se), z = num(res$zval),
                            p = num(res$pval), ci_z = c(res$ci.lb, res$ci.ub), tau2 = res$tau2,
                            se_tau2 = res$se.tau2, i2 = res$I2, h2 = res$H2, q = res$QE, q_p = res$QEp,
                            estimate_r = num(predict(res, transf = transf.ztor)$pred),
                            confint = unname(as.list(as.data.frame(t(confint(res)$random))))),
              moderators = lapply(mod_fits, function(f) if (inherits(f, "error")) list(error = conditionMessage(f))
                                  else list(qm = f$QM, qm_p = f$QMp, tau2 = f$tau2, r2 = num(f$R2))),
              egger = list(z = eg$zval, p = eg$pval), rank = list(tau = num(rk$tau), p = rk$pval),
              trimfill = list(k0 = tf$k0, estimate = num(tf$beta)))
  jsonlite::write_json(out, file.path(here, {_r_string(stem + "_results.json")}), auto_unbox = TRUE, digits = NA)
}}
"""
    return "\n".join(header) + "\n" + body


@dataclass(frozen=True)
class RScriptExport:
    """What `write_r_script` wrote: the script, its study table (``rows``), the analysis it runs (k, method,
    test, moderators) and ``metasift``: MetaSift's numbers for the same analyses (`metasift_results`)."""

    file: str
    study_table: str
    rows: dict[str, int]
    k: int
    method: str
    test: str
    moderators: list[str]
    metasift: MetaSiftResults
    format: str = "R"

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "format": self.format, "study_table": self.study_table, "rows": dict(self.rows),
                "k": self.k, "method": self.method, "test": self.test, "moderators": list(self.moderators),
                "metasift": self.metasift.to_json()}


def write_r_script(db: ReviewDB, out: str | Path, *, method: str = "REML", test: str = "z",
                   rho: float | None = None, aggregation: str | None = None,
                   cfg: CodingSettings | None = None) -> RScriptExport:
    """Write the study table CSV and the R script; returns what was written and MetaSift's numbers (``cfg``:
    the review's settings, when the caller has read them already)."""
    out = Path(out)
    if out.suffix.lower() != ".r":
        raise InputError(f"an R script must end in .R, not {out.name!r}")
    method, test = normalise_method(method), normalise_test(test)
    frame = study_table(db, rho=rho, method=aggregation, cfg=cfg)
    usable = frame.dropna(subset=["yi", "vi"])
    if usable.empty:
        raise InputError("has no coded effect sizes to analyse yet (code them with `metasift code`)",
                         file=str(out))
    stem = out.stem
    csv_path = out.with_name(f"{stem}_studies.csv")
    write_csv(frame, csv_path)
    specs = moderator_specs(usable)
    ours = metasift_results(frame, method, test)
    review = Path(str(getattr(db, "path", None) or getattr(db, "url", "") or "the review")).name
    with atomic_path(out, ".R") as tmp:
        tmp.write_text(_script(csv_path.name, stem, method, test, specs, ours, review), encoding="utf-8")
    k = int(np.isfinite(usable["yi"].to_numpy(float)).sum())
    return RScriptExport(str(out), str(csv_path), {"studies": len(frame)}, k, method, test, [c for c, _ in specs], ours)
