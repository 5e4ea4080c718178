"""The questionnaire builder: staff build and change a questionnaire through forms, and the
rules that protect collected answers hold there as they do for the JSON editor."""

from __future__ import annotations

import json

import pytest

from appliance.auth.service import CLI
from appliance.surveys import builder, service, store
from appliance.surveys.definition import Definition
from tests.factories import submit_response


@pytest.fixture
def survey_id(conn):
    return service.create_from_template(conn, CLI, "customer_satisfaction")


def data_of(conn, survey_id) -> dict:
    return json.loads(store.get_survey(conn, survey_id)["definition"])


def question(data, qid) -> dict:
    return builder.question_of(data, qid)


def test_staff_add_a_choice_question_and_give_it_options_in_both_languages(
    as_role, conn, data_dir, survey_id
):
    staff = as_role("staff")
    page = staff.post(
        f"/surveys/{survey_id}/questions",
        {"type": "single", "text": "Hoe kwam u bij ons?", "page": "main"},
    )
    assert page.status_code == 302 and "/questions/q1" in page.headers["Location"]
    form = staff.get(f"/surveys/{survey_id}/questions/q1").get_data(as_text=True)
    assert "Optie 1" in form and "Option 1" in form
    saved = staff.post(
        f"/surveys/{survey_id}/questions/q1",
        {
            "text_nl": "Hoe kwam u bij ons?",
            "text_en": "How did you find us?",
            "required": "1",
            "options_nl": "Via een vriend\nVia internet\n\nAdvertentie",
            "options_en": "A friend\nThe internet\nAn advert",
        },
    )
    assert saved.status_code == 302
    q = question(data_of(conn, survey_id), "q1")
    assert q["required"] is True
    assert [c["label"]["en"] for c in q["choices"]] == ["A friend", "The internet", "An advert"]
    # Three lines for two placeholder options: all new, with values from their Dutch labels.
    assert [c["value"] for c in q["choices"]] == ["via_een_vriend", "via_internet", "advertentie"]
    preview = staff.get(f"/surveys/{survey_id}/preview?lang=en").get_data(as_text=True)
    assert "How did you find us?" in preview and "The internet" in preview


def test_a_mismatch_between_languages_is_explained_and_nothing_is_saved(as_role, conn, survey_id):
    staff = as_role("staff")
    staff.post(f"/surveys/{survey_id}/questions", {"type": "single", "text": "Kanaal?", "page": ""})
    before = data_of(conn, survey_id)
    page = staff.post(
        f"/surveys/{survey_id}/questions/q1",
        {"text_nl": "Kanaal?", "text_en": "Channel?", "options_nl": "A\nB", "options_en": "A"},
    )
    assert page.status_code == 400
    assert "same number of lines" in page.get_data(as_text=True)
    assert data_of(conn, survey_id) == before
    # The page shows what was typed, so nothing typed is lost.
    assert "Channel?" in page.get_data(as_text=True)


def test_fixing_an_option_typo_keeps_its_value_but_removing_one_is_refused_once_answered(
    as_role, conn, data_dir, survey_id
):
    staff = as_role("staff")
    staff.post(f"/surveys/{survey_id}/questions", {"type": "single", "text": "Kanaal?", "page": ""})
    staff.post(
        f"/surveys/{survey_id}/questions/q1",
        {
            "text_nl": "Kanaal?",
            "text_en": "Channel?",
            "options_nl": "Winkle\nWeb",
            "options_en": "",
        },
    )
    values = [c["value"] for c in question(data_of(conn, survey_id), "q1")["choices"]]
    submit_response(conn, data_dir, survey_id, {"q1": values[0]})
    staff.post(
        f"/surveys/{survey_id}/questions/q1",
        {
            "text_nl": "Kanaal?",
            "text_en": "Channel?",
            "options_nl": "Winkel\nWeb",
            "options_en": "",
        },
    )
    q = question(data_of(conn, survey_id), "q1")
    assert [(c["value"], c["label"]["nl"]) for c in q["choices"]] == [
        (values[0], "Winkel"),
        (values[1], "Web"),
    ]
    refused = staff.post(
        f"/surveys/{survey_id}/questions/q1",
        {"text_nl": "Kanaal?", "text_en": "Channel?", "options_nl": "Web", "options_en": ""},
    )
    assert refused.status_code == 400
    assert "cannot be removed" in refused.get_data(as_text=True)
    assert len(question(data_of(conn, survey_id), "q1")["choices"]) == 2


def test_questions_move_within_and_across_pages_and_empty_pages_disappear(conn, survey_id):
    data = data_of(conn, survey_id)
    data, qid = builder.add_question(data, "", "yesno", "Terugkomen?")
    assert len(data["pages"]) == 2
    first_ids = [q["id"] for q in data["pages"][0]["questions"]]
    moved = builder.move_question(data, qid, -1)
    assert len(moved["pages"]) == 1
    assert [q["id"] for q in moved["pages"][0]["questions"]] == [*first_ids, qid]
    moved = builder.move_question(moved, qid, -1)
    assert [q["id"] for q in moved["pages"][0]["questions"]][-2:] == [qid, first_ids[-1]]
    Definition.parse(moved)


def test_removing_the_last_question_is_refused(as_role, conn):
    survey_id = service.create_from_template(conn, CLI, "nps")
    data = data_of(conn, survey_id)
    for q in [q["id"] for page in data["pages"] for q in page["questions"]][1:]:
        as_role("staff").post(f"/surveys/{survey_id}/questions/{q}/delete")
    last = data_of(conn, survey_id)["pages"][0]["questions"][0]["id"]
    as_role("staff").post(f"/surveys/{survey_id}/questions/{last}/delete")
    assert data_of(conn, survey_id)["pages"][0]["questions"][0]["id"] == last


def test_a_condition_is_set_through_the_form_and_checked(as_role, conn, survey_id):
    staff = as_role("staff")
    staff.post(f"/surveys/{survey_id}/questions", {"type": "text_long", "text": "Waarom?"})
    staff.post(
        f"/surveys/{survey_id}/questions/q1",
        {
            "text_nl": "Waarom?",
            "text_en": "Why?",
            "show_if_question": "nps",
            "show_if_values": "11",
        },
    )
    assert "show_if" not in question(data_of(conn, survey_id), "q1")
    staff.post(
        f"/surveys/{survey_id}/questions/q1",
        {
            "text_nl": "Waarom?",
            "text_en": "Why?",
            "show_if_question": "nps",
            "show_if_values": "0, 1, 2",
        },
    )
    assert question(data_of(conn, survey_id), "q1")["show_if"] == {
        "question": "nps",
        "in": ["0", "1", "2"],
    }


def test_adding_a_language_copies_texts_and_says_so(as_role, conn):
    survey_id = service.create_from_template(conn, CLI, "nps")
    service.update_definition(
        conn, CLI, survey_id, {**data_of(conn, survey_id), "languages": ["nl"]}
    )
    staff = as_role("staff")
    done = staff.post(
        f"/surveys/{survey_id}/general",
        {"languages": ["nl", "en"], "title_nl": "Onze service", "anonymous": "1"},
        follow_redirects=True,
    )
    assert "translate every question" in done.get_data(as_text=True)
    data = data_of(conn, survey_id)
    assert data["languages"] == ["nl", "en"] and data["title"]["en"] == "Onze service"


def test_anonymity_cannot_change_once_the_survey_has_been_open(as_role, conn, survey_id):
    service.change_status(conn, CLI, survey_id, "open")
    data = data_of(conn, survey_id)
    page = as_role("staff").post(
        f"/surveys/{survey_id}/general",
        {"languages": data["languages"], **{f"title_{k}": v for k, v in data["title"].items()}},
        follow_redirects=True,
    )
    assert "anonymity of a survey cannot change once it has been open" in page.get_data(
        as_text=True
    )
    assert data_of(conn, survey_id)["anonymous"] is True


def test_inserting_an_option_while_fixing_another_never_moves_answers(
    as_role, conn, data_dir, survey_id
):
    staff = as_role("staff")
    staff.post(f"/surveys/{survey_id}/questions", {"type": "single", "text": "Fruit?", "page": ""})
    form = {"text_nl": "Fruit?", "text_en": "Fruit?", "options_en": ""}
    staff.post(f"/surveys/{survey_id}/questions/q1", {**form, "options_nl": "Appel\nBanaan"})
    # Two lines for the two placeholders: each rewords its counterpart (o1, o2).
    submit_response(conn, data_dir, survey_id, {"q1": "o2"})
    refused = staff.post(
        f"/surveys/{survey_id}/questions/q1", {**form, "options_nl": "Appel\nKiwi\nBanaan!"}
    )
    assert refused.status_code == 400
    q = question(data_of(conn, survey_id), "q1")
    assert [(c["value"], c["label"]["nl"]) for c in q["choices"]] == [
        ("o1", "Appel"),
        ("o2", "Banaan"),
    ]


def test_an_unanswered_question_added_to_a_live_survey_can_be_removed(
    as_role, conn, data_dir, survey_id
):
    submit_response(conn, data_dir, survey_id, {"nps": "9"})
    staff = as_role("staff")
    staff.post(f"/surveys/{survey_id}/questions", {"type": "single", "text": "Oeps", "page": ""})
    staff.post(f"/surveys/{survey_id}/questions/q1/delete")
    assert "q1" not in json.dumps(data_of(conn, survey_id))
    staff.post(f"/surveys/{survey_id}/questions/nps/delete")
    assert '"nps"' in json.dumps(data_of(conn, survey_id))  # answered: kept


def test_moving_an_unknown_question_is_explained(as_role, survey_id):
    page = as_role("staff").post(
        f"/surveys/{survey_id}/questions/nope/move", {"direction": "up"}, follow_redirects=True
    )
    assert page.status_code == 200 and "does not exist" in page.get_data(as_text=True)
