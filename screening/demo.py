"""The bundled demo review: fictional alliance–outcome studies exported as PsycINFO RIS and PubMed
MEDLINE, written by MetaSift itself (no copied titles or abstracts).

Some studies appear in both exports (duplicates to find), one PubMed record is an erratum that repeats
its article's title (a pair for a person to judge: not a duplicate), two reports share one sample (a thesis
and its article), and a few records are there to be excluded (children, an analogue role-play study, an
organisational "alliance", a single case).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from db.engine import ReviewDB, create_review, open_review
from screening.importing import import_files


@dataclass(frozen=True)
class DemoStudy:
    key: str
    authors: tuple[str, ...]
    year: int
    title: str
    journal: str
    volume: str
    issue: str
    pages: str
    doi: str
    abstract: str
    keywords: tuple[str, ...]
    in_pubmed: bool = True
    in_psycinfo: bool = True
    pub_type: str = "JOUR"
    medline_type: str = "Journal Article"


def _abstract(n: int, population: str, measure: str, rater: str, outcome: str, r: str, extra: str = "") -> str:
    return (f"Objective: We examined whether the therapeutic alliance predicts treatment outcome. "
            f"Method: N = {n} {population} completed the {measure} ({rater} version) after the third "
            f"session; {outcome} was assessed at intake and termination. Results: Early alliance was "
            f"related to symptom change (r = {r}). {extra}Conclusions: The working alliance remains a "
            f"robust predictor of outcome in routine care.")


STUDIES: tuple[DemoStudy, ...] = (
    DemoStudy("A1", ("Marlowe, Ingrid K.", "Osei, Daniel"), 2004,
              "The working alliance and depressive symptom change in cognitive therapy",
              "Journal of Fictional Psychotherapy Research", "12", "3", "211-224", "10.5555/jfpr.2004.0123",
              _abstract(84, "adult outpatients with major depression", "Working Alliance Inventory", "client",
                        "the BDI", ".31"), ("therapeutic alliance", "depression", "cognitive therapy")),
    DemoStudy("A2", ("Brennan, Tomas", "Lindqvist, Maja", "Haddad, Samir"), 2007,
              "Helping alliance, dropout and outcome in outpatient substance abuse treatment",
              "Addiction Treatment Quarterly (Demo)", "19", "2", "145-159", "10.5555/atqd.2007.0456",
              _abstract(212, "adults in outpatient treatment for alcohol dependence", "Penn Helping Alliance "
                        "Questionnaire (HAq)", "client", "dropout and drinking days", ".22"),
              ("helping alliance", "substance abuse", "dropout")),
    DemoStudy("A3", ("Fontaine, Claire", "Morel, Julien"), 2009,
              "Alliance thérapeutique et résultat de la psychothérapie psychodynamique brève",
              "Revue Fictive de Psychothérapie", "31", "4", "401-417", "",
              "Objectif : examiner le lien entre l'alliance thérapeutique et le résultat. Méthode : cent "
              "vingt patients adultes (n = 120) en psychothérapie psychodynamique ont rempli le CALPAS. "
              "Résultats : l'alliance précoce prédit l'amélioration au SCL-90 (r = .27).",
              ("alliance thérapeutique", "psychodynamique"), in_pubmed=False),
    DemoStudy("A4", ("Keller, Anna", "Brandt, Lukas"), 2011,
              "Therapeutische Allianz und Therapieerfolg in der ambulanten Verhaltenstherapie",
              "Zeitschrift für Erfundene Klinische Psychologie", "40", "1", "23-35", "10.5555/zekp.2011.0040",
              "Fragestellung: Sagt die therapeutische Allianz den Therapieerfolg vorher? Methode: 96 "
              "erwachsene Patientinnen und Patienten einer Hochschulambulanz beurteilten die Allianz mit dem "
              "HAQ. Ergebnisse: Die frühe Allianz korrelierte mit der Symptomreduktion im BDI (r = .29).",
              ("therapeutische Allianz", "Verhaltenstherapie"), in_pubmed=False),
    DemoStudy("A5", ("Rossi, Giulia", "Bianchi, Marco"), 2013,
              "Alleanza terapeutica ed esito nella psicoterapia interpersonale della depressione",
              "Rivista Immaginaria di Psicoterapia", "8", "2", "77-90", "",
              "Obiettivo: valutare l'alleanza terapeutica come predittore di esito. Metodo: 64 pazienti "
              "adulti con depressione maggiore in psicoterapia interpersonale (IPT) hanno compilato il WAI. "
              "Risultati: l'alleanza al terzo colloquio era associata al miglioramento (r = .35).",
              ("alleanza terapeutica", "IPT"), in_pubmed=False),
    DemoStudy("A6", ("Whitfield, Harriet", "Nakamura, Ken"), 2015,
              "Therapist- and observer-rated alliance in internet-delivered CBT for panic disorder",
              "Journal of Fictional Psychotherapy Research", "23", "5", "512-526", "10.5555/jfpr.2015.0777",
              _abstract(156, "adults with panic disorder", "Working Alliance Inventory-Short Revised",
                        "therapist and observer", "panic severity", ".18"),
              ("working alliance", "internet CBT", "panic disorder")),
    DemoStudy("A7", ("Okafor, Ngozi",), 2016,
              "The therapeutic alliance in group therapy for veterans with posttraumatic stress disorder: "
              "a doctoral dissertation", "Dissertation Abstracts (Demo)", "", "", "", "",
              _abstract(58, "male veterans with PTSD", "Group Alliance Scale", "client", "PCL scores", ".24"),
              ("alliance", "veterans", "PTSD"), in_pubmed=False, pub_type="THES"),
    DemoStudy("A8", ("Okafor, Ngozi", "Grant, Peter"), 2018,
              "Alliance and symptom change in group therapy for veterans with PTSD",
              "Trauma Treatment Journal (Demo)", "9", "1", "33-47", "10.5555/ttjd.2018.0033",
              _abstract(58, "male veterans with PTSD", "Group Alliance Scale", "client", "PCL scores", ".24",
                        "These data were first reported in the first author's dissertation. "),
              ("therapeutic alliance", "veterans", "PTSD", "group therapy")),
    DemoStudy("X1", ("Petrov, Ivan", "Larsen, Sofie"), 2012,
              "Therapeutic alliance with children and their parents in family therapy",
              "Child Therapy Review (Demo)", "5", "2", "101-112", "10.5555/ctrd.2012.0101",
              "We followed 45 children aged 8 to 12 years and their parents through family therapy. The "
              "alliance with the child predicted parent-rated improvement (r = .20).",
              ("alliance", "children", "family therapy")),
    DemoStudy("X2", ("Morgan, Lee", "Suzuki, Aya"), 2010,
              "Rating the alliance in role-played counselling sessions: an analogue study",
              "Counselling Training Journal (Demo)", "14", "3", "250-260", "10.5555/ctjd.2010.0250",
              "Sixty undergraduate students watched videotaped role-play sessions with simulated clients and "
              "rated the working alliance on the WAI-O. Ratings were related to perceived counsellor empathy.",
              ("working alliance", "analogue", "role-play")),
    DemoStudy("X3", ("Adeyemi, Tunde",), 2019,
              "A regional alliance of hospitals for cancer screening: lessons from five years",
              "Health Services Management (Demo)", "27", "4", "301-310", "10.5555/hsmd.2019.0301",
              "The alliance of twelve hospitals coordinated cancer screening for 40,000 residents. We "
              "describe governance, costs and uptake.", ("hospital alliance", "screening")),
    DemoStudy("X4", ("Novak, Eva",), 2008,
              "The alliance in the psychotherapy of a single patient with borderline personality disorder: "
              "a case study", "Case Studies in Psychotherapy (Demo)", "3", "1", "12-20", "",
              "This case study describes ruptures and repairs of the therapeutic alliance over 40 sessions of "
              "psychodynamic therapy with one patient.", ("alliance rupture", "case study"), in_pubmed=False),
    DemoStudy("X5", ("Hughes, Martin", "Delgado, Rosa"), 2014,
              "Mindfulness training and rumination in adults with recurrent depression",
              "Journal of Fictional Psychotherapy Research", "22", "1", "40-52", "10.5555/jfpr.2014.0040",
              "N = 130 adults with recurrent depression were randomised to mindfulness training or waiting "
              "list. Rumination decreased in the mindfulness group.", ("mindfulness", "depression")),
    DemoStudy("E1", ("Marlowe, Ingrid K.", "Osei, Daniel"), 2005,
              "Erratum: The working alliance and depressive symptom change in cognitive therapy",
              "Journal of Fictional Psychotherapy Research", "13", "1", "98-98", "10.5555/jfpr.2005.0098",
              "In the article by Marlowe and Osei (2004), the correlation between client-rated alliance and "
              "BDI change in the Results section should read r = .31, not r = .13.", (),
              in_psycinfo=False, medline_type="Published Erratum"),
)


PMID_BASE = 39000000
ERRATUM = "E1"  # the PubMed erratum notice of A1


def pubmed_id(key: str) -> str:
    """The PMID (source_id) the demo's PubMed export gives study ``key`` (ValueError if not in PubMed)."""
    return str(PMID_BASE + [s.key for s in STUDIES if s.in_pubmed].index(key))


def _ris(study: DemoStudy, number: int) -> str:
    lines = [f"{number}.", f"TY  - {study.pub_type}"]
    lines += [f"AU  - {a}" for a in study.authors]
    lines += [f"TI  - {study.title.upper() if study.key == 'A2' else study.title}", f"PY  - {study.year}",
              f"JF  - {study.journal}"]
    if study.volume:
        lines.append(f"VL  - {study.volume}")
    if study.issue:
        lines.append(f"IS  - {study.issue}")
    if study.pages:
        sp, ep = study.pages.split("-")
        lines += [f"SP  - {sp}", f"EP  - {ep}"]
    if study.doi:
        lines.append(f"DO  - {study.doi}")
    lines.append(f"AB  - {study.abstract}")
    lines += [f"KW  - {k}" for k in study.keywords]
    lines += ["DB  - APA PsycInfo (demo)", f"AN  - DEMO-PSY-{number:04d}", "ER  - ", ""]
    return "\n".join(lines)


def _wrap(tag: str, value: str) -> list[str]:
    words, out, line = value.split(), [], ""
    for w in words:
        if len(line) + len(w) + 1 > 70 and line:
            out.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    out.append(line)
    return [f"{tag:<4}- {out[0]}"] + [f"      {rest}" for rest in out[1:]]


def _medline(study: DemoStudy, pmid: int) -> str:
    lines = [f"PMID- {pmid}", "OWN - NLM", f"DP  - {study.year} Mar"]
    lines += _wrap("TI", study.title)
    if study.pages:
        sp, ep = study.pages.split("-")
        short = ep[len(ep) - len(sp) + 1:] if len(ep) == len(sp) and ep[:1] == sp[:1] else ep
        lines.append(f"PG  - {sp}" if sp == ep else f"PG  - {sp}-{short.lstrip('0') or ep}")
    if study.doi:
        lines.append(f"LID - {study.doi} [doi]")
    lines += _wrap("AB", study.abstract)
    for a in study.authors:
        last, first = a.split(", ")
        initials = "".join(p[0] for p in first.replace(".", " ").split())
        lines += [f"FAU - {a}", f"AU  - {last} {initials}"]
    lines += ["LA  - eng", f"PT  - {study.medline_type}", f"TA  - {study.journal[:30]}", f"JT  - {study.journal}",
              f"VI  - {study.volume}", f"IP  - {study.issue}"]
    lines += [f"OT  - {k}" for k in study.keywords]
    return "\n".join(lines) + "\n"


def write_demo_exports(folder: Path) -> list[Path]:
    """Write the demo's PsycINFO RIS and PubMed MEDLINE exports into ``folder``; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    psy = folder / "demo_psycinfo.ris"
    pub = folder / "demo_pubmed.nbib"
    psy.write_text("\n".join(_ris(s, i) for i, s in enumerate((s for s in STUDIES if s.in_psycinfo), 1)),
                   encoding="utf-8")
    pub.write_text("\n".join(_medline(s, PMID_BASE + i) for i, s in
                             enumerate(s for s in STUDIES if s.in_pubmed)), encoding="utf-8")
    return [psy, pub]


def build_demo_review(folder: Path) -> ReviewDB:
    """Create (or reopen) the demo review ``folder/demo.metasift`` with both demo exports imported."""
    path = folder / "demo.metasift"
    if path.exists():
        return open_review(path)
    files = write_demo_exports(folder)
    db = create_review(path, title="Demo: alliance and outcome (fictional studies)")
    import_files(db, files, who="demo")
    return db
