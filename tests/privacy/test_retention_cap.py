"""Contact data is kept at most ``retention_contact_months`` after the last invitation or
reminder actually sent to the contact, whatever the state of the survey: a survey that stays
open without a closing date no longer keeps its contacts. A contact never sent anything counts
from its import. The purge, its dry run, the retention page, the contact lists and the survey
page all give the same day."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from babel.dates import format_date
from click.testing import CliRunner

from appliance.cli import main
from appliance.keys import load as load_keys
from appliance.privacy import retention, retention_service, suppression
from appliance.privacy.retention import add_months
from appliance.settings import load as load_settings
from tests.contacts.conftest import Importer
from tests.factories import open_survey, send_campaign

CSV = (
    b"email;voornaam;achternaam\n"
    b"oud@example.nl;Olga;Oud\n"
    b"recent@example.nl;Rik;Recent\n"
    b"bounce@example.nl;Bas;Bounce\n"
)
LATER = b"email;voornaam;achternaam\nnooit@example.nl;Nina;Nooit\n"


def shown(day) -> str:
    """A day as the English pages show it (\"Jun 3, 2027\")."""
    return format_date(day, "medium", locale="en")


@dataclass
class World:
    settings: dict
    survey_id: int
    ids: dict[str, int]
    today: date
    recent_due: date  # six months after the last reminder sent to recent@


def _noon(day: date) -> str:
    return f"{day.isoformat()}T12:00:00Z"


def _ago(today: date, months: int, days: int) -> date:
    return add_months(today, -months) + timedelta(days=days)


@pytest.fixture
def world(conn, data_dir, tmp_path) -> World:
    """An open survey without a closing date; a campaign (invitation and one reminder, sent
    through the real sender) to three contacts of a list imported 300 days ago; then, as the
    sender would have recorded it: everyone's invitation 250 days ago, oud@'s reminder six months
    and a day ago, recent@'s six months less a day ago, and both of bounce@'s messages bounced. A
    fourth contact, never invited, is in a list imported 300 days ago too."""
    keys = load_keys(data_dir)
    settings = load_settings(
        {
            "data_dir": str(data_dir),
            "base_url": "https://enquete.example.nl",
            "mail_from": "Voorbeeld BV <enquete@voorbeeld.nl>",
        },
        environ={},
    )
    imports = Importer(conn, data_dir, tmp_path)
    imports.run(CSV, list_name="Klanten")
    imports.run(LATER, list_name="Nieuwsbrief")
    survey_id = open_survey(conn, template="customer_satisfaction")
    send_campaign(conn, data_dir, survey_id, imports.list_id("Klanten"), "Doorlopende meting")

    hasher = keys.hasher()
    ids = {
        name: conn.execute(
            "SELECT id FROM contacts WHERE email_hash = ?",
            (suppression.address_hash(hasher, f"{name}@example.nl"),),
        ).fetchone()[0]
        for name in ("oud", "recent", "bounce", "nooit")
    }
    assert (
        conn.execute("SELECT closes_on FROM surveys WHERE id = ?", (survey_id,)).fetchone()[0]
        is None
    )
    assert conn.execute("SELECT count(*) FROM outbox WHERE state = 'sent'").fetchone()[0] == 6

    today = date.fromisoformat(retention.local_today(settings))
    imported = today - timedelta(days=300)
    conn.execute(
        "UPDATE contact_imports SET created_at = ?, finished_at = ?",
        (_noon(imported), _noon(imported)),
    )

    def sent(name: str, wave: int, day: date | None, state: str = "sent") -> None:
        conn.execute(
            "UPDATE outbox SET state = ?, sent_at = ? WHERE wave = ? AND invitation_id IN"
            " (SELECT id FROM invitations WHERE contact_id = ?)",
            (state, _noon(day) if day else None, wave, ids[name]),
        )

    invited = today - timedelta(days=250)
    for name in ("oud", "recent"):
        sent(name, 0, invited)
    sent("oud", 1, _ago(today, 6, -1))
    recent_reminder = _ago(today, 6, 1)
    sent("recent", 1, recent_reminder)
    sent("bounce", 0, None, "bounced")
    sent("bounce", 1, None, "bounced")
    recent_due = add_months(recent_reminder, 6)
    assert add_months(_ago(today, 6, -1), 6) < today < recent_due
    return World(settings, survey_id, ids, today, recent_due)


def _purge(data_dir, *args):
    result = CliRunner().invoke(main, ["--data-dir", str(data_dir), "purge", *args], env={})
    assert result.exit_code == 0, result.output
    return result.output


def _remaining(conn, world: World) -> set[str]:
    kept = {r[0] for r in conn.execute("SELECT id FROM contacts")}
    return {name for name, contact_id in world.ids.items() if contact_id in kept}


def test_a_purge_erases_a_contact_six_months_and_a_day_after_its_last_reminder(
    world, conn, data_dir
):
    """The survey is still open and has no closing date: that no longer keeps anyone."""
    _purge(data_dir)
    assert "oud" not in _remaining(conn, world)


def test_a_contact_whose_last_reminder_is_a_day_short_of_six_months_stays(world, conn, data_dir):
    """Counted from the reminder, not from the invitation (250 days ago) or the import."""
    _purge(data_dir)
    assert "recent" in _remaining(conn, world)


def test_a_contact_never_sent_anything_counts_from_its_import(world, conn, data_dir):
    """Invited, but both messages bounced; and one never invited at all."""
    _purge(data_dir)
    assert _remaining(conn, world) == {"recent"}


def test_the_dry_run_and_the_plan_show_the_due_day(world, conn, data_dir):
    output = _purge(data_dir, "--dry-run")
    [line] = [x for x in output.splitlines() if re.match(r"contacts {2,}\d", x)]
    assert line.split()[1] == "3"  # due now: oud, bounce, nooit
    assert f"{world.recent_due.isoformat()}: 1" in line  # the console speaks ISO
    assert "waiting" not in output
    found = retention.plan(conn, world.settings)
    assert found.lines["contacts"].due_now == 3
    assert found.lines["contacts"].upcoming[0] == (world.recent_due.isoformat(), 1)
    assert len(_remaining(conn, world)) == 4  # a dry run erases nothing
    receipt = retention_service.apply(conn, world.settings)
    assert receipt.counts["contacts"] == found.lines["contacts"].due_now


def test_the_pages_show_the_same_day(world, as_role, conn):
    staff = as_role("staff")
    page = staff.get("/compliance/retention").get_data(as_text=True)
    assert shown(world.recent_due) in page
    assert "Waiting for a survey to end" not in page
    assert "after the last invitation or reminder sent to them" in page

    lists = staff.get("/contacts/").get_data(as_text=True)
    overdue = shown(add_months(world.today - timedelta(days=300), 6))
    assert f"{overdue} to {shown(world.recent_due)}" in lists
    assert "when their survey has ended" not in lists

    survey = staff.get(f"/surveys/{world.survey_id}").get_data(as_text=True)
    first = shown(add_months(world.today - timedelta(days=300), 6))
    assert f"from {first} to {shown(world.recent_due)}" in survey
    assert "after this survey ends" not in survey
