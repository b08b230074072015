"""Real papers for `bench_stats.py --real DIR`: statistics nobody on this project wrote or listed.

DIR holds (kept out of the project: the data is statcheck's, GPL-3; see docs/benchmarks.md for provenance):

* ``truth.tsv`` — ``paper, raw, type, df1, df2, value``: results the statcheck team extracted by hand from
  real papers (``inst/test_materials/manually_extracted_stats.csv`` of github.com/MicheleNuijten/statcheck),
  ``raw`` as copied from the PDF or HTML with its artifacts (``\\n`` for a line break). Each paper's raw
  results become one text, a paragraph each, read by both tools. A row whose raw text starts with ``(`` is a
  second result of the row before (two results in one sentence) and adds no text.
* any other ``NAME.txt`` — a whole real text, with its statistics listed by hand in ``fulltext_truth.tsv``
  (same columns, paper = NAME).
* ``split.txt`` (optional) — ``tuning: a b c`` and ``held-out: d e f`` lines: papers scored apart.

Every text is read as text and as PDFs rendered here (one column Liberation Serif, two columns DejaVu Sans;
a set with tables also one column with each table written column by column, its labels wrapped).
A found statistic matches a listed one when the kind agrees, the absolute value agrees (PDFs lose minus
signs) and each df agrees where both give it; each listed one is matched at most once.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

Found = tuple[str, float, float | None, float | None]
"""(kind, value, df1, df2) as either tool reports it."""


@dataclass(frozen=True)
class Listed:
    paper: str
    raw: str
    kind: str
    df1: float | None
    df2: float | None
    value: float


@dataclass
class RealSet:
    texts: dict[str, str] = field(default_factory=dict)
    truth: dict[str, list[Listed]] = field(default_factory=dict)
    split: dict[str, str] = field(default_factory=dict)
    """paper -> 'tuning' | 'held-out' (missing: unsplit)."""


def _num(text: str) -> float | None:
    text = text.strip()
    return float(text) if text and text != "NA" else None


def _read_tsv(path: Path) -> list[Listed]:
    rows = []
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            value = _num(row["value"])
            if value is None:
                continue
            rows.append(Listed(row["paper"], row["raw"].replace("\\n", "\n"), row["type"], _num(row["df1"]),
                               _num(row["df2"]), value))
    return rows


def load(folder: Path) -> RealSet:
    out = RealSet()
    snippets = folder / "truth.tsv"
    if snippets.is_file():
        parts: dict[str, list[str]] = {}
        for item in _read_tsv(snippets):
            out.truth.setdefault(item.paper, []).append(item)
            if not item.raw.startswith("("):
                parts.setdefault(item.paper, []).append(item.raw.strip())
        out.texts.update({paper: "\n\n".join(raws) for paper, raws in parts.items()})
    full = folder / "fulltext_truth.tsv"
    if full.is_file():
        for item in _read_tsv(full):
            out.truth.setdefault(item.paper, []).append(item)
    for txt in sorted(folder.glob("*.txt")):
        if txt.stem in out.truth and txt.name != "split.txt":
            out.texts[txt.stem] = txt.read_text(encoding="utf-8")
    split = folder / "split.txt"
    if split.is_file():
        for line in split.read_text(encoding="utf-8").splitlines():
            if ":" in line:
                part, names = line.split(":", 1)
                out.split.update(dict.fromkeys(names.split(), part.strip()))
    return out


def _same(a: float | None, b: float | None) -> bool:
    return a is None or b is None or abs(a - b) < 1e-6


def matches(found: Found, item: Listed) -> bool:
    kind, value, df1, df2 = found
    return (kind == item.kind and abs(abs(value) - abs(item.value)) < 1e-6 and _same(df1, item.df1)
            and _same(df2, item.df2))


def score(found: list[Found], truth: list[Listed], kinds: tuple[str, ...]) -> tuple[int, int, int]:
    """(TP, FP, FN) over the listed statistics of ``kinds``; a found one of another kind is ignored."""
    left = [t for t in truth if t.kind in kinds]
    tp = fp = 0
    for f in found:
        if f[0] not in kinds:
            continue
        hit = next((t for t in left if matches(f, t)), None)
        if hit is None:
            fp += 1
        else:
            left.remove(hit)
            tp += 1
    return tp, fp, len(left)


def misses(found: list[Found], truth: list[Listed], kinds: tuple[str, ...]) -> tuple[list[Listed], list[Found]]:
    """(listed statistics not found, found statistics not listed), for reading what a tool gets wrong."""
    left = [t for t in truth if t.kind in kinds]
    extra = []
    for f in found:
        if f[0] not in kinds:
            continue
        hit = next((t for t in left if matches(f, t)), None)
        if hit is None:
            extra.append(f)
        else:
            left.remove(hit)
    return left, extra


def write_pdfs(real: RealSet, folder: Path) -> dict[str, list[Path]]:
    """Each text as PDFs in two layouts: ``{layout: [paths]}`` (file stem = paper)."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.pdf_factory import write_pdf

    out: dict[str, list[Path]] = {}
    for layout, columns, font, tables in (
            ("1 column, Liberation Serif", 1, "liberation-serif", "rows"),
            ("2 columns, DejaVu Sans", 2, "dejavu", "rows"),
            ("1 column, DejaVu Sans, tables written column by column with wrapped labels", 1, "dejavu", "columns")):
        if tables == "columns" and not any("\t" in t for t in real.texts.values()):
            continue  # no tables: the same as the first layout
        sub = folder / f"{layout.split(',')[0].replace(' ', '')}-{tables}"
        sub.mkdir(parents=True, exist_ok=True)
        for paper, text in real.texts.items():
            path = sub / f"{paper}.pdf"
            write_pdf(path, [text], columns=columns, font=font, title=paper, tables=tables)
            out.setdefault(layout, []).append(path)
    return out
