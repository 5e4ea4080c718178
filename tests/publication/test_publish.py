"""Publishing from the staff page: the saved choices go public, the page shows the public
address and a preview of what the public sees through the public gate."""

from __future__ import annotations

from appliance.auth.service import CLI
from appliance.keys import load as load_keys
from appliance.publication import service
from tests.conftest import audit_actions
from tests.publication import published as pub
from tests.publication.staff import (
    in_dutch,
    settings_overrides,  # noqa: F401
)


def url(survey_id: int) -> str:
    return f"/surveys/{survey_id}/publication"


def saved(conn, data_dir, n: int = 6, **changes) -> int:
    survey_id = pub.survey(conn)
    for i in range(n):
        pub.answer(conn, data_dir, survey_id, i, grade=7 if i % 2 else 8)
    cipher = load_keys(data_dir).cipher()
    service.save(conn, CLI, survey_id, pub.SLUG, pub.choices(**changes), cipher)
    return survey_id


def test_publishing_shows_the_address_and_what_the_public_sees(as_role, conn, data_dir):
    survey_id = saved(conn, data_dir)
    staff = as_role("staff")
    r = staff.post(f"{url(survey_id)}/publish")
    assert r.status_code == 302 and r.headers["Location"] == url(survey_id)
    assert service.publication(conn, survey_id)["published"] == 1
    assert audit_actions(conn)[-1] == "publication.published"
    page = staff.get(url(survey_id)).get_data(as_text=True)
    assert f"http://enquete.example.nl/public/{pub.SLUG}" in page
    # No release yet since the responses came in: the averages wait for it.
    assert 'id="preview-hidden"' in page and "next release" in page
    pub.release(conn, data_dir)
    page = staff.get(url(survey_id)).get_data(as_text=True)
    assert 'id="preview-hidden"' not in page
    assert 'id="preview-n">6<' in page and 'id="preview-score">7.5<' in page
    assert 'id="preview-reviews">6<' in page


def test_the_preview_writes_numbers_as_a_dutch_reader_does(as_role, conn, data_dir):
    survey_id = saved(conn, data_dir)
    service.publish(conn, CLI, survey_id, load_keys(data_dir).cipher())
    pub.release(conn, data_dir)
    staff = as_role("staff")
    in_dutch(staff)
    page = staff.get(url(survey_id)).get_data(as_text=True)
    assert 'id="preview-score">7,5<' in page


def test_too_few_responses_keep_the_averages_hidden(as_role, conn, data_dir):
    # Every response came by invitation: none lies in a kiosk-only scope.
    survey_id = saved(conn, data_dir, show_reviews=False, modes=["kiosk"])
    service.publish(conn, CLI, survey_id, load_keys(data_dir).cipher())
    pub.release(conn, data_dir)
    page = as_role("staff").get(url(survey_id)).get_data(as_text=True)
    assert "fewer than 5 responses" in page and 'id="preview-score"' not in page


def test_publishing_without_saved_choices_is_refused(as_role, conn):
    survey_id = pub.survey(conn)
    staff = as_role("staff")
    r = staff.post(f"{url(survey_id)}/publish", follow_redirects=True)
    assert "Save what to publish first" in r.get_data(as_text=True)
    assert service.publication(conn, survey_id) is None
