"""Benchmark: the Analysis screen's work for 1,000 studies, and the three-level model with CR2 SEs on 5,000 effects
in 300 studies, each next to metafor doing the same on the same data in the same run (Rscript, if installed).

Analysis work = REML pooling with Q-profile CIs, fail-safe N and Egger's test, a 3-level categorical moderator
(mixed-effects model plus separate fits), the meta-regression ``mods = ~ x + g``, trim-and-fill, and a forest and a
funnel plot rendered to PNG. metafor: rma, confint, fsn, regtest, rma(mods = ~ factor(g)) and per-level rma,
rma(mods = ~ x + g), trimfill, forest and funnel into png(). Targets: < 1 s and < 5 s.

The screen measure is what the Analysis screen computes and renders for 1,000 studies: the statistics above plus the
forest plot's first page, the funnel and the bubble plot drawn at screen resolution.

Run: ``python benchmarks/bench_analysis.py [repeats] [R repeats]`` (R repeats 0: MetaSift only); prints median
wall times (R's excludes its start-up and reading the CSV) and the ratios. rma.mv runs with ``sparse = TRUE`` (dense
5,000 x 5,000 matrices take minutes).
"""

from __future__ import annotations

import io
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd


def studies(k: int = 1000, seed: int = 15) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = rng.integers(20, 500, k)
    g = rng.choice(["a", "b", "c"], k)
    x = rng.normal(0, 1, k)
    theta = np.arctanh(0.25) + 0.05 * x + np.where(g == "b", 0.05, 0.0) + rng.normal(0, 0.1, k)
    return pd.DataFrame({"yi": rng.normal(theta, 1 / np.sqrt(n - 3)), "vi": 1 / (n - 3), "x": x, "g": g})


def effects(k: int = 5000, clusters: int = 300, seed: int = 15) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    sizes = rng.multinomial(k - clusters, np.ones(clusters) / clusters) + 1
    study = np.repeat(np.arange(clusters), sizes)
    v = rng.uniform(0.005, 0.08, k)
    x = rng.normal(0, 1, k)
    y = 0.3 + 0.05 * x + rng.normal(0, 0.2, clusters)[study] + rng.normal(0, 0.1, k) + rng.normal(0, np.sqrt(v))
    return pd.DataFrame({"study": study, "es": np.arange(k), "yi": y, "vi": v, "x": x})


def statistics_work(d: pd.DataFrame) -> None:
    from extraction.pooling import categorical_moderator, pool_report, trim_and_fill
    from extraction.pooling.moderators import mods_regression

    y, v = d["yi"].to_numpy(), d["vi"].to_numpy()
    pool_report(y, v, method="REML")
    categorical_moderator(y, v, d["g"], name="g")
    mods_regression(y, v, d, "x + g")
    trim_and_fill(y, v)


def plots_work(d: pd.DataFrame) -> None:
    from extraction.pooling import trim_and_fill
    from extraction.pooling.plots import forest_plot, funnel_plot

    y, v = d["yi"].to_numpy(), d["vi"].to_numpy()
    tf = trim_and_fill(y, v)
    for fig in (forest_plot(y, v, method="REML"), funnel_plot(y, v, trimfill=tf)):
        fig.savefig(io.BytesIO(), format="png", dpi=72)


def screen_plots_work(d: pd.DataFrame) -> None:
    """The pictures the Analysis screen draws (at its 100 dpi): the forest plot's first page (`PAGE_ROWS` rows,
    x axis and weights of all 1,000), the funnel plot with trim-and-fill and the bubble plot of ``x + g``."""
    from extraction.pooling import trim_and_fill
    from extraction.pooling.diagnostic_plots import bubble_for
    from extraction.pooling.plots import funnel_plot
    from gui.analysis.actions import Data, fit_to_content, forest_page

    y, v = d["yi"].to_numpy(), d["vi"].to_numpy()
    fig = forest_page(Data(d, y, v, [f"Study {i + 1}" for i in range(len(d))]), "REML", 0)
    others = [funnel_plot(y, v, trimfill=trim_and_fill(y, v)), bubble_for(y, v, d, "x + g")]
    for f in [fig, *others]:
        if f is not fig:
            fit_to_content(f)
        f.set_dpi(100)
        f.canvas.draw()


def screen_work(d: pd.DataFrame) -> None:
    statistics_work(d)
    screen_plots_work(d)


def analysis_work(d: pd.DataFrame) -> None:
    statistics_work(d)
    plots_work(d)


def multilevel_work(d: pd.DataFrame) -> None:
    from extraction.pooling.multilevel import fit_multilevel

    X = np.column_stack([np.ones(len(d)), d["x"]])
    fit_multilevel(d["yi"], d["vi"], [d["study"], d["es"]], ["study", "es"], X=X, robust="CR2")


R_CODE = r"""
suppressPackageStartupMessages({library(metafor); library(clubSandwich)})
a <- read.csv(%(studies)s); m <- read.csv(%(effects)s)
ta <- replicate(%(rep)d, system.time({
  r <- rma(yi, vi, data = a); confint(r); fsn(yi, vi, data = a); regtest(r)
  rma(yi, vi, mods = ~ factor(g), data = a); for (lev in unique(a$g)) rma(yi, vi, data = a, subset = g == lev)
  rma(yi, vi, mods = ~ x + g, data = a); tf <- trimfill(r)
  f <- tempfile(fileext = ".png"); png(f, width = 800, height = 8000); forest(r); dev.off()
  png(f); funnel(tf); dev.off()
})[["elapsed"]])
tm <- replicate(%(rep)d, system.time({
  r <- rma.mv(yi, vi, mods = ~ x, random = ~ 1 | study/es, data = m, sparse = TRUE)
  robust(r, cluster = m$study, clubSandwich = TRUE)
})[["elapsed"]])
cat(jsonlite::toJSON(list(analysis = median(ta), multilevel = median(tm)), auto_unbox = TRUE))
"""


def _time(fn, arg, repeats: int) -> float:  # noqa: ANN001
    fn(arg)  # warm-up (imports, first matplotlib figure)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn(arg)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(repeats: int = 3, r_repeats: int = 1) -> dict[str, float]:
    a, m = studies(), effects()
    out = {"statistics_s": _time(statistics_work, a, repeats), "screen_s": _time(screen_work, a, repeats),
           "plots_s": _time(plots_work, a, 1), "multilevel_s": _time(multilevel_work, m, repeats)}
    out["analysis_s"] = out["statistics_s"] + out["plots_s"]
    print(f"MetaSift: statistics {out['statistics_s']:.3f} s, the Analysis screen (statistics + its pictures) "
          f"{out['screen_s']:.3f} s (target < 1 s), full 1,000-row forest + funnel to PNG {out['plots_s']:.3f} s, "
          f"multilevel {out['multilevel_s']:.3f} s", flush=True)
    if shutil.which("Rscript") and r_repeats > 0:
        with tempfile.TemporaryDirectory() as tmp:
            pa, pm = Path(tmp) / "a.csv", Path(tmp) / "m.csv"
            a.to_csv(pa, index=False)
            m.to_csv(pm, index=False)
            code = R_CODE % {"studies": json.dumps(str(pa)), "effects": json.dumps(str(pm)), "rep": r_repeats}
            proc = subprocess.run(["Rscript", "--vanilla", "-e", code], capture_output=True, text=True, timeout=900)
            if proc.returncode == 0:
                r = json.loads(proc.stdout.strip().splitlines()[-1])
                out["metafor_analysis_s"], out["metafor_multilevel_s"] = r["analysis"], r["multilevel"]
            else:
                print("Rscript failed:", proc.stderr[-500:], file=sys.stderr)
    print(f"Analysis work, 1,000 studies: MetaSift {out['analysis_s']:.3f} s (target < 1 s)"
          + (f"; metafor {out['metafor_analysis_s']:.3f} s; ratio metafor/MetaSift "
             f"{out['metafor_analysis_s'] / out['analysis_s']:.1f}x" if "metafor_analysis_s" in out else ""))
    print(f"Three-level + CR2, 5,000 effects in 300 studies: MetaSift {out['multilevel_s']:.3f} s (target < 5 s)"
          + (f"; metafor+clubSandwich {out['metafor_multilevel_s']:.3f} s; ratio "
             f"{out['metafor_multilevel_s'] / out['multilevel_s']:.1f}x" if "metafor_multilevel_s" in out else ""))
    return out


if __name__ == "__main__":
    main(*(int(x) for x in sys.argv[1:3]))
