"""Withholding a review: for one of the listed reasons only, never another; the public page
no longer shows it."""

from __future__ import annotations

from tests.conftest import audit_actions
from tests.publication.staff import (
    moderation_url,
    public,
    review,
    review_ids,
    settings_overrides,  # noqa: F401
    with_reviews,
)


def test_a_review_is_withheld_for_a_listed_reason(as_role, conn, data_dir):
    survey_id = with_reviews(conn, data_dir)
    target = review_ids(conn, survey_id)[0]
    r = as_role("staff").post(
        moderation_url(survey_id, target, "withhold"),
        {"reason": "personal_data", "show": "shown", "page": "1"},
    )
    assert r.status_code == 302
    assert r.headers["Location"] == f"/surveys/{survey_id}/publication/reviews?show=shown"
    assert review_ids(conn, survey_id, withheld=True) == [target]
    assert review(conn, survey_id, target)["reason"] == "personal_data"
    page = public(data_dir)
    assert target not in [x.id for x in page.reviews] and page.withheld == {"personal_data": 1}
    assert audit_actions(conn)[-1] == "publication.review_withheld"


def test_a_reason_not_on_the_list_is_refused(as_role, conn, data_dir):
    survey_id = with_reviews(conn, data_dir)
    target = review_ids(conn, survey_id)[0]
    staff = as_role("staff")
    for reason in ("negative", ""):
        r = staff.post(
            moderation_url(survey_id, target, "withhold"),
            {"reason": reason},
            follow_redirects=True,
        )
        assert "Choose one of the listed reasons" in r.get_data(as_text=True)
    assert review_ids(conn, survey_id, withheld=True) == []
    assert public(data_dir).review_count == 6


def test_a_review_of_another_survey_is_refused(as_role, conn, data_dir):
    survey_id = with_reviews(conn, data_dir)
    other = with_reviews(conn, data_dir, n=5, slug="andere-klanten")
    theirs = review_ids(conn, other)[0]
    r = as_role("staff").post(
        moderation_url(survey_id, theirs, "withhold"), {"reason": "spam"}, follow_redirects=True
    )
    assert "That review does not exist" in r.get_data(as_text=True)
    assert review_ids(conn, other, withheld=True) == []
