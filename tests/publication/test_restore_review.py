"""Restoring a withheld review shows it on the public page again, back on the withheld tab."""

from __future__ import annotations

from appliance.auth.service import CLI
from appliance.keys import load as load_keys
from appliance.publication import moderation_service as moderation
from tests.conftest import audit_actions
from tests.publication.staff import (
    moderation_url,
    named_review,
    public,
    review_ids,
    settings_overrides,  # noqa: F401
    with_reviews,
)


def test_a_withheld_review_is_shown_again(as_role, conn, data_dir):
    survey_id = with_reviews(conn, data_dir)
    target = named_review(conn, survey_id)
    moderation.withhold(conn, CLI, survey_id, target, "off_topic", load_keys(data_dir).cipher())
    r = as_role("staff").post(
        moderation_url(survey_id, target, "restore"), {"show": "withheld", "page": "1"}
    )
    assert r.headers["Location"] == f"/surveys/{survey_id}/publication/reviews?show=withheld"
    assert review_ids(conn, survey_id, withheld=True) == []
    page = public(data_dir)
    assert target in [x.id for x in page.reviews] and page.withheld == {}
    assert next(x for x in page.reviews if x.id == target).name == "Jansen"
    assert audit_actions(conn)[-1] == "publication.review_restored"


def test_a_shown_review_cannot_be_restored(as_role, conn, data_dir):
    survey_id = with_reviews(conn, data_dir)
    target = review_ids(conn, survey_id)[0]
    r = as_role("staff").post(moderation_url(survey_id, target, "restore"), follow_redirects=True)
    assert "That review is shown already" in r.get_data(as_text=True)
