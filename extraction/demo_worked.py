"""A fully worked demo review: the demo exports imported, deduplicated (the erratum notice judged not a
duplicate of its article), screened by two reviewers (one conflict resolved by a third, the erratum excluded),
full texts assessed, a thesis linked to its article, and effect sizes coded from the fictional abstracts. It
feeds the pictures in the docs (forest, funnel, PRISMA) and the end-to-end tests; the plain demo
(`screening.demo`) stops after import so people can screen it themselves.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from db.engine import ReviewDB, create_review
from extraction.coding import code_effect
from extraction.samples import confirm_link
from screening.decisions import decide, not_retrieved, resolve
from screening.demo import ERRATUM, STUDIES, pubmed_id, write_demo_exports
from screening.duplicates import queue, reject, run_dedup
from screening.duplicates import resolve as record_id
from screening.importing import import_files

TA_EXCLUDE = {"X1": "children or adolescents", "X2": "analogue / non-clinical treatment",
              "X3": "no alliance measure", "X4": "fewer than five participants"}
NOT_RETRIEVED = {"A5": "library and interlibrary loan had no copy; requested from the authors, no answer"}

# (key, label, statistic, value, extra, moderators) — values as the fictional abstracts report them
_COMMON = {"outcome_rater": "client", "pub_source": "journal"}
EFFECTS: tuple[tuple[str, str, str, float, dict[str, Any], dict[str, str]], ...] = (
    ("A1", "BDI", "r", 0.31, {"n": 84}, {"alliance_measure": "WAI", "alliance_rater": "client",
     "alliance_time": "early", "outcome_measure": "BDI", "treatment": "CBT"}),
    ("A2", "dropout", "r", 0.22, {"n": 212}, {"alliance_measure": "HAq", "alliance_rater": "client",
     "alliance_time": "early", "outcome_measure": "dropout", "treatment": "substance abuse"}),
    ("A3", "SCL", "r", 0.27, {"n": 120}, {"alliance_measure": "CALPAS", "alliance_rater": "client",
     "alliance_time": "early", "outcome_measure": "SCL-90", "treatment": "psychodynamic", "language": "French"}),
    ("A4", "BDI", "r", 0.29, {"n": 96}, {"alliance_measure": "HAq", "alliance_rater": "client",
     "alliance_time": "early", "outcome_measure": "BDI", "treatment": "CBT", "language": "German"}),
    ("A6", "panic, therapist", "t", 2.26, {"n": 156, "df": 154}, {"alliance_measure": "WAI-SR",
     "alliance_rater": "therapist", "alliance_time": "mid", "outcome_measure": "Other: PDSS", "treatment": "CBT"}),
    ("A8", "PCL", "r", 0.24, {"n": 58}, {"alliance_measure": "Other: Group Alliance Scale",
     "alliance_rater": "client", "alliance_time": "early", "outcome_measure": "Other: PCL", "treatment": "other"}),
    ("A8", "dropout", "F", 1.35, {"n": 58, "df": 56}, {"alliance_measure": "Other: Group Alliance Scale",
     "alliance_rater": "client", "alliance_time": "early", "outcome_measure": "dropout", "treatment": "other"}),
)


def record_ids() -> dict[str, int]:
    """Demo study key -> record id (the PsycINFO export is imported first, in STUDIES order)."""
    return {s.key: i for i, s in enumerate((s for s in STUDIES if s.in_psycinfo), start=1)}


def build_worked_demo(folder: Path, target: str | None = None) -> ReviewDB:
    """Create ``folder/worked-demo.metasift`` with every stage done (refuses an existing file); with ``target``
    (a PostgreSQL URL of an empty database) the review goes there and ``folder`` keeps only its files."""
    folder.mkdir(parents=True, exist_ok=True)
    db = create_review(target or folder / "worked-demo.metasift",
                       title="Worked demo: alliance and outcome (fictional)")
    import_files(db, write_demo_exports(folder / "exports"), who="librarian")
    run_dedup(db, who="librarian")
    erratum = record_id(db, pubmed_id(ERRATUM))
    for pair in queue(db):  # the erratum notice repeats its article's title: not a duplicate of it
        if erratum in pair.ids:
            a, b = pair.ids
            reject(db, a, b, who="librarian")
    ids = record_ids()
    for key, rid in ids.items():
        for reviewer in ("ann", "bob"):
            if key in TA_EXCLUDE:
                decide(db, rid, reviewer, "title_abstract", "exclude", reason=TA_EXCLUDE[key])
            elif key == "X5":
                verdict = "exclude" if reviewer == "ann" else "maybe"
                decide(db, rid, reviewer, "title_abstract", verdict,
                       reason="no alliance measure" if verdict == "exclude" else "")
            else:
                decide(db, rid, reviewer, "title_abstract", "include")
    resolve(db, ids["X5"], "title_abstract", "exclude", by="carl", method="third_reviewer",
            reason="no alliance measure")
    for reviewer in ("ann", "bob"):
        decide(db, erratum, reviewer, "title_abstract", "exclude", reason="not an empirical study")
    texts = folder / "fulltexts"  # the fictional studies' "full texts": their records, one file each
    texts.mkdir(exist_ok=True)
    by_key = {s.key: s for s in STUDIES}
    for key in ("A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8"):
        for reviewer in ("ann", "bob"):
            if key in NOT_RETRIEVED:
                not_retrieved(db, ids[key], reviewer, NOT_RETRIEVED[key])
            else:
                read = texts / f"{key}.txt"
                if not read.exists():
                    read.write_text(f"{by_key[key].title}\n\n{by_key[key].abstract}\n", encoding="utf-8")
                decide(db, ids[key], reviewer, "full_text", "include", full_text=str(read))
    confirm_link(db, ids["A7"], ids["A8"], who="ann")
    for key, label, stat, value, extra, mods in EFFECTS:
        code_effect(db, ids[key], "ann", stat, value, label=label, moderators={**_COMMON, **mods},
                    location="Table 2", **extra)
    return db
