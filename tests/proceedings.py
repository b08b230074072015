"""Three RIS exports of one proceedings paper whose DOIs differ by one typed character each (the duplicate
cluster tests' data): a person must look, and sees one cluster of three records, not three pairs."""

from __future__ import annotations

from pathlib import Path

PROCEEDINGS = """TY  - CPAPER
AU  - Kim, Juho
AU  - Guo, Philip J.
TI  - Understanding in-video dropouts and interaction peaks in online lecture videos
T2  - {venue}
PY  - 2014
SP  - {pages}
DO  - {doi}
ER  -

"""
COPIES = [("Proceedings of the first ACM conference on Learning @ scale conference", "31-40",
           "10.1145/2556325.2566237"),
          ("L@S 2014 - Proceedings of the 1st ACM Conference on Learning at Scale", "", "10.1145/2556325.2566239"),
          ("Proc. 1st ACM Conf. Learn. Scale", "31", "https://doi.org/10.1145/2556325.2566231")]


def write_copies(folder: Path, stem: str = "export") -> list[Path]:
    """The three exports as ``folder/<stem>0.ris`` ... ``<stem>2.ris``."""
    files = []
    for k, (venue, pages, doi) in enumerate(COPIES):
        f = folder / f"{stem}{k}.ris"
        f.write_text(PROCEEDINGS.format(venue=venue, pages=pages, doi=doi), encoding="utf-8")
        files.append(f)
    return files
