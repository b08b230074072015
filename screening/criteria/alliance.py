"""The concept criterion (kind ``concept``): does the record name the concept, e.g. "alliance"?

The alliance protocol's configuration is the example throughout; any review gives its own term lists.

Qualified names ("working alliance", "alliance thérapeutique", "Arbeitsbündnis") and alliance measures
(WAI, CALPAS, HAq, VPPS) are met on their own. A bare "alliance" / "Allianz" / "alleanza" counts when
the record is about therapy and does not name a cooperative group; "Arbeitsbeziehung" only in a
therapy context. Organisations ("Alliance for Clinical Trials in Oncology", "strategic alliance",
alliances between hospitals) are exclude evidence, never the alliance.

No term found is "not met" only for a record in a language the term lists read (`READ_LANGUAGES`, from its
language field or detected): a Dutch or Portuguese abstract without a term is unclear, not excluded.
"""

from __future__ import annotations

from screening.criteria.evidence import (
    EXCLUDE,
    INCLUDE,
    MET,
    NOT_MET,
    UNCLEAR,
    CriterionResult,
    RecordText,
    Span,
    TermSet,
    is_title_case,
    overlaps,
    with_polarity,
)
from screening.criteria.record_fields import detect_language, language_codes

ORG, ORG_PROPER = "alliance_organisational", "alliance_organisational_proper"
READ_LANGUAGES = ("en", "de", "fr", "it", "es")
"""Languages of MetaSift's built-in term lists (four in full, Spanish in part)."""
HITS = ("alliance_measures", "alliance_qualified", "alliance_contextual", "alliance_bare", "alliance_related")


def _windows(length: int, near: list[Span], before: int = 80, after: int = 120) -> list[tuple[int, int]]:
    """Merged stretches of a field around the spans in ``near``."""
    out: list[tuple[int, int]] = []
    for s in sorted(near, key=lambda s: s.start):
        lo, hi = max(0, s.start - before), min(length, s.end + after)
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return out


class Alliance:
    """Compiled term lists of a concept criterion, keyed by the alliance protocol's ``[terms]`` names
    (`screening.criteria.build` maps the ``concept`` kind's parameters onto them); ``name`` is the
    concept's name in the verdicts' details."""

    def __init__(self, terms: dict[str, tuple[str, ...]], name: str = "alliance") -> None:
        self.name = name
        self.org = TermSet({ORG: terms[ORG]})
        self.org_proper = TermSet({ORG_PROPER: terms[ORG_PROPER]})
        self.hits = TermSet({k: terms[k] for k in HITS})
        self.therapy = TermSet({"therapy_context": terms["therapy_context"]})
        self.org_context = TermSet({"organisation_context": terms["organisation_context"]})

    def _organisational(self, record: RecordText, near: list[Span]) -> list[Span]:
        """Organisational uses of the alliance word, searched only around the words in ``near``."""
        spans: list[Span] = []
        for fname, text in record.fields():
            here = [s for s in near if s.field == fname]
            if not here:
                continue
            proper = not (fname == "title" and is_title_case(text))  # capitals say nothing in a Heading
            for lo, hi in _windows(len(text), here):
                for ts in (self.org, self.org_proper) if proper else (self.org,):
                    spans += [Span(s, e, text[s:e], fname, EXCLUDE)
                              for _, s, e in ts.finditer(text, lo, hi) if not overlaps(
                                  Span(s, e, "", fname, EXCLUDE), spans)]
        return spans

    def assess(self, record: RecordText, therapy_context: bool | None = None) -> CriterionResult:
        found = self.hits.spans(record, INCLUDE)
        # organisations only matter where the record uses an alliance word at all
        # only a bare "alliance" can be an organisation ("working alliance", "WAI" never are)
        org = self._organisational(record, found.get("alliance_bare", []))
        kept = {k: [s for s in v if not overlaps(s, org)] for k, v in found.items()}
        org_words = [s for v in found.values() for s in v if overlaps(s, org)]
        strong = kept.get("alliance_measures", []) + kept.get("alliance_qualified", [])
        if therapy_context is None:
            therapy_context = self.therapy.any(record)
        org_named = self.org_context.any(record)
        contextual = kept.get("alliance_contextual", []) if therapy_context else []
        bare = kept.get("alliance_bare", [])
        related = kept.get("alliance_related", [])
        if strong or contextual:
            ev = strong + contextual + (bare if therapy_context and not org_named else [])
            return CriterionResult(MET, ev, f"names the {self.name} or a measure of it")
        if bare and therapy_context and not org_named:
            return CriterionResult(MET, bare, f"names the {self.name} in its context")
        if bare and org_named:
            return CriterionResult(NOT_MET if record.has_abstract else UNCLEAR,
                                   with_polarity(bare, EXCLUDE) + org,
                                   f"'{bare[0].text}' is used in another sense (an organisation)")
        if bare and org and not therapy_context:  # "the Alliance for Lupus Research ... The Alliance funded"
            return CriterionResult(NOT_MET if record.has_abstract else UNCLEAR, with_polarity(bare, EXCLUDE) + org,
                                   f"'{bare[0].text}' names an organisation here")
        if bare:
            return CriterionResult(UNCLEAR, bare, f"'{bare[0].text}' without its context")
        if related:
            return CriterionResult(UNCLEAR, related, f"a related term ({related[0].text}), "
                                   f"not the {self.name} by name")
        if org_words:
            return CriterionResult(NOT_MET if record.has_abstract else UNCLEAR,
                                   org,
                                   f"'{org_words[0].text}' only names an organisation")
        if record.has_abstract:
            codes = language_codes(record.language) or [c for c in [detect_language(
                f"{record.title} {record.abstract}")] if c]
            if codes and not any(c in READ_LANGUAGES for c in codes):
                return CriterionResult(UNCLEAR, [], f"no {self.name} term found, but the record is in a language "
                                       f"the term lists do not read ({', '.join(codes)})")
            return CriterionResult(NOT_MET, [], f"no {self.name} term in title, abstract or keywords")
        return CriterionResult(UNCLEAR, [], f"no abstract; no {self.name} term in the title")
