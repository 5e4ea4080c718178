"""Building a telephone campaign's call list: who is called, who is skipped and why, which
contact fields are read, the "do not call" list, and what an erased or purged contact leaves."""

from __future__ import annotations

import sqlite3

import pytest

from appliance.db import transaction
from appliance.interviews import calls_service, phone_campaign
from appliance.mailing import service as mailing_service
from appliance.privacy import erasure, subject_export, subjects, suppression
from tests.interviews.calls_world import CALLABLE, TZ, CallWorld, local

EMAIL_AND_ADDRESS = {
    "email",
    "email_hash",
    "street",
    "house_number",
    "postcode",
    "town",
    "country",
}


@pytest.fixture
def world(conn, data_dir, tmp_path, cast):
    return CallWorld(conn, data_dir, tmp_path, cast)


def _columns_read(conn, run) -> set[str]:
    """The columns of ``contacts`` the statements of ``run()`` read."""
    seen: set[str] = set()

    def authorizer(action, table, column, _db, _source):
        if action == sqlite3.SQLITE_READ and table == "contacts":
            seen.add(column)
        return sqlite3.SQLITE_OK

    conn.set_authorizer(authorizer)
    try:
        run()
    finally:
        conn.set_authorizer(None)
    return seen


def test_numbers_are_called_and_contacts_without_a_usable_one_are_skipped(world):
    campaign_id = world.campaign()
    calls = world.calls(campaign_id)
    assert len(calls) == CALLABLE
    assert {c["status"] for c in calls} == {"open"}
    # Due from 9:00, spread within its first second so that calls are drawn at random.
    assert all(local(9) <= c["next_at"] < local(9) + 1 for c in calls)
    campaign = mailing_service.get_campaign(world.conn, campaign_id)
    assert campaign["status"] == "active" and campaign["channel"] == "phone"
    assert mailing_service.skipped(campaign) == {
        "no_phone": 2,
        "suppressed": 0,
        "already_invited": 0,
    }
    # Each call has its own invitation to the survey, as every campaign's invitees have.
    invitations = world.conn.execute(
        "SELECT id, contact_id, survey_id FROM invitations WHERE campaign_id = ?", (campaign_id,)
    ).fetchall()
    assert {(i["id"], i["contact_id"]) for i in invitations} == {
        (c["invitation_id"], c["contact_id"]) for c in calls
    }
    assert {i["survey_id"] for i in invitations} == {world.survey_id}


def test_building_reads_the_phone_field_and_never_an_address(world):
    list_id = world.imports.list_id()
    cipher, hasher = world.keys.cipher(), world.keys.hasher()
    read = _columns_read(
        world.conn,
        lambda: phone_campaign.select(world.conn, cipher, hasher, list_id, world.survey_id, {}),
    )
    assert "phone" in read and not read & EMAIL_AND_ADDRESS
    read = _columns_read(world.conn, world.campaign)
    assert "phone" in read and not read & EMAIL_AND_ADDRESS


def test_building_opens_no_sealed_field_but_the_phone(world, monkeypatch):
    opened = []
    real = phone_campaign.open_contact_field

    def spy(cipher, field, blob, contact_id):
        opened.append(field)
        return real(cipher, field, blob, contact_id)

    monkeypatch.setattr(phone_campaign, "open_contact_field", spy)
    world.campaign()
    assert opened and set(opened) == {"phone"}


def test_a_second_campaign_skips_those_invited_before(world):
    world.campaign()
    with pytest.raises(mailing_service.CampaignError):
        world.campaign(name="Nog eens")
    cipher, hasher = world.keys.cipher(), world.keys.hasher()
    list_id = world.imports.list_id()
    selection = phone_campaign.select(world.conn, cipher, hasher, list_id, world.survey_id, {})
    assert selection.skipped == {"no_phone": 2, "suppressed": 0, "already_invited": CALLABLE}


def test_a_number_on_the_do_not_call_list_is_skipped(world):
    hasher = world.keys.hasher()
    with transaction(world.conn):
        suppression.add(world.conn, [suppression.phone_hash(hasher, "+31612345678")], "staff")
    campaign_id = world.campaign()
    assert len(world.calls(campaign_id)) == CALLABLE - 1
    campaign = mailing_service.get_campaign(world.conn, campaign_id)
    assert mailing_service.skipped(campaign)["suppressed"] == 1


def test_numbers_are_normalised_to_e164():
    assert phone_campaign.e164("06 12345678") == "+31612345678"
    assert phone_campaign.e164("+44 20 7946 0958") == "+442079460958"
    assert phone_campaign.e164("12345678") is None
    assert phone_campaign.e164("") is None


def test_the_rules_are_checked(world):
    with pytest.raises(mailing_service.CampaignError) as refused:
        world.campaign(rules=phone_campaign.PhoneRules(max_attempts=0, day_parts=0))
    assert len(refused.value.reasons) == 2
    assert world.conn.execute("SELECT count(*) FROM calls").fetchone()[0] == 0


def test_an_erased_contact_leaves_no_call_and_no_attempt(world, cast):
    campaign_id = world.campaign()
    ivo = cast["interviewer"].id
    call_id = calls_service.next_call(world.conn, world.keys, ivo, campaign_id, local(10))
    calls_service.record(world.conn, world.keys, ivo, call_id, "no_answer", now=local(10, 5))
    contact_id = world.conn.execute(
        "SELECT contact_id FROM calls WHERE id = ?", (call_id,)
    ).fetchone()[0]
    with transaction(world.conn):
        erasure.erase_contacts(world.conn, [contact_id], person=True, hasher=world.keys.hasher())
    assert (
        world.conn.execute("SELECT count(*) FROM calls WHERE id = ?", (call_id,)).fetchone()[0] == 0
    )
    assert world.conn.execute("SELECT count(*) FROM call_attempts").fetchone()[0] == 0
    assert len(world.calls(campaign_id)) == CALLABLE - 1


def test_contacts_purged_by_retention_leave_no_call_rows(world, cast):
    campaign_id = world.campaign()
    ivo = cast["interviewer"].id
    call_id = calls_service.next_call(world.conn, world.keys, ivo, campaign_id, local(10))
    calls_service.record(world.conn, world.keys, ivo, call_id, "busy", now=local(10, 5))
    ids = [c["contact_id"] for c in world.calls(campaign_id)]
    with transaction(world.conn):
        erasure.erase_contacts(world.conn, ids)  # what the retention purge does with them
    assert world.calls(campaign_id) == []
    assert world.conn.execute("SELECT count(*) FROM call_attempts").fetchone()[0] == 0


def test_suppressing_a_number_needs_no_audit_of_it(world):
    """The audit log of a created campaign names counts, never a number."""
    world.campaign()
    details = " ".join(
        r[0] for r in world.conn.execute("SELECT details FROM audit_log").fetchall() if r[0]
    )
    assert "612345678" not in details and "Jansen" not in details


def test_the_persons_own_calls_are_in_their_data_access_export(world, cast):
    campaign_id = world.campaign()
    ivo = cast["interviewer"].id
    first = calls_service.next_call(world.conn, world.keys, ivo, campaign_id, local(10))
    number = calls_service.in_hand(world.conn, world.keys, ivo, first).phone
    calls_service.record(world.conn, world.keys, ivo, first, "busy", now=local(10, 1))
    second = calls_service.next_call(world.conn, world.keys, ivo, campaign_id, local(10, 2))
    answered = calls_service.in_hand(world.conn, world.keys, ivo, second).phone
    with transaction(world.conn):
        calls_service.completed(second, ivo)(world.conn)
    cipher, hasher = world.keys.cipher(), world.keys.hasher()

    def dossier(phone):
        query = subjects.parse(phone)
        ids = subjects.find(world.conn, cipher, hasher, query)
        return subjects.collect(world.conn, cipher, hasher, query, ids)

    busy = dossier(number)["contacts"][0]["calls"]
    assert busy == [
        {
            "survey": "Aanbevelingsvraag",
            "campaign": "Bellen",
            "outcome": "busy",
            "outcome_label": "Busy",
            "aapor": "3.12",
            "attempts": [
                {"at": "2026-12-02T09:01:00Z", "outcome": "busy", "outcome_label": "Busy"}
            ],
        }
    ]
    done = dossier(answered)
    assert [(c["outcome"], c["attempts"]) for c in done["contacts"][0]["calls"]] == [
        ("complete", [])
    ]
    pdf = subject_export.to_pdf(done, "Voorbeeld", TZ)
    assert pdf.startswith(b"%PDF")


def test_a_number_on_the_do_not_call_list_shows_in_the_persons_export(world, cast):
    campaign_id = world.campaign()
    ivo = cast["interviewer"].id
    call_id = calls_service.next_call(world.conn, world.keys, ivo, campaign_id, local(10))
    number = calls_service.in_hand(world.conn, world.keys, ivo, call_id).phone
    calls_service.record(
        world.conn, world.keys, ivo, call_id, "refusal", now=local(10, 1), do_not_call=True
    )
    cipher, hasher = world.keys.cipher(), world.keys.hasher()
    query = subjects.parse(number)
    dossier = subjects.collect(
        world.conn, cipher, hasher, query, subjects.find(world.conn, cipher, hasher, query)
    )
    assert [u["source"] for u in dossier["unsubscribed"]] == ["unsubscribe"]


def test_handing_out_and_showing_a_call_read_no_address(world, cast):
    campaign_id = world.campaign()
    ivo = cast["interviewer"].id
    handed = {}
    read = _columns_read(
        world.conn,
        lambda: handed.setdefault(
            "id", calls_service.next_call(world.conn, world.keys, ivo, campaign_id, local(10))
        ),
    )
    assert read == {"id", "import_id", "phone"}
    shown = _columns_read(
        world.conn, lambda: calls_service.in_hand(world.conn, world.keys, ivo, handed["id"])
    )
    assert shown == {"id", "first_name", "infix", "last_name", "gender", "phone", "language"}
