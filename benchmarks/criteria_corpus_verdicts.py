"""Every corpus record's criterion verdicts under a protocol, one JSON line each, for before/after diffs.

    python benchmarks/criteria_corpus_verdicts.py OUT.jsonl [--protocol alliance|FILE] [--corpus DIR]
    python benchmarks/criteria_corpus_verdicts.py --diff BEFORE.jsonl AFTER.jsonl

Run once with the code before a change and once after (same corpus), then ``--diff`` lists every record
whose verdicts or suggestion changed. Files no importer recognises are skipped (counted on stderr).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus"


def dump(out: Path, protocol_arg: str, corpus: Path) -> None:
    from db.errors import InputError
    from screening.criteria import assessor_for
    from screening.importers import detect
    from screening.importing import load_source
    from screening.protocol import default_protocol, load_protocol_text

    if protocol_arg == "alliance":
        protocol = default_protocol()
    else:
        protocol = load_protocol_text(Path(protocol_arg).read_text(encoding="utf-8"), protocol_arg)
    assessor = assessor_for(protocol)
    skipped = n = 0
    with out.open("w", encoding="utf-8") as fh:
        for path in sorted(p for p in corpus.rglob("*") if p.is_file() and p.name != "MANIFEST.md"):
            try:
                source = load_source(path)
                found = detect(source)
                records = list(found.importer.read(source, {}))
            except (InputError, ValueError, OSError):
                skipped += 1
                continue
            for i, rec in enumerate(records):
                a = assessor.assess(rec.title, rec.abstract, rec.keywords)
                row = {"file": str(path.relative_to(corpus)), "i": i, "title": rec.title[:100],
                       "suggestion": a.suggestion,
                       "criteria": {k: [v.verdict, v.detail] for k, v in a.criteria.items()}}
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
                n += 1
    print(f"{n} records assessed, {skipped} files skipped", file=sys.stderr)


def diff(before: Path, after: Path) -> None:
    def load(p: Path) -> dict[tuple[str, int], dict]:
        return {(r["file"], r["i"]): r for r in map(json.loads, p.read_text(encoding="utf-8").splitlines())}

    b, a = load(before), load(after)
    changed = 0
    for key in sorted(set(b) & set(a)):
        x, y = b[key], a[key]
        crit = {k: (x["criteria"].get(k, ["-"])[0], y["criteria"].get(k, ["-"])[0])
                for k in set(x["criteria"]) | set(y["criteria"])}
        moved = {k: v for k, v in crit.items() if v[0] != v[1]}
        if moved or x["suggestion"] != y["suggestion"]:
            changed += 1
            print(f"{key[0]}#{key[1]}: {x['suggestion']} -> {y['suggestion']} "
                  + " ".join(f"{k}:{v[0]}->{v[1]}" for k, v in sorted(moved.items())) + f" | {y['title']}")
    print(f"{changed} of {len(set(b) & set(a))} records changed", file=sys.stderr)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out", nargs="?", type=Path)
    ap.add_argument("--protocol", default="alliance")
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--diff", nargs=2, type=Path)
    args = ap.parse_args()
    if args.diff:
        diff(*args.diff)
    else:
        dump(args.out, args.protocol, args.corpus)


if __name__ == "__main__":
    main()
