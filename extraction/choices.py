"""Names of the extraction choices a user picks by name, in a module that imports nothing, so the command line
can offer them in ``--help`` and check them without loading pandas, SciPy or matplotlib."""

from __future__ import annotations

AGGREGATION_METHODS = ("composite", "mean")  # extraction.aggregate: Hunter-Schmidt composite, or the mean
ESTIMATORS = ("REML", "ML", "DL", "PM", "FE", "HS", "HE", "SJ", "EB")  # extraction.pooling: tau² estimators
# (EE is an alias of FE)
TESTS = ("z", "t", "knha")  # extraction.pooling: the test of the pooled estimate
LEVELS = ("records", "effects", "studies", "decisions")  # extraction.export: the export levels
