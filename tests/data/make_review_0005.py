"""How tests/data/review_0005.metasift was made: by MetaSift at schema 0005 (branch issue-11 at commit
550e2bc, before migration 0006 renamed the canonical database names), with
`PYTHONPATH=<that checkout> python tests/data/make_review_0005.py tests/data/review_0005.metasift` then VACUUM.

Batches: a WoS plain-text export and a WoS RIS export (stored as "Web of Science"), a PubMed RIS
(50 records, "PubMed"), a Cochrane Library CDSR text export ("Cochrane Database of Systematic Reviews"), a
file whose database a person typed ("Web of Science via our library", kept as typed) and one a person
corrected to "Web of Science" after import (its history keeps that correction). Screening decisions and an
effect size on WoS records show that nothing but the names changes."""
import sys
from pathlib import Path

from sqlmodel import select

from db.engine import SCHEMA_REVISION, create_review
from db.models import Record
from extraction.coding import code_effect
from screening.decisions import decide
from screening.importing import import_files, set_batch_database

assert SCHEMA_REVISION == "0005", SCHEMA_REVISION
DATA = Path(__file__).parent
out = Path(sys.argv[1])
tmp = out.parent / "_make_0005"
tmp.mkdir(exist_ok=True)
cdsr = tmp / "cdsr.txt"
cdsr.write_bytes(b"Record #1 of 1\r\nID: CD013456\r\nAU: Smith J\r\nTI: Psychological therapies for panic\r\n"
                 b"SO: Cochrane Database of Systematic Reviews\r\nYR: 2021\r\nNO: 4\r\nPB: John Wiley & Sons, Ltd\r\n"
                 b"DOI: 10.1002/14651858.CD013456.pub2\r\nAB: Background ...\r\nTY: Review\r\n")
typed = tmp / "typed.ris"
typed.write_text("TY  - JOUR\nTI  - A typed source\nPY  - 2020\nER  - \n", encoding="utf-8")
fixed = tmp / "fixed.ris"
fixed.write_text("TY  - JOUR\nTI  - Corrected later\nPY  - 2019\nER  - \nTY  - JOUR\nTI  - Corrected too\n"
                 "PY  - 2018\nER  - \n", encoding="utf-8")
db = create_review(out, title="Made at 0005")
import_files(db, [DATA / "jabref__IsiImporterTestWOS.isi", DATA / "_baseline_webofscience.ris",
                  DATA / "_baseline_pubmed.ris", cdsr], who="ann")
import_files(db, [typed], source_db="Web of Science via our library", who="ann")
[b] = import_files(db, [fixed], source_db="Scopus", who="ann")
set_batch_database(db, b.batch_id, "Web of Science", who="bob")
with db.session() as s:
    ids = list(s.exec(select(Record.id).order_by(Record.id)))
decide(db, ids[0], "ann", "title_abstract", "include")
decide(db, ids[0], "bob", "title_abstract", "exclude", reason="not an empirical study")
decide(db, ids[3], "ann", "title_abstract", "include")
MODS = {"alliance_measure": "Working Alliance Inventory", "alliance_rater": "client", "alliance_time": "early",
        "outcome_measure": "BDI", "outcome_rater": "client", "treatment": "CBT", "pub_source": "journal"}
code_effect(db, ids[0], "ann", "r", 0.25, n=80, label="total", moderators=MODS)
db.close()
for f in (cdsr, typed, fixed):
    f.unlink()
tmp.rmdir()
