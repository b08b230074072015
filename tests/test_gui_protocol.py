"""Protocols made in the app: the New Review wizard sets up a review on another question entirely in the window
(blank template: stages, rule, reasons, criteria, keywords, a codebook field with a synonym), a value is coded
through the real Extraction form and exported; the Protocol screen edits, versions, exports and imports."""

from __future__ import annotations

import csv

import openpyxl
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableView, QWizard
from screens import open_screen

from db import protocol_store
from extraction import coding
from extraction.export import export
from gui import background
from gui.protocol.codebook_editor import CodebookPage
from screening import decisions
from screening.protocol import default_protocol_text
from screening.review_protocol import current_protocol, protocol_of
from tests.screens import open_window, wait_idle
from tests.test_coding import add_records

TA, FT = "title_abstract", "full_text"


def _type(qtbot, widget, text: str) -> None:
    widget.setFocus()
    widget.clear()
    qtbot.keyClicks(widget, text)


def _add_field(qtbot, page: CodebookPage, name: str, label: str, kind: str, values: str = "",
               synonyms: str = "", required: bool = False) -> None:
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    _type(qtbot, page.name, name)
    _type(qtbot, page.label, label)
    page.kind.setCurrentIndex(page.kind.findData(kind))
    if values:
        page.values.setPlainText(values)
    if synonyms:
        page.synonyms.setPlainText(synonyms)
    page.required.setChecked(required)


def _add_criterion(qtbot, page, kind: str, reason: str, **params) -> None:
    page.new_kind.setCurrentIndex(page.new_kind.findData(kind))
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    page.reason.setCurrentIndex(page.reason.findData(reason))
    for name, value in params.items():
        page.params[name].set(value)
    assert page.items[-1]["kind"] == kind and page.items[-1]["reason"] == reason


def test_a_review_on_another_question_is_set_up_in_the_wizard_then_coded_and_exported(qtbot, tmp_path):
    window = open_window(qtbot, None, "Ann")
    wizard = window.start.new_review(str(tmp_path / "cbt.metasift"))
    wizard.show()
    start = wizard.start
    wizard.next()
    assert wizard.currentPage() is start and "give the review a title" in start.problems.text()
    _type(qtbot, start.title_edit, "CBT for adult depression")
    start.from_blank.setChecked(True)
    wizard.next()
    stages, reasons, criteria, keywords, book = (p.page for p in wizard.editors)
    assert wizard.currentPage().page is stages
    stages.rule.setCurrentIndex(stages.rule.findData("one_reviewer"))
    wizard.next()
    wizard.next()  # no reasons yet: refused, said in the window
    assert wizard.currentPage().page is reasons
    assert "Title / abstract has none" in wizard.currentPage().problems.text()
    reasons.edits[TA].setPlainText("not a randomised trial\nnot adults\nfewer than 20 participants")
    reasons.edits[FT].setPlainText("no depression outcome\nfull text not retrievable")
    wizard.next()
    assert wizard.currentPage().page is criteria
    assert criteria.items == []  # blank: no criteria yet
    _add_criterion(qtbot, criteria, "design", "not a randomised trial", allowed=["rct"])
    _add_criterion(qtbot, criteria, "age", "not adults")
    _add_criterion(qtbot, criteria, "sample_size", "fewer than 20 participants", min_participants=20)
    _type(qtbot, criteria.id_edit, "Sample Size!")
    wizard.next()  # a bad id: refused, said in the window
    assert wizard.currentPage().page is criteria
    assert "Sample Size!: the id must be a short name" in wizard.currentPage().problems.text()
    _type(qtbot, criteria.id_edit, "enough")
    wizard.next()
    keywords.include.setPlainText("cognitive behavioural therapy\ndepression")
    keywords.exclude.setPlainText("children")
    wizard.next()
    assert wizard.currentPage().page is book
    assert all(r.omitted for r in book.rows if r.builtin)  # blank: no alliance moderators
    _add_field(qtbot, book, "instrument", "Depression measure", "category", "BDI\nHAM-D\nPHQ-9",
               "BDI-II -> BDI", required=True)
    _add_field(qtbot, book, "blinded", "Assessors blinded", "yes_no")
    _add_field(qtbot, book, "sessions", "Sessions", "integer")
    _type(qtbot, book.minimum, "30")
    _type(qtbot, book.maximum, "4")
    wizard.button(QWizard.WizardButton.FinishButton).click()
    assert wizard.isVisible() and "min 30 is above max 4" in wizard.currentPage().problems.text()
    _type(qtbot, book.minimum, "1")
    _type(qtbot, book.maximum, "40")
    wizard.button(QWizard.WizardButton.FinishButton).click()
    qtbot.waitUntil(lambda: window.db is not None, timeout=20_000)
    wait_idle(qtbot)

    db = window.db
    assert db.review().title == "CBT for adult depression"
    (v1,) = protocol_store.versions(db)
    assert v1.who == "ann" and v1.version == 1
    protocol = protocol_of(db)
    assert (protocol.name, protocol.rule, protocol.min_participants) == ("cbt-for-adult-depression",
                                                                          "one_reviewer", 20)
    assert protocol.criteria == ("design", "age", "enough")
    assert [(c.kind, c.reason) for c in protocol.criteria_specs] == [
        ("design", "not a randomised trial"), ("age", "not adults"), ("sample_size", "fewer than 20 participants")]
    assert protocol.spec("design").params["allowed"] == ("rct",) or list(protocol.spec("design").params[
        "allowed"]) == ["rct"]
    assert protocol.include_keywords == ("cognitive behavioural therapy", "depression")

    (rid,) = add_records(db, ("CBT1", ["Berg, A."], 2019))
    decisions.decide(db, rid, "ann", TA, "include")
    decisions.decide(db, rid, "ann", FT, "include", full_text="https://doi.org/10.1000/cbt1")
    screen = window.show_screen("extraction")
    qtbot.waitUntil(lambda: screen.snapshot is not None and len(screen.reports.items) == 1, timeout=20_000)
    screen.reports_view.selectRow(0)
    wait_idle(qtbot)
    form = screen.form
    assert set(form.mods) == {"instrument", "blinded", "sessions"}  # the edited codebook, nothing else
    assert form.mod_form.labelForField(form.mods["instrument"]).text() == "Depression measure *"
    _type(qtbot, form.label, "BDI post")
    _type(qtbot, form.edits["value"], "0.42")
    _type(qtbot, form.edits["n"], "64")
    assert not screen.save_button.isEnabled() and "missing required field 'instrument'" in form.messages.text()
    _type(qtbot, form.mods["instrument"].lineEdit(), "BDI-II")
    form.mods["blinded"].setCurrentIndex(form.mods["blinded"].findText("yes"))
    _type(qtbot, form.mods["sessions"], "45")
    assert "sessions: '45' is out of range" in form.messages.text() and not screen.save_button.isEnabled()
    _type(qtbot, form.mods["sessions"], "16")
    assert screen.save_button.isEnabled()
    qtbot.keyClick(form.note, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(coding.effects(db, record=rid)) == 1, timeout=20_000)
    (row,) = coding.effects(db, record=rid)
    assert row.moderators == {"instrument": "BDI", "blinded": "yes", "sessions": 16}  # BDI-II -> BDI
    assert row.protocol_version == 1
    # the effects list and the versions dialog say which protocol version the values were coded under
    qtbot.waitUntil(lambda: screen.effects_table.rowCount() == 1, timeout=20_000)
    table = screen.effects_table
    col = [table.headerData(i, Qt.Orientation.Horizontal) for i in range(table.columnCount())].index("Protocol")
    assert table.data(table.index(0, col)) == "v1"
    from gui.extraction import actions as extraction_actions
    from gui.extraction.model import versions_dialog

    dialog = versions_dialog(screen, row.id, extraction_actions.versions(db, row.id))
    vmodel = dialog.findChild(QTableView).model()
    vcol = [vmodel.headerData(i, Qt.Orientation.Horizontal) for i in range(vmodel.columnCount())].index("Protocol")
    assert vmodel.data(vmodel.index(0, vcol)) == "v1"

    export(db, tmp_path / "out.xlsx", level="effects")
    wb = openpyxl.load_workbook(tmp_path / "out.xlsx")
    head = [c.value for c in wb["effects"][1]]
    values = dict(zip(head, [c.value for c in wb["effects"][2]], strict=True))
    assert (values["instrument"], values["blinded"], values["sessions"], values["protocol_version"]) == (
        "BDI", "yes", 16, 1)
    assert "alliance_measure" not in head
    sheet = {r[0].value: [c.value for c in r] for r in wb["codebook"].iter_rows(min_row=2)}
    assert "BDI, HAM-D, PHQ-9" in sheet["instrument"] and "Depression measure" in sheet["instrument"]
    export(db, tmp_path / "effects.csv", level="effects")
    with open(tmp_path / "effects.csv", newline="", encoding="utf-8-sig") as fh:
        (line,) = list(csv.DictReader(fh))
    assert (line["instrument"], line["blinded"], line["sessions"]) == ("BDI", "yes", "16")
    export(db, tmp_path / "decisions.csv", level="decisions")
    with open(tmp_path / "decisions.csv", newline="", encoding="utf-8-sig") as fh:
        assert {d["protocol_version"] for d in csv.DictReader(fh)} == {"1"}


@pytest.fixture
def alliance_review(review):
    from extraction.protocol_check import store_protocol

    store_protocol(review, default_protocol_text(), "ann")
    return review


def test_the_protocol_screen_edits_saves_a_version_and_the_extraction_form_follows(qtbot, alliance_review, tmp_path):
    db = alliance_review
    window, screen = open_screen(qtbot, db, "protocol", "ann")
    qtbot.waitUntil(lambda: screen.snapshot is not None, timeout=20_000)
    assert "protocol version 1" in screen.heading.text() and not screen.save_button.isEnabled()
    stages, reasons, criteria, keywords, book = screen.pages
    reasons.edits[TA].appendPlainText("wrong language")
    _add_field(qtbot, book, "setting", "Setting", "category", "inpatient\noutpatient", "day clinic -> outpatient")
    _type(qtbot, screen.summary, "setting as a moderator")
    assert screen.save_button.isEnabled()
    qtbot.mouseClick(screen.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(protocol_store.versions(db)) == 2, timeout=20_000)
    wait_idle(qtbot)
    v2 = protocol_store.versions(db)[-1]
    assert v2.who == "ann" and v2.summary.startswith("setting as a moderator. Changes: ")
    assert "[exclusion_reasons] title_abstract: added 'wrong language'" in v2.summary
    assert "[codebook.custom_fields.setting]: added" in v2.summary
    qtbot.waitUntil(lambda: screen.history.rowCount() == 2 and "version 2" in screen.heading.text(), timeout=20_000)
    assert screen.history.item(0, 0).text() == "2 (current)" and "setting as a moderator" in \
        screen.history.item(0, 3).text()
    assert coding.settings(db).codebook.fields["setting"].canonical("Day-Clinic") == "outpatient"

    # an impossible edit is said in the window and stores nothing
    book.fields.setCurrentRow(len(book.rows) - 1)
    book.kind.setCurrentIndex(book.kind.findData("number"))
    _type(qtbot, book.minimum, "abc")
    screen.save()
    assert "Codebook: [codebook] custom_fields.setting: min must be a number" in screen.problems.text()
    assert screen.problems.isVisible()
    background.wait_all()
    assert len(protocol_store.versions(db)) == 2

    # export, then import a bad file and a good one
    out = tmp_path / "p.toml"
    screen.export_to(str(out))
    wait_idle(qtbot)
    assert out.read_text(encoding="utf-8") == current_protocol(db).text
    bad = tmp_path / "bad.toml"
    bad.write_text(out.read_text(encoding="utf-8").replace('rule = "two_agree"', 'rule = "majority"'),
                   encoding="utf-8")
    screen.import_from(str(bad))
    wait_idle(qtbot)
    assert f"{bad}: [stages] rule: unknown rule 'majority'" in screen.problems.text()
    assert len(protocol_store.versions(db)) == 2
    good = tmp_path / "good.toml"
    good.write_text(out.read_text(encoding="utf-8").replace('rule = "two_agree"', 'rule = "one_reviewer"'),
                    encoding="utf-8")
    screen.import_from(str(good))
    qtbot.waitUntil(lambda: len(protocol_store.versions(db)) == 3, timeout=20_000)
    assert protocol_of(db).rule == "one_reviewer"
    assert protocol_store.versions(db)[-1].summary == ("imported from good.toml. Changes: [stages] rule: "
                                                       "'two_agree' -> 'one_reviewer'")


def test_a_screener_cannot_save_the_protocol_and_is_told_why(qtbot, sqlite_review):
    from extraction.protocol_check import store_protocol
    from screening import team

    db = sqlite_review
    store_protocol(db, default_protocol_text(), "lea")
    team.add(db, "lea", "Lea", ["lead"])
    team.add(db, "lea", "Sam", ["screener"])
    window, screen = open_screen(qtbot, db, "protocol", "Sam")
    qtbot.waitUntil(lambda: screen.snapshot is not None, timeout=20_000)
    screen.pages[3].include.appendPlainText("therapy")
    screen.save()
    wait_idle(qtbot)
    assert "Sam may not change the review's protocol: that needs the lead role" in screen.problems.text()
    assert len(protocol_store.versions(db)) == 1


def test_edits_survive_a_teammates_version_and_saving_over_it_is_refused(qtbot, alliance_review):
    from db.changes import Topic
    from extraction.protocol_check import store_protocol

    db = alliance_review
    window, screen = open_screen(qtbot, db, "protocol", "ann")
    qtbot.waitUntil(lambda: screen.snapshot is not None, timeout=20_000)
    screen.pages[3].include.appendPlainText("therapy")
    store_protocol(db, default_protocol_text().replace('rule = "two_agree"', 'rule = "one_reviewer"'), "ann")
    window.show_screen("records")
    window.ctx.announce(Topic.PROTOCOL)
    window.show_screen("protocol")
    assert "therapy" in screen.pages[3].include.toPlainText()  # not reloaded under the person's hands
    screen.save()
    wait_idle(qtbot)
    assert "protocol version 2 was stored by someone else while you edited version 1" in screen.problems.text()
    assert len(protocol_store.versions(db)) == 2


def test_the_wizard_names_a_bad_protocol_file_and_its_key(qtbot, tmp_path):
    from gui.protocol.wizard import NewReviewWizard

    bad = tmp_path / "mine.toml"
    bad.write_text(default_protocol_text().replace("adult_age = 18", "adult_age = 4"), encoding="utf-8")
    wizard = NewReviewWizard()
    qtbot.addWidget(wizard)
    wizard.show()
    _type(qtbot, wizard.start.title_edit, "Mine")
    _type(qtbot, wizard.start.file_edit, str(bad))
    wizard.start.from_file.setChecked(True)
    wizard.next()
    assert wizard.currentPage() is wizard.start
    assert (f"{bad}: [[criterion]] adult adult_age: expected a whole number &gt;= 10"
            in wizard.start.problems.text())
    bad.write_text(default_protocol_text(), encoding="utf-8")
    wizard.next()
    assert wizard.currentPage() is wizard.editors[0]
    assert wizard.draft.data["name"] == "alliance-outcome" and wizard.title() == "Mine"


def test_the_bundled_protocol_unchanged_is_stored_word_for_word(qtbot, tmp_path):
    window = open_window(qtbot, None, "Ann")
    wizard = window.start.new_review(str(tmp_path / "alliance.metasift"))
    wizard.show()
    _type(qtbot, wizard.start.title_edit, "Alliance update 2027")
    assert wizard.start.from_bundled.isChecked() and wizard.start.bundled.currentData() == "alliance"
    for _ in wizard.editors:
        wizard.next()
    assert wizard.currentPage() is wizard.editors[-1]
    wizard.button(QWizard.WizardButton.FinishButton).click()
    qtbot.waitUntil(lambda: window.db is not None, timeout=20_000)
    wait_idle(qtbot)
    assert window.db.review().title == "Alliance update 2027"
    assert current_protocol(window.db).text == default_protocol_text()  # comments and all


def test_the_cbt_example_is_set_up_with_its_criteria_edited_in_the_window(qtbot, tmp_path):
    """The bundled CBT-for-adult-depression protocol: its criteria shown by kind, one parameter changed in the
    generic form, a codebook field added; the review is created with exactly that."""
    window = open_window(qtbot, None, "Ann")
    wizard = window.start.new_review(str(tmp_path / "cbt.metasift"))
    wizard.show()
    _type(qtbot, wizard.start.title_edit, "CBT for depression, update")
    wizard.start.bundled.setCurrentIndex(wizard.start.bundled.findData("cbt_depression"))
    for _ in range(3):
        wizard.next()
    criteria = wizard.currentPage().page
    assert [i["kind"] for i in criteria.items][:3] == ["concept", "concept", "age"]
    years = next(n for n, i in enumerate(criteria.items) if i["kind"] == "years")
    criteria.list.setCurrentRow(years)
    criteria.params["from_year"].set(1990)
    criteria.reason.setCurrentIndex(criteria.reason.findData("published before 1980"))
    wizard.next()
    wizard.next()
    book = wizard.currentPage().page
    _add_field(qtbot, book, "instrument", "Depression measure", "category", "BDI\nHAM-D", "BDI-II -> BDI")
    wizard.button(QWizard.WizardButton.FinishButton).click()
    qtbot.waitUntil(lambda: window.db is not None, timeout=20_000)
    wait_idle(qtbot)
    protocol = protocol_of(window.db)
    assert protocol.name == "cbt-depression"
    assert protocol.spec(criteria.items[years]["id"]).params["from_year"] == 1990
    assert coding.settings(window.db).codebook.fields["instrument"].canonical("bdi ii") == "BDI"


def test_a_built_in_fields_type_is_edited_and_refused_when_stored_values_would_not_fit(qtbot, alliance_review):
    """The codebook editor changes a built-in field's type, label and range; a change the coded values already
    stored would not fit is refused with a message naming the field, and nothing is stored."""
    from extraction.protocol_check import store_protocol

    db = alliance_review
    store_protocol(db, default_protocol_text() + "\n[codebook]\nrequired = []\n", "ann", "nothing required")
    (rid,) = add_records(db, ("ALL1", ["Berg, A."], 2019))
    coding.code_effect(db, rid, "ann", "r", 0.3, n=40, label="post",
                       moderators={"alliance_measure": "WAI", "alliance_session": 3})
    _window, screen = open_screen(qtbot, db, "protocol", "ann")
    qtbot.waitUntil(lambda: screen.snapshot is not None, timeout=20_000)
    book = screen.pages[-1]
    names = [r.name for r in book.rows]

    book.fields.setCurrentRow(names.index("alliance_measure"))
    assert book.kind.isEnabled() and book.label.isEnabled() and not book.name.isEnabled()
    book.kind.setCurrentIndex(book.kind.findData("integer"))
    assert book.rows[names.index("alliance_measure")].kind == "integer"
    screen.save()
    wait_idle(qtbot)
    text = screen.problems.text()
    assert "field 'alliance_measure' cannot change from choice from a list to whole number" in text
    assert "1 coded value(s) stored would not fit" in text and "'WAI' is not a number" in text
    assert "Nothing was stored" in text and len(protocol_store.versions(db)) == 2

    book.kind.setCurrentIndex(book.kind.findData("category"))  # back, and a change the values fit
    book.fields.setCurrentRow(names.index("alliance_session"))
    book.kind.setCurrentIndex(book.kind.findData("number"))
    _type(qtbot, book.label, "Alliance session")
    _type(qtbot, book.maximum, "40")
    _type(qtbot, screen.summary, "session as a number up to 40")
    screen.save()
    qtbot.waitUntil(lambda: len(protocol_store.versions(db)) == 3, timeout=20_000)
    wait_idle(qtbot)
    assert "[codebook.redefine.alliance_session]: added" in protocol_store.versions(db)[-1].summary
    field = coding.settings(db).codebook.fields["alliance_session"]
    assert (field.kind, field.label, field.minimum, field.maximum, field.builtin) == (
        "number", "Alliance session", 1, 40, True)
    assert field.check(41) is not None and field.check(2.5) is None
    assert coding.settings(db).codebook.fields["alliance_measure"].kind == "category"
