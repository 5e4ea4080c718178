"""Field rules on real-looking Dutch values, and header suggestions."""

from __future__ import annotations

import pytest

from appliance.contacts import fields
from appliance.contacts.mapping import split_full_name, suggest


@pytest.mark.parametrize(
    ("raw", "gender"),
    [
        ("Dhr.", "man"),
        ("de heer", "man"),
        ("M", "man"),
        ("Mevr.", "woman"),
        ("mevrouw", "woman"),
        ("V", "woman"),
        ("onbekend", "unknown"),
        ("X", "unknown"),
        ("Mr.", "man"),
        ("Ms", "woman"),
    ],
)
def test_salutations_and_gender_words(raw, gender):
    assert fields.gender(raw) == gender


def test_an_unknown_gender_word_is_refused():
    with pytest.raises(fields.Invalid):
        fields.gender("professor")


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("1234ab", "NL", "1234 AB"),
        ("1234 AB", "", "1234 AB"),
        ("B-1000", "België", "B-1000"),
        ("10115", "", "10115"),
    ],
)
def test_postcodes(raw, country, expected):
    assert fields.postcode(raw, country) == expected


def test_a_bad_dutch_postcode_is_refused():
    with pytest.raises(fields.Invalid, match="Dutch postcode"):
        fields.postcode("0123 AB", "Nederland")


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("06-12345678", "", "+31612345678"),
        ("020 - 123 45 67", "NL", "+31201234567"),
        ("+32 2 123 45 67", "België", "+3221234567"),
        ("123 456 789", "Narnia", "123 456 789"),
    ],
)
def test_phone_numbers_become_e164_where_possible(raw, country, expected):
    assert fields.phone(raw, country) == expected


@pytest.mark.parametrize("raw", ["n.v.t.", "12", "bel me maar"])
def test_things_that_are_no_phone_number_are_refused(raw):
    with pytest.raises(fields.Invalid):
        fields.phone(raw, "")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Jan.Jansen@Example.NL", "Jan.Jansen@example.nl"),
        ("INFO@example.nl", "info@example.nl"),
        ("piet@bücher.de", "piet@bücher.de"),
    ],
)
def test_email_normal_form(raw, expected):
    assert fields.email(raw) == expected


@pytest.mark.parametrize(
    "raw", ["jan@", "jan@example", "jan..j@example.nl", "jan@x.test", "a b@example.nl"]
)
def test_bad_addresses_are_refused(raw):
    with pytest.raises(fields.Invalid):
        fields.email(raw)


@pytest.mark.parametrize(
    ("full", "parts"),
    [
        ("Jan van der Berg", ("Jan", "van der", "Berg")),
        ("Els de Vries", ("Els", "de", "Vries")),
        ("Mo in 't Veld", ("Mo", "in 't", "Veld")),
        ("Smit", ("", "", "Smit")),
        ("Anna Maria Jansen", ("Anna", "", "Maria Jansen")),
    ],
)
def test_full_names_split_on_dutch_infixes(full, parts):
    assert split_full_name(full) == parts


def test_dutch_and_english_headers_are_recognised():
    headers = [
        "E-mailadres",
        "Voornaam",
        "Tussenvoegsel",
        "Achternaam",
        "Aanhef",
        "Straat",
        "Huisnummer",
        "Postcode",
        "Woonplaats",
        "Mobiel",
        "Taal",
        "Branche",
        "BSN",
    ]
    assert suggest(headers) == [
        "field:email",
        "field:first_name",
        "field:infix",
        "field:last_name",
        "field:gender",
        "field:street",
        "field:house_number",
        "field:postcode",
        "field:town",
        "field:phone",
        "field:language",
        "drop",
        "drop",
    ]


@pytest.mark.parametrize("name", ["Jan\x85Bcc", "Jan\u2028Bcc: x@y.nl", "O\x92Brien"])
def test_names_with_any_line_break_or_c1_control_are_refused(name):
    with pytest.raises(fields.Invalid):
        fields.name(name)


@pytest.mark.parametrize("value", ["werk@example.nl", "06 1234 5678", "x" * 61])
def test_segment_values_are_short_categories_not_personal_data(value):
    with pytest.raises(fields.Invalid):
        fields.segment(value)


@pytest.mark.parametrize(
    "header",
    [
        "Nationality",
        "Geboortedatum",
        "Verjaardag",
        "DOB",
        "Levensbeschouwing",
        "Allergieën",
        "Rijbewijsnummer",
    ],
)
def test_more_special_category_headers_are_always_dropped(header):
    from appliance.contacts.mapping import forbidden

    assert forbidden(header)


def test_segment_labels_are_valid_names_for_any_header():
    from appliance.contacts.mapping import Mapping, segment_label

    headers = ["email", "Klant type (B2B/B2C)", "R&D #", "'s-Hertogenbosch"]
    labels = [segment_label(h) for h in headers[1:]]
    assert labels[0] == "klant type b2b b2c"
    Mapping.build(headers, ["field:email", *(f"segment:{label}" for label in labels)])
