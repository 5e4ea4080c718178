"""Withdrawing takes the publication offline, but only once the box confirming it is ticked."""

from __future__ import annotations

import pytest

from appliance.publication.gate import NotFound
from tests.conftest import audit_actions
from tests.publication.staff import (
    public,
    settings_overrides,  # noqa: F401
    with_reviews,
)


def url(survey_id: int) -> str:
    return f"/surveys/{survey_id}/publication/withdraw"


def test_withdrawing_needs_the_confirmation(as_role, conn, data_dir):
    survey_id = with_reviews(conn, data_dir)
    staff = as_role("staff")
    page = staff.get(f"/surveys/{survey_id}/publication").get_data(as_text=True)
    assert 'name="confirm" value="yes" required' in page
    r = staff.post(url(survey_id), follow_redirects=True)
    assert "Tick the box" in r.get_data(as_text=True)
    assert public(data_dir).review_count == 6


def test_a_confirmed_withdrawal_takes_everything_offline(as_role, conn, data_dir):
    survey_id = with_reviews(conn, data_dir)
    r = as_role("staff").post(url(survey_id), {"confirm": "yes"}, follow_redirects=True)
    page = r.get_data(as_text=True)
    assert "Withdrawn" in page and 'id="publish"' in page  # it can be published again
    with pytest.raises(NotFound):
        public(data_dir)
    assert audit_actions(conn)[-1] == "publication.withdrawn"
