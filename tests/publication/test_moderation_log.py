"""The moderation log lists every step taken on a review: when, who, which step, the reason."""

from __future__ import annotations

from tests.publication.staff import (
    in_dutch,
    moderation_url,
    review_ids,
    settings_overrides,  # noqa: F401
    with_reviews,
)


def test_each_step_is_listed_newest_first(as_role, conn, data_dir):
    survey_id = with_reviews(conn, data_dir, text="Vraag naar Piet")
    target = review_ids(conn, survey_id)[0]
    staff = as_role("staff")
    assert "No review has been moderated yet" in staff.get(
        f"/surveys/{survey_id}/publication/log"
    ).get_data(as_text=True)
    staff.post(moderation_url(survey_id, target, "withhold"), {"reason": "offensive"})
    staff.post(moderation_url(survey_id, target, "restore"))
    staff.post(moderation_url(survey_id, target, "redact"), {"phrase": "Piet"})
    staff.post(moderation_url(survey_id, target, "reply"), {"reply": "Bedankt"})
    staff.post(moderation_url(survey_id, target, "reply"), {"reply": ""})
    page = staff.get(f"/surveys/{survey_id}/publication/log").get_data(as_text=True)
    steps = ["reply removed", "reply written", "words removed", "shown again", "withheld"]
    at = [page.index(f'<td data-label="Step">{step}</td>') for step in steps]
    assert at == sorted(at)
    assert page.count('<td data-label="Who">sam</td>') == 5
    assert "offensive or abusive" in page
    in_dutch(staff)
    page = staff.get(f"/surveys/{survey_id}/publication/log").get_data(as_text=True)
    assert "beledigend" in page and "teruggezet" in page
