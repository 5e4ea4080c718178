"""The respondent's side of publication: the notice on the first page and the transparency page,
the consent question offered to every respondent, and each response recording whether its
respondent was told before answering (only such a response may ever become a public review)."""

from __future__ import annotations

import pytest

from appliance.auth.service import CLI
from appliance.reports import store as report_store
from appliance.reports.report import measures_of
from appliance.surveys import service, store
from tests.factories import open_survey_row, state_of, submit_response

TOLD = "may be published on our website as averages over groups of respondents"
REVIEW = "as an anonymous review, only if you agree"
AVERAGES_ONLY = "your own answers are never published on their own"


def definition(notice: bool = True, consent: bool = True) -> dict:
    """Two pages: a score and, with ``consent``, the consent question; then an open question."""
    first = [{"id": "nps", "type": "nps", "required": True, "text": {"nl": "NPS", "en": "NPS"}}]
    if consent:
        first.append(
            {
                "id": "publish",
                "type": "publish_consent",
                "text": {"nl": "Mogen wij publiceren?", "en": "May we publish your answers?"},
            }
        )
    return {
        "languages": ["en", "nl"],
        "title": {"nl": "Proef", "en": "Trial"},
        "closing": {"nl": "Dank!", "en": "Thanks!"},
        "publication_notice": notice,
        "pages": [
            {"id": "p1", "questions": first},
            {
                "id": "p2",
                "questions": [
                    {"id": "why", "type": "text_long", "text": {"nl": "Waarom?", "en": "Why?"}}
                ],
            },
        ],
    }


@pytest.fixture
def survey(conn):
    return open_survey_row(conn, definition())


def _walk(client, url: str, first_page: str, first_answers: dict) -> str:
    """Answer the first page (already fetched) and the second; returns the last page sent."""
    second = client.post(url, data={"state": state_of(first_page), **first_answers})
    done = client.post(url, data={"state": state_of(second.get_data(as_text=True)), "why": "Snel"})
    return done.get_data(as_text=True)


def _notices(conn, survey_id: int) -> list[int]:
    return [
        r[0]
        for r in conn.execute(
            "SELECT publication_notice FROM responses WHERE survey_id = ?", (survey_id,)
        )
    ]


def test_the_first_page_tells_of_publication_and_later_pages_do_not(app, survey):
    client = app.test_client()
    url = f"/s/{survey['link_token']}"
    first = client.get(url).get_data(as_text=True)
    assert 'id="publication-notice"' in first and TOLD in first and REVIEW in first
    second = client.post(url, data={"state": state_of(first), "nps": "9"}).get_data(as_text=True)
    assert "Why?" in second and 'id="publication-notice"' not in second and TOLD not in second


def test_the_notice_is_in_dutch_for_a_dutch_respondent(app, survey):
    page = app.test_client().get(f"/s/{survey['link_token']}?lang=nl").get_data(as_text=True)
    assert "als gemiddelden over groepen respondenten" in page and TOLD not in page


def test_without_a_consent_question_the_notice_promises_averages_only(app, conn):
    row = open_survey_row(conn, definition(consent=False))
    page = app.test_client().get(f"/s/{row['link_token']}").get_data(as_text=True)
    assert AVERAGES_ONLY in page and REVIEW not in page


def test_the_consent_question_is_offered_on_an_open_link(app, survey):
    page = app.test_client().get(f"/s/{survey['link_token']}").get_data(as_text=True)
    assert "May we publish your answers?" in page and 'name="publish" value="yes"' in page


def test_the_transparency_page_tells_of_publication(app, survey):
    page = app.test_client().get(f"/s/{survey['link_token']}/privacy").get_data(as_text=True)
    assert 'id="publication-notice"' in page and TOLD in page and REVIEW in page


def test_the_transparency_page_says_nothing_of_publication_without_the_notice(app, conn):
    row = open_survey_row(conn, definition(notice=False, consent=False))
    page = app.test_client().get(f"/s/{row['link_token']}/privacy").get_data(as_text=True)
    assert 'id="publication-notice"' not in page and TOLD not in page


def test_a_response_of_a_told_respondent_records_the_notice(app, conn, survey):
    client = app.test_client()
    url = f"/s/{survey['link_token']}"
    done = _walk(
        client, url, client.get(url).get_data(as_text=True), {"nps": "9", "publish": "yes"}
    )
    assert "Thanks!" in done
    assert _notices(conn, survey["id"]) == [1]


def test_a_response_without_the_notice_records_none(app, conn):
    row = open_survey_row(conn, definition(notice=False, consent=False))
    client = app.test_client()
    url = f"/s/{row['link_token']}"
    first = client.get(url).get_data(as_text=True)
    assert 'id="publication-notice"' not in first
    assert "Thanks!" in _walk(client, url, first, {"nps": "9"})
    assert _notices(conn, row["id"]) == [0]


def test_a_respondent_who_started_before_the_notice_was_switched_on_records_none(app, conn):
    row = open_survey_row(conn, definition(notice=False, consent=False))
    client = app.test_client()
    url = f"/s/{row['link_token']}"
    first = client.get(url).get_data(as_text=True)  # not told: the notice is off
    service.update_definition(conn, CLI, row["id"], definition(notice=True, consent=False))
    # The questionnaire changed under the respondent: the page comes back, answers kept.
    resumed = client.post(url, data={"state": state_of(first), "nps": "9"}).get_data(as_text=True)
    assert "Thanks!" in _walk(client, url, resumed, {"nps": "9"})
    assert _notices(conn, row["id"]) == [0]


def test_a_notice_switched_off_before_submission_is_not_recorded(app, conn, survey):
    client = app.test_client()
    url = f"/s/{survey['link_token']}"
    first = client.get(url).get_data(as_text=True)
    service.update_definition(conn, CLI, survey["id"], definition(notice=False, consent=False))
    resumed = client.post(url, data={"state": state_of(first), "nps": "9"}).get_data(as_text=True)
    assert "Thanks!" in _walk(client, url, resumed, {"nps": "9"})
    assert _notices(conn, survey["id"]) == [0]


def test_the_console_path_stores_the_notice_it_is_given_and_none_by_default(conn, data_dir, survey):
    submit_response(conn, data_dir, survey["id"], {"nps": "9"}, key="a", publication_notice=True)
    submit_response(conn, data_dir, survey["id"], {"nps": "8"}, key="b")
    assert sorted(_notices(conn, survey["id"])) == [0, 1]


def test_the_consent_answer_is_never_counted_in_reports(conn, data_dir, survey):
    answers = {"nps": "9", "publish": "yes", "why": "Snel"}
    submit_response(conn, data_dir, survey["id"], answers, publication_notice=True)
    counted = {key[0] for key in report_store.counts_of(conn, survey["id"])}
    assert {"nps", "why"} <= counted and "publish" not in counted
    parsed = store.definition_of(store.get_survey(conn, survey["id"]))
    assert "publish" not in {measure.id for measure, _q, _item in measures_of(parsed)}
