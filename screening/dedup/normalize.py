"""Field normalisation for duplicate detection: titles, authors, pages, DOIs, journals, publication kinds.

Every function takes a raw value (possibly ``None`` or empty) and returns a comparable, lower-case ASCII
form; empty output means "missing", which never contradicts anything.

Journal abbreviations come from the ISSN List of Title Word Abbreviations (LTWA 2021-07-02, ISSN
International Centre, free for use in abbreviating titles; read by `screening.dedup.ltwa`, with no GPL
code on the way: pyiso4 needed GPL-2+ unidecode). DOIs: `screening.doi`, the one canonicaliser. The rest
is written here because no maintained library does it for bibliographic exports: titles of recurring
serial columns, bracketed other-language titles, online-first pagination.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

from screening.dedup.ltwa import abbreviate

# the one DOI canonicaliser (also used by every importer), re-exported for the engine
from screening.doi import doi_list as doi_list
from screening.doi import normalize_doi as normalize_doi
from screening.ris_types import publication_type_label

_TAG = re.compile(r"<[^>]{1,40}>")
_DIGIT = re.compile(r"\d")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_LANGUAGES = (
    "afrikaans|arabic|bulgarian|catalan|chinese|croatian|czech|danish|dutch|english|estonian|finnish|french|"
    "german|greek|hebrew|hungarian|icelandic|italian|japanese|korean|latvian|lithuanian|norwegian|persian|"
    "polish|portuguese|romanian|russian|serbian|slovak|slovene|slovenian|spanish|swedish|thai|turkish|"
    "ukrainian|vietnamese|multiple languages|undetermined"
)
_LANG_SUFFIX = re.compile(
    rf"\s*[\[(]\s*(?:(?:in|article in)\s+)?(?:(?:{_LANGUAGES})(?:\s*(?:,|and|&|with)\s*)?)+"
    r"(?:\s+(?:abstract|summary)s?)?\s*[\])]\.?\s*$",
    re.I,
)
_AUTHORS_TRANSL = re.compile(r"\s*\((?:author'?s'? )?transl\)?\.?\s*$", re.I)
_ERRATUM = re.compile(r"^\W*(?:erratum|errata|corrigendum|correction|expression of concern)\b", re.I)
_TITLE_PREFIX = re.compile(
    r"^\s*(?:retracted(?: article)?|retraction(?: notice)?|withdrawn|erratum|corrigendum|correction|"
    r"expression of concern)\s*(?:to|for)?\s*[:.\-]\s*",
    re.I,
)
_MARKERS = re.compile(r"<\s*(?:original|translated)\s*>|\[\s*(?:original|translated)[^\]]*\]", re.I)
_THOUSANDS = re.compile(r"(?<![\d.,])\d{1,3}(?:[ ,\u00a0\u2009\u202f]\d{3})+(?![\d]|[.,]\d)")
_MONTHS = re.compile(r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b")
_PAGES = re.compile(r"^\s*([a-z]*)(\d+)\s*(?:[-\u2010-\u2015]+|\bto\b)\s*([a-z]*)(\d+)", re.I)
_PAGE_COUNT = re.compile(r"(?:[ivxlc]+\s*,?\s*)?\d+\s*(?:p|pp|pages|leaves)\.?")
_ROMAN_PAGES = re.compile(r"^([ivxlc]+)(?:\s*[-\u2010-\u2015]+\s*([ivxlc]+))?\.?$")
_FIRST_NUM = re.compile(r"([a-z]*\d+)", re.I)
_INITIALS = re.compile(r"^(?:[A-Z]\.?-?){1,4}$")
_CONCAT_AUTHORS = re.compile(r"(?<=[A-Z]\.)(?=[A-Z][a-z'])")
# "et al." and its spellings, alone or after the last name: the list was cut short, not an author
_ET_AL = re.compile(
    r"[\s,;]*[\[(]?\s*(?:\bet\.?\s*al\b\.?|\bu\.\s*a\.|\band\s+others\b|\.\.\.|\u2026)\s*[\])]?\s*$", re.I)
# one Vancouver name, "Smith JA" / "van der Berg K" / "O'Neil-Smith J.": surname words, then initials
_VANCOUVER_NAME = re.compile(r"^[^\W\d_][^\W\d_'\- ]*(?:['\- ][^\W\d_]+)*(?:\s+[^\W\d_][^\W\d_'\-]*)*\s+[A-Z]{1,4}\.?$")

JOURNAL_STOP = frozenset(
    "the of and in for on at an de la le les du des der die und fur et y el los das d l da di del della official "
    "journal j".split()
)


def fold(text: object) -> str:
    """Unicode NFKD, accents stripped, HTML entities and tags removed, lower case; ``''`` for missing."""
    if text is None:
        return ""
    s = str(text)
    if not s or s.lower() in {"nan", "none", "na", "null"}:
        return ""
    if "&" in s:
        s = html.unescape(s)
    if "<" in s:
        s = _TAG.sub(" ", s)
    if not s.isascii():
        s = unicodedata.normalize("NFKD", s)
        s = "".join(c for c in s if not unicodedata.combining(c))
        s = s.replace("ß", "ss").replace("æ", "ae").replace("ø", "o").replace("ł", "l")
    return s.lower()


def squash(text: str) -> str:
    """Punctuation to single spaces, trimmed."""
    return _NON_ALNUM.sub(" ", text).strip()


def normalize_title(title: object) -> str:
    """A comparable title: no markup, language tags, translation brackets, retraction/erratum prefixes."""
    if title is None:
        return ""
    s = str(title)
    if _DIGIT.search(s):
        # "10 000" / "10,000" -> "10000", so that the digits are one number, not two
        s = _THOUSANDS.sub(lambda m: re.sub(r"\D", "", m.group(0)), s)
    s = _MARKERS.sub(" ", s)
    s = fold(s).strip()
    for _ in range(2):
        s = _LANG_SUFFIX.sub("", s)
        s = _AUTHORS_TRANSL.sub("", s)
        s = _TITLE_PREFIX.sub("", s)
        s = s.strip(" .")
        trimmed = _trailing_notes_off(s)
        if len(trimmed) >= 12:
            s = trimmed.strip(" .")
        if s.startswith("[") and s.endswith("]"):
            s = s[1:-1]
        elif s.startswith("[") and "]" not in s:
            s = s[1:]
    return squash(s)


def _trailing_notes_off(s: str) -> str:
    """Bracketed notes at the end of a title off, nested brackets included: Ovid MEDLINE appends
    ``[Erratum appears in J Card Surg. 2011;26(2):241 Note: Smith, M [corrected to Smyth, M]]``,
    ``[corrected][published erratum appears in ...]``, ``[Review] [33 refs]``, ``[Comment in: ...]``."""
    for _ in range(4):
        t = s.rstrip(" .\"'\u201d")
        if not t.endswith("]"):
            break
        depth, k = 0, len(t) - 1
        while k >= 0:
            depth += (t[k] == "]") - (t[k] == "[")
            if depth == 0:
                break
            k -= 1
        if k <= 0:
            break
        s = t[:k]
    return s


def split_authors(authors: object) -> list[str]:
    """Author strings from a list, a BibTeX ``A and B`` string, a ``;`` list or EndNote ``A B.C D.`` runs."""
    if authors is None:
        return []
    if isinstance(authors, (list, tuple)):
        out: list[str] = []
        for a in authors:
            out.extend(split_authors(a) if isinstance(a, str) and (" and " in a or ";" in a) else [str(a)])
        return [a for a in out if a.strip()]
    s = str(authors)
    if not s.strip() or s.lower() == "nan":
        return []
    if " and " in s:
        parts = s.split(" and ")
    elif ";" in s:
        parts = s.split(";")
    elif s.count(",") >= 1 and all(_VANCOUVER_NAME.match(p.strip()) for p in _ET_AL.sub("", s).split(",")
                                   if p.strip()):
        # "Smith J, Jones K, Brown L" (PubMed summaries, Vancouver-style CSV columns): a comma between names
        parts = s.split(",")
    else:
        parts = _CONCAT_AUTHORS.split(s)
    return [p.strip() for p in parts if p.strip()]


def cut_short(names: Sequence[str]) -> tuple[list[str], bool]:
    """The names without an ``et al.`` (``'others'``, ``'u. a.'``, ``'...'``) at the end, and whether there
    was one: ``['Lytwyn, A', 'others']`` -> ``(['Lytwyn, A'], True)``; ``'Smith J et al.'`` -> ``'Smith J'``."""
    out = list(names)
    short = False
    while out:
        last = out[-1]
        trimmed = _ET_AL.sub("", last).strip(" ,;")
        if trimmed == last.strip():
            if last.strip().lower().strip(".") in ("others", "et al", "etal", "et. al"):
                trimmed = ""
            else:
                break
        short = True
        if trimmed:
            out[-1] = trimmed
            break
        out.pop()
    return out, short


@lru_cache(maxsize=200_000)
def normalize_author(name: str) -> str:
    """One author as ``surname initial`` (e.g. ``'Zhai, Q. J.'`` and ``'Q. Zhai'`` -> ``'zhai q'``)."""
    raw = name.strip()
    if "," in raw:
        surname, _, given = raw.partition(",")
    else:
        tokens = raw.replace(".", ". ").split()
        if not tokens:
            return ""
        if len(tokens) > 1 and _INITIALS.match(tokens[-1].replace(" ", "")):
            # "Zhai QJ" / "Adeli K." (surname first, initials last)
            k = len(tokens) - 1
            while k > 1 and _INITIALS.match(tokens[k - 1]):
                k -= 1
            surname, given = " ".join(tokens[:k]), " ".join(tokens[k:])
        else:
            surname, given = tokens[-1], " ".join(tokens[:-1])
    sur = squash(fold(surname)).replace(" ", "")
    ini = squash(fold(given))[:1]
    return f"{sur} {ini}".strip()


def normalize_authors(authors: object) -> list[str]:
    """All authors, normalised; anonymous placeholders dropped."""
    out = []
    for a in cut_short(split_authors(authors))[0]:
        n = normalize_author(a)
        if n and not n.startswith(("anonymous", "anon ", "unknown")):
            out.append(n)
    return out


def name_words(authors: object) -> frozenset[str]:
    """Every word of three letters or more in the author names, surnames and given names alike: an export
    that puts given names in the surname field (``'Luis Ferreira, Santos A'`` for ``'Santos, A. L. F.'``)
    still shows the surnames somewhere."""
    return frozenset(w for a in split_authors(authors)[:100] for w in squash(fold(a)).split() if len(w) >= 3)


def expand_pages(pages: object) -> tuple[str, str]:
    """``(start, end)``, abbreviated ends expanded: ``'123-9'`` -> ``('123', '129')``; ``''`` if absent."""
    s = re.sub(r"^p{1,2}\.?\s*(?=\d)|^pages?\s+", "", fold(pages).strip())
    roman = _ROMAN_PAGES.match(s)
    if roman:
        # front matter ("iii-vi"): editorials and tables of contents
        return roman.group(1), roman.group(2) or ""
    if not s or _MONTHS.search(s) or re.match(r"^(?:[a-z]{2,}(?![a-z]*\d)|[a-z]\s*-)", s):
        # "08-Aug" (a spreadsheet date), "Suppl-41", "t-51": no usable start page
        return "", ""
    if _PAGE_COUNT.fullmatch(s):
        # "215 p." / "xii, 180 pp": the extent of a book or thesis, not where it starts
        return "", ""
    m = _PAGES.match(s)
    if m:
        p1, a, p2, b = m.groups()
        if len(b) < len(a) and not p2:
            b = a[: len(a) - len(b)] + b
        return p1 + (a.lstrip("0") or "0"), (p2 or p1) + (b.lstrip("0") or "0")
    m = _FIRST_NUM.search(s)
    if not m:
        return "", ""
    start = m.group(1)
    stripped = start.lstrip("abcdefghijklmnopqrstuvwxyz")
    return (start[: len(start) - len(stripped)] + (stripped.lstrip("0") or "0")), ""


# a page field holding several ranges: "123-5; 130-2", "S12-S14, S20", "233-238+230-235+246-251",
# "395-9; discussion 399-400", "901-7; quiz 907" (but not "xv, 454": a book's extent, nor "Abstract 1351")
_PAGE_PARTS = re.compile(r"\s*[;,+:&]\s*|\s+and\s+")
_PAGE_LABEL = re.compile(r"^(?:dis+cus+ions?|quiz|(?:author s? |authors )?repl(?:y|ies)|comments?|commentary|"
                         r"editorial|erratum|correction|passim|suppl(?:ement)?)\s*\.?\s*", re.I)


def page_ranges(pages: object) -> list[tuple[str, str]]:
    """Every ``(start, end)`` of a page field (`expand_pages` for each part; ``end`` is ``''`` for a lone
    page). A field with one range gives that range; parts after the first that are not pages (an abstract
    number, front matter in Roman numerals) are left out; a first part that is no page (a book's ``'xv,
    454'``) leaves the field to `expand_pages` as a whole."""
    s = fold(pages).strip().strip("\"'").strip()
    whole = expand_pages(s)
    if not s or not _PAGE_PARTS.search(s):
        return [whole] if whole[0] else []
    parts = [x for x in _PAGE_PARTS.split(s) if x.strip()]
    first = expand_pages(parts[0])
    if not first[0] or _ROMAN_PAGES.match(parts[0].strip()):
        return [whole] if whole[0] else []
    out = [first]
    for part in parts[1:]:
        part = part.strip()
        label = _PAGE_LABEL.match(part)
        if label:
            part = part[label.end():]
        if not part or _ROMAN_PAGES.match(part) or re.match(r"^[a-z]{2,}", part):
            continue
        rng = expand_pages(part)
        if rng[0] and rng not in out:
            out.append(rng)
    return out


def normalize_number(value: object) -> str:
    """Volume or issue: the first number only (``'Vol. 12'`` -> ``'12'``); ``''`` if there is none."""
    s = fold(value)
    if not s:
        return ""
    m = re.search(r"\d+", s)
    if not m:
        return ""
    if "." in s and re.fullmatch(r"\d+\.0", s.strip()):
        return s.strip()[:-2].lstrip("0") or "0"
    return m.group(0).lstrip("0") or "0"


def _journal_words(s: str) -> str:
    return " ".join(w for w in squash(s).split() if w not in JOURNAL_STOP)


_ACRONYM_STOP = frozenset("the of and in for on an a de la le les du des der die und fur et y el".split())


_BRACKET_END = re.compile(r"\s*(?:\(([^()]*)\)|\[([^\[\]]*)\])[\s.]*$")
_SUBTITLE = re.compile(r"\s*:\s*|;|\s+-\s+")
# place qualifiers Web of Science appends to a name ("JOURNAL OF PHYSIOLOGY-LONDON")
_PLACES = frozenset(
    "london oxford cambridge paris basel berlin amsterdam washington chicago boston philadelphia tokyo "
    "stuttgart heidelberg munich leipzig vienna wien copenhagen stockholm moscow madrid barcelona milano "
    "roma torino bologna beijing shanghai seoul dordrecht hoboken bristol edinburgh baltimore".split()
)
_PLACE_TAIL = re.compile(r"(?<=[a-z])-(" + "|".join(sorted(_PLACES)) + r")$")


def _parallel_titles(s: str) -> list[str]:
    """``A = B``, ``A/B`` and ``A.B`` (a period between two names, as in ``'International journal of
    cancer. Journal international du cancer'``): the whole and each name, when every name has two words or
    more (so that ``'J. Consult. Clin. Psychol.'`` stays one name)."""
    parts = [x for x in re.split(r"\s+=\s+", s) if x.strip()]
    if len(parts) > 1:
        return parts
    for sep in ("/", "."):
        if sep in s:
            halves = [x for x in re.split(r"/" if sep == "/" else r"\.\s*(?=[a-z])", s) if x.strip()]
            if len(halves) > 1 and all(len(_journal_words(x).split()) >= 2 for x in halves):
                return [s, *halves]
    return parts


def normalize_journal(journal: object) -> str:
    """See `_normalize_journal` (cached: a review holds the same journal names many times)."""
    if journal is None:
        return ""
    return _normalize_journal(str(journal)[:1000])


@lru_cache(maxsize=50_000)
def _normalize_journal(journal: str) -> str:
    """Journal words without stop words, punctuation, quotes, ``[Electronic Resource]`` or a place
    qualifier (``'(London, England)'``, ``'-London'``). Alternative names are kept, joined by ``' = '``:
    each of ``A = B``, ``A/B`` and ``A.B`` (parallel titles), a trailing bracketed name (``'Xianggang yi xue
    za zhi [Hong Kong medical journal]'``), and a name with its subtitle (after ``:``, ``;`` or `` - ``) as
    well as without (abbreviations keep the subtitle: ``'Clin Med Insights Circ Respir Pulm Med'``). The
    first alternative is the name without subtitle; a name of three words or more also gets its initials as
    ``'~initials'`` (``'~jama'``), which only meet a one-word name, and a name led by its own initials
(``'JNCCN Journal of the National...'``) is also kept without them. A ``?`` inside a word (an accented
    letter lost by a wrong export encoding: ``'fran?aises'``) is dropped, ``@`` inside a word reads ``a``
    (``'L@S'``)."""
    s = fold(journal).strip().strip("\"'").strip()
    if not s:
        return ""
    if "?" in s or "@" in s:
        s = re.sub(r"(?<=[a-z])\?+(?=[a-z])", "", s)
        s = re.sub(r"(?<=\w)@(?=\w)", "a", s)  # "l@s" (an acronym): the letter a
        s = re.sub(r"\s@\s", " at ", s)  # "learning @ scale": the word at
    bracketed: list[str] = []
    for _ in range(2):
        m = _BRACKET_END.search(s)
        if not m:
            break
        inner = (m.group(1) or m.group(2) or "").strip()
        if (inner and "," not in inner and not any(c.isdigit() for c in inner) and "electronic" not in inner
                and len(_journal_words(inner).split()) >= 2):
            bracketed.append(inner)
        s = s[: m.start()].strip().strip("\"'").strip()
    if not s and bracketed:
        s, bracketed = bracketed[0], bracketed[1:]
    s = _PLACE_TAIL.sub("", s)
    parts = _parallel_titles(s) + bracketed
    for part in list(parts):
        # Web of Science joins a subtitle with an unspaced hyphen ("JOURNAL OF TRAUMA-INJURY INFECTION AND
        # CRITICAL CARE"); the name before it is an alternative when it has three words or more
        m = re.match(r"^([a-z][a-z ]*[a-z])-[a-z]", part)
        if m and m.group(1).count(" ") >= 2 and "-" not in part[: m.end(1)]:
            parts.append(m.group(1))
    for part in list(parts):
        # a short name in front of the full one ("L@S 2014 - Proceedings of the 1st ACM Conference on...")
        head, sep, tail = part.partition(" - ")
        if sep and tail and len([w for w in head.split() if not w.isdigit()]) == 1:
            parts.append(tail)
        # an acronym in front of the name it abbreviates ("JNCCN Journal of the National Comprehensive...")
        head, _, rest = part.partition(" ")
        lead = "".join(w[0] for w in squash(_SUBTITLE.split(rest)[0]).split() if w not in _ACRONYM_STOP)
        if len(head) >= 3 and head.isalpha() and head == lead:
            parts.append(rest)
    alts: list[str] = []
    for part in parts:
        for variant in (_SUBTITLE.split(part)[0], part):
            words = _journal_words(variant)
            if words and words not in alts:
                alts.append(words)
    for part in parts:
        name = squash(_SUBTITLE.split(part)[0]).split()
        # the initials of the name, and of the words that tell venues apart ("Proceedings of the first ACM
        # conference on Learning @ scale" -> "las")
        for initials in ([w for w in name if w not in _ACRONYM_STOP],
                         [w for w in _venue_tokens(" ".join(name)) if w not in _ACRONYM_STOP]):
            if len(initials) >= 3 and all(w.isalpha() for w in initials):
                acronym = "~" + "".join(w[0] for w in initials)
                if acronym not in alts:
                    alts.append(acronym)
    return " = ".join(alts)


def _abbrev_of(short: str, full: str) -> bool:
    """``short`` is an abbreviation of ``full``: same first letter, letters in order."""
    if short[0] != full[0] or len(short) > len(full):
        return False
    it = iter(full)
    return all(ch in it for ch in short)


def _one_journal_compatible(a: str, b: str) -> bool:
    if a == b or a.replace(" ", "") == b.replace(" ", ""):
        return True
    wa, wb = a.split(), b.split()
    if len(wa) != len(wb):
        return False
    for x, y in zip(wa, wb, strict=True):
        short, full = (x, y) if len(x) <= len(y) else (y, x)
        if not _abbrev_of(short, full):
            return False
    return True


# Words of a venue name that do not tell venues apart: publisher names put in front by some databases,
# proceedings boilerplate, edition numbers and years.
_VENUE_FILLER = frozenset(
    "proceedings proc conference conf international int annual ann meeting symposium symp workshop "
    "ieee acm elsevier springer wiley blackwell sage taylor francis lippincott williams wilkins karger "
    "thieme publishing publ press ltd inc gmbh verlag online electronic digest record papers".split()
)
_ORDINAL = re.compile(r"^\d+(?:st|nd|rd|th)?$|^(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth)$")


@lru_cache(maxsize=100_000)
def _venue_tokens(name: str) -> tuple[str, ...]:
    return tuple(w for w in name.split() if w not in _VENUE_FILLER and not _ORDINAL.match(w))


def _tokens_compatible(a: str, b: str) -> bool:
    """Word-level comparison without the filler words (`_VENUE_FILLER`): the same number of words left, each
    of one an abbreviation of the other's word in the same place; at least one word left."""
    ta, tb = _venue_tokens(a), _venue_tokens(b)
    if not ta or not tb or len(ta) != len(tb) or (list(ta) == a.split() and list(tb) == b.split()):
        return False
    return _one_journal_compatible(" ".join(ta), " ".join(tb))


@lru_cache(maxsize=100_000)
def iso4_abbreviation(name: str) -> str:
    """The ISO 4 (LTWA) abbreviation of a normalised journal name, normalised the same way
    (``'consulting clinical psychology'`` -> ``'consult clin psychol'``, `screening.dedup.ltwa`); ``''``
    for initials (``'~jama'``) and names over 300 characters."""
    if not name or name.startswith("~") or len(name) > 300:
        return ""
    return _journal_words(abbreviate(name))


def _alternatives_compatible(x: str, y: str) -> bool:
    if x.startswith("~") or y.startswith("~"):
        # initials meet a one-word name ('jama' / 'journal of the american medical association')
        short, name = (x[1:], y) if x.startswith("~") else (y[1:], x)
        return short in (name, " ".join(_venue_tokens(name)))
    if _one_journal_compatible(x, y) or _tokens_compatible(x, y):
        return True
    ax, ay = iso4_abbreviation(x), iso4_abbreviation(y)
    return any(_one_journal_compatible(u, v) or _tokens_compatible(u, v)
               for u, v in ((ax, y), (x, ay), (ax, ay)) if u and v)


@lru_cache(maxsize=100_000)
def journals_compatible(a: str, b: str) -> bool:
    """Two normalised journal names may name the same journal: some alternative of one (see
    ``normalize_journal``) equals, or word by word abbreviates, some alternative of the other
    (``'curr opin lipidol'`` / ``'current opinion lipidology'``), also once publisher names and
    proceedings boilerplate are set aside, or once either is abbreviated by ISO 4 (`iso4_abbreviation`);
    or one is the initials of the other (``'jama'``)."""
    if not a or not b:
        return True
    if a == b:
        return True
    xs, ys = a.split(" = "), b.split(" = ")
    if any(_one_journal_compatible(x, y) for x in xs for y in ys if not (x[0] == "~" or y[0] == "~")):
        return True
    return any(_alternatives_compatible(x, y) for x in xs for y in ys)


_CONF = re.compile(r"\b(?:conference|congress|proceedings?|symposium|workshop|meeting|abstracts?)\b|\bconf\b")
_CONF_VENUE = re.compile(r"\b(?:conference|congress|symposium|workshop|meeting)\b|\bconf\b")
_THESIS = re.compile(r"\b(?:thesis|dissertation|doctoral|phd|masters)\b")
_DEGREE = re.compile(r"\b(?:ph\.?\s?d|d\.?\s?phil|m\.?\s?phil|m\.?\s?sc|ed\.?\s?d|psy\.?\s?d|thesis|dissertation)\b")
# secondary journals that reprint an article's title over a structured abstract and a commentary
_COMMENTARY_VENUE = re.compile(r"\bjournal club\b|^evidence[\s-]based (?:medicine|nursing|mental health|dentistry)")
_ENGLISH_ABSTRACT = re.compile(r"\benglish abstract\b")
_BOOK = re.compile(r"\b(?:book|chapter|incollection|inbook)\b")


def is_erratum(title: object) -> bool:
    """The title announces an erratum/correction notice (a record of its own, not the article)."""
    return bool(title) and bool(_ERRATUM.match(str(title)))


def publication_kind(pub_type: object, journal: object = "", title: object = "", volume: object = "") -> str:
    """``'erratum'``, ``'thesis'``, ``'conference'``, ``'commentary'`` (in a journal club or evidence-based
    abstract journal, which reuse the article's title), ``'book'``, ``'article'`` or ``''`` (unknown).

    ``pub_type`` may be a word ("Dissertation", "Conference Abstract") or a RIS code ("THES", "CHAP"), read
    as its words (`screening.ris_types`); a journal named like a dissertation listing or a conference still
    wins over a plain "JOUR".

    A degree where a volume should be (``'Ph.D.'``, ``'M.Sc. thesis'``) marks a thesis exported with a
    generic type."""
    # MEDLINE's "English Abstract" is an article in another language with an English abstract, no meeting
    t = _ENGLISH_ABSTRACT.sub(" ", fold(publication_type_label(pub_type)))
    j = fold(journal)
    if is_erratum(title) or "erratum" in t or "correction" in t:
        return "erratum"
    if _THESIS.search(t) or "dissertation abstracts" in j or _THESIS.search(j) or _DEGREE.search(fold(volume)):
        return "thesis"
    if "inproceedings" in t or "conference" in t or "proceedings" in t or _CONF.search(t):
        return "conference"
    if _BOOK.search(t):
        return "book"
    if _COMMENTARY_VENUE.search(j):
        return "commentary"
    if _CONF_VENUE.search(j) and "journal" not in j:
        return "conference"
    if "article" in t or "journal" in t:
        return "article"
    return ""


# Titles of recurring columns of a serial: the same words head a different item in every issue, so the
# title says nothing about identity. Matched against the whole normalised title.
_SERIAL = re.compile(
    r"^(?:(?:guest |invited |an? )?editorials?(?: comments?| notes?)?|editor s (?:comments?|notes?|choice|corner|"
    r"page|introduction|preface|column|message|letter)|editors? (?:comments?|notes?|note|choice)|"
    r"(?:a )?(?:letter|message|note|word)s? from the (?:editors?|editor in chief|president|chair)|"
    r"from the (?:editors?|editor s desk|president|chair)|(?:the )?president s (?:message|column|letter|page)|"
    r"(?:authors? (?:s )?|the authors? )?repl(?:y|ies)(?: to (?:the )?(?:letters?|comments?|commentary|editor))?|"
    r"in reply|(?:authors? )?response(?: to (?:the )?(?:letters?|comments?|commentary))?|"
    r"errat(?:um|a)|corrigend(?:um|a)|corrections?|retraction(?: notice)?|notice of retraction|"
    r"expression of concern|(?:in|inside) this issue|this issue|issue (?:information|highlights)|"
    r"book reviews?|book notes|books? received|reviews?|new books|(?:invited )?comment(?:ary|aries|s)?|"
    r"editorial comment|letters?(?: to the editors?)?|correspondence|introduction|preface|foreword|prologue|"
    r"news(?: and views| in brief| and notes)?|announcements?|obituar(?:y|ies)|in memoriam|"
    r"acknowledge?ments?(?: to| of)?(?: (?:our )?reviewers| referees)?|(?:thank you to our |our )?reviewers|"
    r"(?:table of )?contents|(?:author |subject |annual )?index|(?:research )?highlights|"
    r"(?:meeting |conference |poster |selected )?abstracts|calendar(?: of events)?|upcoming events|"
    r"editorial board|masthead|(?:on |about )?the cover|cover (?:image|picture|story)|front matter|"
    r"back matter|notes?|notices?|what s new|current literature|recent publications|miscellaneous|"
    r"(?:call for|information for) (?:papers|authors|contributors)|instructions (?:for|to) authors)"
    r"(?: \d{1,4})?$"
)


def is_serial_title(normalized_title: str) -> bool:
    """``True`` for the title of a recurring column (``'editorial'``, ``'editor s comments'``, ``'reply'``,
    ``'in this issue'``, ``'book reviews'``...), given a `normalize_title` output."""
    return bool(normalized_title) and len(normalized_title) <= 60 and bool(_SERIAL.match(normalized_title))


_BRACKET_ALT = re.compile(r"^\s*(?P<main>[^\[\]]{12,}?)\s*\[(?P<alt>[^\[\]]{12,})\]\W*$")
_NOTE_WORDS = re.compile(r"\b(?:review|refs?|references|abstract|summary|editorial|letter|comment|author|"
                         r"transl|in press|epub|published|article|english|erratum)\b", re.I)


_ORIGINAL_MARK = re.compile(r"<\s*original\s*>", re.I)
_BILINGUAL = re.compile(r"^(?P<main>[^;\[\]]{20,}?)\s*;\s*(?P<alt>[^;\[\]]{20,})$")


def alternative_title(title: object) -> str:
    """The other-language title of a record that carries two, normalised: ``'English title [Original-language
    title]'`` (or the reverse), ``'English title. <ORIGINAL> ORIGINAL TITLE'`` (the English one, as the
    copies elsewhere give it) and ``'Original title; English title'`` (each side four words or more: a
    subtitle after a semicolon names no other work); ``''`` when the title has none (notes such as
    ``[Review] [57 refs]`` and language tags are not titles)."""
    if title is None:
        return ""
    text = str(title)
    if len(text) > 1000:  # bounded time on hostile input
        return ""
    mark = _ORIGINAL_MARK.search(text)
    if mark:
        before = normalize_title(text[: mark.start()])
        return before if len(before.split()) >= 3 and normalize_title(text[mark.end():]) else ""
    if "[" not in text:
        m = _BILINGUAL.match(text.strip())
        if m and all(len(squash(fold(x)).split()) >= 4 for x in (m.group("main"), m.group("alt"))):
            return normalize_title(m.group("alt"))
        return ""
    m = _BRACKET_ALT.match(text)
    if not m:
        return ""
    alt = m.group("alt")
    if _NOTE_WORDS.search(alt) and len(alt.split()) <= 4:
        return ""
    out = normalize_title(alt)
    return out if len(out.split()) >= 3 else ""


def is_translated_title(title: object, alternative: str | None = None) -> bool:
    """The title says it is a translation or carries one: MEDLINE's bracketed English title of an article
    in another language (``'[Comparison of ...]'``), an ``<ORIGINAL>`` / ``[Original ...]`` marker, or a second
    title (`alternative_title`, or ``alternative`` when already known)."""
    if title is None:
        return False
    text = str(title).strip().rstrip(".").strip()
    if len(text) > 1000:
        return False
    if (text.startswith("[") and text.endswith("]")) or ("<" in text or "[" in text) and _MARKERS.search(text):
        return True
    return bool(alternative_title(text) if alternative is None else alternative)


def page_kind(start: str, end: str) -> str:
    """How a record gives its pages: ``'final'`` (a printed range), ``'provisional'`` (an electronic article
    number such as ``e123``, a bare number of five digits or more, or an online-first range starting at page
    1) or ``''`` when there are none. A provisional and a final pagination of one article differ without
    contradicting each other."""
    if not start:
        return ""
    digits = start.lstrip("abcdefghijklmnopqrstuvwxyz")
    prefix = start[: len(start) - len(digits)]
    if prefix == "e" or (not end and len(digits) >= 5) or (start == "1" and end and end != "1"):
        return "provisional"
    return "final"
