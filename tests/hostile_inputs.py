"""Hostile and huge inputs, generated (never stored): the import test suite and
``benchmarks/bench_import_hostile.py`` both write them with these functions."""

from __future__ import annotations

import gzip
import io
import zipfile
import zlib
from pathlib import Path

_CT = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
       '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
       '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
       '<Default Extension="xml" ContentType="application/xml"/>'
       '<Override PartName="/xl/workbook.xml" '
       'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
       '<Override PartName="/xl/worksheets/sheet1.xml" '
       'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
       '<Override PartName="/xl/sharedStrings.xml" '
       'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
       '</Types>')
_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
         '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
         'officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WB = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
       '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
       'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
       '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WB_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'worksheet" Target="worksheets/sheet1.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'sharedStrings" Target="sharedStrings.xml"/></Relationships>')
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def _rows(n: int = 3) -> str:
    out = [f'<row r="1">{_cell("A1", "Title")}{_cell("B1", "Year")}</row>']
    for i in range(2, n + 2):
        out.append(f'<row r="{i}">{_cell(f"A{i}", f"Study {i}")}<c r="B{i}"><v>2020</v></c></row>')
    return "".join(out)


def _xlsx(sheet: bytes | str, shared: bytes | str = f'<sst {_NS} count="0" uniqueCount="0"/>') -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", _CT)
        zf.writestr("_rels/.rels", _RELS)
        zf.writestr("xl/workbook.xml", _WB)
        zf.writestr("xl/_rels/workbook.xml.rels", _WB_RELS)
        zf.writestr("xl/worksheets/sheet1.xml", sheet)
        zf.writestr("xl/sharedStrings.xml", shared)
    return buf.getvalue()


def xlsx_dimension_claim(path: Path) -> Path:
    """A 2 KB workbook of 3 records whose ``<dimension>`` claims A1:XFD1048576 (17 billion cells)."""
    sheet = (f'<?xml version="1.0" encoding="UTF-8"?><worksheet {_NS}><dimension ref="A1:XFD1048576"/>'
             f'<sheetData>{_rows()}</sheetData></worksheet>')
    path.write_bytes(_xlsx(sheet))
    return path


def xlsx_far_cell(path: Path) -> Path:
    """3 records and one stray cell at XFD4000 (a used range of 65 million cells)."""
    sheet = (f'<?xml version="1.0" encoding="UTF-8"?><worksheet {_NS}><sheetData>{_rows()}'
             f'<row r="4000">{_cell("XFD4000", "x")}</row></sheetData></worksheet>')
    path.write_bytes(_xlsx(sheet))
    return path


def xlsx_shared_strings_bomb(path: Path, size: int = 1 << 30) -> Path:
    """A workbook of about 1 MB whose sharedStrings.xml expands to ``size`` bytes (one huge string)."""
    sheet = (f'<?xml version="1.0" encoding="UTF-8"?><worksheet {_NS}><sheetData>'
             '<row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>')
    head = f'<?xml version="1.0" encoding="UTF-8"?><sst {_NS} count="1" uniqueCount="1"><si><t>'.encode()
    tail = b"</t></si></sst>"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, text in (("[Content_Types].xml", _CT), ("_rels/.rels", _RELS), ("xl/workbook.xml", _WB),
                           ("xl/_rels/workbook.xml.rels", _WB_RELS), ("xl/worksheets/sheet1.xml", sheet)):
            zf.writestr(name, text)
        with zf.open("xl/sharedStrings.xml", "w", force_zip64=True) as fh:
            fh.write(head)
            block = b"A" * (1 << 20)
            for _ in range((size - len(head) - len(tail)) >> 20):
                fh.write(block)
            fh.write(tail)
    path.write_bytes(buf.getvalue())
    return path


def gzip_bomb(path: Path, size: int = 2 << 30) -> Path:
    """PubMed XML, gzip-compressed to about 2 MB, whose one element expands to ``size`` bytes."""
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    with path.open("wb") as out:
        out.write(comp.compress(b'<?xml version="1.0"?>\n<PubmedArticleSet><PubmedArticle><MedlineCitation>'
                                b"<PMID>1</PMID><Article><ArticleTitle>"))
        block = b"A" * (1 << 20)
        for _ in range(size >> 20):
            out.write(comp.compress(block))
        out.write(comp.compress(b"</ArticleTitle></Article></MedlineCitation></PubmedArticle></PubmedArticleSet>"))
        out.write(comp.flush())
    return path


def gzip_blank_lines(path: Path, lines: int = 200_000_000) -> Path:
    """About 200 KB of gzip holding ``lines`` blank lines after a PubMed XML declaration."""
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    with path.open("wb") as out:
        out.write(comp.compress(b'<?xml version="1.0"?>\n<PubmedArticleSet>'))
        block = b"\n" * (1 << 20)
        for _ in range(lines >> 20):
            out.write(comp.compress(block))
        out.write(comp.flush())
    return path


def single_line_csv(path: Path, size: int = 200 << 20) -> Path:
    """A CSV of ``size`` bytes and no line break: a header of one title cell run on forever."""
    with path.open("wb") as out:
        out.write(b"Title,Abstract,Year,")
        block = b"x" * (1 << 20)
        for _ in range(size >> 20):
            out.write(block)
    return path


def endnote_xml(path: Path, records: int = 120_000, abstract_chars: int = 1500) -> Path:
    """An EndNote XML export on one line (as EndNote writes it) with ``records`` records."""
    abstract = ("Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * (abstract_chars // 57 + 1))
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8" ?><xml><records>')
        for i in range(records):
            out.write(f'<record><database name="lib.enl" path="/x/lib.enl">lib.enl</database>'
                      f'<source-app name="EndNote" version="20.0">EndNote</source-app><rec-number>{i + 1}</rec-number>'
                      f'<ref-type name="Journal Article">17</ref-type><contributors><authors>'
                      f'<author><style face="normal" font="default" size="100%">Smith, J{i}</style></author>'
                      f'</authors></contributors><titles><title><style face="normal" font="default" size="100%">'
                      f'Study {i} of something</style></title></titles><dates><year><style face="normal" '
                      f'font="default" size="100%">2020</style></year></dates><abstract><style face="normal" '
                      f'font="default" size="100%">{abstract[:abstract_chars]}</style></abstract>'
                      f'<remote-database-name>Embase</remote-database-name></record>')
        out.write("</records></xml>")
    return path


def billion_laughs(path: Path) -> Path:
    """EndNote XML with an internal entity expansion ("billion laughs")."""
    ents = ['<!ENTITY lol "lol">'] + [f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
                                      for i in range(1, 10)]
    path.write_text('<?xml version="1.0"?>\n<!DOCTYPE xml [' + "".join(ents) + ']>\n<xml><records><record>'
                    '<titles><title>&lol9;</title></titles></record></records></xml>\n', encoding="utf-8")
    return path


def external_entity(path: Path, target: Path) -> Path:
    """EndNote XML whose title is an external entity pointing at ``target`` (a local file)."""
    path.write_text(f'<?xml version="1.0"?>\n<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file://{target}">]>\n'
                    '<xml><records><record><titles><title>&xxe;</title></titles></record></records></xml>\n',
                    encoding="utf-8")
    return path


__all__ = ["billion_laughs", "endnote_xml", "external_entity", "gzip", "gzip_blank_lines", "gzip_bomb",
           "single_line_csv", "xlsx_dimension_claim", "xlsx_far_cell", "xlsx_shared_strings_bomb"]
