"""Helpers of the public side's tests (imported, not a conftest: the staff pages' tests in this
folder keep their own settings). A published survey: a grade, a rating, a review title and text,
a typed name and the consent question; responses by invitation and open link.

:func:`publish` saves the choices, publishes and cuts a release, as staff and ``serve`` would;
:func:`respond` stores one response told of publication (a review when ``consent`` is yes).
"""

from __future__ import annotations

from datetime import date

from appliance.auth.service import CLI
from appliance.keys import load as load_keys
from appliance.publication import moderation_service, service
from appliance.reports import release_service
from tests.conftest import app_settings
from tests.factories import fold_pending, open_survey, submit_response

K = 5
SLUG = "klanttevredenheid"


def definition() -> dict:
    def text(nl: str, en: str) -> dict:
        return {"nl": nl, "en": en}

    return {
        "languages": ["nl", "en"],
        "title": text("Klanttevredenheid", "Customer satisfaction"),
        "closing": text("Dank!", "Thanks!"),
        "publication_notice": True,
        "pages": [
            {
                "id": "p1",
                "questions": [
                    {"id": "grade", "type": "grade", "text": text("Cijfer", "Grade")},
                    {"id": "speed", "type": "rating", "text": text("Snelheid", "Speed")},
                    {"id": "title", "type": "text_short", "text": text("Kop", "Headline")},
                    {"id": "body", "type": "text_long", "text": text("Ervaring", "Experience")},
                    {"id": "who", "type": "name", "text": text("Naam", "Name")},
                    {"id": "ok", "type": "publish_consent", "text": text("Mag dit?", "May we?")},
                ],
            }
        ],
    }


def choices(**changes) -> service.Choices:
    values = {
        "show_averages": True,
        "show_reviews": True,
        "score_question": "grade",
        "rating_questions": ["speed"],
        "text_question": "body",
        "title_question": "title",
        "name_question": "who",
        "from_date": None,
        "modes": [],
    }
    return service.Choices(**{**values, **changes})


def new_survey(conn) -> int:
    """The survey of :func:`definition`, opened."""
    return open_survey(conn, definition())


def settings(data_dir) -> dict:
    """The test app's settings with k, the organisation's name and the public address."""
    return {
        **app_settings(data_dir),
        "min_group_size": K,
        "organisation_name": "Bakkerij De Korenaar",
        "base_url": "http://enquete.example.nl",
    }


def respond(
    conn,
    data_dir,
    survey_id: int,
    n: int,
    *,
    grade: int = 8,
    consent: str = "yes",
    title: str = "",
    body: str = "",
    name: str = "",
    mode: str = "link",
    start: int = 0,
    day: date = date(2026, 11, 23),
) -> list[str]:
    """Store ``n`` responses (form keys ``r{start}``...), all told of publication."""
    ids = []
    for i in range(start, start + n):
        answers = {"grade": str(grade), "speed": "4", "ok": consent}
        if title:
            answers["title"] = title
        if body:
            answers["body"] = body
        ids.append(
            submit_response(
                conn,
                data_dir,
                survey_id,
                answers,
                key=f"r{i}",
                mode=mode,
                today=day,
                names={"who": name} if name else None,
                publication_notice=True,
            )
        )
    return ids


def publish(conn, data_dir, survey_id: int, **changes) -> None:
    """Save, publish and cut the release that brings the averages."""
    cipher = load_keys(data_dir).cipher()
    service.save(conn, CLI, survey_id, SLUG, choices(**changes), cipher)
    service.publish(conn, CLI, survey_id, cipher)
    fold_pending(conn)
    release_service.cut_due(conn, K)
    service.refresh_due(conn, cipher)


def public_urls(slug: str = SLUG) -> list[str]:
    """Every public address of a publication (both languages)."""
    base = f"/public/{slug}"
    return [
        base,
        f"{base}?lang=en",
        f"{base}/feed.json",
        f"{base}/feed.json?lang=en",
        f"{base}/widget",
        f"{base}/widget?lang=en",
        f"{base}/widget/reviews",
        f"{base}/widget/reviews?lang=en",
    ]


def everything(client, slug: str = SLUG) -> dict[str, str]:
    """url -> text of every public address of a publication (each must answer 200)."""
    out = {}
    for url in public_urls(slug):
        response = client.get(url)
        assert response.status_code == 200, url
        out[url] = response.get_data(as_text=True)
    return out


def review_ids(conn, survey_id: int, *, rows: bool = False) -> list:
    """The ids (or with ``rows`` the rows) of the published reviews, newest first, as the
    staff pages list them."""

    found = moderation_service.reviews_for_staff(conn, survey_id, False, 0, 100)
    return found if rows else [r["id"] for r in found]
