"""A truth set for the statistics finder: results sections written here, in the styles of real papers, with
every statistic they contain listed as it is written (kind, value, df, p). Rendered to PDFs (`tests.pdf_factory`)
in one and two columns and three fonts, they are read by MetaSift and by statcheck (R) in the same run
(tests/test_statfinder.py, benchmarks/bench_stats.py).

Styles: APA (``t(28) = 2.20, p = .03``), and the deviations statcheck's own unit tests cover: no or extra
spaces (``t(28)=2.20,p=.03``, ``t ( 28 ) = 2.20 , p = .03``), ``p<.001``, ``p = 0.03``, brackets for df
(``t[28]``, ``F{2, 28}``), an MSE between F and p, a semicolon before p, chi written X2 / x^2 / chi2 / χ²,
``n = 81`` inside chi², thousands separators in N, a decimal (corrected) df, a negative statistic, ``ns``.
Beside them the kinds a coder converts that statcheck does not read: d / g, OR with a 95% CI, beta, and
sample sizes (N = / n =). Distractors that are no statistic (an alpha level, a p threshold in the Method, table
and figure numbers, "session 2") are mixed in. Fonts without Greek or a minus glyph get the ASCII spellings.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from pathlib import Path

from scipy import stats

STATCHECK_KINDS = ("t", "F", "r", "chi2", "z")


@dataclass(frozen=True)
class Truth:
    kind: str
    value: float
    df1: float | None = None
    df2: float | None = None
    p_op: str = ""
    p: float | None = None

    @property
    def statcheck(self) -> bool:
        """A result statcheck is meant to find: one of its tests, with a p value."""
        return self.kind in STATCHECK_KINDS and self.p is not None


@dataclass
class Doc:
    name: str
    pages: list[str]
    truth: list[Truth]
    columns: int = 1
    font: str = "Helvetica"
    layout: dict[str, object] = field(default_factory=dict)


def _fmt(x: float, k: int) -> str:
    return f"{x:.{k}f}"


def _pstr(p: float, style: int) -> tuple[str, str, float]:
    """(text, op, value) of a reported p in one of several styles."""
    if p < 0.001:
        return ("p<.001" if style % 3 == 0 else "p < .001"), "<", 0.001
    if style % 4 == 1:
        v = round(p, 3)
        return f"p = {_fmt(v, 3)}", "=", v
    if style % 4 == 2:
        v = round(p, 2) if round(p, 2) > 0 else round(p, 3)
        return f"p = {_fmt(v, 2 if v >= 0.01 else 3)}".replace("= 0.", "= 0."), "=", v
    v = round(p, 3)
    return f"p = {_fmt(v, 3)[1:]}", "=", v


class _Writer:
    def __init__(self, rnd: random.Random, unicode: bool) -> None:
        self.rnd, self.unicode = rnd, unicode
        self.truth: list[Truth] = []

    def minus(self, text: str) -> str:
        return text.replace("-", "\u2212") if self.unicode and self.rnd.random() < 0.7 else text

    def t(self) -> str:
        rnd = self.rnd
        df = rnd.randint(18, 220)
        welch = rnd.random() < 0.15
        dft = round(df - rnd.random() * 3, 1) if welch else df
        val = round(rnd.uniform(0.4, 4.5) * rnd.choice([1, 1, -1]), 2)
        p = float(2 * stats.t.sf(abs(val), dft))
        if rnd.random() < 0.1:  # a misreported p
            p = min(0.9, p * rnd.choice([0.3, 3.0]))
        ptxt, op, pv = _pstr(p, rnd.randint(0, 11))
        dfs = f"{dft:g}"
        style = rnd.randint(0, 5)
        stat = self.minus(_fmt(val, 2))
        if style == 0:
            s = f"t({dfs})={stat},{ptxt.replace(' ', '')}"
        elif style == 1:
            s = f"t ( {dfs} ) = {stat} , {ptxt}"
        elif style == 2:
            s = f"t[{dfs}] = {stat}, {ptxt}"
        elif style == 3:
            s = f"t({dfs}) = {stat}; {ptxt}"
        else:
            s = f"t({dfs}) = {stat}, {ptxt}"
        self.truth.append(Truth("t", val, float(dft), None, op, pv))
        return s

    def f(self) -> str:
        rnd = self.rnd
        df1, df2 = rnd.choice([1, 1, 2, 3]), rnd.randint(20, 300)
        val = round(rnd.uniform(0.5, 15), 2)
        p = float(stats.f.sf(val, df1, df2))
        ptxt, op, pv = _pstr(p, rnd.randint(0, 11))
        style = rnd.randint(0, 4)
        if style == 0:
            s = f"F({df1},{df2}) = {_fmt(val, 2)}, MSE = {rnd.uniform(1, 300):.2f}, {ptxt}"
        elif style == 1:
            s = f"F{{{df1}, {df2}}} = {_fmt(val, 2)}, {ptxt}"
        else:
            s = f"F({df1}, {df2}) = {_fmt(val, 2)}, {ptxt}"
        self.truth.append(Truth("F", val, float(df1), float(df2), op, pv))
        return s

    def r(self) -> str:
        rnd = self.rnd
        df = rnd.randint(20, 400)
        val = round(rnd.uniform(0.05, 0.6) * rnd.choice([1, 1, -1]), 2)
        t = val * math.sqrt(df / (1 - val * val))
        p = float(2 * stats.t.sf(abs(t), df))
        ptxt, op, pv = _pstr(p, rnd.randint(0, 11))
        stat = self.minus(_fmt(val, 2).replace("0.", "."))
        if rnd.random() < 0.3:  # r without df, with its p: statcheck needs df, MetaSift still reads it
            self.truth.append(Truth("r", val, None, None, op, pv))
            return f"r = {stat}, {ptxt}"
        self.truth.append(Truth("r", val, float(df), None, op, pv))
        return f"r({df}) = {stat}, {ptxt}"

    def chi2(self) -> str:
        rnd = self.rnd
        df = rnd.choice([1, 1, 2, 3])
        n = rnd.randint(40, 2500)
        val = round(rnd.uniform(0.3, 20), 2)
        p = float(stats.chi2.sf(val, df))
        ptxt, op, pv = _pstr(p, rnd.randint(0, 11))
        if self.unicode:
            sym = rnd.choice(["χ2", "χ²", "\u03c72"])
        else:
            sym = rnd.choice(["chi2", "X2", "x^2", "chi-square"])
        nn = f"{n:,}" if n >= 1000 else str(n)
        inner = f"{df}, {'N' if rnd.random() < 0.8 else 'n'} = {nn}" if rnd.random() < 0.7 else f"{df}"
        self.truth.append(Truth("chi2", val, float(df), None, op, pv))
        return f"{sym}({inner}) = {_fmt(val, 2)}, {ptxt}"

    def z(self) -> str:
        rnd = self.rnd
        val = round(rnd.uniform(0.5, 4) * rnd.choice([1, -1]), 2)
        p = float(2 * stats.norm.sf(abs(val)))
        ptxt, op, pv = _pstr(p, rnd.randint(0, 11))
        self.truth.append(Truth("z", val, None, None, op, pv))
        return f"{rnd.choice(['z', 'Z'])} = {self.minus(_fmt(val, 2))}, {ptxt}"

    def d(self) -> str:
        val = round(self.rnd.uniform(0.1, 1.2) * self.rnd.choice([1, 1, -1]), 2)
        self.truth.append(Truth("d", val))
        return f"{self.rnd.choice(['d', 'g'])} = {self.minus(_fmt(val, 2))}"

    def odds(self) -> str:
        val = round(self.rnd.uniform(1.1, 4), 2)
        lo, hi = round(val / 1.8, 2), round(val * 1.7, 2)
        self.truth.append(Truth("OR", val))
        return f"OR = {_fmt(val, 2)}, 95% CI [{_fmt(lo, 2)}, {_fmt(hi, 2)}]"

    def beta(self) -> str:
        val = round(self.rnd.uniform(0.05, 0.5), 2)
        self.truth.append(Truth("beta", val))
        sym = "β" if self.unicode else "beta"
        return f"{sym} = {_fmt(val, 2).replace('0.', '.')}"

    def n(self) -> str:
        val = self.rnd.randint(12, 900)
        self.truth.append(Truth("n", float(val)))
        return f"{self.rnd.choice(['N', 'n'])} = {val}"


_MEASURES = ["Working Alliance Inventory (WAI)", "CALPAS", "Helping Alliance Questionnaire (HAq)", "WAI-SR",
             "Vanderbilt Psychotherapy Process Scale"]
_OUTCOMES = ["Beck Depression Inventory (BDI)", "SCL-90-R", "Hamilton Rating Scale", "Outcome Questionnaire"]
_FILLER = [
    "Sessions were audio-recorded and transcribed by trained assistants who were unaware of the hypotheses.",
    "The significance level was set at alpha = .05 for all tests, and all tests were two-sided.",
    "Table 2 gives the means and standard deviations of every measure at each assessment.",
    "Missing data were handled with full information maximum likelihood under the missing-at-random assumption.",
    "Figure 1 shows the change in symptoms across the course of treatment for both conditions.",
    "Effects with p < .05 were interpreted, and we report exact values throughout.",
    "Therapists were licensed clinicians with between two and twenty years of experience.",
    "The alliance was rated by clients after session 2 and again at mid-treatment.",
    "Outcome was assessed before treatment, at termination and at the six-month follow-up.",
    "Ratings were averaged across the two observers, whose agreement was acceptable.",
]


def _sentence(w: _Writer) -> str:
    rnd = w.rnd
    kind = rnd.choice(["t", "F", "r", "r", "chi2", "z", "d", "odds", "beta", "mix"])
    measure, outcome = rnd.choice(_MEASURES), rnd.choice(_OUTCOMES)
    if kind == "t":
        return f"Clients in the high-alliance group improved more on the {outcome} than the others, {w.t()}."
    if kind == "F":
        return f"The condition by time interaction on the {outcome} was tested in a mixed model, {w.f()}."
    if kind == "r":
        return f"Early alliance on the {measure} correlated with symptom change, {w.r()}."
    if kind == "chi2":
        return f"Drop-out was related to the rated alliance ({w.chi2()})."
    if kind == "z":
        return f"The difference between the two correlations was tested with Fisher's test, {w.z()}."
    if kind == "d":
        return f"The effect of treatment on the {outcome} was moderate ({w.d()})."
    if kind == "odds":
        return f"A strong early alliance predicted completion of treatment, {w.odds()}."
    if kind == "beta":
        return f"In the regression, therapist-rated alliance predicted outcome ({w.beta()}) over and above baseline."
    return (f"In the full sample ({w.n()}), the {measure} predicted the {outcome}, {w.r()}, and the effect "
            f"remained after adjusting for baseline severity, {w.t()}.")


def make_docs(count: int = 24, seed: int = 20261202) -> list[Doc]:
    """``count`` documents, each of two or three pages, in rotating layouts (columns, font)."""
    rnd = random.Random(seed)
    layouts = [(1, "Helvetica"), (2, "Times"), (1, "dejavu"), (2, "dejavu"), (1, "liberation-serif"),
               (2, "liberation-serif")]
    docs = []
    for i in range(count):
        columns, font = layouts[i % len(layouts)]
        w = _Writer(rnd, unicode=font not in ("Helvetica", "Times", "Courier"))
        pages = []
        for _ in range(rnd.choice([2, 3])):
            paras = []
            for _ in range(rnd.randint(3, 5)):
                sents = [rnd.choice(_FILLER)]
                for _ in range(rnd.randint(1, 3)):
                    sents.append(_sentence(w))
                    if rnd.random() < 0.5:
                        sents.append(rnd.choice(_FILLER))
                paras.append(" ".join(sents))
            pages.append("\n\n".join(paras))
        docs.append(Doc(f"paper{i:02d}", pages, w.truth, columns, font))
    return docs


def write_docs(docs: list[Doc], folder: Path) -> list[Path]:
    from tests.pdf_factory import write_pdf

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for d in docs:
        path = folder / f"{d.name}.pdf"
        write_pdf(path, d.pages, columns=d.columns, font=d.font, title=d.name)
        paths.append(path)
    return paths


def matches(found_kind: str, found_value: float, found_df1: float | None, t: Truth) -> bool:
    """A found statistic is ``t`` when kind and value agree (and df, where both give one)."""
    if found_kind != t.kind or abs(found_value - t.value) > 1e-6:
        return False
    return t.df1 is None or found_df1 is None or abs(found_df1 - t.df1) < 1e-6


def score(found: list[tuple[str, float, float | None]], truth: list[Truth]) -> tuple[int, int, int]:
    """(true positives, false positives, false negatives), each truth item matched at most once."""
    left = list(truth)
    tp = fp = 0
    for kind, value, df1 in found:
        hit = next((t for t in left if matches(kind, value, df1, t)), None)
        if hit is None:
            fp += 1
        else:
            left.remove(hit)
            tp += 1
    return tp, fp, len(left)


_R_SCRIPT = r"""
suppressMessages(library(statcheck))
args <- commandArgs(trailingOnly = TRUE)
files <- list.files(args[1], pattern = paste0("\\.", args[3], "$"), full.names = TRUE)
t0 <- proc.time()[["elapsed"]]
out <- list()
failed <- character(0)
for (f in files) {
  r <- tryCatch({
    if (args[3] == "pdf") checkPDF(f, messages = FALSE)
    else statcheck(paste(readLines(f, warn = FALSE, encoding = "UTF-8"), collapse = "\n"), messages = FALSE)
  }, error = function(e) { failed <<- c(failed, basename(f)); NULL })
  if (!is.null(r) && nrow(r) > 0) {
    out[[length(out) + 1]] <- data.frame(file = sub("\\.[a-z]+$", "", basename(f)), type = r$test_type,
                                         df1 = r$df1, df2 = r$df2, value = r$test_value,
                                         error = r$error, decision_error = r$decision_error)
  }
}
el <- proc.time()[["elapsed"]] - t0
res <- if (length(out)) do.call(rbind, out) else data.frame(file = character(0))
write.csv(res, args[2], row.names = FALSE)
cat("seconds", el, "\n")
cat("failed", failed, "\n")
"""


@dataclass
class StatcheckRun:
    found: dict[str, list[tuple[str, float, float | None]]]
    seconds: float
    failed: list[str]


def statcheck_available() -> bool:
    import shutil
    import subprocess

    if not shutil.which("Rscript"):
        return False
    proc = subprocess.run(["Rscript", "-e", "library(statcheck)"], capture_output=True, timeout=120)
    return proc.returncode == 0


def run_statcheck(folder: Path, route: str = "pdf") -> StatcheckRun:
    """statcheck over every file of ``folder``: route ``pdf`` is its own checkPDF (pdftotext inside), ``txt``
    runs ``statcheck()`` on ``pdftotext -enc UTF-8`` text written beside each PDF first."""
    import csv
    import subprocess
    import tempfile

    if route == "txt":
        for pdf in sorted(folder.glob("*.pdf")):
            subprocess.run(["pdftotext", "-q", "-enc", "UTF-8", str(pdf), str(pdf.with_suffix(".txt"))],
                           check=True, timeout=120)
    with tempfile.TemporaryDirectory() as tmp:
        script, out = Path(tmp) / "run.R", Path(tmp) / "out.csv"
        script.write_text(_R_SCRIPT)
        proc = subprocess.run(["Rscript", str(script), str(folder), str(out), route], capture_output=True,
                              text=True, timeout=600)
        if proc.returncode != 0:
            raise RuntimeError(f"statcheck failed: {proc.stderr[-800:]}")
        lines = dict(line.split(" ", 1) for line in proc.stdout.splitlines() if " " in line)
        found: dict[str, list[tuple[str, float, float | None]]] = {}
        with open(out, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                kind = {"t": "t", "F": "F", "r": "r", "Chi2": "chi2", "Z": "z"}.get(row["type"], row["type"])
                df = row["df1"] if kind in ("F", "chi2") else row["df2"]
                found.setdefault(row["file"], []).append(
                    (kind, float(row["value"]), None if df in ("", "NA") else float(df)))
    return StatcheckRun(found, float(lines.get("seconds", "nan")), lines.get("failed", "").split())
