"""A question shown only for some answers on its own page: the page carries the condition for
the script, and without script the server never drops a typed answer unasked: it shows the page
again, text kept, with a message in the respondent's language; sent again, it goes on without."""

from __future__ import annotations

import json

import pytest

from appliance.responses import store as responses_store
from tests.factories import LOW_SCORES, nps_with_follow_up, open_survey_row, state_of

DETRACTOR = LOW_SCORES
SAME_PAGE = {
    "languages": ["nl", "en"],
    "title": {"nl": "Proef", "en": "Trial"},
    "closing": {"nl": "Dank!", "en": "Thanks!"},
    "pages": [
        {"id": "p1", "questions": nps_with_follow_up()},
        {
            "id": "p2",
            "questions": [
                {
                    "id": "fix",
                    "type": "text_short",
                    "show_if": {"question": "nps", "in": DETRACTOR},
                    "text": {"nl": "Wat moeten we eerst oplossen?", "en": "Fix first?"},
                },
                {"id": "more", "type": "text_short", "text": {"nl": "Nog iets?", "en": "More?"}},
            ],
        },
    ],
}
ASKED_EN = "Because of your other answers this question does not apply"
ASKED_NL = "Door uw andere antwoorden is deze vraag niet van toepassing"


@pytest.fixture
def survey(conn):
    return open_survey_row(conn, SAME_PAGE)


def stored(conn, survey) -> list[dict]:
    return [json.loads(r["answers"]) for r in responses_store.responses_of(conn, survey["id"])]


def test_the_question_carries_its_condition_for_the_script(app, survey):
    page = app.test_client().get(f"/s/{survey['link_token']}?lang=en").get_data(as_text=True)
    assert 'id="q-why" data-show-if="nps" data-show-values="0 1 2 3 4 5 6"' in page
    assert "/static/conditions.js" in page and "<script>" not in page


@pytest.mark.parametrize(("lang", "asked"), [("en", ASKED_EN), ("nl", ASKED_NL)])
def test_an_answer_to_a_hidden_question_is_asked_about_then_left_out(
    app, conn, survey, lang, asked
):
    client = app.test_client()
    url = f"/s/{survey['link_token']}"
    first = client.get(f"{url}?lang={lang}").get_data(as_text=True)
    # A browser without script: every question shows, the respondent types and then picks 9.
    form = {"state": state_of(first), "lang": lang, "nps": "9", "why": "Te lang gewacht"}
    again = client.post(url, data=form)
    page = again.get_data(as_text=True)
    assert again.status_code == 200
    assert asked in page
    assert ">Te lang gewacht</textarea>" in page  # the typed text is kept
    assert 'value="9" checked' in page
    assert stored(conn, survey) == []  # nothing stored, nothing dropped yet
    # Changing the score keeps the answer.
    changed = client.post(url, data={**form, "state": state_of(page), "nps": "4"})
    assert asked not in changed.get_data(as_text=True)
    # (that respondent goes on to page 2; a second one sends the page again unchanged)
    client2 = app.test_client()
    first = client2.get(f"{url}?lang={lang}").get_data(as_text=True)
    page = client2.post(url, data={**form, "state": state_of(first)}).get_data(as_text=True)
    assert asked in page
    second = client2.post(url, data={**form, "state": state_of(page)}).get_data(as_text=True)
    assert asked not in second and "Fix first?" not in second  # page 2, without its question
    client2.post(url, data={"state": state_of(second), "lang": lang, "more": "Nee"})
    assert {"nps": "9", "more": "Nee"} in stored(conn, survey)


def test_an_answer_to_a_shown_conditional_question_is_stored_at_once(app, conn, survey):
    client = app.test_client()
    url = f"/s/{survey['link_token']}"
    first = client.get(f"{url}?lang=en").get_data(as_text=True)
    r = client.post(
        url, data={"state": state_of(first), "lang": "en", "nps": "3", "why": "Te duur"}
    )
    page = r.get_data(as_text=True)
    assert ASKED_EN not in page and "Fix first?" in page
    client.post(url, data={"state": state_of(page), "lang": "en", "fix": "Prijs"})
    assert stored(conn, survey) == [{"nps": "3", "why": "Te duur", "fix": "Prijs"}]


def test_a_question_hidden_by_an_earlier_page_is_not_on_the_page(app, conn, survey):
    client = app.test_client()
    url = f"/s/{survey['link_token']}"
    first = client.get(f"{url}?lang=en").get_data(as_text=True)
    answer = {"state": state_of(first), "lang": "en", "nps": "10"}
    second = client.post(url, data=answer).get_data(as_text=True)
    assert "More?" in second and 'id="q-fix"' not in second
