"""PDFs stored in the review (issue 16): attach one, match a folder, write one out, detach with history,
refuse what is not a usable PDF; full-text decisions use the attached PDF. Real PDFs written with fpdf2, on
SQLite and PostgreSQL, through the functions and the `metasift` command."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func
from sqlmodel import select

from cli.app import main
from db.errors import InputError
from db.models import ImportBatch, PdfAttachment, PdfBlob, Record
from extraction.prisma import prisma_counts
from screening import decisions, outcomes
from screening.fulltext import matching, store
from screening.fulltext.pdf import MAX_PDF_BYTES
from tests.pdf_factory import write_pdf, write_unusable
from tests.test_team_pg import server  # noqa: F401 - the team on a real server (lead, two screeners)

TA, FT = "title_abstract", "full_text"
STUDIES = [  # source_id, title, authors, year, doi
    ("P1", "Working alliance and outcome in cognitive therapy for depression", ["Barber, J. P.", "Crits, P."],
     2001, "10.1037/0022-006X.68.6.1027"),
    ("P2", "Early alliance predicts symptom change in brief psychodynamic psychotherapy", ["Hatcher, R. L."],
     2010, "10.1080/10503307.2010.12345"),
    ("P3", "The therapeutic alliance in internet-delivered treatment of social anxiety", ["Andersson, G.",
     "Carlbring, P."], 2015, ""),
    ("P4", "Client and therapist ratings of the alliance across twelve sessions of couple therapy",
     ["Knobloch-Fedders, L. M."], 2007, ""),
]


def add_studies(db) -> dict[str, int]:
    with db.transaction() as s:
        batch = ImportBatch(file_name="t.ris", sha256="sha-ft", format="ris", source_db="PsycINFO",
                            record_count=len(STUDIES))
        s.add(batch)
        s.flush()
        recs = [Record(batch_id=batch.id, ordinal=i, source_id=sid, title=t, authors=a, year=y, doi=d)
                for i, (sid, t, a, y, d) in enumerate(STUDIES)]
        s.add_all(recs)
    return {r.source_id: r.id for r in recs}


def paper(title: str, author: str, year: int, body: str = "", doi_line: str = "") -> list[str]:
    first = f"{title}\n\n{author}\n\nJournal of Alliance Studies, {year}, 12(3), 101-115. {doi_line}\n\n" \
            "Abstract. We examined the alliance. " + body
    return [first, "Method. Participants were 64 adults. Results. r(62) = .31, p = .01."]


@pytest.fixture
def recs(review):
    return add_studies(review)


def blob_count(db) -> int:
    with db.session() as s:
        return s.exec(select(func.count()).select_from(PdfBlob)).one()


def test_attach_stores_once_by_sha256_writes_out_and_detach_keeps_history(review, recs, tmp_path):
    pdf = tmp_path / "barber.pdf"
    data = write_pdf(pdf, paper(STUDIES[0][1], "Jacques P. Barber", 2001), title=STUDIES[0][1])
    res = store.attach(review, recs["P1"], pdf, "ann")
    assert res.stored and not res.already_attached and res.pages == 2 and res.sha256 == store.sha256_of(data)
    again = store.attach(review, recs["P1"], pdf, "ann")
    assert again.already_attached and not again.stored
    copy = tmp_path / "same-bytes-other-name.pdf"
    copy.write_bytes(data)
    other = store.attach(review, recs["P2"], copy, "bob")  # the same bytes on another record: stored once
    assert not other.stored and not other.already_attached and blob_count(review) == 1
    [now] = store.attached(review, recs["P1"])
    assert now.file_name == "barber.pdf" and now.who == "ann" and now.pages == 2
    which, out = store.pdf_bytes(review, recs["P1"])
    assert out == data and which.sha256 == res.sha256
    _, texts = store.page_texts(review, recs["P1"])
    assert "r(62) = .31" in texts[1] and STUDIES[0][1][:30] in texts[0]
    gone = store.detach(review, recs["P1"], "bob", note="wrong paper")
    assert gone.sha256 == res.sha256 and store.attached(review, recs["P1"]) == []
    assert [(h.action, h.who, h.note) for h in store.history(review, recs["P1"])] == [
        ("attach", "ann", ""), ("detach", "bob", "wrong paper")]
    assert blob_count(review) == 1 and len(store.attached(review, recs["P2"])) == 1  # P2 keeps it
    with pytest.raises(InputError, match="no attached PDF"):
        store.detach(review, recs["P1"], "bob")


def test_unusable_files_are_refused_with_the_file_named_and_nothing_stored(review, recs, tmp_path):
    import shutil
    import subprocess

    import pypdfium2 as pdfium

    from screening.fulltext.pdf import pdfium_lock

    big = tmp_path / "huge.pdf"
    with open(big, "wb") as fh:  # a sparse file just over the limit: refused before it is read
        fh.write(b"%PDF-1.7\n")
        fh.truncate(MAX_PDF_BYTES + 1)
    # encrypted with an empty user password: any reader opens it, but it is still encrypted (refused alike)
    restricted = tmp_path / "restricted.pdf"
    write_pdf(restricted, ["A report its publisher locked against copying"], owner_password="publisher")
    with pdfium_lock():
        assert len(pdfium.PdfDocument(restricted.read_bytes())) == 1  # it really opens without a password
    cases = write_unusable(tmp_path) + [(restricted, "encrypted.*empty"), (big, "MiB"),
                                        (tmp_path / "missing.pdf", "no such file")]
    if shutil.which("qpdf"):  # AES-256 with an empty user password, as qpdf writes it
        plain, aes = tmp_path / "plain.pdf", tmp_path / "aes.pdf"
        write_pdf(plain, ["A plain report"])
        subprocess.run(["qpdf", "--encrypt", "", "owner", "256", "--", str(plain), str(aes)], check=True)
        cases.append((aes, "encrypted.*empty"))
    for path, message in cases:
        with pytest.raises(InputError, match=message) as err:
            store.attach(review, recs["P1"], path, "ann")
        assert path.name in str(err.value)
    assert blob_count(review) == 0
    with review.session() as s:
        assert s.exec(select(func.count()).select_from(PdfAttachment)).one() == 0


def _folder(tmp_path):
    folder = tmp_path / "pdfs"
    folder.mkdir()
    # P1: DOI in the document information only
    write_pdf(folder / "a.pdf", paper("Alliance in CT", "J. P. Barber", 2001),
              subject="doi:10.1037/0022-006X.68.6.1027")
    # P2: DOI printed on the first page (upper case, resolver prefix)
    write_pdf(folder / "b.pdf", paper(STUDIES[1][1], "R. L. Hatcher", 2010,
                                      doi_line="https://doi.org/10.1080/10503307.2010.12345."), columns=2)
    # P3: no DOI; the title with different case/punctuation, first author and year on the page
    write_pdf(folder / "c.pdf", paper("THE THERAPEUTIC ALLIANCE IN INTERNET DELIVERED TREATMENT OF SOCIAL ANXIETY",
                                      "Gerhard Andersson and Per Carlbring", 2015), font="dejavu")
    # P4's title but neither its author nor its year: not matched, reported
    write_pdf(folder / "d.pdf", paper(STUDIES[3][1], "Someone Else", 1999))
    # nothing like any record
    write_pdf(folder / "e.pdf", paper("Gardening for beginners", "A. Gardener", 2020))
    (folder / "f.pdf").write_text("not a pdf at all")
    (folder / "readme.txt").write_text("ignored: not a .pdf")
    return folder


def test_a_folder_is_matched_by_doi_then_title_author_year_and_the_rest_is_listed(review, recs, tmp_path):
    folder = _folder(tmp_path)
    preview = matching.attach_folder(review, folder, "ann", dry_run=True)
    got = {m.file: (m.record_id, m.how) for m in preview}
    assert got == {"a.pdf": (recs["P1"], "doi"), "b.pdf": (recs["P2"], "doi"), "c.pdf": (recs["P3"], "title"),
                   "d.pdf": (None, ""), "e.pdf": (None, ""), "f.pdf": (None, "")}
    why = {m.file: m.problem for m in preview}
    assert "neither its first author nor its year" in why["d.pdf"]
    assert "no record's DOI or title" in why["e.pdf"] and "not a PDF" in why["f.pdf"]
    c = next(m for m in preview if m.file == "c.pdf")
    assert "first author andersson" in c.evidence and "year 2015" in c.evidence
    assert blob_count(review) == 0  # a dry run stores nothing
    done = matching.attach_folder(review, folder, "ann")
    assert sorted(m.file for m in done if m.attached) == ["a.pdf", "b.pdf", "c.pdf"]
    assert [a.file_name for a in store.attached(review, recs["P3"])] == ["c.pdf"]
    assert store.history(review, recs["P1"])[0].how == "folder"


def test_full_text_decisions_use_the_attached_pdf_and_check_free_sources(review, recs, tmp_path):
    for rid in recs.values():
        for who in ("ann", "bob"):
            decisions.decide(review, rid, who, TA, "include")
    with pytest.raises(InputError, match="has no PDF attached"):
        decisions.decide(review, recs["P1"], "ann", FT, "include")
    with pytest.raises(InputError, match="'i5i7' is neither a file that exists nor a URL"):
        decisions.decide(review, recs["P1"], "ann", FT, "include", full_text="i5i7")
    pdf = tmp_path / "p1.pdf"
    write_pdf(pdf, paper(STUDIES[0][1], "Barber", 2001))
    res = store.attach(review, recs["P1"], pdf, "ann")
    row = decisions.decide(review, recs["P1"], "ann", FT, "include")
    assert row.full_text == "pdf:" + res.sha256
    local = tmp_path / "printed-copy.pdf"
    local.write_bytes(b"%PDF-1.4 whatever")
    assert decisions.decide(review, recs["P2"], "ann", FT, "include", full_text=str(local)).full_text == str(local)
    url = "https://onlinelibrary.example.org/doi/full/10.1002/x.1"
    assert decisions.decide(review, recs["P2"], "bob", FT, "include", full_text=url).full_text == url
    with pytest.raises(InputError, match="what was tried"):
        decisions.not_retrieved(review, recs["P3"], "ann", "  ")
    for who in ("ann", "bob"):
        nr = decisions.not_retrieved(review, recs["P3"], who, "library, interlibrary loan, emailed the authors")
        assert nr.full_text == "" and nr.reason == decisions.NOT_RETRIEVED and "interlibrary" in nr.note
    assert outcomes.outcome(review, recs["P3"], FT).state == "excluded"
    counts = prisma_counts(review)
    assert counts.not_retrieved == 1 and counts.assessed == counts.sought - 1
    assert decisions.NOT_RETRIEVED not in counts.excluded_full_text


def test_cli_attach_folder_pdf_out_detach_and_not_retrieved(review, recs, tmp_path, capsys, monkeypatch):
    target = review.target
    if not review.is_sqlite:
        target = review.handover_target()
    monkeypatch.setenv("METASIFT_USER", "ann")
    one = tmp_path / "p4.pdf"
    write_pdf(one, paper(STUDIES[3][1], "L. Knobloch-Fedders", 2007))

    def run(*argv):
        code = main(list(argv))
        out = capsys.readouterr()
        return code, out

    code, out = run("attach", target, "--record", "P4", str(one), "--reviewer", "ann", "--json")
    assert code == 0, out.err
    data = json.loads(out.out)
    assert data["record"] == "P4" and data["pages"] == 2 and data["stored_new"] is True
    code, out = run("attach", target, "--folder", str(_folder(tmp_path)), "--dry-run", "--json")
    assert code == 0, out.err
    data = json.loads(out.out)
    assert {m["file"]: m["record"] for m in data["matched"]} == {"a.pdf": "P1", "b.pdf": "P2", "c.pdf": "P3"}
    assert sorted(u["file"] for u in data["unmatched"]) == ["d.pdf", "e.pdf", "f.pdf"]
    code, out = run("attach", target, "--folder", str(tmp_path / "pdfs"), "--reviewer", "ann")
    assert code == 0 and "3 of 6 PDFs matched a record; 3 attached" in out.out and "f.pdf: not a PDF" in out.out
    dest = tmp_path / "out.pdf"
    code, out = run("pdf", target, "--record", "P4", "--out", str(dest), "--json")
    assert code == 0 and dest.read_bytes() == one.read_bytes()
    code, out = run("detach", target, "--record", "P4", "--reviewer", "bob", "--note", "duplicate upload")
    assert code == 0 and "detached from P4" in out.out
    code, out = run("pdf", target, "--record", "P4", "--json")
    data = json.loads(out.out)
    assert data["attached"] == [] and [h["action"] for h in data["history"]] == ["attach", "detach"]
    code, out = run("pdf", target, "--record", "P4", "--out", str(dest))
    assert code == 2 and "no attached PDF" in out.err
    code, out = run("attach", target, "--record", "P4", str(tmp_path / "pdfs" / "f.pdf"))
    assert code == 2 and "f.pdf: not a PDF" in out.err and "Traceback" not in out.err
    for who in ("ann", "bob"):
        assert run("screen", target, "--record", "P4", "--decision", "include", "--reviewer", who)[0] == 0
    code, out = run("screen", target, "--record", "P4", "--stage", FT, "--decision", "not_retrieved",
                    "--note", "asked the library and the first author", "--reviewer", "ann", "--json")
    assert code == 0, out.err
    assert json.loads(out.out)["decision"]["reason"] == decisions.NOT_RETRIEVED
    code, out = run("screen", target, "--record", "P4", "--stage", FT, "--decision", "include",
                    "--full-text", "i5i7", "--reviewer", "bob")
    assert code == 2 and "neither a file that exists nor a URL" in out.err


@pytest.mark.postgres
def test_on_the_server_a_screener_attaches_as_themselves_and_nobody_rewrites_history(server, tmp_path):  # noqa: F811
    import psycopg
    from psycopg import errors

    from db.engine import open_review

    pdf = tmp_path / "team.pdf"
    write_pdf(pdf, paper("A shared report", "Ann Author", 2020))
    ann = open_review(server["urls"]["ann"])
    try:
        rid = server["recs"][0]
        res = store.attach(ann, rid, pdf, "bob")  # claims to be bob: the login decides
        assert [a.who for a in store.attached(ann, rid)] == ["ann"]
        store.detach(ann, rid, None)
        assert store.attached(ann, rid) == []
    finally:
        ann.close()
    with psycopg.connect(server["urls"]["ann"], autocommit=True) as conn:
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("UPDATE pdf_attachment SET who = 'bob'")
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("DELETE FROM pdf_attachment")
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("DELETE FROM pdf_blob")
        bob_id = conn.execute("SELECT id FROM member WHERE identity = 'bob'").fetchone()[0]
        with pytest.raises(errors.InsufficientPrivilege, match="row-level security"):
            conn.execute("INSERT INTO pdf_attachment (record_id, pdf_id, action, file_name, how, note, who, member_id)"
                         " SELECT %s, id, 'attach', 'x.pdf', 'file', '', 'bob', %s FROM pdf_blob",
                         (server["recs"][1], bob_id))
        assert conn.execute("SELECT count(*) FROM pdf_blob WHERE sha256 = %s", (res.sha256,)).fetchone()[0] == 1


def test_an_older_review_upgrades_to_0005_keeps_its_effects_and_takes_pdfs(tmp_path):
    """A review MetaSift wrote at schema 0003 (tests/data) opened now: upgraded through 0004 and 0005, every
    coded effect kept (typed: no provenance), the export works, and a PDF can be attached and decided on."""
    import shutil

    from db.engine import SCHEMA_REVISION, open_review
    from extraction.coding import CodedEffect, effects
    from extraction.export_frames import effects_frame
    from tests.conftest import DATA

    path = tmp_path / "old.metasift"
    shutil.copyfile(DATA / "review_0003.metasift", path)
    db = open_review(path)
    try:
        assert SCHEMA_REVISION >= "0005" and db.backup_path is not None
        old = effects(db)
        assert len(old) == 2 and all(CodedEffect.of(e).provenance == {} for e in old)
        assert set(effects_frame(db)["found_in"]) == {"typed"}
        pdf = tmp_path / "x.pdf"
        write_pdf(pdf, ["A report of the old review."])
        assert store.attach(db, 4, pdf, "carol").stored
        assert [a.file_name for a in store.attached(db, 4)] == ["x.pdf"]
    finally:
        db.close()
