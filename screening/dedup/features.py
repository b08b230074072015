"""Turn input records (dicts or objects) into normalised, column-oriented features for blocking/scoring."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from db.errors import InputError
from screening.dedup.normalize import (
    expand_pages,
    fold,
    normalize_authors,
    normalize_doi,
    normalize_journal,
    normalize_number,
    normalize_title,
    publication_kind,
    squash,
)

FIELDS = ("id", "title", "authors", "year", "journal", "volume", "issue", "pages", "doi", "abstract",
          "pub_type")


def get_field(record: Any, name: str) -> Any:
    """A field of a dict-like or attribute-style record (``None`` when absent)."""
    if isinstance(record, Mapping):
        return record.get(name)
    return getattr(record, name, None)


def _year(value: Any) -> int:
    """The year as int, or -1 when missing or unparseable."""
    if value is None:
        return -1
    try:
        y = int(float(str(value).strip()[:4]))
    except ValueError:
        return -1
    return y if 1000 < y < 3000 else -1


@dataclass(slots=True)
class Features:
    """Normalised columns, one entry per input record (index = position in the input)."""

    ids: list[Any]
    title: list[str]
    authors: list[str]
    first_author: list[str]
    year: np.ndarray
    journal: list[str]
    volume: np.ndarray
    issue: np.ndarray
    page_start: np.ndarray
    page_end: np.ndarray
    page_key: np.ndarray
    doi: np.ndarray
    abstract: list[str]
    kind: np.ndarray
    title_numbers: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)


def build_features(records: Sequence[Any]) -> Features:
    """Normalise every record; raises ``InputError`` for a record without an id or a repeated id."""
    n = len(records)
    ids: list[Any] = []
    title, authors, first, journal, abstract = [], [], [], [], []
    year = np.full(n, -1, dtype=np.int32)
    volume, issue, pstart, pend, doi, kind, nums = ([""] * n for _ in range(7))
    seen: set[Any] = set()
    for i, rec in enumerate(records):
        rid = get_field(rec, "id")
        if rid is None or rid in seen:
            raise InputError("every record needs a unique id" if rid is None else f"duplicate id {rid!r}",
                             record=i)
        seen.add(rid)
        ids.append(rid)
        raw_title = get_field(rec, "title")
        title.append(normalize_title(raw_title))
        nums[i] = " ".join(sorted({w.lstrip("0") for w in title[-1].split() if w.isdigit()}))
        names = normalize_authors(get_field(rec, "authors"))
        authors.append(" ".join(names))
        first.append(names[0].split(" ")[0] if names else "")
        year[i] = _year(get_field(rec, "year"))
        raw_journal = get_field(rec, "journal")
        journal.append(normalize_journal(raw_journal))
        volume[i] = normalize_number(get_field(rec, "volume"))
        issue[i] = normalize_number(get_field(rec, "issue"))
        pstart[i], pend[i] = expand_pages(get_field(rec, "pages"))
        doi[i] = normalize_doi(get_field(rec, "doi"))
        abstract.append(squash(fold(get_field(rec, "abstract")))[:1000])
        kind[i] = publication_kind(get_field(rec, "pub_type"), raw_journal, raw_title, get_field(rec, "volume"))
    return Features(
        ids=ids, title=title, authors=authors, first_author=first, year=year, journal=journal,
        volume=np.array(volume, dtype=object), issue=np.array(issue, dtype=object),
        page_start=np.array(pstart, dtype=object), page_end=np.array(pend, dtype=object),
        page_key=np.array([p.lstrip("abcdefghijklmnopqrstuvwxyz") for p in pstart], dtype=object),
        doi=np.array(doi, dtype=object), abstract=abstract, kind=np.array(kind, dtype=object),
        title_numbers=np.array(nums, dtype=object),
    )
