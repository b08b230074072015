"""Inspec tagged text (``TI ~ value`` lines), as exported from Inspec/Engineering Village front ends.

A file may start with a ``Record...INSPEC...`` line; records are blank-line separated blocks of
``XX ~ value`` lines (continuation lines are indented). Tags: TI title, AU authors (";" separated),
AB abstract, PY year, SO source, PU publisher, ID keywords, RT record type, DO DOI, LA language.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from db.errors import InputError
from screening.importers.base import ParsedRecord, SourceFile
from screening.importers.copac import _blocks
from screening.importers.fields import (
    clean_abstract,
    normalize_doi,
    parse_year,
    split_authors,
    split_keywords,
)
from screening.importers.fields import first_of as _first
from screening.importers.ovid import parse_source, parse_tagged

_TAG = re.compile(r"^([A-Z][A-Z0-9]) ~ ?(.*)$")


class InspecImporter:
    """Inspec ``XX ~ value`` tagged text."""

    name = "inspec"
    label = "Inspec tagged text"
    suffixes = (".txt",)
    priority = 30

    def sniff(self, source: SourceFile) -> float:
        """0.9 with a ``Record ... INSPEC`` header or several ``XX ~ `` lines, else 0."""
        head = source.head_text()
        if not head:
            return 0.0
        head = head.replace("\r\n", "\n").replace("\r", "\n")
        tags = len(re.findall(r"^[A-Z][A-Z0-9] ~ ", head, re.M))
        if re.match(r"\s*Record.*INSPEC", head, re.I) and tags:
            return 0.9
        return 0.85 if tags >= 3 else 0.0

    def read(self, source: SourceFile, options: Mapping[str, Any]) -> Iterator[ParsedRecord]:
        """Yield one record per blank-line separated block of ``XX ~`` lines."""
        found = False
        for line, lines in _blocks(source.text):
            body = [ln for ln in lines if not re.match(r"\s*Record.*INSPEC", ln, re.I)]
            if not body:
                continue
            if not _TAG.match(body[0]):
                raise InputError(f"expected an Inspec 'XX ~ value' line, found {body[0][:40]!r}",
                                 file=source.name, line=line)
            pairs, by = parse_tagged(body, _TAG)
            found = True
            raw: dict[str, Any] = {}
            for t, v in pairs:
                raw.setdefault(t, []).append(v)
            so = _first(by, "SO")
            src = parse_source(so)
            keywords: list[str] = []
            for v in by.get("ID", []) + by.get("KW", []):
                keywords.extend(split_keywords(v, seps=";" if ";" in v else ","))
            yield ParsedRecord(
                title=_first(by, "TI"),
                abstract=clean_abstract(" ".join(by.get("AB", []))),
                authors=split_authors(";".join(by.get("AU", []))),
                year=parse_year(_first(by, "PY")) or parse_year(so),
                journal=_first(by, "JN") or src["journal"],
                volume=_first(by, "VO") or src["volume"],
                issue=_first(by, "IS") or src["issue"],
                pages=_first(by, "PG") or src["pages"],
                doi=normalize_doi(_first(by, "DO")),
                language=_first(by, "LA"),
                keywords=split_keywords(keywords, seps=""),
                pub_type=_first(by, "RT"),
                url=_first(by, "UR"),
                source_id=_first(by, "AN"),
                raw={k: v[0] if len(v) == 1 else v for k, v in raw.items()},
                line=line + lines.index(body[0]),
            )
        if not found:
            raise InputError("holds no Inspec records ('TI ~ title' lines)", file=source.name)

    def source_database(self, source: SourceFile) -> str | None:
        """Always "Inspec"."""
        return "Inspec"


IMPORTERS = [InspecImporter()]
