"""Campaigns through the API: create, follow progress, reschedule, start, pause, resume,
cancel; the refusals; and the whole way from a template to invitations sent."""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime, timedelta

import pytest

from appliance import create_app
from appliance.auth.service import CLI
from appliance.keys import load as load_keys
from appliance.mailing import jobs
from appliance.settings import load as load_settings
from appliance.surveys import service as surveys_service
from tests.api.helpers import call, token_for
from tests.conftest import app_settings, audit_actions
from tests.contacts.conftest import Importer
from tests.factories import open_survey
from tests.licensing import force

SENDER = "Voorbeeld BV <enquete@voorbeeld.nl>"
CONTACTS = (
    b"E-mailadres;Voornaam;Achternaam;Vestiging\n"
    b"jan@example.nl;Jan;Jansen;Zwolle\n"
    b"els@example.nl;Els;de Vries;Zwolle\n"
    b"kim@example.nl;Kim;Bakker;Deventer\n"
    b";Zonder;Adres;Deventer\n"
)
LATER = "2030-12-10T09:00:00Z"


@pytest.fixture
def settings_overrides(data_dir):
    return {**app_settings(data_dir), "mail_from": SENDER}


@pytest.fixture
def list_id(conn, data_dir, tmp_path) -> int:
    imports = Importer(conn, data_dir, tmp_path)
    imports.run(
        CONTACTS,
        targets=["field:email", "field:first_name", "field:last_name", "segment:vestiging"],
    )
    return imports.list_id()


def new_campaign(app, token, survey_id, list_id, **fields):
    payload = {"name": "Najaar", "survey_id": survey_id, "list_id": list_id, "send_at": LATER}
    return call(app, "post", "/api/v1/campaigns", token, json={**payload, **fields})


def test_a_campaign_is_created_rescheduled_paused_resumed_and_cancelled(app, cast, conn, list_id):
    token = token_for(conn, cast["staff"])
    survey_id = open_survey(conn)
    r = new_campaign(
        app, token, survey_id, list_id, segment_filter={"vestiging": ["Zwolle"]}, reminders=2
    )
    assert r.status_code == 201, r.get_json()
    campaign = r.get_json()
    assert r.headers["Location"] == campaign["url"] == f"/api/v1/campaigns/{campaign['id']}"
    assert campaign["counted"]["recipients"] == 2
    assert set(campaign["counted"]["skipped"].values()) == {0}
    assert (campaign["status"], campaign["phase"], campaign["phase_at"]) == (
        "scheduled",
        "scheduled",
        LATER,
    )
    assert (campaign["send_at"], campaign["reminders"], campaign["channel"]) == (LATER, 2, "email")
    assert campaign["segment_filter"] == {"vestiging": ["Zwolle"]}
    assert campaign["counts"] == dict.fromkeys(
        ("queued", "sent", "bounced", "failed", "suppressed", "cancelled"), 0
    )
    # Counts only: no address or name anywhere in the object.
    for private in ("example.nl", "Jan", "Jansen", "Bakker"):
        assert private not in json.dumps(campaign)
    shown = call(app, "get", campaign["url"], token).get_json()
    assert shown == {k: v for k, v in campaign.items() if k != "counted"}

    r = call(
        app, "post", f"{campaign['url']}/schedule", token, json={"at": "2031-01-05T08:30:00+01:00"}
    )
    assert r.status_code == 200 and r.get_json()["send_at"] == "2031-01-05T07:30:00Z"
    r = call(app, "post", f"{campaign['url']}/pause", token)
    assert r.get_json()["status"] == "paused"
    # Paused, it is no longer scheduled: neither moved nor started, and not paused twice.
    for action in ("schedule", "start", "pause"):
        r = call(app, "post", f"{campaign['url']}/{action}", token, json={"at": LATER})
        assert r.status_code == 409, action
        assert r.get_json()["error"]
    r = call(app, "post", f"{campaign['url']}/resume", token)
    assert r.get_json()["status"] == "scheduled"  # paused before it started: waits again
    r = call(app, "post", f"{campaign['url']}/cancel", token)
    assert (r.get_json()["status"], r.get_json()["phase"]) == ("cancelled", "cancelled")
    assert r.get_json()["finished_at"]
    assert call(app, "post", f"{campaign['url']}/resume", token).status_code == 409
    actions = audit_actions(conn)
    for action in (
        "mailing.campaign_created",
        "mailing.rescheduled",
        "mailing.paused",
        "mailing.resumed",
        "mailing.cancelled",
    ):
        assert action in actions

    other = surveys_service.create_from_template(conn, CLI, "nps")
    new_campaign(app, token, other, list_id, name="Ander")
    listed = call(app, "get", "/api/v1/campaigns", token).get_json()
    assert (listed["total"], [c["name"] for c in listed["items"]]) == (2, ["Ander", "Najaar"])
    mine = call(app, "get", f"/api/v1/campaigns?survey_id={survey_id}", token).get_json()
    assert [c["id"] for c in mine["items"]] == [campaign["id"]]
    templates = call(app, "get", "/api/v1/mail-templates", token).get_json()["items"]
    assert campaign["template_id"] in [t["id"] for t in templates]


def test_refusals(app, cast, conn, list_id):
    staff = token_for(conn, cast["staff"])
    narrowed = token_for(conn, cast["staff"], scopes={"surveys.manage"})
    researcher = token_for(conn, cast["researcher"])
    survey_id = open_survey(conn)
    for method, url in (
        ("get", "/api/v1/campaigns"),
        ("post", "/api/v1/campaigns"),
        ("get", "/api/v1/campaigns/1"),
        ("post", "/api/v1/campaigns/1/start"),
        ("get", "/api/v1/mail-templates"),
    ):
        assert call(app, method, url, researcher).status_code == 403, url
        assert call(app, method, url, narrowed).status_code == 403, url
    for action in ("start", "pause", "resume", "cancel"):
        assert call(app, "post", f"/api/v1/campaigns/999/{action}", staff).status_code == 404
    r = call(app, "post", "/api/v1/campaigns/999/schedule", staff, json={"at": LATER})
    assert r.status_code == 404
    assert call(app, "get", "/api/v1/campaigns/999", staff).status_code == 404

    r = new_campaign(app, staff, survey_id, list_id, reminders=6)
    assert r.status_code == 400 and r.get_json()["error"].startswith("reminders:")
    r = new_campaign(app, staff, survey_id, list_id, send_at="tomorrow")
    assert r.status_code == 400 and r.get_json()["error"].startswith("send_at:")
    r = new_campaign(app, staff, survey_id, list_id, send_at="2030-12-10T09:00:00")
    assert r.status_code == 400 and "time zone" in r.get_json()["error"]
    r = new_campaign(app, staff, survey_id, list_id, segment_filter={"regio": ["Noord"]})
    assert r.status_code == 422 and "no segment 'regio'" in r.get_json()["error"]
    r = new_campaign(app, staff, survey_id, list_id, segment_filter={"vestiging": ["Urk"]})
    assert r.status_code == 422 and "'Urk'" in r.get_json()["error"]
    r = new_campaign(app, staff, survey_id, 999)
    assert r.status_code == 422 and "Choose a contact list." in r.get_json()["error"]
    r = new_campaign(app, staff, survey_id, list_id, template_id=999)
    assert r.status_code == 422 and "Choose a mail template." in r.get_json()["error"]
    r = new_campaign(app, staff, survey_id, list_id, phone={"max_attempts": 3})
    assert r.status_code == 422 and "telephone" in r.get_json()["error"]
    r = new_campaign(app, staff, survey_id, list_id, expected_recipients=5)
    assert r.status_code == 409 and r.get_json()["error"].endswith("now 3")
    surveys_service.change_status(conn, CLI, survey_id, "closed")
    r = new_campaign(app, staff, survey_id, list_id)
    assert r.status_code == 422 and "closed" in r.get_json()["error"]
    # The licence refuses new work and the telephone channel without its module, as the page.
    surveys_service.change_status(conn, CLI, survey_id, "open")
    r = new_campaign(app, staff, survey_id, list_id, channel="phone")
    assert r.status_code == 422 and r.get_json()["error"]
    force(conn, None, trial_started=date.today() - timedelta(days=40))
    assert new_campaign(app, staff, survey_id, list_id).status_code == 422
    assert conn.execute("SELECT count(*) FROM campaigns").fetchone()[0] == 0


def test_without_a_sender_address_no_mail_campaign_is_made(cast, conn, data_dir, list_id):
    unset = create_app(app_settings(data_dir))  # no mail_from
    r = new_campaign(unset, token_for(conn, cast["staff"]), open_survey(conn), list_id)
    assert r.status_code == 409 and "sender address" in r.get_json()["error"]
    assert conn.execute("SELECT count(*) FROM campaigns").fetchone()[0] == 0


def test_from_a_template_to_invitations_sent(app, cast, conn, data_dir, list_id):
    token = token_for(conn, cast["staff"])
    survey = call(app, "post", "/api/v1/surveys", token, json={"template": "nps"}).get_json()
    questionnaire = call(app, "get", f"{survey['url']}/questionnaire", token).get_json()
    questionnaire["title"]["en"] = "How did we do?"
    r = call(app, "put", f"{survey['url']}/questionnaire", token, json=questionnaire)
    assert r.status_code == 200
    call(app, "post", f"{survey['url']}/status", token, json={"status": "open"})
    campaign = new_campaign(app, token, survey["id"], list_id, reminders=1).get_json()
    assert campaign["counted"]["recipients"] == 3

    before = time.time()
    started = call(app, "post", f"{campaign['url']}/start", token).get_json()
    moved = datetime.fromisoformat(started["send_at"]).timestamp()
    assert before - 1 <= moved <= time.time() and started["status"] == "scheduled"
    settings = load_settings(
        {"data_dir": str(data_dir), "base_url": "https://enquete.example.nl", "mail_from": SENDER},
        environ={},
    )
    jobs.deliver(settings, load_keys(data_dir))  # the sender's round, file transport

    done = call(app, "get", campaign["url"], token).get_json()
    assert (done["status"], done["recipients"], done["counts"]["sent"]) == ("active", 3, 3)
    assert done["phase"] == "waiting_reminder" and done["next_reminder_at"]
    assert done["handled_fraction"] == 1.0
    assert done["skipped"]["no_address"] == 1 and sum(done["skipped"].values()) == 1
    assert done["waves"] == [{"wave": 0, "counts": done["counts"]}]
    assert len(list((data_dir / "mail").rglob("*.eml"))) == 3
    assert "mailing.campaign_started" in audit_actions(conn)
    # Started, it cannot be moved or started again.
    assert call(app, "post", f"{campaign['url']}/start", token).status_code == 409
    assert datetime.fromisoformat(done["started_at"]) <= datetime.now(UTC)
