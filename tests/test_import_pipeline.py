"""Import into a real review (SQLite and PostgreSQL): counts, provenance, duplicates, atomicity."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select

from db.errors import Cancelled, InputError
from db.models import ImportBatch, Record
from screening.counts import review_counts
from screening.importing import import_file, import_files, preview

DATA = Path(__file__).with_name("data")
OVID = DATA / "_baseline_psychInfo_ovid.ris"
PUBMED = DATA / "_baseline_pubmed.ris"
WOS_RIS = DATA / "_baseline_webofscience.ris"
WOS_ISI = DATA / "jabref__IsiImporterTestWOS.isi"


def _count(db, model) -> int:
    with db.session() as s:
        return s.exec(select(func.count()).select_from(model)).one()


def test_import_stores_every_record_with_its_provenance(review):
    batches = import_files(review, [OVID, PUBMED, WOS_ISI], who="librarian")
    assert [(b.format, b.records) for b in batches] == [("ris", 10), ("medline", 50), ("wos", 2)]
    assert [b.source_db for b in batches] == ["PsycINFO", "PubMed", "Web of Science Core Collection"]
    counts = review_counts(review, stages=())
    assert counts.records == 62 and counts.batches == 3
    assert counts.records_per_database == {"PsycINFO": 10, "PubMed": 50, "Web of Science Core Collection": 2}
    with review.session() as s:
        batch = s.exec(select(ImportBatch).where(ImportBatch.format == "medline")).one()
        assert batch.imported_by == "librarian" and len(batch.sha256) == 64
        rec = s.exec(select(Record).where(Record.source_id == "30922926")).one()
        assert rec.batch_id == batch.id and rec.ordinal == 1
        assert rec.title == "Time lapse: A glimpse into prehistoric genomics."
        assert rec.doi == "10.1016/j.ejmg.2019.03.004" and rec.pmid == "30922926" and rec.year == 2020
        assert rec.abstract.startswith("For the purpose of this review, 'time-lapse' refers to the reconstruction")
        assert rec.raw["PMID"] == "30922926"


def test_ovid_ris_record_number_lines_and_fields(review):
    import_file(review, OVID)
    with review.session() as s:
        recs = s.exec(select(Record).order_by(Record.ordinal)).all()
    assert len(recs) == 10
    assert all(r.title and r.authors and r.year for r in recs)
    assert not any(r.title.startswith(("1.", "TY")) for r in recs)


def test_the_same_file_twice_is_refused_and_changes_nothing(review):
    import_file(review, WOS_RIS)
    before = _count(review, Record)
    with pytest.raises(InputError, match="already imported as batch"):
        import_file(review, WOS_RIS)
    assert _count(review, Record) == before and _count(review, ImportBatch) == 1


def test_a_bad_file_among_good_ones_stores_nothing(review, tmp_path):
    bad = tmp_path / "broken.ris"
    bad.write_bytes(b"\x00\x01\x02binary garbage\x00" * 20)
    with pytest.raises(InputError) as info:
        import_files(review, [OVID, bad])
    assert "broken.ris" in str(info.value)
    assert _count(review, Record) == 0 and _count(review, ImportBatch) == 0


def test_cancel_stores_nothing(review):
    with pytest.raises(Cancelled):
        import_file(review, PUBMED, should_stop=lambda: True)
    assert _count(review, Record) == 0 and _count(review, ImportBatch) == 0


def test_progress_reaches_the_end(review):
    seen: list[tuple[int, int]] = []
    import_file(review, PUBMED, progress=lambda d, t, m="": seen.append((d, t)))
    assert seen and seen[-1][0] == seen[-1][1]
    assert all(a[0] <= b[0] for a, b in zip(seen, seen[1:], strict=False))


def test_source_db_override_and_preview(review):
    det = preview(WOS_RIS)
    assert det.importer.name == "ris" and det.source_db == "Web of Science Core Collection"
    b = import_file(review, WOS_RIS, source_db="Emerging Sources Citation Index")
    assert b.source_db == "Emerging Sources Citation Index"  # the override wins; a name not in the table as given


@pytest.mark.parametrize("content, expected", [
    (b"", "is empty"),
    (b"   \n\n", "is empty"),
    (b"%PDF-1.4 binary", "not a format MetaSift recognises"),
    (b"Dear colleague,\nplease find attached the search results.\nBest wishes\n", "export format"),
    (b"1.\nTY  - JOUR\nER  - \n\n2.\nTY  - JOUR\nER  - \n", "contains no records"),
])
def test_bad_input_messages_name_the_file(sqlite_review, tmp_path, content, expected):
    path = tmp_path / "export.txt"
    path.write_bytes(content)
    with pytest.raises(InputError) as info:
        import_file(sqlite_review, path)
    assert "export.txt" in str(info.value) and expected in str(info.value)
    assert _count(sqlite_review, Record) == 0


def test_truncated_ris_without_final_er_keeps_the_last_record(sqlite_review, tmp_path):
    text = OVID.read_text(encoding="utf-8")
    cut = text[: text.rindex("ER  -")]
    path = tmp_path / "truncated.ris"
    path.write_text(cut, encoding="utf-8")
    assert import_file(sqlite_review, path).records == 10


def test_undo_an_unscreened_batch_and_import_it_again(review):
    from screening.decisions import decide
    from screening.importing import batches, undo_batch

    first, second = import_files(review, [OVID, WOS_ISI])
    history = batches(review)
    assert [b.file for b in history] == [OVID.name, WOS_ISI.name] and all(b.can_undo for b in history)
    assert undo_batch(review, second.batch_id, who="librarian").records_removed == 2
    assert _count(review, Record) == 10 and [b.batch_id for b in batches(review)] == [first.batch_id]
    again = import_file(review, WOS_ISI)  # the same bytes may come back once their batch is gone
    assert again.records == 2
    with review.session() as s:
        rid = s.exec(select(Record.id).where(Record.batch_id == first.batch_id)).first()
    decide(review, rid, "ann", "title_abstract", "include")
    assert not next(b for b in batches(review) if b.batch_id == first.batch_id).can_undo
    with pytest.raises(InputError, match="screening decisions"):
        undo_batch(review, first.batch_id)
    assert _count(review, Record) == 12


def test_per_file_settings_in_one_import(review):
    from screening.importing import ImportSpec

    out = import_files(review, [ImportSpec(OVID, source_db="PsycINFO (Ovid)"), WOS_ISI], source_db="WoS CC")
    # each file its own setting; both typed names are known databases, stored by their canonical names
    assert [b.source_db for b in out] == ["PsycINFO", "Web of Science Core Collection"]
