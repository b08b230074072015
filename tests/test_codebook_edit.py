"""The codebook as the editor's rows and back, and an edited codebook (a new protocol version) followed by coding,
double coding and the export without code changes."""

from __future__ import annotations

import pytest

from db.errors import InputError
from extraction.codebook import Codebook
from extraction.codebook_edit import FieldRow, blank_codebook, codebook_table, field_rows, parse_synonyms
from extraction.coding import code_effect
from extraction.double_coding import agreement, disagreements
from extraction.export_frames import effects_frame
from extraction.protocol_check import store_protocol
from screening.protocol import default_protocol_text
from screening.protocol_edit import blank_protocol, protocol_data, protocol_text
from tests.test_double_coding import add_records


def test_rows_round_trip_through_the_codebook_table() -> None:
    table = {"required": ["alliance_measure", "treatment"], "omit": ["language"],
             "values": {"outcome_measure": ["HAM-D"]}, "aliases": {"outcome_measure": {"Hamilton": "HAM-D"}},
             "custom_fields": {"blinded": {"type": "yes_no", "label": "Assessors blinded", "help": "blind?"},
                               "dose": {"type": "integer", "min": 1, "max": 40, "required": True}}}
    rows = field_rows(table)
    by = {r.name: r for r in rows}
    assert by["language"].omitted and by["alliance_measure"].required and not by["alliance_rater"].required
    assert "HAM-D" in by["outcome_measure"].values and by["outcome_measure"].synonyms["Hamilton"] == "HAM-D"
    assert by["outcome_measure"].synonyms["BDI-II"] == "BDI"  # the built-in synonyms are shown too
    assert (by["dose"].minimum, by["dose"].maximum, by["dose"].required) == (1, 40, True)
    again = codebook_table(rows)
    assert again == table
    assert Codebook.from_protocol(again).fields.keys() == Codebook.from_protocol(table).fields.keys()
    assert codebook_table(field_rows({})) == {}  # the alliance codebook unchanged: nothing written


def test_a_blank_template_is_a_valid_protocol_with_only_the_core_fields() -> None:
    data = blank_protocol("CBT for adult depression", blank_codebook())
    book = Codebook.from_protocol(protocol_data(protocol_text(data))["codebook"])
    assert [f for f in book.fields if not book.fields[f].builtin] == []
    assert {n for n, f in book.fields.items() if f.required} == {"study_id", "r", "n"}
    assert data["name"] == "cbt-for-adult-depression"


def test_synonyms_typed_one_a_line() -> None:
    assert parse_synonyms("BDI-II -> BDI\n\nHamilton = HAM-D\n  odd line ") == {
        "BDI-II": "BDI", "Hamilton": "HAM-D", "odd line": ""}
    rows = [FieldRow("instrument", "category", values=["BDI"], synonyms=parse_synonyms("odd line"))]
    with pytest.raises(InputError, match="aliases must map to listed values"):
        Codebook.from_protocol(codebook_table(rows))


def test_an_edited_codebook_is_followed_by_coding_double_coding_and_export(review) -> None:
    """A new protocol version adds a choice field (BDI-II -> BDI) and a yes/no field; two coders code with
    them, their disagreement and kappa cover the new fields, the export has them as columns."""
    store_protocol(review, default_protocol_text(), "ann")
    text = default_protocol_text() + (
        '\n[codebook]\nrequired = []\n[codebook.custom_fields.instrument]\ntype = "category"\n'
        'label = "Depression measure"\nvalues = ["BDI", "HAM-D"]\naliases = {"BDI-II" = "BDI"}\nrequired = true\n'
        '[codebook.custom_fields.blinded]\ntype = "yes_no"\n')
    v2 = store_protocol(review, text, "ann", "depression measure and blinding")
    (rid,) = add_records(review, 1)
    code_effect(review, rid, "ann", "r", 0.3, n=40, label="post", moderators={"instrument": "BDI-II",
                                                                             "blinded": "Yes"})
    code_effect(review, rid, "bob", "r", 0.3, n=40, label="post", moderators={"instrument": "BDI",
                                                                             "blinded": "no"})
    with pytest.raises(InputError, match="missing required field 'instrument'"):
        code_effect(review, rid, "cat", "r", 0.3, n=40, label="post")
    diff = {d.field: d.values for d in disagreements(review)}
    assert diff == {"blinded": {"ann": "yes", "bob": "no"}}
    (pair,) = agreement(review)
    assert pair.fields["instrument"].percent == 100.0 and pair.fields["blinded"].percent == 0.0
    frame = effects_frame(review)
    assert list(frame["instrument"]) == ["BDI", "BDI"] and sorted(frame["blinded"]) == ["no", "yes"]
    assert set(frame["protocol_version"]) == {v2.version}


def test_a_built_in_field_is_redefined_and_read_back() -> None:
    rows = field_rows({})
    row = next(r for r in rows if r.name == "alliance_time")
    row.kind, row.label = "text", "When the alliance was rated"
    table = codebook_table(rows)
    assert table == {"redefine": {"alliance_time": {"type": "text", "label": "When the alliance was rated",
                                                    "help": "when the alliance was assessed"}}}
    book = Codebook.from_protocol(table)
    f = book.fields["alliance_time"]
    assert (f.kind, f.title, f.builtin) == ("text", "When the alliance was rated", True)
    assert codebook_table(field_rows(table)) == table  # what the editor shows is what it writes
    # adding values and synonyms to a built-in choice stays a small addition, not a redefinition
    rows = field_rows({})
    row = next(r for r in rows if r.name == "alliance_measure")
    row.values.append("STA")
    assert "redefine" not in codebook_table(rows) and codebook_table(rows)["values"] == {"alliance_measure": ["STA"]}


@pytest.mark.parametrize("table,message", [
    ({"redefine": {"r": {"type": "text"}}}, "redefine: 'r' is not a built-in moderator"),
    ({"redefine": {"setting": {"type": "text"}}}, "redefine: 'setting' is not a built-in moderator"),
    ({"omit": ["alliance_time"], "redefine": {"alliance_time": {"type": "text"}}}, "'alliance_time' is left out"),
    ({"redefine": {"alliance_time": {"type": "text", "required": True}}}, "required is set by [codebook] required"),
    ({"redefine": {"alliance_time": {"type": "date"}}}, "redefine.alliance_time: type must be one of"),
])
def test_a_bad_redefinition_is_named(table, message) -> None:
    with pytest.raises(InputError) as exc:
        Codebook.from_protocol(table, where="p.toml")
    assert message in str(exc.value)


def test_storing_a_type_change_that_stored_values_would_not_fit_is_refused(review) -> None:
    base = default_protocol_text() + "\n[codebook]\nrequired = []\n"
    store_protocol(review, base, "ann")
    (rid,) = add_records(review, 1)
    code_effect(review, rid, "ann", "r", 0.3, n=40, label="post", moderators={"alliance_session": 3})
    fits = base + '[codebook.redefine.alliance_session]\ntype = "text"\n'
    clash = base + '[codebook.redefine.alliance_session]\ntype = "category"\nvalues = ["early", "late"]\n'
    with pytest.raises(InputError) as exc:
        store_protocol(review, clash, "ann", where="clash.toml")
    assert "field 'alliance_session' cannot change from whole number to choice from a list" in str(exc.value)
    assert "effect #" in str(exc.value) and "clash.toml" in str(exc.value)
    v2 = store_protocol(review, fits, "ann", "session as text")
    assert v2.version == 2
