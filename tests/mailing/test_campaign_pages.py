"""The staff campaign pages: count the recipients, create, follow progress, pause and cancel,
and the bounced addresses listed for staff."""

from __future__ import annotations

import re
import time

from appliance.db import transaction
from appliance.keys import load as load_keys
from appliance.mailing import store
from appliance.privacy import suppression
from tests.mailing.smtp_server import free_port


def _form(world, **extra) -> dict:
    return {
        "name": "Najaar 2026",
        "survey_id": world.survey_id,
        "list_id": world.imports.list_id(),
        "template_id": world.template_id(),
        "reminder_template_id": 0,
        "when": "now",
        "reminders": 1,
        "reminder_days": 7,
        **extra,
    }


def _confirmed(staff, world, **extra):
    """Continue, read the number on the confirmation step, confirm exactly that."""
    step = staff.post("/mailing/new", _form(world, action="create", **extra))
    assert step.status_code == 200, step.get_data(as_text=True)
    n = re.search(r'name="confirmed" value="(\d+)"', step.get_data(as_text=True)).group(1)
    return staff.post("/mailing/new", _form(world, action="confirm", confirmed=n, **extra))


def test_staff_count_the_recipients_with_a_segment_filter_then_create(world, as_role, conn):
    staff = as_role("staff")
    page = staff.get(f"/mailing/new?list={world.imports.list_id()}").get_data(as_text=True)
    assert 'name="seg:vestiging" value="Deventer"' in page
    counted = staff.post(
        "/mailing/new", _form(world, action="check", **{"seg:vestiging": "Deventer"})
    )
    text = counted.get_data(as_text=True)
    assert counted.status_code == 200 and "2 contacts will be invited" in text
    assert conn.execute("SELECT count(*) FROM campaigns").fetchone()[0] == 0
    created = _confirmed(staff, world, **{"seg:vestiging": "Deventer"})
    assert created.status_code == 302
    row = conn.execute("SELECT * FROM campaigns").fetchone()
    assert store.segment_filter(row) == {"vestiging": ["Deventer"]} and row["status"] == "scheduled"
    assert "mailing.campaign_created" in [
        r[0] for r in conn.execute("SELECT action FROM audit_log")
    ]


def test_a_later_send_needs_its_date_and_an_unknown_segment_value_is_ignored(world, as_role, conn):
    staff = as_role("staff")
    r = staff.post("/mailing/new", _form(world, action="create", when="later"))
    assert r.status_code == 400 and "Give the date and time" in r.get_data(as_text=True)
    r = _confirmed(
        staff, world, when="later", send_at="2030-01-02T09:30", **{"seg:vestiging": "Atlantis"}
    )
    assert r.status_code == 302
    row = conn.execute("SELECT * FROM campaigns").fetchone()
    assert store.segment_filter(row) == {}  # the made-up value was not kept
    assert row["send_at"] > 1.8e9


def test_the_campaign_page_shows_progress_and_lists_bounces_and_actions_work(world, as_role, conn):
    world.smtp.handler.refuse["els@example.nl"] = "550 5.1.1 no such user"
    campaign_id = world.campaign(reminders=1)
    world.deliver()
    staff = as_role("staff")
    page = staff.get(f"/mailing/{campaign_id}").get_data(as_text=True)
    assert "els@example.nl" in page and "550 5.1.1" in page
    progress = staff.get(f"/mailing/{campaign_id}/progress").get_json()
    assert progress["sent"] == 4 and progress["failed"] == 1 and progress["queued"] == 0
    assert staff.post(f"/mailing/{campaign_id}/remind").status_code == 302
    assert store.get_campaign(conn, campaign_id)["next_wave_at"] <= time.time()
    assert staff.post(f"/mailing/{campaign_id}/pause").status_code == 302
    assert store.get_campaign(conn, campaign_id)["status"] == "paused"
    staff.post(f"/mailing/{campaign_id}/cancel")
    assert store.get_campaign(conn, campaign_id)["status"] == "cancelled"
    # Nothing more can change a cancelled campaign.
    staff.post(f"/mailing/{campaign_id}/resume")
    assert store.get_campaign(conn, campaign_id)["status"] == "cancelled"


def test_a_list_with_nobody_to_invite_is_refused_with_the_reason(world, as_role, conn):
    world.imports.run(b"E-mailadres;Achternaam;Telefoon\n;Zonder;0612345678\n", list_name="Leeg")
    r = as_role("staff").post(
        "/mailing/new", _form(world, action="create", list_id=world.imports.list_id("Leeg"))
    )
    assert r.status_code == 400 and "Nobody to invite" in r.get_data(as_text=True)
    assert conn.execute("SELECT count(*) FROM campaigns").fetchone()[0] == 0


def test_no_list_is_chosen_for_staff_and_posting_without_one_is_refused(world, as_role, conn):
    staff = as_role("staff")
    page = staff.get("/mailing/new").get_data(as_text=True)
    # A placeholder, selected, and every list with its number of contacts.
    assert '<option selected value="">Choose a list…</option>' in page
    assert "Klanten 2026 (5 contacts)" in page
    for action, extra in (("create", {}), ("confirm", {"confirmed": "5"})):
        r = staff.post("/mailing/new", _form(world, action=action, list_id="", **extra))
        assert r.status_code == 400
        assert "Choose the contact list to send to." in r.get_data(as_text=True)
    assert conn.execute("SELECT count(*) FROM campaigns").fetchone()[0] == 0


def test_sending_needs_the_confirmation_of_the_number_counted_on_the_server(world, as_role, conn):
    world.imports.run(b"E-mailadres;Achternaam\nzz@example.nl;Z\n", list_name="Klanten 2026")
    staff = as_role("staff")
    step = staff.post("/mailing/new", _form(world, action="create"))
    text = step.get_data(as_text=True)
    assert step.status_code == 200 and "Send to 6 contacts?" in text
    assert 'name="confirmed" value="6"' in text and 'value="confirm"' in text
    assert conn.execute("SELECT count(*) FROM campaigns").fetchone()[0] == 0
    # A confirmation of another number (the list changed meanwhile) creates nothing.
    r = staff.post("/mailing/new", _form(world, action="confirm", confirmed="5"))
    assert r.status_code == 409 and "changed since you confirmed" in r.get_data(as_text=True)
    assert "Send to 6 contacts?" in r.get_data(as_text=True)
    assert conn.execute("SELECT count(*) FROM campaigns").fetchone()[0] == 0
    r = staff.post("/mailing/new", _form(world, action="confirm", confirmed="6"))
    assert r.status_code == 302
    assert conn.execute("SELECT count(*) FROM campaigns").fetchone()[0] == 1


def test_unsubscribed_contacts_are_not_counted(world, as_role, conn):
    hasher = load_keys(world.data_dir).hasher()
    with transaction(conn):
        suppression.add(conn, [suppression.address_hash(hasher, "jan@example.nl")], "unsubscribe")
    staff = as_role("staff")
    step = staff.post("/mailing/new", _form(world, action="create")).get_data(as_text=True)
    assert "Send to 4 contacts?" in step and "Skipped, unsubscribed: 1" in step


def test_all_sent_with_a_reminder_planned_says_so(world, as_role, conn):
    campaign_id = world.campaign(reminders=1)
    world.deliver()
    row = store.get_campaign(conn, campaign_id)
    assert row["status"] == "active" and row["next_wave_at"]
    staff = as_role("staff")
    page = staff.get(f"/mailing/{campaign_id}").get_data(as_text=True)
    assert 'id="status">waiting for reminder on ' in page
    assert 'id="bar" max="100" value="100"' in page and ">100%<" in page
    progress = staff.get(f"/mailing/{campaign_id}/progress").get_json()
    assert progress["status_label"].startswith("waiting for reminder on ")
    assert progress["percent"] == 100
    listing = staff.get("/mailing/").get_data(as_text=True)
    assert "waiting for reminder on" in listing and ">running<" not in listing


def test_an_unreachable_relay_on_the_campaign_page_is_an_error_in_the_readers_words(
    world, as_role, conn
):
    campaign_id = world.campaign()
    report = world.deliver(smtp_port=free_port())
    assert "cannot reach the relay" in report.problems[0]  # the console keeps English
    page = as_role("staff").get(f"/mailing/{campaign_id}").get_data(as_text=True)
    assert 'id="message" class="flash error"' in page
    assert "cannot be reached. Technical detail:" in page and "cannot reach" not in page
