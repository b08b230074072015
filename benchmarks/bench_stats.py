"""Benchmark: the statistics finder next to statcheck (R) on the same PDFs, in the same run.

The PDFs are the truth set of `tests.stats_truth` (generated results sections, every statistic listed as
written) in six layouts: one and two columns; Helvetica, Times (ASCII spellings), DejaVu Sans and Liberation
Serif (Unicode minus signs, χ², β). Two sets: the seed the tests use a part of, and a fresh seed.

* MetaSift: pypdfium2 text + `find_statistics`, seconds per page over the whole set.
* statcheck 1.4 as shipped (``checkPDF``, pdftotext inside); and statcheck on ``pdftotext -enc UTF-8`` text
  (the route around checkPDF's failures), pdftotext time included.

Recall and precision are reported on two sets of statistics: every kind MetaSift reads (statcheck does not
read d/g, OR, beta or N), and statcheck's own kind of result (t, F, r, chi², z with a reported p).

With ``--real DIR`` it also scores both tools on a folder of real texts (`benchmarks.real_papers`): the
statcheck team's hand-extracted results of eight published papers (kept outside, GPL-3), or
``benchmarks/realstyle`` (real-style alliance-outcome results sections with tables, written here, split into
tuning and held-out parts), as text and rendered to PDFs. ``--misses --only tuning`` prints the tuning part's
misses only, so the held-out part can stay unread.

    python benchmarks/bench_stats.py [--docs 24] [--real DIR] [--misses]
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

from benchmarks.real_papers import Found, RealSet, load, misses, write_pdfs  # noqa: E402
from benchmarks.real_papers import score as score_real  # noqa: E402
from extraction.statfinder.find import find_statistics  # noqa: E402
from extraction.statfinder.sources import pdf_paper  # noqa: E402
from screening.fulltext.pdf import read_pdf  # noqa: E402
from tests.stats_truth import StatcheckRun, make_docs, run_statcheck, score, write_docs  # noqa: E402

REAL_KINDS = ("t", "F", "r", "chi2", "z")
ALL_KINDS = (*REAL_KINDS, "Q", "d", "OR", "beta")
"""Every kind listed in a truth set; statcheck does not read d/g, OR or beta (its rows leave them out)."""


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
            ours[doc.name] = pdf_paper(path.read_bytes(), info.page_text).statistics()
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


def _ours(pages: list[str], pdf: bytes | None = None) -> list[Found]:
    """What MetaSift finds, as `metasift stats` reads the file (a PDF's tables from its characters' boxes)."""
    found = pdf_paper(pdf, pages).statistics() if pdf is not None else find_statistics(pages)
    return [(s.kind, s.value, s.df1, s.df2) for s in found if s.kind in ALL_KINDS]


def _theirs(run: StatcheckRun) -> dict[str, list[Found]]:
    out: dict[str, list[Found]] = {}
    for paper, rows in run.found.items():
        # run_statcheck gives (kind, value, df) with df = df1 for F and chi2, the one df of t and r
        out[paper] = [("Q" if kind.startswith("Q") else kind, value, df, None) for kind, value, df in rows]
    return out


def _real_rows(real: RealSet, contenders: dict[str, dict[str, list[Found]]], seconds: dict[str, float],
               pages: int, show: str) -> list[str]:
    rows = ["| contender | papers | statistics | recall | precision | TP / FP / FN | s per page |",
            "|---|---|---|---|---|---|---|"]
    parts = sorted(set(real.split.values())) or ["all"]
    for name, found in contenders.items():
        for part in (*parts, "all") if len(parts) > 1 else parts:
            papers = [p for p in real.truth if part == "all" or real.split.get(p) == part]
            for label, kinds in (("t F r χ² z", REAL_KINDS), ("with Q", (*REAL_KINDS, "Q")),
                                 ("all kinds (+ d/g, OR, β)", ALL_KINDS)):
                if label.startswith("all kinds") and (name != "MetaSift" or not any(
                        t.kind in ALL_KINDS[6:] for p in papers for t in real.truth[p])):
                    continue
                acc = [0, 0, 0]
                for paper in papers:
                    for i, x in enumerate(score_real(found.get(paper, []), real.truth[paper], kinds)):
                        acc[i] += x
                timing = f"{seconds[name] / pages:.4f}" if part == "all" and label.startswith("t F") else ""
                rows.append(f"| {name} | {part} ({len(papers)}) | {label} | {_rates(*acc)} | {timing} |")
        if show:
            for paper in (p for p in real.truth if show == "all" or real.split.get(p) == show):
                missed, extra = misses(found.get(paper, []), real.truth[paper], ALL_KINDS)
                for m in missed:
                    print(f"  {name} MISSED {paper}: {m.kind} {m.value:g} {m.raw!r}")
                for e in extra:
                    print(f"  {name} EXTRA {paper}: {e}")
    return rows


def run_real(folder: Path, show: str = "") -> list[str]:
    """Both tools on the real papers of ``folder``: as text, and as PDFs in two layouts."""
    real = load(folder)
    out = [f"real papers ({folder}): {len(real.texts)} texts, {sum(len(v) for v in real.truth.values())} "
           f"statistics listed by hand (see benchmarks/real_papers.py and the folder's provenance)"]
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        txt = base / "text"
        txt.mkdir()
        for paper, text in real.texts.items():
            (txt / f"{paper}.txt").write_text(text, encoding="utf-8")
        t0 = time.perf_counter()
        ours = {paper: _ours([text]) for paper, text in real.texts.items()}
        ours_s = time.perf_counter() - t0
        sc = run_statcheck(txt, "txt")
        pages = len(real.texts)
        out.append("\nAs text (the raw results as copied; the whole text for a full paper); s per text:")
        out += _real_rows(real, {"MetaSift": ours, "statcheck": _theirs(sc)},
                          {"MetaSift": ours_s, "statcheck": sc.seconds}, pages, show)
        for layout, paths in write_pdfs(real, base / "pdf").items():
            t0 = time.perf_counter()
            ours, pages = {}, 0
            texts = {}
            for path in paths:
                data = path.read_bytes()
                info = read_pdf(data, path.name)
                pages += info.pages
                ours[path.stem] = _ours(info.page_text, data)
                texts[path.stem] = info.page_text
            ours_s = time.perf_counter() - t0
            sc_pdf = run_statcheck(paths[0].parent, "pdf")
            sc_txt = run_statcheck(paths[0].parent, "txt")
            out.append(f"\nAs PDFs ({layout}, {pages} pages):")
            found = {"MetaSift": ours, "statcheck checkPDF": _theirs(sc_pdf),
                     "statcheck on pdftotext text": _theirs(sc_txt)}
            secs = {"MetaSift": ours_s, "statcheck checkPDF": sc_pdf.seconds,
                    "statcheck on pdftotext text": sc_txt.seconds}
            if "column by column" in layout:  # what the text's order alone gives (the reader before layout.py)
                t0 = time.perf_counter()
                found["MetaSift, text order only"] = {p: _ours(t) for p, t in texts.items()}
                secs["MetaSift, text order only"] = time.perf_counter() - t0
            out += _real_rows(real, found, secs, pages, show if "2" in layout else "")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=24)
    ap.add_argument("--real", type=Path, help="a folder of real papers (see benchmarks/real_papers.py)")
    ap.add_argument("--real-only", action="store_true", help="skip the generated set")
    ap.add_argument("--misses", action="store_true", help="print what each tool missed or added (real set)")
    ap.add_argument("--only", choices=("tuning", "held-out"),
                    help="with --misses: print the misses of this part only (the held-out part stays unread)")
    args = ap.parse_args()
    print(f"{platform.processor() or platform.machine()}, Python {platform.python_version()}")
    if not args.real_only:
        for seed in (20261202, 4242):
            print("\n".join(run(args.docs, seed)))
            print()
    if args.real:
        print("\n".join(run_real(args.real, (args.only or "all") if args.misses else "")))


if __name__ == "__main__":
    main()
