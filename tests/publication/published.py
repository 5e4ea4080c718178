"""A published survey for the publication tests: a grade as the overall score, a rating, a
review title and text, a typed name and the consent to publish, with the notice on its first
page. :func:`answer` stores one response the way the respondent pages do; :func:`publish`
publishes and :func:`release` cuts the researcher's release, with which the public snapshot is
cut."""

from __future__ import annotations

from datetime import date, timedelta

from appliance.auth.service import CLI
from appliance.keys import load as load_keys
from appliance.publication import service
from appliance.reports import release_service
from tests import factories

K = 5
SLUG = "onze-klanten"
START = date(2026, 10, 5)  # a Monday
DEFINITION = {
    "languages": ["nl", "en"],
    "title": {"nl": "Klanttevredenheid", "en": "Customer satisfaction"},
    "publication_notice": True,
    "pages": [
        {
            "id": "p1",
            "questions": [
                {
                    "id": "cijfer",
                    "type": "grade",
                    "required": True,
                    "text": {"nl": "Welk cijfer geeft u ons?", "en": "What grade do you give us?"},
                },
                {
                    "id": "snel",
                    "type": "rating",
                    "text": {"nl": "Hoe snel waren wij?", "en": "How fast were we?"},
                },
                {"id": "kop", "type": "text_short", "text": {"nl": "Titel", "en": "Title"}},
                {
                    "id": "tekst",
                    "type": "text_long",
                    "text": {"nl": "Uw ervaring", "en": "Your experience"},
                },
                {"id": "naam", "type": "name", "text": {"nl": "Uw naam", "en": "Your name"}},
                {
                    "id": "mag",
                    "type": "publish_consent",
                    "text": {"nl": "Mogen wij dit publiceren?", "en": "May we publish this?"},
                },
            ],
        }
    ],
}


def choices(**changes) -> service.Choices:
    values = {
        "show_averages": True,
        "show_reviews": True,
        "score_question": "cijfer",
        "rating_questions": ["snel"],
        "text_question": "tekst",
        "title_question": "kop",
        "name_question": "naam",
        "from_date": None,
        "modes": [],
    }
    return service.Choices(**{**values, **changes})


def survey(conn) -> int:
    return factories.open_survey(conn, DEFINITION)


def answer(
    conn,
    data_dir,
    survey_id: int,
    i: int,
    *,
    grade: int = 8,
    consent: bool = True,
    text: str | None = None,
    name: str | None = None,
    mode: str = "invitation",
    day: date | None = None,
    told: bool = True,
) -> str:
    answers = {
        "cijfer": str(grade),
        "snel": "4",
        "kop": f"Titel {i}",
        "tekst": text or f"Ervaring nummer {i}",
        "mag": "yes" if consent else "no",
    }
    return factories.submit_response(
        conn,
        data_dir,
        survey_id,
        answers,
        key=f"key-{survey_id}-{i}",
        mode=mode,
        today=day or START + timedelta(days=i % 20),
        names={"naam": name} if name else None,
        publication_notice=told,
    )


def publish(conn, data_dir, survey_id: int, **changes) -> None:
    cipher = load_keys(data_dir).cipher()
    service.save(conn, CLI, survey_id, SLUG, choices(**changes), cipher)
    service.publish(conn, CLI, survey_id, cipher)


def release(conn, data_dir, k: int = K) -> list[int]:
    factories.fold_pending(conn)
    released = release_service.cut_due(conn, k)
    service.refresh_due(conn, load_keys(data_dir).cipher())
    return released
