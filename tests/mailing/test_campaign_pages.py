"""The staff campaign pages: count the recipients, create, follow progress, pause and cancel,
and the bounced addresses listed for staff."""

from __future__ import annotations

import time

from appliance.mailing import store


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
    created = staff.post(
        "/mailing/new", _form(world, action="create", **{"seg:vestiging": "Deventer"})
    )
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
    r = staff.post(
        "/mailing/new",
        _form(
            world,
            action="create",
            when="later",
            send_at="2030-01-02T09:30",
            **{"seg:vestiging": "Atlantis"},
        ),
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
