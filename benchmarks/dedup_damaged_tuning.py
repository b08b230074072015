"""Error analysis of the duplicate engine on the TUNING sets only, with fields damaged at random.

    python benchmarks/dedup_damaged_tuning.py            # totals per damage and set
    python benchmarks/dedup_damaged_tuning.py --show 10  # plus the first unmerged true pairs of each, with reasons

The Rathbone stroke, respiratory and cytology sets are nearly solved as exported; removing or damaging
fields in half of the records (pages, volume and issue, journal, authors, year + 1, author lists cut to
"X and others", titles cut to two thirds, two damages at once) shows the classes of true pairs that stay
unmerged ("unmerged") or are neither merged nor queued ("missed"), and the queue's decisions that hold no true
pair. The held-out sets (haematology, ASySD) are never read here.
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from screening.dedup import deduplicate  # noqa: E402
from screening.dedup.evaluate import group_pairs, load_rathbone  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
TUNING = ("stroke", "respiratory", "cytology_screening")
SIMPLE = ("nopages", "novol", "nojournal", "year1", "trunc", "etal", "noauthors")
DAMAGES = ("none", *SIMPLE, "sparse", "mixed")


def _damage(r: dict[str, Any], kind: str) -> dict[str, Any]:
    r = dict(r)
    if kind == "nopages":
        r["pages"] = ""
    elif kind == "novol":
        r["volume"] = r["issue"] = ""
    elif kind == "nojournal":
        r["journal"] = ""
    elif kind == "year1" and str(r["year"]).isdigit():
        r["year"] = str(int(r["year"]) + 1)
    elif kind == "trunc":
        words = r["title"].split()
        r["title"] = " ".join(words[: max(4, len(words) * 2 // 3)])
    elif kind == "etal":
        names = r["authors"].split(" and ")
        r["authors"] = names[0] + (" and others" if len(names) > 1 else "")
    elif kind == "noauthors":
        r["authors"] = ""
    return r


def damaged(records: list[dict[str, Any]], kind: str, rng: random.Random) -> list[dict[str, Any]]:
    """Half of the records damaged one way (``sparse``: 30 % lose pages, volume and issue; ``mixed``: two
    damages drawn per record, each applied with probability 0.6)."""
    out = []
    for r in records:
        if kind == "sparse":
            r = dict(r, pages="", volume="", issue="") if rng.random() < 0.3 else r
        elif kind == "mixed":
            for k in rng.sample(SIMPLE, 2):
                r = _damage(r, k) if rng.random() < 0.6 else r
        elif kind != "none" and rng.random() < 0.5:
            r = _damage(r, kind)
        out.append(r)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--show", type=int, default=0, help="print this many unmerged true pairs per run")
    ap.add_argument("--seed", type=int, default=3)
    args = ap.parse_args()
    total = dict.fromkeys(("gold", "false_merges", "unmerged", "missed", "decisions", "true_decisions"), 0)
    print("| damage | set | true links | false merges | unmerged | missed | decisions | holding a true pair |")
    print("|---|---|---|---|---|---|---|---|")
    for kind in DAMAGES:
        for name in TUNING:
            records, gold = load_rathbone(CORPUS, name)
            records = damaged(records, kind, random.Random(args.seed))
            res = deduplicate(records)
            true, auto = group_pairs(gold), group_pairs(res.groups)
            clusters = res.clusters()
            where = {m: k for k, c in enumerate(clusters) for m in c}
            unmerged = sorted(p for p in true if p not in auto)
            missed = [p for p in unmerged if where.get(p[0], -1) != where.get(p[1], -2)]
            holding = sum(any(tuple(sorted(x)) in true for x in itertools.combinations(c, 2)) for c in clusters)
            row = {"gold": len(true), "false_merges": len(auto - true), "unmerged": len(unmerged),
                   "missed": len(missed), "decisions": len(clusters), "true_decisions": holding}
            for k, v in row.items():
                total[k] += v
            print(f"| {kind} | {name} | " + " | ".join(str(v) for v in row.values()) + " |", flush=True)
            by = {r["id"]: r for r in records}
            for a, b in unmerged[: args.show]:
                pair = next((p for p in res.pairs if {p.id_a, p.id_b} == {a, b}), None)
                print("    ", pair.outcome if pair else "not compared", "; ".join(pair.reasons) if pair else "")
                for x in (a, b):
                    r = by[x]
                    print("      ", x, "|", r["title"][:100], "|", r["authors"][:40], "|", r["year"],
                          r["journal"][:40], r["volume"], r["issue"], r["pages"])
    print("| **all** | | " + " | ".join(str(v) for v in total.values()) + " |")


if __name__ == "__main__":
    main()
