"""Kiosk mode: registered devices answer in a loop and reset after idle time."""

from __future__ import annotations

import re

from appliance.auth.accounts import CLI
from appliance.responses import store as responses
from appliance.surveys import service, store
from tests.conftest import audit_actions


def kiosk_url(staff, survey_id) -> str:
    page = staff.post(
        f"/surveys/{survey_id}/kiosks", {"name": "Balie hal", "idle_seconds": "45"}
    ).get_data(as_text=True)
    return re.search(r'id="kiosk-url">[^<]*?(/k/[\w-]+)<', page).group(1)


def test_a_kiosk_answers_in_a_loop_and_carries_its_idle_reset(app, as_role, conn):
    survey_id = service.create_from_template(conn, CLI, "nps")
    service.change_status(conn, CLI, survey_id, "open")
    staff = as_role("staff")
    url = kiosk_url(staff, survey_id)
    assert audit_actions(conn)[-1] == "kiosk.registered"
    client = app.test_client()
    for n in range(2):
        page = client.get(url).get_data(as_text=True)
        assert 'data-idle="45"' in page and f'data-reset="{url}"' in page and "kiosk.js" in page
        state = re.search(r'name="state" value="([^"]+)"', page).group(1)
        done = client.post(url, data={"state": state, "nps": str(8 + n)})
        thanks = done.get_data(as_text=True)
        assert f'content="5;url={url}"' in thanks and "Set-Cookie" not in done.headers
    rows = responses.responses_of(conn, survey_id)
    assert [r["mode"] for r in rows] == ["kiosk", "kiosk"]


def test_a_revoked_or_unknown_kiosk_gets_the_neutral_page(app, as_role, conn):
    survey_id = service.create_from_template(conn, CLI, "nps")
    service.change_status(conn, CLI, survey_id, "open")
    staff = as_role("staff")
    url = kiosk_url(staff, survey_id)
    kiosk_id = store.kiosks_of(conn, survey_id)[0]["id"]
    staff.post(f"/surveys/{survey_id}/kiosks/{kiosk_id}/revoke")
    assert app.test_client().get(url).status_code == 404
    assert app.test_client().get("/k/made-up-key").status_code == 404
