"""The organisation's public reply to a review: saved, shown to the public, removed when
emptied."""

from __future__ import annotations

from tests.conftest import audit_actions
from tests.publication.staff import (
    moderation_url,
    public,
    review_ids,
    settings_overrides,  # noqa: F401
    with_reviews,
)


def public_reply(data_dir, review_id: int):
    return next(x for x in public(data_dir).reviews if x.id == review_id).reply


def test_a_reply_is_published_and_removed_when_emptied(as_role, conn, data_dir):
    survey_id = with_reviews(conn, data_dir)
    target = review_ids(conn, survey_id)[0]
    staff = as_role("staff")
    r = staff.post(moderation_url(survey_id, target, "reply"), {"reply": " Dank voor uw tip. "})
    assert r.status_code == 302
    assert public_reply(data_dir, target) == "Dank voor uw tip."
    assert audit_actions(conn)[-1] == "publication.replied"
    page = staff.get(f"/surveys/{survey_id}/publication/reviews").get_data(as_text=True)
    assert ">Dank voor uw tip.</textarea>" in page  # to edit it
    r = staff.post(moderation_url(survey_id, target, "reply"), {"reply": ""}, follow_redirects=True)
    assert "Reply removed" in r.get_data(as_text=True)
    assert public_reply(data_dir, target) is None
    assert audit_actions(conn)[-1] == "publication.reply_removed"


def test_a_reply_that_is_too_long_is_refused(as_role, conn, data_dir):
    survey_id = with_reviews(conn, data_dir)
    target = review_ids(conn, survey_id)[0]
    r = as_role("staff").post(
        moderation_url(survey_id, target, "reply"), {"reply": "x" * 2001}, follow_redirects=True
    )
    assert "at most 2000 characters" in r.get_data(as_text=True)
    assert public_reply(data_dir, target) is None
