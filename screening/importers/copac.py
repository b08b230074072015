"""Copac / Jisc Library Hub Discover tagged text (UK academic library catalogue).

Records are blocks of ``XX- value`` lines separated by blank lines; a value continues on following
lines indented by spaces. Tags: TI title, AU author, PY year, PU publisher, SE series, IS ISBN/ISSN,
NT notes, KW subject keywords, HL holding libraries, PD physical description, DT document type.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from db.errors import InputError
from screening.importers.base import ParsedRecord, SourceFile
from screening.importers.fields import clean, clean_abstract, normalize_doi, parse_year, split_authors
from screening.importers.fields import first_of as _first
from screening.importers.ovid import parse_tagged

_TAG = re.compile(r"^([A-Z][A-Z0-9])- ?(.*)$")


def _blocks(text: str) -> Iterator[tuple[int, list[str]]]:
    """(first line, lines) of each blank-line separated block that starts with a tag."""
    current: list[str] = []
    start = 0
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            if current:
                yield start, current
            current = []
            continue
        if not current:
            start = n
        current.append(line)
    if current:
        yield start, current


class CopacImporter:
    """Copac tagged text export."""

    name = "copac"
    label = "Copac tagged text"
    suffixes = (".txt",)
    priority = 30

    def sniff(self, source: SourceFile) -> float:
        """0.8 when the head's tagged lines are ``XX- `` (no spaces before the hyphen) with TI and AU."""
        head = source.head_text()
        if not head:
            return 0.0
        head = head.replace("\r\n", "\n").replace("\r", "\n")
        if re.search(r"^(TY  - |PMID- |FN |PT [A-Z]|[A-Z][A-Z0-9]  - )", head, re.M):
            return 0.0
        tags = re.findall(r"^([A-Z][A-Z0-9])- ", head, re.M)
        if len(tags) >= 3 and "TI" in tags and ("AU" in tags or "PY" in tags):
            return 0.8
        return 0.0

    def read(self, source: SourceFile, options: Mapping[str, Any]) -> Iterator[ParsedRecord]:
        """Yield one record per blank-line separated block."""
        found = False
        for line, lines in _blocks(source.text):
            if not _TAG.match(lines[0]):
                raise InputError(f"expected a Copac 'XX- value' line, found {lines[0][:40]!r}",
                                 file=source.name, line=line)
            pairs, by = parse_tagged(lines, _TAG)
            found = True
            raw: dict[str, Any] = {}
            for t, v in pairs:
                raw.setdefault(t, []).append(v)
            isbn = _first(by, "IS")
            yield ParsedRecord(
                title=_first(by, "TI"),
                abstract=clean_abstract(" ".join(by.get("AB", []))),
                authors=split_authors(by.get("AU", [])),
                year=parse_year(_first(by, "PY")),
                journal=_first(by, "SE") or _first(by, "JN"),
                doi=normalize_doi(_first(by, "DO")),
                other_ids={"isbn_issn": isbn} if isbn else {},
                language=_first(by, "LA"),
                keywords=[clean(k) for k in by.get("KW", []) if clean(k)],
                pub_type=", ".join(clean(d) for d in by.get("DT", []) if clean(d)),
                url=_first(by, "UR"),
                raw={k: v[0] if len(v) == 1 else v for k, v in raw.items()},
                line=line,
            )
        if not found:
            raise InputError("holds no Copac records ('TI- title' lines)", file=source.name)

    def source_database(self, source: SourceFile) -> str | None:
        """Always "Copac"."""
        return "Copac"


IMPORTERS = [CopacImporter()]
