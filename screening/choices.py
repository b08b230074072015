"""Names of the screening choices a user picks by name (ranking models), in a module that imports nothing, so
the command line can offer them in ``--help`` and check them without loading scikit-learn."""

from __future__ import annotations

MODELS = ("svm", "logreg", "nb")
DEFAULT_MODEL = "svm"
