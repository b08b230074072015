"""Screening stages: import, deduplication, criteria, decisions, prioritisation. No Qt here."""
