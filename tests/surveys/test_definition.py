"""Questionnaire definitions: templates, checks with a place for each problem, safe edits."""

from __future__ import annotations

import copy

import pytest

from appliance.surveys.answers import check
from appliance.surveys.definition import Definition, DefinitionError, breaking_changes
from appliance.surveys.templates import TEMPLATES


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_every_template_is_a_valid_bilingual_definition(name):
    definition = Definition.parse(TEMPLATES[name])
    assert definition.languages == ("nl", "en") and definition.anonymous
    assert Definition.parse(definition.to_json()) == definition  # round trip


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda d: d.update(languages=["de"]), "languages"),
        (lambda d: d["title"].pop("en"), "title.en"),
        (
            lambda d: d["pages"][0]["questions"][0].update(type="slider"),
            "pages[0].questions[0].type",
        ),
        (lambda d: d["pages"][0]["questions"][1].update(id="nps"), "pages[0].questions[1].id"),
        (lambda d: d["pages"][0]["questions"][2].update(na=True), "pages[0].questions[2].na"),
        (
            lambda d: d["pages"][0]["questions"][0].update(
                show_if={"question": "grade", "in": ["8"]}
            ),
            "pages[0].questions[0].show_if",
        ),
        (
            lambda d: d["pages"][0]["questions"][1].update(
                show_if={"question": "nps", "in": ["11"]}
            ),
            "pages[0].questions[1].show_if",
        ),
    ],
)
def test_a_bad_definition_names_the_place(change, where):
    data = copy.deepcopy(TEMPLATES["customer_satisfaction"])
    change(data)
    with pytest.raises(DefinitionError) as info:
        Definition.parse(data)
    assert info.value.where == where


def _with(change):
    data = copy.deepcopy(TEMPLATES["employee_satisfaction"])
    change(data)
    return Definition.parse(data)


def test_wording_may_change_after_responses_but_structure_may_not():
    old = Definition.parse(TEMPLATES["employee_satisfaction"])
    reworded = _with(lambda d: d["pages"][0]["questions"][1]["text"].update(nl="Uw cijfer?"))
    assert breaking_changes(old, reworded) == []
    added = _with(
        lambda d: d["pages"][0]["questions"].append(
            {"id": "extra", "type": "yesno", "text": {"nl": "Ja?", "en": "Yes?"}}
        )
    )
    assert breaking_changes(old, added) == []
    removed = _with(lambda d: d["pages"][0]["questions"].pop(3))
    assert [qid for qid, _ in breaking_changes(old, removed)] == ["improve"]
    retyped = _with(lambda d: d["pages"][0]["questions"][1].update(type="rating"))
    assert [qid for qid, _ in breaking_changes(old, retyped)] == ["grade"]
    rescaled = _with(lambda d: d["pages"][0]["questions"][0].update(scale=[1, 7]))
    assert [qid for qid, _ in breaking_changes(old, rescaled)] == ["statements"]
    fewer_items = _with(lambda d: d["pages"][0]["questions"][0]["items"].pop())
    assert [qid for qid, _ in breaking_changes(old, fewer_items)] == ["statements"]


CONDITIONAL = {
    "languages": ["nl"],
    "title": {"nl": "Test"},
    "pages": [
        {
            "id": "p1",
            "questions": [
                {"id": "nps", "type": "nps", "required": True, "text": {"nl": "NPS"}},
                {
                    "id": "why_low",
                    "type": "text_short",
                    "required": True,
                    "text": {"nl": "Waarom?"},
                    "show_if": {"question": "nps", "in": ["0", "1", "2", "3", "4", "5", "6"]},
                },
                {
                    "id": "topics",
                    "type": "multiple",
                    "na": True,
                    "text": {"nl": "Onderwerpen"},
                    "choices": [
                        {"value": "prijs", "label": {"nl": "Prijs"}},
                        {"value": "service", "label": {"nl": "Service"}},
                    ],
                },
                {
                    "id": "m",
                    "type": "matrix",
                    "required": True,
                    "na": True,
                    "text": {"nl": "M"},
                    "items": [
                        {"value": "a", "label": {"nl": "A"}},
                        {"value": "b", "label": {"nl": "B"}},
                    ],
                },
            ],
        },
        {
            "id": "p2",
            "show_if": {"question": "topics", "in": ["prijs"]},
            "questions": [
                {"id": "price", "type": "rating", "required": True, "text": {"nl": "Prijs?"}},
            ],
        },
    ],
}


def test_answers_are_checked_against_the_questions_shown():
    definition = Definition.parse(CONDITIONAL)
    promoter = check(
        definition, {"nps": ["9"], "why_low": ["crafted"], "m.a": ["3"], "m.b": ["na"]}
    )
    assert promoter.ok and promoter.answers == {"nps": "9", "m": {"a": "3", "b": "na"}}
    detractor = check(definition, {"nps": ["3"], "m.a": ["1"]})
    assert detractor.errors == {"why_low": "this question needs an answer", "m": "answer every row"}
    priced = check(
        definition, {"nps": ["8"], "topics": ["prijs", "service"], "m.a": ["1"], "m.b": ["2"]}
    )
    assert priced.errors == {"price": "this question needs an answer"}


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ({"nps": ["11"]}, "choose one of the given answers"),
        ({"nps": ["9", "10"]}, "choose one of the given answers"),
        ({"nps": ["9"], "topics": ["na", "prijs"]}, "'not applicable' cannot be combined"),
        ({"nps": ["9"], "topics": ["korting"]}, "choose from the given answers"),
    ],
)
def test_answers_outside_the_options_are_refused(raw, error):
    result = check(Definition.parse(CONDITIONAL), {**raw, "m.a": ["1"], "m.b": ["1"]})
    assert any(message.startswith(error) for message in result.errors.values())


def test_open_answers_lose_control_characters_but_keep_line_breaks():
    definition = Definition.parse(
        {
            "languages": ["nl"],
            "title": {"nl": "T"},
            "pages": [
                {
                    "id": "p1",
                    "questions": [
                        {"id": "why", "type": "text_long", "required": True, "text": {"nl": "?"}}
                    ],
                }
            ],
        }
    )
    checked = check(definition, {"why": ["eerste\r\nregel\x0b\x1b[31m\tklaar\x00"]})
    assert checked.answers == {"why": "eerste\nregel[31m\tklaar"}
    assert check(definition, {"why": ["\x00\x07"]}).errors == {
        "why": "this question needs an answer"
    }
