"""Accuracy of a dedup result against gold duplicate groups, and loaders for the labelled benchmark sets.

Pairwise metrics: every unordered pair of records inside one gold group is a *gold pair*; every pair inside
one predicted automatic group is a *predicted pair*.

* auto precision = |predicted ∩ gold| / |predicted| (1.0 when nothing was merged)
* auto recall = |predicted ∩ gold| / |gold|
* auto+queued recall: a reviewer accepts every queued candidate that is a gold pair and rejects the rest;
  the records are regrouped as the connected components of the automatic groups plus the accepted pairs;
  the recall is the share of gold pairs that end up in one component.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import combinations
from pathlib import Path
from typing import Any

import pandas as pd

from db.pair_log import UnionFind

RATHBONE_SETS = ("stroke", "respiratory", "cytology_screening", "haematology")
DUPLICATES_DIR = Path("labeled_duplicates")


def group_pairs(groups: Iterable[Sequence[Any]]) -> set[tuple[str, str]]:
    """All unordered pairs inside each group, as sorted string tuples."""
    out: set[tuple[str, str]] = set()
    for g in groups:
        for a, b in combinations(sorted(map(str, g)), 2):
            out.add((a, b))
    return out


def _key(a: Any, b: Any) -> tuple[str, str]:
    """An unordered pair of ids as a sorted string tuple."""
    x, y = str(a), str(b)
    return (x, y) if x <= y else (y, x)


def pairwise_metrics(result: Any, gold_groups: Sequence[Sequence[Any]]) -> dict[str, float]:
    """Pairwise auto precision/recall and auto+queued recall of a ``DedupResult`` (see module doc)."""
    gold = group_pairs(gold_groups)
    pred = group_pairs(result.groups)
    tp = len(pred & gold)
    accepted = [p for p in (_key(c.id_a, c.id_b) for c in result.candidates) if p in gold]
    sets: UnionFind[str] = UnionFind()
    for a, b in list(pred) + accepted:
        sets.union(a, b)
    comp = sets.roots()
    covered = sum(1 for a, b in gold if a in comp and comp[a] == comp.get(b))
    return {
        "gold_pairs": len(gold),
        "auto_pairs": len(pred),
        "false_pairs": len(pred) - tp,
        "auto_precision": tp / len(pred) if pred else 1.0,
        "auto_recall": tp / len(gold) if gold else 1.0,
        "queued_recall": covered / len(gold) if gold else 1.0,
        "queued": len(result.candidates),
        "queued_true": len(accepted),
        **_cluster_counts(result, set(accepted)),
    }


def _cluster_counts(result: Any, accepted: set[tuple[str, str]]) -> dict[str, int]:
    """Queue decisions (`DedupResult.clusters`, when the result has them; else one per pair) and how many
    of them hold at least one accepted (true) pair."""
    if not hasattr(result, "clusters"):
        return {"decisions": len(result.candidates), "decisions_true": len(accepted)}
    clusters = result.clusters()
    where = {str(m): k for k, c in enumerate(clusters) for m in c}
    return {"decisions": len(clusters), "decisions_true": len({where[a] for a, _ in accepted if a in where})}


def _clean(value: Any) -> str:
    return "" if pd.isna(value) else str(value)


def load_rathbone(corpus: Path, name: str) -> tuple[list[dict[str, Any]], list[list[str]]]:
    """Records (as dedup input dicts) and gold groups of one Rathbone set (BibTeX-style CSV columns)."""
    base = corpus / DUPLICATES_DIR / f"rathbone_{name}"
    return load_bibtex_csv(Path(f"{base}__records_pre_merged.csv"), Path(f"{base}__merged_record_ids.csv"))


def load_bibtex_csv(records_csv: Path, groups_csv: Path) -> tuple[list[dict[str, Any]], list[list[str]]]:
    """Records from a bib-dedupe ``records_pre_merged.csv``, gold groups from ``merged_record_ids.csv``."""
    df = pd.read_csv(records_csv, dtype=str, keep_default_na=False)
    records = [bibtex_row_to_record(row) for row in df.to_dict("records")]
    gold = [str(g).split(";") for g in pd.read_csv(groups_csv)["merged_ids"]]
    return records, gold


def bibtex_row_to_record(row: dict[str, Any]) -> dict[str, Any]:
    """A BibTeX-field dict (ID, author "A and B", number, ENTRYTYPE, booktitle...) as dedup input."""
    def g(key: str) -> str:
        return _clean(row.get(key, ""))
    return {
        "id": g("ID"), "title": g("title"), "authors": g("author"), "year": g("year"),
        "journal": g("journal") or g("booktitle"), "volume": g("volume"), "issue": g("number") or g("issue"),
        "pages": g("pages"), "doi": g("doi"), "abstract": g("abstract"), "pub_type": g("ENTRYTYPE"),
    }


def load_asysd(corpus: Path) -> pd.DataFrame:
    """The ASySD labelled set (cp1252) with an ``id`` column; labels in ``label`` and ``source``."""
    df = pd.read_csv(corpus / DUPLICATES_DIR / "asysd__labelled_test_set.csv", encoding="cp1252", dtype=str,
                     keep_default_na=False)
    df["id"] = df["record_id"]
    return df


def asysd_records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """ASySD rows as dedup input (its authors are EndNote runs such as ``Adeli K.Lewis G. F.``)."""
    return [
        {"id": r["id"], "title": r["title"], "authors": r["author"], "year": r["year"],
         "journal": r["journal"], "volume": r["volume"], "issue": r["number"], "pages": r["pages"],
         "doi": r["doi"], "abstract": r["abstract"], "pub_type": ""}
        for r in df.to_dict("records")
    ]


def asysd_metrics(result: Any, df: pd.DataFrame) -> dict[str, float]:
    """Record-level metrics on the ASySD set, which has no group ids. Its ``source`` column marks the one
    record kept per study (``unique``) and the copies (``duplicate``); its ``label`` column (kept / in the
    trash of an EndNote library) is not a gold standard (identical copies are kept in the library).

    Two ``unique`` records are two studies, so a group holding ``k`` of them makes ``k - 1`` false removals;
    every other removal (``len(group) - 1`` per group) is a correct one.

    * auto precision = correct removals / removals; auto recall = correct removals / copies
    * recall with the queue: a reviewer accepts a queued pair (best first) unless it would put two
      ``unique`` records into one group; an upper bound, as the labels cannot tell which study a copy
      belongs to. ``queued_true`` counts the accepted pairs.
    """
    in_db = {str(i): src == "unique" for i, src in zip(df["id"], df["source"], strict=True)}
    trash = sum(1 for v in in_db.values() if not v)

    def removals(groups: Iterable[Sequence[Any]]) -> tuple[int, int]:
        removed = correct = 0
        for g in groups:
            kept = sum(in_db[str(m)] for m in g)
            removed += len(g) - 1
            correct += len(g) - 1 - max(0, kept - 1)
        return removed, correct

    removed, correct = removals(result.groups)
    sets: UnionFind[str] = UnionFind()
    kept_in: dict[str, int] = {}  # root -> unique records in its set

    def union(a: str, b: str, check: bool = True) -> bool:
        ra, rb = sets.find(a), sets.find(b)
        if ra == rb:
            return True
        ka, kb = kept_in.get(ra, int(in_db[ra])), kept_in.get(rb, int(in_db[rb]))
        if check and ka + kb > 1:
            return False
        kept_in[sets.union(ra, rb)] = ka + kb
        return True

    for g in result.groups:
        for m in g[1:]:
            union(str(g[0]), str(m), check=False)
    taken = {_key(c.id_a, c.id_b) for c in result.candidates if union(str(c.id_a), str(c.id_b))}
    accepted = len(taken)
    comps: dict[str, list[str]] = {}
    for x, root in sets.roots().items():
        comps.setdefault(root, []).append(x)
    _, correct_q = removals(comps.values())
    return {
        "records": len(df), "copies": trash, "groups": len(result.groups), "removed": removed,
        "false_removed": removed - correct,
        "auto_precision": correct / removed if removed else 1.0,
        "auto_recall": correct / trash if trash else 1.0,
        "queued_recall": correct_q / trash if trash else 1.0,
        "queued": len(result.candidates), "queued_true": accepted,
        **_cluster_counts(result, taken),
    }
