"""Benchmark: the statistics finder next to statcheck (R) on the same PDFs, in the same run.

The PDFs are the truth set of `tests.stats_truth` (generated results sections, every statistic listed as
written) in six layouts: one and two columns; Helvetica, Times (ASCII spellings), DejaVu Sans and Liberation
Serif (Unicode minus signs, χ², β). Two sets: the seed the tests use a part of, and a fresh seed.

* MetaSift: pypdfium2 text + `find_statistics`, seconds per page over the whole set.
* statcheck 1.4 as shipped (``checkPDF``, pdftotext inside); and statcheck on ``pdftotext -enc UTF-8`` text
  (the route around checkPDF's failures), pdftotext time included.

Recall and precision are reported on two sets of statistics: every kind MetaSift reads (statcheck does not
read d/g, OR, beta or N), and statcheck's own kind of result (t, F, r, chi², z with a reported p).

    python benchmarks/bench_stats.py [--docs 24]
"""

from __future__ import annotations

import argparse
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from extraction.statfinder.find import find_statistics  # noqa: E402
from screening.fulltext.pdf import read_pdf  # noqa: E402
from tests.stats_truth import make_docs, run_statcheck, score, write_docs  # noqa: E402


def _rates(tp: int, fp: int, fn: int) -> str:
    rec = tp / (tp + fn) if tp + fn else float("nan")
    prec = tp / (tp + fp) if tp + fp else float("nan")
    return f"{rec:.3f} | {prec:.3f} | {tp} / {fp} / {fn}"


def run(docs_n: int, seed: int) -> list[str]:
    docs = make_docs(count=docs_n, seed=seed)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = write_docs(docs, folder)
        t0 = time.perf_counter()
        ours = {}
        pages = 0
        for doc, path in zip(docs, paths, strict=True):
            info = read_pdf(path.read_bytes(), path.name)
            pages += info.pages
            ours[doc.name] = find_statistics(info.page_text)
        ours_s = time.perf_counter() - t0
        sc_pdf = run_statcheck(folder, "pdf")
        t1 = time.perf_counter()
        for pdf in sorted(folder.glob("*.pdf")):
            subprocess.run(["pdftotext", "-q", "-enc", "UTF-8", str(pdf), str(pdf.with_suffix(".txt"))], check=True)
        txt_s = time.perf_counter() - t1
        sc_txt = run_statcheck(folder, "txt")
    rows = []
    n_all = sum(len(d.truth) for d in docs)
    n_sc = sum(1 for d in docs for t in d.truth if t.statcheck)
    acc = {k: [0, 0, 0] for k in ("ours_all", "ours_sc", "pdf_sc", "txt_sc")}
    for d in docs:
        sc_truth = [t for t in d.truth if t.statcheck]
        found = ours[d.name]
        for key, got, truth in (
                ("ours_all", [(s.kind, s.value, s.df1) for s in found], d.truth),
                ("ours_sc", [(s.kind, s.value, s.df1) for s in found if s.p is not None
                             and s.kind in ("t", "F", "r", "chi2", "z")], sc_truth),
                ("pdf_sc", sc_pdf.found.get(d.name, []), sc_truth),
                ("txt_sc", sc_txt.found.get(d.name, []), sc_truth)):
            for i, x in enumerate(score(got, truth)):
                acc[key][i] += x
    rows.append(f"seed {seed}: {len(docs)} PDFs, {pages} pages, {n_all} statistics ({n_sc} of statcheck's kind)")
    rows.append("| contender | statistics | recall | precision | TP / FP / FN | s per page |")
    rows.append("|---|---|---|---|---|---|")
    rows.append(f"| MetaSift | all kinds | {_rates(*acc['ours_all'])} | {ours_s / pages:.4f} |")
    rows.append(f"| MetaSift | statcheck's kind | {_rates(*acc['ours_sc'])} | (same run) |")
    rows.append(f"| statcheck checkPDF | statcheck's kind | {_rates(*acc['pdf_sc'])} | {sc_pdf.seconds / pages:.4f} |"
                + (f" stopped with an error on {len(sc_pdf.failed)} of {len(docs)} PDFs" if sc_pdf.failed else ""))
    rows.append(f"| statcheck on pdftotext text | statcheck's kind | {_rates(*acc['txt_sc'])} | "
                f"{(sc_txt.seconds + txt_s) / pages:.4f} |")
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=24)
    args = ap.parse_args()
    print(f"{platform.processor() or platform.machine()}, Python {platform.python_version()}")
    for seed in (20261202, 4242):
        print("\n".join(run(args.docs, seed)))
        print()


if __name__ == "__main__":
    main()
