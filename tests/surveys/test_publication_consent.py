"""The publication notice and the consent to publish: a survey may ask a respondent's consent to
publish their answers only when it tells every respondent of publication on the first page, and
asks it at most once; staff switch the notice on the survey's page, audited."""

from __future__ import annotations

import json

import pytest

from appliance.auth.service import CLI
from appliance.surveys import service, store
from appliance.surveys.definition import Definition, DefinitionError

CONSENT = {
    "id": "publish",
    "type": "publish_consent",
    "text": {"nl": "Mogen wij uw antwoorden publiceren?", "en": "May we publish your answers?"},
}


def with_consent(notice: bool, consents: int = 1) -> dict:
    """A bilingual one-page definition: a grade, then ``consents`` consent questions."""
    questions = [{"id": "grade", "type": "grade", "text": {"nl": "Cijfer?", "en": "Grade?"}}]
    questions += [{**CONSENT, "id": f"publish{i}"} for i in range(consents)]
    return {
        "languages": ["nl", "en"],
        "title": {"nl": "Proef", "en": "Trial"},
        "publication_notice": notice,
        "pages": [{"id": "p1", "questions": questions}],
    }


def test_a_consent_question_is_refused_without_the_publication_notice():
    with pytest.raises(DefinitionError) as info:
        Definition.parse(with_consent(notice=False))
    assert info.value.where == "pages[0].questions[1].type"
    assert "publication notice" in info.value.reason


def test_a_second_consent_question_is_refused():
    with pytest.raises(DefinitionError) as info:
        Definition.parse(with_consent(notice=True, consents=2))
    assert info.value.where == "pages[0].questions[2].type"
    assert "only once" in info.value.reason


def test_a_consent_question_is_accepted_with_the_notice_and_answered_yes_or_no():
    definition = Definition.parse(with_consent(notice=True))
    assert definition.publication_notice
    assert definition.consent_question().id == "publish0"
    assert definition.consent_question().values() == ("yes", "no")


def test_the_notice_and_the_consent_question_survive_a_round_trip():
    definition = Definition.parse(with_consent(notice=True))
    data = definition.to_json()
    assert data["publication_notice"] is True
    assert data["pages"][0]["questions"][1]["type"] == "publish_consent"
    assert Definition.parse(data) == definition


def test_a_definition_without_the_flag_has_the_notice_off():
    data = with_consent(notice=False, consents=0)
    del data["publication_notice"]
    definition = Definition.parse(data)
    assert not definition.publication_notice and definition.consent_question() is None


@pytest.fixture
def survey_id(conn):
    return service.create_from_template(conn, CLI, "nps")


def _general(data: dict, **extra) -> dict:
    """The general form as the edit page posts it, unchanged but for ``extra``."""
    form = {"languages": data["languages"], "anonymous": "1" if data["anonymous"] else ""}
    form.update({f"title_{lang}": text for lang, text in data["title"].items()})
    return {**form, **extra}


def _data(conn, survey_id) -> dict:
    return json.loads(store.get_survey(conn, survey_id)["definition"])


def test_staff_switch_the_notice_on_and_the_audit_log_says_so(as_role, conn, survey_id):
    staff = as_role("staff")
    staff.post(
        f"/surveys/{survey_id}/general", _general(_data(conn, survey_id), publication_notice="1")
    )
    assert _data(conn, survey_id)["publication_notice"] is True
    page = staff.get(f"/surveys/{survey_id}").get_data(as_text=True)
    assert 'name="publication_notice" value="1" checked' in page
    action, details = conn.execute(
        "SELECT action, details FROM audit_log ORDER BY id DESC LIMIT 1"
    ).fetchone()
    assert action == "survey.changed" and json.loads(details) == {"publication_notice": True}


def test_the_notice_cannot_go_while_the_survey_asks_consent(as_role, conn, survey_id):
    data = _data(conn, survey_id)
    data["publication_notice"] = True
    data["pages"][0]["questions"].append(CONSENT)
    service.update_definition(conn, CLI, survey_id, data)
    page = as_role("staff").post(
        f"/surveys/{survey_id}/general", _general(data), follow_redirects=True
    )
    assert "needs the publication notice switched on" in page.get_data(as_text=True)
    assert _data(conn, survey_id)["publication_notice"] is True


def test_the_builder_offers_the_consent_question_only_with_the_notice(as_role, conn, survey_id):
    staff = as_role("staff")
    add = {"type": "publish_consent", "text": "May we publish?", "page": ""}
    refused = staff.post(f"/surveys/{survey_id}/questions", add, follow_redirects=True)
    assert "needs the publication notice switched on" in refused.get_data(as_text=True)
    staff.post(
        f"/surveys/{survey_id}/general", _general(_data(conn, survey_id), publication_notice="1")
    )
    staff.post(f"/surveys/{survey_id}/questions", add)
    types = [q["type"] for page in _data(conn, survey_id)["pages"] for q in page["questions"]]
    assert types.count("publish_consent") == 1
