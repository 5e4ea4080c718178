"""The rule that keeps segments categories: which columns are identifier-like, by header, by the
shape of their values, or by a value of their own on (nearly) every row."""

from __future__ import annotations

import pytest

from appliance.contacts import identifiers
from appliance.contacts.identifiers import NotACategory
from appliance.contacts.mapping import Mapping, segment_refusal


def findings(values: list[str], header: str = "Kenmerk") -> list[identifiers.Finding]:
    """The check's verdict on one segment column holding ``values`` (one per row)."""
    mapping = Mapping.build(["E-mail", header], ["field:email", "segment:kenmerk"])
    rows = [[f"p{i}@example.nl", value] for i, value in enumerate(values)]
    return identifiers.check(mapping, rows)


def reasons(values: list[str], header: str = "Kenmerk") -> list[str]:
    return [f.reason for f in findings(values, header)]


@pytest.mark.parametrize(
    "header",
    [
        "Klantnummer",
        "klantnr.",
        "Klant-ID",
        "CustomerID",
        "customer id",
        "Customer number",
        "Debiteurnummer",
        "Relatienummer",
        "relatie nr",
        "Account",
        "Accountnummer",
        "Lidnummer",
        "Contractnummer",
        "ID",
        "KvK-nummer",
        "Ordernummer",
        "Kenteken",
    ],
)
def test_a_header_that_names_an_identifier_cannot_be_a_segment(header):
    assert segment_refusal(header) == identifiers.NAMES_IDENTIFIER
    with pytest.raises(NotACategory) as refused:
        Mapping.build(["E-mail", header], ["field:email", "segment:x"])
    (finding,) = refused.value.findings
    assert finding.column == header and header in str(refused.value)


@pytest.mark.parametrize(
    "header", ["E-mailadres", "Telefoon", "Mobiel", "Postcode", "Naam", "Achternaam", "Adres"]
)
def test_a_header_of_identifying_contact_details_cannot_be_a_segment(header):
    assert segment_refusal(header) == identifiers.NAMES_CONTACT_DETAILS
    with pytest.raises(NotACategory):
        Mapping.build(["Mail", header], ["field:email", "segment:x"])


@pytest.mark.parametrize(
    "header",
    ["Regio", "Vestiging", "Klanttype", "Klantsoort", "Account manager", "Plaats", "Land", "Taal"],
)
def test_category_headers_may_be_segments(header):
    assert segment_refusal(header) is None
    Mapping.build(["E-mail", header], ["field:email", "segment:x"])


def test_a_column_of_e_mail_addresses_is_refused():
    values = [f"iemand{i % 3}@example.nl" for i in range(30)]
    assert reasons(values) == [identifiers.LOOKS_LIKE["email"]]


def test_customer_numbers_like_k_100203_are_refused_even_when_they_repeat():
    # A B2B customer number shared by the contacts of one company still names the company.
    values = [f"K-{100200 + i % 4}" for i in range(40)]
    assert reasons(values) == [identifiers.LOOKS_LIKE["account"]]
    assert reasons(["100203", "K100204", "KL-100205", "100206"]) == [
        identifiers.LOOKS_LIKE["account"]
    ]


def test_dutch_postcodes_are_refused():
    values = ["1234 AB", "1234AB", "3512 jk", "1234 AB"] * 5
    assert reasons(values) == [identifiers.LOOKS_LIKE["postcode"]]


def test_phone_numbers_are_refused():
    values = ["06-12345678", "020 123 4567", "+31 6 1234 5678", "0612345678"] * 3
    assert reasons(values) == [identifiers.LOOKS_LIKE["phone"]]


def test_bank_account_numbers_are_refused():
    values = ["NL91 ABNA 0417 1643 00", "NL91ABNA0417164300", "DE89370400440532013000"]
    assert reasons(values) == [identifiers.LOOKS_LIKE["iban"]]


def test_a_shape_refuses_only_when_most_values_have_it():
    # Two postcodes among three region names is no postcode column (nor all distinct).
    values = ["Noord", "Zuid", "Oost", "1234 AB", "3512 JK"] * 10
    assert reasons(values) == []
    assert reasons(["Noord", "1234 AB", "3512 JK"] * 10) == [identifiers.LOOKS_LIKE["postcode"]]


def test_a_distinct_value_on_every_row_is_refused():
    values = [f"x{i:04x}q" for i in range(200)]
    (finding,) = findings(values)
    assert finding.reason == identifiers.NEARLY_UNIQUE
    assert finding.variables == {"column": "Kenmerk", "distinct": 200, "values": 200}


def test_nearly_every_row_distinct_is_refused_and_the_boundary_is_ninety_percent():
    # 200 values: more than 180 distinct is refused, 180 is not.
    refused = [f"v{i}" for i in range(181)] + ["v0"] * 19
    accepted = [f"v{i}" for i in range(180)] + ["v0"] * 20
    assert reasons(refused) == [identifiers.NEARLY_UNIQUE]
    assert reasons(accepted) == []


def test_small_files_ten_towns_in_ten_rows_are_refused():
    towns = ["Zwolle", "Deventer", "Utrecht", "Assen", "Emmen", "Breda", "Delft", "Ede", "Epe"]
    assert reasons([*towns, "Urk"], header="Regio") == [identifiers.NEARLY_UNIQUE]
    assert reasons(towns[:8], header="Regio") == [identifiers.NEARLY_UNIQUE]
    assert reasons(towns[:5], header="Regio") == [identifiers.NEARLY_UNIQUE]


def test_fewer_than_five_values_are_not_judged_by_their_distinctness():
    assert reasons(["Noord", "Zuid", "Oost", "West"], header="Regio") == []
    assert reasons(["Zwolle"], header="Vestiging") == []


def test_empty_cells_do_not_count():
    values = ["Noord", "", "Zuid", " ", "Noord"] * 40 + ["", ""] * 100
    assert reasons(values, header="Regio") == []
    # Five people with a value each, all different, among many without: still one value each.
    assert reasons(["a1", "b2", "c3", "d4", "e5"] + [""] * 500) == [identifiers.NEARLY_UNIQUE]


def test_a_real_category_is_accepted():
    values = [["Noord", "Zuid", "Oost", "West"][i % 4] for i in range(200)]
    assert reasons(values, header="Regio") == []


def test_more_than_ten_thousand_different_values_is_no_category():
    values = [f"w{i}" for i in range(identifiers.MAX_DISTINCT + 1)] * 2
    assert reasons(values) == [identifiers.TOO_MANY_VALUES]


def test_every_refused_column_is_named_and_other_columns_are_not():
    mapping = Mapping.build(
        ["E-mail", "Regio", "Code", "Gebied"],
        ["field:email", "segment:regio", "segment:code", "segment:gebied"],
    )
    rows = [[f"p{i}@example.nl", "Noord", f"K-{100000 + i}", "1234 AB"] for i in range(50)]
    found = identifiers.check(mapping, rows)
    assert [f.column for f in found] == ["Code", "Gebied"]


def test_a_refusal_survives_being_stored_as_a_batch_message():
    counts = {"distinct": 9, "values": 9}
    refused = NotACategory(
        [
            identifiers.Finding("Code", identifiers.NEARLY_UNIQUE, counts),
            identifiers.Finding("Klant-ID", identifiers.NAMES_IDENTIFIER),
        ]
    )
    stored = refused.stored()
    assert identifiers.stored_reasons(stored) == [
        (identifiers.NEARLY_UNIQUE, {"column": "Code", **counts}),
        (identifiers.NAMES_IDENTIFIER, {"column": "Klant-ID"}),
    ]
    assert identifiers.stored_text(stored) == str(refused)
    assert identifiers.stored_reasons("unexpected error") == [("unexpected error", {})]
    assert identifiers.stored_text("line 5: 100% wrong") == "line 5: 100% wrong"
