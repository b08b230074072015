"""The extraction screens: coding effect sizes, double coding and reconciliation."""

from gui.extraction.reconcile import DoubleCodingScreen

__all__ = ["DoubleCodingScreen"]
