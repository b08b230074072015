"""Tabular exports: CSV / TSV / ";"-CSV, Web of Science tab-delimited, XLSX and legacy XLS.

Columns are mapped to record fields from the header names vendors use (Scopus, Embase, Lens, OpenAlex,
IEEE, Springer, CINAHL, Cochrane, PubMed, Covidence, Rayyan, Zotero, RefWorks, EPPI-Reviewer, Ovid, the
labelled screening sets, ...); ``options["mapping"]`` = {field: column header} overrides that. Every
non-empty cell is kept in ``raw`` under its header, so label columns (``label_included``) survive.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from itertools import chain, islice
from typing import Any

from db.errors import InputError
from screening.importers.base import ParsedRecord, SourceFile, is_binary
from screening.importers.databases import WOS, database_or_none, tool_name, wos_ut_database
from screening.importers.tabular_align import PROFILE_ROWS, Aligner
from screening.importers.tabular_columns import (
    MAPPABLE_FIELDS,
    auto_map,
    is_wos_header,
    norm_header,
    other_id_columns,
    vendor_of,
)
from screening.importers.tabular_fieldrows import transpose
from screening.importers.tabular_header import repair_header
from screening.importers.tabular_records import RowMapper
from screening.importers.tabular_rows import (
    MAX_HEADER_BYTES,
    Table,
    check_header_line,
    read_delimited,
    read_xls,
    read_xlsx,
    sniff_layout,
)

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Tagged text formats other importers own: RIS, MEDLINE, WoS tagged, Ovid/ProQuest fields, XML, BibTeX.
_TAGGED = re.compile(
    r"^(?:TY  - |PMID- |FN |VR |PT [A-Z]\b|ER\s*$|<\?xml|<xml|<records|<PubmedArticle|@\w+\s*[{(])", re.M)


@dataclass(frozen=True)
class ColumnInfo:
    """What the mapping dialog shows: the headers, the automatic {field: header} map, the header row."""

    headers: list[str]
    mapping: dict[str, str]
    header_row: int  # 0-based row index of the header in the file (sheet row index for spreadsheets)
    source_database: str | None = None
    sheet: str | None = None


def resolve_mapping(headers: list[str], explicit: Mapping[str, str] | None,
                    name: str) -> dict[str, list[int]]:
    """The automatic mapping with ``explicit`` {field: header} laid over it.

    Raises `InputError` for a field that is not a record field or a header that is not in the file.
    """
    mapping = auto_map(headers)
    if not explicit:
        return mapping
    if not isinstance(explicit, Mapping):
        raise InputError("the column mapping must be {field: column header}", file=name)
    norm = [norm_header(h) for h in headers]
    for fld, col in explicit.items():
        if fld not in MAPPABLE_FIELDS:
            raise InputError(f"cannot map unknown field {fld!r}; fields: {', '.join(MAPPABLE_FIELDS)}",
                             file=name)
        col_s = str(col)
        if col_s in headers:
            idx = headers.index(col_s)
        elif norm_header(col_s) and norm.count(norm_header(col_s)) == 1:
            idx = norm.index(norm_header(col_s))
        else:
            raise InputError(f"has no column {col_s!r} (mapped to {fld}); columns: {_list(headers)}",
                             file=name)
        for other in list(mapping):
            mapping[other] = [i for i in mapping[other] if i != idx]
            if not mapping[other]:
                del mapping[other]
        if fld == "pages":
            mapping.pop("page_start", None)
            mapping.pop("page_end", None)
        mapping[fld] = [idx]
    return mapping


def _list(headers: list[str], limit: int = 40) -> str:
    shown = [repr(h) for h in headers[:limit] if h]
    more = f" and {len(headers) - limit} more" if len(headers) > limit else ""
    return (", ".join(shown) or "(none)") + more


def _public_mapping(headers: list[str], mapping: Mapping[str, list[int]]) -> dict[str, str]:
    out = {fld: headers[cols[0]] for fld, cols in mapping.items() if fld in MAPPABLE_FIELDS and cols}
    if "pages" not in out and "page_start" in mapping:
        out["pages"] = headers[mapping["page_start"][0]]
    return out


def _maps_to(headers: list[str], mapping: Mapping[str, list[int]], fld: str, header: str) -> bool:
    cols = mapping.get(fld) or []
    return bool(cols) and norm_header(headers[cols[0]]) == header


class _Tabular:
    """Shared read / source_database / inspect logic; subclasses say how to get the `Table`."""

    name = "tabular"
    label = "Table"
    suffixes: tuple[str, ...] = ()
    priority = 10

    def table(self, source: SourceFile, options: Mapping[str, Any]) -> Table:
        raise NotImplementedError

    def sniff(self, source: SourceFile) -> float:
        raise NotImplementedError

    def records_table(self, source: SourceFile, options: Mapping[str, Any]) -> Table:
        """`table`, with Embase's one-field-per-row layout turned into one row per record, and a delimited
        header that names fewer or more columns than the rows have repaired (`repair_header`)."""
        table = transpose(self.table(source, options))
        if table.delimiter is None:
            return table
        head = list(islice(table.rows, PROFILE_ROWS))
        fix = repair_header(table.headers, head, source.name)
        rows: Iterator[tuple[int, list[str]]] = chain(head, table.rows)
        if fix.added:
            rows = ((line, fix.pad(cells)) for line, cells in rows)
        return replace(table, headers=fix.headers, rows=rows, header_note=fix.note)

    def read(self, source: SourceFile, options: Mapping[str, Any]) -> Iterator[ParsedRecord]:
        """Records of every non-blank data row; `InputError` when there is no title column to map."""
        table = self.records_table(source, options)
        if table.header_note:
            source.warn(table.header_note)
        mapping = resolve_mapping(table.headers, options.get("mapping"), source.name)
        if "title" not in mapping:
            raise InputError(
                f"has no recognisable title column (headers found: {_list(table.headers)}); if this is a "
                "table of records, pass a column mapping, e.g. --map title=COLUMN", file=source.name)
        vendor = vendor_of(table.headers, table.preamble, table.sample)
        explicit = options.get("mapping") or {}
        if vendor == WOS and "authors" not in explicit:  # WoS: full names over "Park, S"
            full = [i for i, h in enumerate(table.headers) if norm_header(h) == "authorfullnames"]
            if full:
                mapping["authors"] = full + [i for i in mapping.get("authors", []) if i not in full]
        mapper = RowMapper(table.headers, mapping, other_id_columns(table.headers),
                           comma_keywords=vendor in ("Embase", "abstrackr"),
                           embase_source=vendor == "Embase" and _maps_to(table.headers, mapping, "journal",
                                                                         "source"))
        rows: Iterator[tuple[int, list[str]]] = table.rows
        aligner = None
        if table.delimiter is not None:
            head = list(islice(rows, PROFILE_ROWS))
            aligner = Aligner(table.headers, table.delimiter, source.name, frozenset(mapping["title"]))
            aligner.learn([cells for _, cells in head])
            rows = chain(head, rows)
        for line, cells in rows:
            unaligned = None
            if aligner is not None and len(cells) != len(aligner.headers):
                cells, unaligned = aligner.align(line, cells)
            rec = mapper.record(line, cells)
            if rec is not None:
                if unaligned is not None:
                    rec.raw["unaligned cells"] = unaligned
                yield rec
        if aligner is not None:
            for warning in aligner.warnings():
                source.warn(warning)

    def source_database(self, source: SourceFile) -> str | None:
        """The vendor the header row (or preamble, or first row) names; None when it does not tell."""
        try:
            table = self.records_table(source, {})
        except InputError:
            return None
        for i, h in enumerate(table.headers):  # a database column (Ovid's "DB", EBSCO's "Database")
            if norm_header(h) in ("db", "database", "source database", "database name") and i < len(table.sample):
                name = database_or_none(table.sample[i])
                if name:
                    return name
                if tool_name(table.sample[i]):  # "Covidence": the tool, reported as such (not a database)
                    return str(table.sample[i])
        return vendor_of(table.headers, table.preamble, table.sample)

    def inspect(self, source: SourceFile, options: Mapping[str, Any] | None = None) -> ColumnInfo:
        """Headers, automatic mapping and header row of ``source`` (for the mapping dialog)."""
        table = self.records_table(source, options or {})
        vendor = vendor_of(table.headers, table.preamble, table.sample)
        return ColumnInfo(list(table.headers), _public_mapping(table.headers, auto_map(table.headers)),
                          table.header_row, vendor, table.sheet)


def _text_head(source: SourceFile) -> str | None:
    try:
        return source.head_text(HEAD)
    except InputError:
        return None


HEAD = 65536


class DelimitedImporter(_Tabular):
    """CSV with "," or ";", TSV and "|"-separated text (Scopus, Embase, Lens, ... and labelled sets)."""

    name = "csv"
    label = "CSV / TSV (delimited text)"
    suffixes = (".csv", ".tsv", ".tab", ".txt")
    priority = 10

    def table(self, source: SourceFile, options: Mapping[str, Any]) -> Table:
        if is_binary(source.head_bytes(4096)):
            raise InputError("is a binary file, not delimited text (is it an .xlsx or .xls workbook?)",
                             file=source.name)
        check_header_line(source.head_bytes(MAX_HEADER_BYTES + 1), source.size, source.name)
        delim = options.get("delimiter")
        return read_delimited(source.text, source.name, str(delim) if delim else None)

    def sniff(self, source: SourceFile) -> float:
        """High for consistently delimited rows under a header of known names; low for tagged text."""
        head = _text_head(source)
        if head is None or not head.strip():
            return 0.0
        head = head.lstrip("\ufeff")
        if _TAGGED.search(head[:8000]) or head.lstrip()[:1] in ("{", "[") or "\x00" in head[:8000]:
            return 0.02  # tagged text, XML, BibTeX, JSON, or mis-decoded UTF-16
        lay = sniff_layout(head)
        suffix = 0.1 if source.suffix in (".csv", ".tsv", ".tab") else 0.0
        if lay.width < 2:
            return 0.25 if suffix else 0.03
        conf = 0.25 + 0.3 * lay.consistency + suffix
        conf += 0.3 if lay.header_score >= 2 else 0.1 if lay.header_score == 1 else 0.0
        if is_wos_header([norm_header(h) for h in lay.rows[lay.header_row]]):
            conf = min(conf, 0.5)
        return round(min(conf, 0.9), 3)


class WosTabImporter(_Tabular):
    """Web of Science tab-delimited export: a header row of field tags (PT AU BA ... UT PM)."""

    name = "wos_tab"
    label = "Web of Science (tab-delimited)"
    suffixes = (".txt", ".tsv", ".csv")
    priority = 20

    def table(self, source: SourceFile, options: Mapping[str, Any]) -> Table:
        if is_binary(source.head_bytes(4096)):
            raise InputError("is a binary file, not a Web of Science tab-delimited export", file=source.name)
        check_header_line(source.head_bytes(MAX_HEADER_BYTES + 1), source.size, source.name)
        return read_delimited(source.text, source.name, "\t")

    def sniff(self, source: SourceFile) -> float:
        head = _text_head(source)
        if not head:
            return 0.0
        first = head.lstrip("\ufeff").split("\n", 1)[0].split("\r", 1)[0]
        tags = [norm_header(t) for t in first.split("\t")]
        return 0.97 if len(tags) >= 5 and tags[0] in ("pt", "fn") and is_wos_header(tags) else 0.0

    def source_database(self, source: SourceFile) -> str | None:
        """The database of the first rows' UT accession numbers (Web of Science hosts Zoological Record,
        BIOSIS, CAB Abstracts ... beside its Core Collection)."""
        head = _text_head(source) or ""
        return wos_ut_database("\n".join(head.splitlines()[1:20]))


class XlsxImporter(_Tabular):
    """Excel 2007+ workbooks (Embase, EPPI-Reviewer, Lens, labelled screening sets)."""

    name = "xlsx"
    label = "Excel workbook (.xlsx)"
    suffixes = (".xlsx", ".xlsm")
    priority = 10

    def table(self, source: SourceFile, options: Mapping[str, Any]) -> Table:
        return read_xlsx(source.data, source.name, options.get("sheet"))

    def sniff(self, source: SourceFile) -> float:
        if not source.head_bytes(4).startswith(b"PK\x03\x04"):
            return 0.0  # decided on the first bytes: a large text export is never loaded whole here
        data = source.data
        if b"xl/" in data[:65536] or b"xl/workbook" in data[-65536:]:
            return 0.95
        return 0.3 if source.suffix in self.suffixes else 0.0


class XlsImporter(_Tabular):
    """Legacy Excel 97-2003 workbooks (.xls, BIFF), e.g. Ovid's Excel export."""

    name = "xls"
    label = "Excel 97-2003 workbook (.xls)"
    suffixes = (".xls",)
    priority = 10

    def table(self, source: SourceFile, options: Mapping[str, Any]) -> Table:
        return read_xls(source.data, source.name, options.get("sheet"))

    def sniff(self, source: SourceFile) -> float:
        if not source.head_bytes(8).startswith(_OLE):
            return 0.0
        data = source.data
        if "W\x00o\x00r\x00k\x00b\x00o\x00o\x00k\x00".encode("latin-1") in data:
            return 0.95
        return 0.6 if source.suffix in self.suffixes else 0.1


IMPORTERS: list[Any] = [DelimitedImporter(), WosTabImporter(), XlsxImporter(), XlsImporter()]


def importer_for(source: SourceFile) -> _Tabular:
    """The tabular importer for ``source`` judged from its bytes (zip -> xlsx, OLE -> xls, else text)."""
    if source.data.startswith(b"PK\x03\x04"):
        return IMPORTERS[2]
    if source.data.startswith(_OLE):
        return IMPORTERS[3]
    if IMPORTERS[1].sniff(source) > 0.5:
        return IMPORTERS[1]
    return IMPORTERS[0]


def inspect_columns(source: SourceFile, options: Mapping[str, Any] | None = None) -> ColumnInfo:
    """Headers, automatic {field: header} mapping and header row index of a tabular export.

    Raises `InputError` when ``source`` cannot be read as a table.
    """
    return importer_for(source).inspect(source, options)


__all__ = ["IMPORTERS", "ColumnInfo", "DelimitedImporter", "WosTabImporter", "XlsImporter", "XlsxImporter",
           "importer_for", "inspect_columns", "resolve_mapping"]
