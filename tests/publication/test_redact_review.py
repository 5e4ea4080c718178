"""Removing words from a review: the exact phrase (any case) leaves the public title and text,
shown as a marker; undoing it shows the words again."""

from __future__ import annotations

import json

from tests.conftest import audit_actions
from tests.publication.staff import (
    moderation_url,
    public,
    review,
    review_ids,
    settings_overrides,  # noqa: F401
    with_reviews,
)

TEXT = "De monteur Karel de Vries was erg behulpzaam"


def public_text(data_dir, review_id: int) -> str:
    found = next(x for x in public(data_dir).reviews if x.id == review_id)
    return found.plain("body", "[x]")


def test_a_phrase_disappears_from_what_the_public_sees(as_role, conn, data_dir):
    survey_id = with_reviews(conn, data_dir, text=TEXT)
    target = review_ids(conn, survey_id)[0]
    r = as_role("staff").post(
        moderation_url(survey_id, target, "redact"), {"phrase": "karel de vries"}
    )
    assert r.status_code == 302
    assert public_text(data_dir, target) == "De monteur [x] was erg behulpzaam"
    assert "Karel" not in json.dumps([x.body for x in public(data_dir).reviews if x.id == target])
    assert json.loads(review(conn, survey_id, target)["redactions"]) == ["karel de vries"]
    assert audit_actions(conn)[-1] == "publication.review_redacted"
    other = review_ids(conn, survey_id)[1]
    assert public_text(data_dir, other) == TEXT  # only that review


def test_undoing_a_redaction_shows_the_words_again(as_role, conn, data_dir):
    survey_id = with_reviews(conn, data_dir, text=TEXT)
    target = review_ids(conn, survey_id)[0]
    staff = as_role("staff")
    staff.post(moderation_url(survey_id, target, "redact"), {"phrase": "Karel"})
    staff.post(moderation_url(survey_id, target, "redact"), {"phrase": "behulpzaam"})
    assert public_text(data_dir, target) == "De monteur [x] de Vries was erg [x]"
    staff.post(moderation_url(survey_id, target, "unredact"), {"phrase": "Karel"})
    assert public_text(data_dir, target) == "De monteur Karel de Vries was erg [x]"
    assert json.loads(review(conn, survey_id, target)["redactions"]) == ["behulpzaam"]


def test_a_phrase_that_is_not_in_the_review_is_refused(as_role, conn, data_dir):
    survey_id = with_reviews(conn, data_dir, text=TEXT)
    target = review_ids(conn, survey_id)[0]
    staff = as_role("staff")
    r = staff.post(
        moderation_url(survey_id, target, "redact"), {"phrase": "Jansen"}, follow_redirects=True
    )
    assert "That phrase does not occur in the review" in r.get_data(as_text=True)
    r = staff.post(
        moderation_url(survey_id, target, "redact"), {"phrase": "  "}, follow_redirects=True
    )
    assert "Type the exact words to remove" in r.get_data(as_text=True)
    assert public_text(data_dir, target) == TEXT
