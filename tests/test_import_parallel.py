"""Large line-tagged files are parsed by worker processes: the stored rows must equal the sequential ones."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from db.engine import create_review
from screening.importers import parallel
from screening.importing import import_file

DATA = Path(__file__).with_name("data")


def _big_copy(src: Path, dest: Path, copies: int, marker: str) -> Path:
    body = src.read_bytes()
    with dest.open("wb") as out:
        for i in range(copies):
            out.write(body.replace(marker.encode(), f"{marker}[copy {i}] ".encode()))
            out.write(b"\n")
    return dest


def _rows(db) -> list[tuple]:
    with db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(
            "SELECT ordinal, source_id, title, abstract, authors, year, journal, volume, issue, pages, doi, pmid, "
            "other_ids, language, keywords, pub_type, url, raw FROM record ORDER BY ordinal"))]


@pytest.mark.parametrize("name, marker", [("_baseline_psychInfo_ovid.ris", "TI  - "),
                                          ("_baseline_pubmed.ris", "TI  - "),
                                          ("jabref__IsiImporterTestWOS.isi", "TI ")])
def test_parallel_parse_stores_exactly_the_sequential_rows(tmp_path, monkeypatch, name, marker):
    small = (DATA / name).stat().st_size
    big = _big_copy(DATA / name, tmp_path / f"big{Path(name).suffix}", max(60, (1 << 20) // small + 1), marker)
    assert big.stat().st_size > 1 << 20  # larger than any sniffer's head, so nothing loads it whole
    seq = create_review(tmp_path / "seq.metasift")
    import_file(seq, big)
    monkeypatch.setattr(parallel, "MIN_BYTES", 1)
    monkeypatch.setattr(parallel, "TARGET_CHUNK", max(1, big.stat().st_size // 7))
    par = create_review(tmp_path / "par.metasift")
    from screening.importers import SourceFile, detect

    source = SourceFile(big)
    importer = detect(source).importer
    assert parallel.supports(source, importer)
    assert len(parallel.plan(source, importer)) >= 4
    calls = []
    real = parallel.parallel_rows
    monkeypatch.setattr(parallel, "parallel_rows", lambda *a, **k: calls.append(1) or real(*a, **k))
    import_file(par, big)
    assert calls == [1]  # the worker processes did the parsing
    a, b = _rows(seq), _rows(par)
    seq.close()
    par.close()
    assert len(a) > 60 and a == b


def test_parallel_parse_reports_the_bad_record_with_its_line(tmp_path, monkeypatch):
    good = (DATA / "_baseline_psychInfo_ovid.ris").read_text(encoding="utf-8")
    bad = good * 40 + "\nAU  - Nobody, N\nPY  - 2020\nER  - \n" + good * 40
    path = tmp_path / "bad.ris"
    path.write_text(bad, encoding="utf-8")
    expected_line = bad[: bad.index("AU  - Nobody")].count("\n") + 1
    monkeypatch.setattr(parallel, "MIN_BYTES", 1)
    monkeypatch.setattr(parallel, "TARGET_CHUNK", max(1, path.stat().st_size // 6))
    db = create_review(tmp_path / "r.metasift")
    from db.errors import InputError

    with pytest.raises(InputError) as info:
        import_file(db, path)
    assert f"bad.ris, line {expected_line}" in str(info.value)
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM record")).scalar() == 0
    db.close()


def test_parallel_parse_warns_of_a_cut_last_record_like_the_sequential_one(tmp_path, monkeypatch):
    good = (DATA / "_baseline_psychInfo_ovid.ris").read_text(encoding="utf-8") * 60
    cut = good[: good.rindex("ER  -")]
    path = tmp_path / "cut.ris"
    path.write_text(cut, encoding="utf-8")
    seq = create_review(tmp_path / "seq.metasift")
    expected = import_file(seq, path).warnings
    seq.close()
    assert len(expected) == 1 and "may be truncated" in expected[0]
    monkeypatch.setattr(parallel, "MIN_BYTES", 1)
    monkeypatch.setattr(parallel, "TARGET_CHUNK", max(1, path.stat().st_size // 5))
    par = create_review(tmp_path / "par.metasift")
    assert import_file(par, path).warnings == expected
    par.close()
