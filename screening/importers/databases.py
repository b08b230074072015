"""One canonical name per bibliographic database, from the clues an export carries.

PRISMA counts records per database searched, so the same database must get the same name whichever
platform exported it: EBSCOhost writes ``DB  - psyh`` or ``APA PsycInfo``, Ovid ``DB  - APA PsycInfo`` and
``D=psyc`` in its links, PsycNET ``PsycINFO``. `canonical_database` maps a platform's name or short code to
the canonical name; it returns None for text that names no database (a platform such as "EBSCOhost" or
"Ovid Technologies", an EndNote library file such as ``My refs.enl``), so callers never show such a thing as
the database. No library keeps this table (it is vendor knowledge), hence a small declarative one here.
"""

from __future__ import annotations

import re

# Canonical names. The first ones are spelled as issue 11 lists them ("MEDLINE / PubMed" and "Cochrane
# CENTRAL / CDSR" are two databases each: PRISMA-S counts MEDLINE on a platform apart from PubMed, and trials
# apart from reviews). Reviews made before schema 0006 stored "Web of Science" and "Cochrane Database of
# Systematic Reviews"; migration 0006 renames them.
PSYCINFO = "PsycINFO"
WOS = "Web of Science Core Collection"
CDSR = "CDSR"
CANONICAL = (
    PSYCINFO, "MEDLINE", "PubMed", "PubMed Central", "Embase", WOS, "Scopus", "CINAHL", "ERIC",
    "Cochrane CENTRAL", CDSR, "ProQuest Dissertations & Theses", "PSYNDEX",
    "BIOSIS Previews", "Zoological Record", "Journals@Ovid", "Inspec", "CAB Abstracts", "Global Health", "AMED",
    "EconLit", "Academic Search Premier", "Academic Search Complete", "Criminal Justice Abstracts", "SocINDEX",
    "SPORTDiscus", "Education Research Complete", "Business Source Premier", "PsycARTICLES",
    "Psychology and Behavioral Sciences Collection", "Sociological Abstracts", "Social Services Abstracts",
    "LILACS", "Current Contents", "Google Scholar", "Dimensions", "Lens", "OpenAlex", "IEEE Xplore",
    "ScienceDirect", "Epistemonikos", "HMIC", "Europe PMC", "TRID", "GreenFILE", "Environment Complete", "ASFA",
    "SciELO",
    "SciELO Citation Index", "AIS eLibrary", "KCI-Korean Journal Database", "Russian Science Citation Index",
    "Derwent Innovations Index", "FSTA", "Grants Index",
)

# Exact short codes (EBSCOhost ``DB`` codes, Ovid database codes as in ``D=psyc``), lower-case.
_CODES = {
    "psyh": PSYCINFO, "psyc": PSYCINFO, "psycinfo": PSYCINFO, "pdh": "PsycARTICLES", "pbh":
    "Psychology and Behavioral Sciences Collection", "cin20": "CINAHL", "ccm": "CINAHL", "rzh": "CINAHL",
    "c8h": "CINAHL", "cmedm": "MEDLINE", "mdc": "MEDLINE", "mdl": "MEDLINE", "medl": "MEDLINE", "mesz": "MEDLINE",
    "medall": "MEDLINE", "prem": "MEDLINE", "medp": "MEDLINE", "medf": "MEDLINE",
    "mesx": "MEDLINE", "emed": "Embase", "emez": "Embase",
    "oemezd": "Embase", "emba": "Embase", "emcr": "Embase", "eric": "ERIC", "erich": "ERIC", "ecn": "EconLit",
    "econ": "EconLit", "aph": "Academic Search Premier", "a9h": "Academic Search Complete",
    "cja": "Criminal Justice Abstracts", "i3h": "Criminal Justice Abstracts",
    "sih": "SocINDEX", "sxi": "SocINDEX", "sph": "SPORTDiscus",
    "s3h": "SPORTDiscus", "ehh": "Education Research Complete", "buh": "Business Source Premier",
    "bth": "Business Source Premier", "8gh": "GreenFILE", "eih": "Environment Complete",
    "biop": "BIOSIS Previews", "bioa": "BIOSIS Previews", "bcp": "BIOSIS Previews", "zoor": "Zoological Record",
    "zoorec": "Zoological Record", "ovft": "Journals@Ovid", "jrn": "Journals@Ovid", "cctr": "Cochrane CENTRAL",
    "coch": CDSR, "cdsr": CDSR,
    "amed": "AMED", "hmic": "HMIC", "cagh": "Global Health", "ghea": "Global Health", "caba": "CAB Abstracts",
    "cabi": "CAB Abstracts", "psyn": "PSYNDEX", "inzz": "Inspec", "insz": "Inspec", "lilacs": "LILACS",
    "bci": "BIOSIS Previews", "ccc": "Current Contents", "wos": WOS, "woscc": WOS, "inspec": "Inspec",
}

# Names and name fragments, tried in order on the lower-cased text (the first match wins).
_NAMES: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), name) for p, name in (
    (r"psyc ?info|apa psycinfo|psycnet|psycinfo", PSYCINFO),
    (r"psycarticles", "PsycARTICLES"),
    (r"psyndex", "PSYNDEX"),
    (r"europe ?pmc", "Europe PMC"),
    (r"pubmed central|\bpmc\b", "PubMed Central"),
    (r"pubmed", "PubMed"),
    (r"medline", "MEDLINE"),
    (r"embase|excerpta medica", "Embase"),
    (r"cinahl", "CINAHL"),
    (r"\beric\b|education resources information center", "ERIC"),
    (r"cochrane central|central register of controlled trials|\bcentral\b.*cochrane|cochrane trials",
     "Cochrane CENTRAL"),
    (r"cochrane database of systematic reviews|\bcdsr\b|cochrane reviews", CDSR),
    (r"dissertations? (&|and) theses|\bpqdt\b|proquest dissertations", "ProQuest Dissertations & Theses"),
    (r"biosis", "BIOSIS Previews"),
    (r"zoological record", "Zoological Record"),
    (r"journals@ovid|ovid full ?text|journals @ ovid", "Journals@Ovid"),
    (r"web of science|web of knowledge|\bisi\b|clarivate|\bwos\b", WOS),
    (r"scopus", "Scopus"),
    (r"inspec", "Inspec"),
    (r"cab abstracts|\bcab direct\b", "CAB Abstracts"),
    (r"global health", "Global Health"),
    (r"\bamed\b|allied and complementary medicine", "AMED"),
    (r"econlit", "EconLit"),
    (r"academic search premier", "Academic Search Premier"),
    (r"academic search complete|academic search ultimate", "Academic Search Complete"),
    (r"criminal justice abstracts", "Criminal Justice Abstracts"),
    (r"socindex", "SocINDEX"),
    (r"sportdiscus", "SPORTDiscus"),
    (r"greenfile", "GreenFILE"),
    (r"scielo citation index", "SciELO Citation Index"),
    (r"\bscielo\b", "SciELO"),
    (r"aquatic sciences (and|&) fisheries|\basfa\b", "ASFA"),
    (r"environment complete", "Environment Complete"),
    (r"education research complete", "Education Research Complete"),
    (r"business source", "Business Source Premier"),
    (r"sociological abstracts", "Sociological Abstracts"),
    (r"social services abstracts", "Social Services Abstracts"),
    (r"lilacs", "LILACS"),
    (r"current contents", "Current Contents"),
    (r"google scholar", "Google Scholar"),
    (r"dimensions", "Dimensions"),
    (r"\blens\b", "Lens"),
    (r"openalex", "OpenAlex"),
    (r"ieee", "IEEE Xplore"),
    (r"sciencedirect", "ScienceDirect"),
    (r"epistemonikos", "Epistemonikos"),
    (r"\bhmic\b", "HMIC"),
    (r"ais ?elibrary|aisel\.aisnet", "AIS eLibrary"),
    (r"korean journal database|\bkci\b", "KCI-Korean Journal Database"),
    (r"russian science citation index", "Russian Science Citation Index"),
    (r"derwent innovations", "Derwent Innovations Index"),
    (r"\bfsta\b|food science (and|&) technology abstracts", "FSTA"),
    (r"grants index", "Grants Index"),
))

# Platforms: never a database name by themselves.
_NOT_A_DATABASE = re.compile(r"^(ebsco(host)?|ovid( technologies)?( inc\.?)?|proquest|wiley|elsevier|clarivate "
                             r"analytics|thomson reuters|nlm|ncbi|doi\.org( \(crossref\))?)$", re.I)
# A library's or export's file name (``My EndNote Library.enl``, ``refs.Data``): what a person called their
# file, so never the database, even when it contains a database's name ("MEDLINE and PsycINFO.enl").
_FILE_NAME = re.compile(r"\.(enl|enlx|enlp|data|ris|txt|xml|nbib|bib|csv|tsv|xlsx?|rdf|json)$", re.I)

# Screening tools and reference managers: a file exported from one names the tool, not the database the
# records were found in (the person is asked for that). Canonical spelling -> pattern on the lower-cased text.
TOOLS: tuple[tuple[str, re.Pattern[str]], ...] = tuple((name, re.compile(p)) for name, p in (
    ("EPPI-Reviewer", r"\beppi\b|eppi[- ]?reviewer"), ("Covidence", r"covidence"), ("Rayyan", r"\brayyan\b"),
    ("abstrackr", r"abstrackr"), ("DistillerSR", r"distiller ?sr\b"), ("ASReview", r"\basreview\b"),
    ("EndNote", r"\bendnote\b"), ("Zotero", r"\bzotero\b"), ("Mendeley", r"\bmendeley\b"),
    ("RefWorks", r"\brefworks\b"), ("Citavi", r"\bcitavi\b"), ("JabRef", r"\bjabref\b"),
    ("Reference Manager", r"^reference manager\b|\brefman\b"), ("ProCite", r"\bprocite\b"),
    ("Paperpile", r"\bpaperpile\b"), ("ReadCube Papers", r"\breadcube\b"), ("Sciwheel", r"\bsciwheel\b"),
    ("CADIMA", r"\bcadima\b"), ("SysRev", r"\bsysrev\b"), ("Colandr", r"\bcolandr\b"),
    ("PICO Portal", r"pico ?portal"), ("Nested Knowledge", r"nested knowledge"), ("Parsifal", r"\bparsifal\b"),
))


def tool_name(text: str | None) -> str | None:
    """The screening tool or reference manager ``text`` names ("EPPI-Reviewer 4", "Covidence", "My EndNote
    Library.enl" -> "EndNote"), or None. Such a name is never the database a record came from."""
    if not text:
        return None
    low = " ".join(str(text).split()).lower()
    for name, pattern in TOOLS:
        if pattern.search(low):
            return name
    return None


def canonical_database(text: str | None) -> str | None:
    """The canonical database name for a vendor's name or code (``"psyh"``, ``"Ovid MEDLINE(R) ALL"``,
    ``"APA PsycInfo"``, ``"cin20"``), or None when ``text`` names no database MetaSift knows."""
    if not text:
        return None
    t = " ".join(str(text).split()).strip(" .;:")
    if not t or _FILE_NAME.search(t):
        return None
    low = t.lower()
    code = re.sub(r"\d+$", "", low)  # Ovid appends an edition: psyc10, emed26, medl
    if low in _CODES:
        return _CODES[low]
    if code in _CODES and len(code) >= 3:
        return _CODES[code]
    for pattern, name in _NAMES:
        if pattern.search(low):
            return name
    return None


_JOINED = re.compile(r"\s*(?:[;,/+|]|\band\b|&)\s*", re.I)


def named_database(text: str) -> str:
    """A database name a person typed (``--source-db``, the Import screen, `set-database`): its canonical
    form when the same table as the files' clues knows it ("psycinfo", "wos", "Web of Science" -> "PsycINFO",
    "Web of Science Core Collection"), else the text as given (whitespace collapsed). Text that names two
    known databases ("MEDLINE and PsycINFO") is kept as given: neither name would be right."""
    given = " ".join(str(text).split())
    canon = canonical_database(given)
    if canon is None:
        return given
    parts = {name for part in _JOINED.split(given) if part and (name := canonical_database(part))}
    return given if len(parts) > 1 else canon


def database_or_none(text: str | None) -> str | None:
    """`canonical_database`, else ``text`` itself when it reads like a database's name, else None: a short
    code nobody can read (``xyz12``), a platform, a screening tool or reference manager (`tool_name`), or a
    library file name is never shown as the database."""
    canon = canonical_database(text)
    if canon:
        return canon
    if not text:
        return None
    t = " ".join(str(text).split()).strip(" .;:")
    if not t or _NOT_A_DATABASE.search(t) or _FILE_NAME.search(t) or tool_name(t) \
            or re.fullmatch(r"[a-z0-9_\-]{1,10}", t):
        return None
    return t


# Web of Science hosts more databases than its Core Collection: a record's UT (accession number) names the one
# it came from by its prefix ("WOS:000286215300029", "ZOOREC:ZOOR15601000869", "BCI:BCI201900123456").
WOS_UT_DATABASES = {
    "WOS": WOS, "ZOOREC": "Zoological Record", "INSPEC": "Inspec", "MEDLINE": "MEDLINE", "BCI": "BIOSIS Previews",
    "BIOABS": "BIOSIS Previews", "CCC": "Current Contents", "CABI": "CAB Abstracts", "SCIELO": "SciELO Citation Index",
    "KJD": "KCI-Korean Journal Database", "RSCI": "Russian Science Citation Index",
    "DIIDW": "Derwent Innovations Index", "FSTA": "FSTA", "GRANTS": "Grants Index",
}
_UT_PREFIX = re.compile(r"(?<![\w:])([A-Za-z]{3,7}):[A-Za-z0-9]")


def wos_ut_database(text: str) -> str:
    """The database of the first Web of Science accession number (UT) in ``text``: its prefix's database,
    the Core Collection for ``WOS:`` or no known prefix."""
    for m in _UT_PREFIX.finditer(text):
        name = WOS_UT_DATABASES.get(m.group(1).upper())
        if name:
            return name
    return WOS


_OVID_LINK = re.compile(r"[?&]D=([a-z]{3,7})\d*\b")
_EBSCO_LINK = re.compile(r"ebscohost\.com/[^\s\"'<>}]*?[?&](?:amp;)?db=([a-z0-9]{2,8})\b", re.I)


def from_ovid_link(text: str) -> str | None:
    """The database of an Ovid link's ``D=`` parameter (``...ovidweb.cgi?T=JS&D=psyc10&AN=...``) or of an
    EBSCOhost permalink's ``db=`` (``search.ebscohost.com/login.aspx?direct=true&db=psyh&AN=...``)."""
    for pattern in (_OVID_LINK, _EBSCO_LINK):
        for m in pattern.finditer(text):
            name = canonical_database(m.group(1).lower())
            if name:
                return name
    return None
