"""Random-effects meta-analysis matching metafor (REML/ML/DL/PM/FE), moderators, bias checks, plots.

The core works on arrays (analysis scale: Fisher z for correlations); `pool(ri=..., ni=...)` converts
correlations itself. No Qt here; plots use matplotlib's Agg backend (import `extraction.pooling.plots`).
"""

from extraction.pooling.bias import (
    EggerTest,
    TrimFill,
    effect_vs,
    egger_test,
    fsn_orwin,
    fsn_rosenthal,
    trim_and_fill,
)
from extraction.pooling.estimators import METHODS, CoreFit, fit_core, generalised_q
from extraction.pooling.moderators import (
    MetaRegression,
    SubgroupAnalysis,
    categorical_moderator,
    continuous_moderator,
    meta_regression,
    moderator_table,
)
from extraction.pooling.results import Z975, PoolResult, fisher_z, pool, summarise
from extraction.pooling.table import PoolReport, effect_sizes, pool_report, read_study_table

__all__ = [
    "METHODS", "Z975", "CoreFit", "EggerTest", "MetaRegression", "PoolReport", "PoolResult", "SubgroupAnalysis",
    "TrimFill", "categorical_moderator", "continuous_moderator", "effect_sizes", "effect_vs", "egger_test", "fisher_z",
    "fit_core", "fsn_orwin", "fsn_rosenthal", "generalised_q", "meta_regression", "moderator_table", "pool",
    "pool_report", "read_study_table", "summarise", "trim_and_fill",
]
