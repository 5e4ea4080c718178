"""The staff page of what to publish: the questions offered, a suggested address, the choices
saved through the service, and its refusals shown in the user's language."""

from __future__ import annotations

import re

from appliance.publication import service
from tests.conftest import audit_actions
from tests.factories import open_survey
from tests.publication import published as pub
from tests.publication.staff import (
    in_dutch,
    settings_overrides,  # noqa: F401
)

FORM = {
    "show": "both",
    "score_question": "cijfer",
    "rating_questions": ["snel"],
    "text_question": "tekst",
    "title_question": "kop",
    "name_question": "naam",
    "from_date": "2026-10-07",
    "modes": ["invitation", "kiosk"],
    "slug": "onze-klanten",
}


def url(survey_id: int) -> str:
    return f"/surveys/{survey_id}/publication"


def test_the_page_offers_the_questions_and_suggests_an_address(as_role, conn):
    survey_id = pub.survey(conn)
    page = as_role("staff").get(url(survey_id)).get_data(as_text=True)
    assert 'value="klanttevredenheid"' in page  # the survey's title, as an address
    assert '<option selected value="cijfer">' in page  # the first score question, suggested
    for qid in ("snel", "tekst", "kop", "naam"):
        assert f'value="{qid}"' in page
    assert "at least 5 responses" in page  # the k rule, in plain words
    assert "told respondents on its first page" in page
    assert 'id="no-reviews"' not in page  # this survey asks consent


def test_the_survey_page_links_to_it(as_role, conn):
    survey_id = pub.survey(conn)
    page = as_role("staff").get(f"/surveys/{survey_id}").get_data(as_text=True)
    assert f'href="{url(survey_id)}"' in page


def test_choices_are_saved_and_shown_again(as_role, conn):
    survey_id = pub.survey(conn)
    staff = as_role("staff")
    r = staff.post(url(survey_id), FORM)
    assert r.status_code == 302 and r.headers["Location"] == url(survey_id)
    slug, choices = service.choices_of(conn, survey_id)
    assert slug == "onze-klanten"
    assert choices.show_averages and choices.show_reviews
    assert choices.rating_questions == ["snel"] and choices.name_question == "naam"
    assert choices.from_date.isoformat() == "2026-10-07"
    assert choices.modes == ["invitation", "kiosk"]
    assert audit_actions(conn)[-1] == "publication.changed"
    page = staff.get(url(survey_id)).get_data(as_text=True)
    assert 'value="onze-klanten"' in page and 'id="publish"' in page  # ready to publish
    assert re.search(r'<input checked[^>]*name="modes"[^>]*value="kiosk">', page)
    assert re.search(r'<input checked[^>]*name="show"[^>]*value="both">', page)


def test_averages_only_needs_no_review_question(as_role, conn):
    survey_id = pub.survey(conn)
    form = {**FORM, "show": "averages", "text_question": "", "title_question": ""}
    form.update(name_question="", modes=[])
    assert as_role("staff").post(url(survey_id), form).status_code == 302
    _slug, choices = service.choices_of(conn, survey_id)
    assert choices.show_averages and not choices.show_reviews and choices.modes == []


def test_refusals_are_shown_in_the_users_language(as_role, conn):
    survey_id = open_survey(conn)  # the NPS template: no notice, no consent question
    staff = as_role("staff")
    in_dutch(staff)
    form = {**FORM, "show": "reviews", "score_question": "nps", "rating_questions": []}
    form.update(text_question="", title_question="", name_question="", slug="Niet Goed!")
    r = staff.post(url(survey_id), form)
    page = r.get_data(as_text=True)
    assert r.status_code == 400
    assert 'id="no-reviews"' in page  # the page says why before anyone tries
    assert "The address may hold" not in page
    assert "kleine letters" in page  # the address rule, in Dutch
    assert "eerste pagina" in page  # reviews need the notice and consent, in Dutch
    assert service.choices_of(conn, survey_id) is None


def test_an_address_another_publication_has_is_refused(as_role, conn):
    first, second = pub.survey(conn), pub.survey(conn)
    staff = as_role("staff")
    assert staff.post(url(first), FORM).status_code == 302
    r = staff.post(url(second), FORM)
    assert r.status_code == 400 and "Another publication has that address" in r.get_data(
        as_text=True
    )


def test_an_unknown_question_is_refused_by_the_form(as_role, conn):
    survey_id = pub.survey(conn)
    r = as_role("staff").post(url(survey_id), {**FORM, "text_question": "nope"})
    assert r.status_code == 400 and service.choices_of(conn, survey_id) is None


def test_a_survey_that_does_not_exist_is_a_404(as_role):
    assert as_role("staff").get(url(999)).status_code == 404
