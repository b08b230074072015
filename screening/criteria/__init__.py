"""Protocol criteria assessed on title, abstract and keywords, with evidence spans for highlighting.

``assess_record(title, abstract, keywords, protocol)`` returns an `Assessment`: per criterion a
verdict (met / not_met / unclear) with evidence spans, and a suggestion (include / exclude / unclear)
with short reasons. Suggestions never decide anything.
"""

from screening.criteria.assess import Assessment, Assessor, assess_record, assessor_for, suggest
from screening.criteria.evidence import (
                                         EXCLUDE,
                                         INCLUDE,
                                         MET,
                                         NOT_MET,
                                         UNCLEAR,
                                         CriterionResult,
                                         RecordText,
                                         Span,
)

__all__ = ["EXCLUDE", "INCLUDE", "MET", "NOT_MET", "UNCLEAR", "Assessment", "Assessor", "CriterionResult",
           "RecordText", "Span", "assess_record", "assessor_for", "suggest"]
