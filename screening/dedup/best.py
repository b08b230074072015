"""The best value of each field across the records of one duplicate group."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from screening.dedup.features import FIELDS, get_field
from screening.dedup.normalize import doi_list, normalize_title, page_ranges, split_authors

# other_ids keys that are bibliographic metadata, not identifiers of the record
_NOT_IDS = frozenset({"issn", "eissn", "issn_other", "isbn", "isbn_issn", "url", "language", "keywords"})
# fields of the raw export that carry DOIs (RIS DO, MEDLINE LID/AID, WoS DI, CSV "DOI" columns): an importer
# keeps one DOI per record, the raw field may hold two
_RAW_DOI_KEYS = frozenset({"do", "di", "lid", "aid", "doi", "dois", "electronic-resource-num"})


def _text(value: Any) -> str:
    if value is None:
        return ""
    s = str(value).strip()
    return "" if s.lower() in {"nan", "none"} else s


def _caps_penalty(s: str) -> int:
    letters = [c for c in s if c.isalpha()]
    return 1 if len(letters) > 3 and all(c.isupper() for c in letters) else 0


def _best_title(values: list[str]) -> str:
    def key(s: str) -> tuple[int, int, int, int]:
        bracketed = s.startswith("[") or s.rstrip(". ").endswith("]")
        return (_caps_penalty(s), int(bracketed), -len(normalize_title(s)), -len(s))
    return min(values, key=key) if values else ""


def _best_journal(values: list[str]) -> str:
    # unabbreviated = most letters per word and no abbreviation dots; avoid ALL-CAPS
    def key(s: str) -> tuple[int, int, float]:
        words = s.split()
        return (_caps_penalty(s), s.count("."), -sum(map(len, words)) / max(len(words), 1) - len(s) / 100)
    return min(values, key=key) if values else ""


def _most_common(values: list[Any]) -> Any:
    return Counter(values).most_common(1)[0][0] if values else None


def _best_pages(values: list[str]) -> str:
    """The fullest pagination: a range over a lone page, every part of a field with several ranges
    (``'230-235, 246-251, 233-238'``) over one of them, the shorter spelling of equals."""
    best, best_key = "", (-1, 0, 0)
    for v in values:
        ranges = page_ranges(v)
        if not ranges:
            continue
        key = (int(any(end for _, end in ranges)), len(ranges), -len(v))
        if key > best_key:
            best, best_key = ", ".join(f"{a}-{b}" if b and b != a else a for a, b in ranges), key
    return best


def _best_authors(values: list[Any]) -> list[str]:
    lists = [split_authors(v) for v in values]
    lists = [a for a in lists if a]
    if not lists:
        return []
    return max(lists, key=lambda a: (len(a), -sum(_caps_penalty(x) for x in a), sum(len(x) for x in a)))


def _ids_in(value: Any) -> list[str]:
    if isinstance(value, (list, tuple, set)):
        return [x for v in value for x in _ids_in(v)]
    text = _text(value)
    return [text] if text else []


def identifiers(records: Sequence[Any]) -> dict[str, list[str]]:
    """Every identifier of every copy, so that merging loses none: ``doi`` (canonical, all of them),
    ``pmid``, ``pmcid``, ``source_id`` (with ``source_db:`` in front when known) and each identifier kind
    found in ``other_ids`` (accession numbers, ``endnote_rec_number``...). Values keep their first-seen
    order, once each; kinds without a value are left out."""
    out: dict[str, list[str]] = {}

    def add(kind: str, values: list[str]) -> None:
        bucket = out.setdefault(kind, [])
        bucket.extend(v for v in values if v not in bucket)

    for r in records:
        add("doi", list(doi_list(get_field(r, "doi"))))
        add("pmid", _ids_in(get_field(r, "pmid")))
        other = get_field(r, "other_ids")
        if isinstance(other, dict):
            for kind, value in other.items():
                key = str(kind).lower()
                if key in _NOT_IDS:
                    continue
                if key == "doi":
                    add("doi", [d for v in _ids_in(value) for d in doi_list(v)])
                else:
                    add(key, _ids_in(value))
        raw = get_field(r, "raw")
        if isinstance(raw, dict):
            for key, value in raw.items():
                if str(key).strip().lower() in _RAW_DOI_KEYS:
                    add("doi", [d for v in _ids_in(value) for d in doi_list(v)])
        sid = _text(get_field(r, "source_id"))
        if sid:
            db = _text(get_field(r, "source_db"))
            add("source_id", [f"{db}:{sid}" if db else sid])
    return {k: v for k, v in out.items() if v}


def best_record(records: Sequence[Any]) -> dict[str, Any]:
    """Merge a group into one record: a title that is not ALL-CAPS or bracketed, the unabbreviated
    journal, the fullest author list, the full page range, the most common DOI, the longest abstract and
    the most common year/volume/issue/type. ``merged_ids`` lists the ids of the group; ``identifiers``
    (see `identifiers`) every DOI, PMID, PMCID, accession number and source id of every copy, and ``pmid``
    the most common PMID."""
    if not records:
        return {}
    col = {f: [get_field(r, f) for r in records] for f in FIELDS}
    texts = {f: [s for s in (_text(v) for v in col[f]) if s] for f in FIELDS if f != "authors"}
    years = []
    for v in col["year"]:
        try:
            years.append(int(float(str(v))))
        except (TypeError, ValueError):
            continue
    ids = identifiers(records)
    dois = [d for v in col["doi"] for d in doi_list(v)]
    return {
        "id": col["id"][0],
        "merged_ids": list(col["id"]),
        "title": _best_title(texts["title"]),
        "authors": _best_authors(col["authors"]),
        "year": _most_common(years),
        "journal": _best_journal(texts["journal"]),
        "volume": _most_common(texts["volume"]) or "",
        "issue": _most_common(texts["issue"]) or "",
        "pages": _best_pages(texts["pages"]),
        "doi": _most_common(dois) or "",
        "abstract": max(texts["abstract"], key=len) if texts["abstract"] else "",
        "pub_type": _most_common(texts["pub_type"]) or "",
        "pmid": _most_common([p for r in records for p in _ids_in(get_field(r, "pmid"))]) or "",
        "identifiers": ids,
    }
