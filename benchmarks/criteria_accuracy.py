"""Per-criterion accuracy of the screening criteria on the hand-labelled abstracts (tests/data/abstracts).

    python benchmarks/criteria_accuracy.py [--wrong] [--sets tuning,heldout,...]

Prints one Markdown table (rows: criteria; columns: the tuning, held-out and fresh sets) and the suggested
exclusions of records that meet every criterion (the target is none); ``--wrong`` lists each miss;
``--sets`` measures only the sets named (while tuning, leave the unseen set out).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.criteria_accuracy import ROWS, SETS, abstracts, evaluate  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--wrong", action="store_true", help="list every wrong verdict")
    ap.add_argument("--sets", default=",".join(SETS), help="comma-separated sets to measure (default: all)")
    args = ap.parse_args()
    sets = [h.strip() for h in args.sets.split(",") if h.strip()]
    unknown = [h for h in sets if h not in SETS]
    if unknown:
        ap.error(f"unknown set(s) {', '.join(unknown)}; expected some of {', '.join(SETS)}")
    results = {h: evaluate(h) for h in sets}
    sizes = {h: len(abstracts(h)) for h in sets}
    print("| criterion | " + " | ".join(f"{h} (n = {sizes[h]})" for h in sets) + " |")
    print("|---|" + "---|" * len(sets))
    for row in ROWS:
        cells = [f"{results[h].accuracy(row):.1%} ({results[h].right[row]}/{results[h].total[row]})" for h in sets]
        print(f"| {row} | " + " | ".join(cells) + " |")
    for h in sets:
        r = results[h]
        met = ", ".join(f"{k} {v}" for k, v in sorted(r.meeting_all.items()))
        print(f"\n{h}: records meeting every criterion: {met}; suggested for exclusion: {len(r.false_exclusions)}")
        for fe in r.false_exclusions:
            print("  ", fe)
        if args.wrong:
            for row, misses in r.wrong.items():
                for m in misses:
                    print(f"  {h} {row}: {m[0]} got {m[1]}, expected {m[2]}")


if __name__ == "__main__":
    main()
