"""Read ../shared/corpus/MANIFEST.md: each export file with its format and measured record count."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

# Files in the corpus that are not bibliographic exports (gold duplicate groups, labelled pairs, a
# label list of ids with no titles): they are checked to be refused with a clear message.
NOT_EXPORTS = {
    "labeled_duplicates/bibdedupe__test_cases.json",
    "labeled_duplicates/colandr__dedupe_citations_training.json",
    "labeled_screening/synergy__van_Dis_2020_ids.csv",
}


@dataclass(frozen=True)
class CorpusFile:
    path: str
    vendor: str
    format: str
    quirks: str
    records: int
    no_abstract: int | None
    licence: str
    notes: str = ""

    @property
    def is_fixture(self) -> bool:
        """A hand-made or edited parser fixture, not a real database export (may lack titles/years)."""
        return ("hand-made" in self.vendor or "fixture" in self.notes or "fixture" in self.vendor
                or "JabRef test" in self.vendor)

    @property
    def is_export(self) -> bool:
        return (self.path not in NOT_EXPORTS and "merged_record_ids" not in self.path
                and not self.path.endswith(".json"))


def read_manifest(corpus: Path) -> list[CorpusFile]:
    out: list[CorpusFile] = []
    seen: set[str] = set()
    for line in (corpus / "MANIFEST.md").read_text(encoding="utf-8").splitlines():
        if not line.startswith("| ") or "/" not in line.split("|")[1]:
            continue
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        if len(cells) < 10 or cells[0] in seen or not (corpus / cells[0]).is_file():
            continue
        m = re.match(r"(\d+)", cells[8].replace(",", ""))
        if not m:
            continue
        na = re.search(r"no abstract: (\d+)", cells[8])
        seen.add(cells[0])
        out.append(CorpusFile(path=cells[0], vendor=cells[5], format=cells[6], quirks=cells[7],
                              records=int(m.group(1)), no_abstract=int(na.group(1)) if na else None,
                              licence=cells[4], notes=cells[9] if len(cells) > 9 else ""))
    return out
