"""Dutch and English salutations on a table of real-looking names."""

from __future__ import annotations

import pytest

from appliance.mailing.salutation import Person, salutation, split_infix

P = Person


@pytest.mark.parametrize(
    ("person", "language", "style", "fallback", "expected"),
    [
        # formal, gender known: the infix gets a capital when no first name precedes it
        (P("Jan", "", "Jansen", "man"), "nl", "formal", "formal", "Geachte heer Jansen,"),
        (P("Els", "de", "Vries", "woman"), "nl", "formal", "formal", "Geachte mevrouw De Vries,"),
        (P("", "van der", "Berg", "man"), "nl", "formal", "formal", "Geachte heer Van der Berg,"),
        (
            P("Anna", "", "van den Heuvel", "woman"),
            "nl",
            "formal",
            "formal",
            "Geachte mevrouw Van den Heuvel,",
        ),
        (P("Kees", "Van", "Dijk", "man"), "nl", "formal", "formal", "Geachte heer Van Dijk,"),
        (
            P("Ria", "", "Jansen-de Vries", "woman"),
            "nl",
            "formal",
            "formal",
            "Geachte mevrouw Jansen-de Vries,",
        ),
        (P("Bram", "ter", "Horst", "man"), "nl", "formal", "formal", "Geachte heer Ter Horst,"),
        # gender unknown: neutral, with the infix in lower case after the first name
        (P("Sam", "de", "Vries"), "nl", "formal", "formal", "Beste Sam de Vries,"),
        (P("Sam", "De", "Vries"), "nl", "formal", "formal", "Beste Sam de Vries,"),
        (P("Noor", "", "van Leeuwen"), "nl", "formal", "formal", "Beste Noor van Leeuwen,"),
        (P("", "de", "Wit"), "nl", "formal", "formal", "Geachte heer/mevrouw De Wit,"),
        # no name at all: the template's fallback
        (P(), "nl", "formal", "formal", "Geachte heer/mevrouw,"),
        (P(), "nl", "formal", "customer", "Beste klant,"),
        (P(gender="woman"), "nl", "formal", "customer", "Beste klant,"),
        (P("Mo"), "nl", "formal", "formal", "Beste Mo,"),
        # informal
        (P("Jan", "", "Jansen", "man"), "nl", "informal", "formal", "Beste Jan,"),
        (P("", "de", "Vries", "woman"), "nl", "informal", "formal", "Beste mevrouw De Vries,"),
        (P("", "", "Bakker", "man"), "nl", "informal", "formal", "Beste meneer Bakker,"),
        (P(), "nl", "informal", "customer", "Beste klant,"),
        # English
        (P("Jan", "", "Jansen", "man"), "en", "formal", "formal", "Dear Mr Jansen,"),
        (P("Els", "de", "Vries", "woman"), "en", "formal", "formal", "Dear Ms De Vries,"),
        (P("Sam", "de", "Vries"), "en", "formal", "formal", "Dear Sam de Vries,"),
        (P("", "", "Smith"), "en", "formal", "formal", "Dear Mr/Ms Smith,"),
        (P(), "en", "formal", "formal", "Dear Sir or Madam,"),
        (P(), "en", "formal", "customer", "Dear customer,"),
        (P("Jan", "", "Jansen", "man"), "en", "informal", "formal", "Dear Jan,"),
    ],
)
def test_salutations(person, language, style, fallback, expected):
    assert salutation(person, language, style, fallback) == expected


def test_infix_words_are_split_off_the_last_name_but_a_lone_word_stays():
    assert split_infix("", "van der Berg") == ("van der", "Berg")
    assert split_infix("", "de Vries") == ("de", "Vries")
    assert split_infix("", "Van") == ("", "Van")  # a surname that happens to be an infix word
    assert split_infix("van", "der Berg") == ("van der", "Berg")
