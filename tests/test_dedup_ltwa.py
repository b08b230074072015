"""ISO 4 abbreviations from the LTWA without GPL code (issue 12, licence): the venue-alias behaviour the
deduplication relies on, read from the shipped LTWA table."""

from __future__ import annotations

import subprocess
import sys

import pytest

from screening.dedup.ltwa import DATA, abbreviate, abbreviate_word
from screening.dedup.normalize import iso4_abbreviation, journals_compatible, normalize_journal


@pytest.mark.parametrize(("full", "iso"), [
    ("consulting clinical psychology", "consult clin psychol"),
    ("deutsche medizinische wochenschrift", "dtsch med wochenschr"),
    ("transactions royal society tropical medicine hygiene", "trans r soc trop med hyg"),
    ("annales francaises anesthesie reanimation", "ann fr anesth reanim"),
    ("blood", "blood"),  # no entry: the word stays
    ("medicaid research", "medicaid res"),  # an exact word entry ("not abbreviated") beats the prefix medic-
])
def test_names_abbreviate_word_by_word(full, iso):
    assert abbreviate(full) == iso


def test_hostile_words_stay_as_they_are():
    assert abbreviate_word("x" * 10_000) == "x" * 10_000
    assert iso4_abbreviation("a " * 400) == ""


def test_full_name_meets_its_iso_abbreviation():
    assert journals_compatible(normalize_journal("Annales Françaises d'Anesthésie et de Réanimation"),
                               normalize_journal("Ann Fr Anesth Reanim"))
    assert not journals_compatible(normalize_journal("Annales de Chirurgie"),
                                   normalize_journal("Ann Fr Anesth Reanim"))


def test_the_table_ships_with_the_package_and_nothing_gpl_is_imported():
    assert DATA.is_file() and DATA.stat().st_size > 100_000
    code = ("import sys; from screening.dedup import deduplicate; from screening.dedup.normalize import "
            "iso4_abbreviation; iso4_abbreviation('journal clinical oncology'); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('unidecode', 'pyiso4')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
