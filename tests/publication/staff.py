"""Helpers of the staff publication page tests: the app's settings, a published survey with
reviews, its reviews as staff see them, and what the public sees (through the public gate).

A test module takes the settings with ``from tests.publication.staff import settings_overrides
# noqa: F401``: the minimum group size of :mod:`published` and a plain-HTTP base_url."""

from __future__ import annotations

import pytest

from appliance import db
from appliance.auth.service import CLI
from appliance.keys import load as load_keys
from appliance.publication import moderation_service as moderation
from appliance.publication import service
from appliance.publication.gate import PublicGate, PublicPage
from tests.conftest import app_settings
from tests.publication import published as pub

BASE_URL = "http://enquete.example.nl"


@pytest.fixture
def settings_overrides(data_dir):
    return {**app_settings(data_dir), "min_group_size": pub.K, "base_url": BASE_URL}


def with_reviews(conn, data_dir, n: int = 6, *, slug: str = pub.SLUG, **answer) -> int:
    """A survey of :mod:`published` with ``n`` consented responses (the first with the typed
    name "Jansen"), published at ``slug`` and released. Returns its id."""
    survey_id = pub.survey(conn)
    for i in range(n):
        pub.answer(conn, data_dir, survey_id, i, name="Jansen" if i == 0 else None, **answer)
    cipher = load_keys(data_dir).cipher()
    service.save(conn, CLI, survey_id, slug, pub.choices(), cipher)
    service.publish(conn, CLI, survey_id, cipher)
    pub.release(conn, data_dir)
    return survey_id


def review_ids(conn, survey_id: int, *, withheld: bool = False) -> list[int]:
    """The survey's shown (or withheld) reviews, newest first."""
    return [r["id"] for r in moderation.reviews_for_staff(conn, survey_id, withheld, 0, 1000)]


def named_review(conn, survey_id: int) -> int:
    """The shown review whose respondent typed a name (see :func:`with_reviews`)."""
    rows = moderation.reviews_for_staff(conn, survey_id, False, 0, 1000)
    return next(r["id"] for r in rows if r["name"] is not None)


def review(conn, survey_id: int, review_id: int):
    """One review's row, shown or withheld."""
    for withheld in (False, True):
        for row in moderation.reviews_for_staff(conn, survey_id, withheld, 0, 1000):
            if row["id"] == review_id:
                return row
    raise AssertionError(f"no review {review_id}")


def public(data_dir, **kw) -> PublicPage:
    """What the public sees of the published survey."""
    with PublicGate(db.db_path(data_dir), pub.K, load_keys(data_dir).cipher()) as gate:
        return gate.page(pub.SLUG, per_page=100, **kw)


def in_dutch(browser) -> None:
    """The signed-in member reads the interface in Dutch from the next page on."""
    browser.post("/account/language", {"lang-language": "nl"}, prefix="lang")


def moderation_url(survey_id: int, review_id: int, step: str) -> str:
    return f"/surveys/{survey_id}/publication/reviews/{review_id}/{step}"
