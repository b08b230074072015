"""Names of the screening choices a user picks by name (ranking models, stopping rules), in a module that
imports nothing, so the command line can offer them in ``--help`` and check them without loading scikit-learn
or SciPy."""

from __future__ import annotations

MODELS = ("svm", "logreg", "nb")
DEFAULT_MODEL = "svm"

RULES = ("hypergeometric", "consecutive", "knee")  # screening.stopping: the stopping rules
DEFAULT_RULE = "hypergeometric"
DEFAULT_TARGET = 0.95  # hypergeometric rule: the recall to reach
DEFAULT_CONFIDENCE = 0.95
