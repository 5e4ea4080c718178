"""The retention engine: each kind of personal data is kept exactly until its day, and a run
leaves a receipt with counts per kind."""

from __future__ import annotations

import json

from appliance.privacy import retention, retention_service
from tests.privacy import world as w
from tests.privacy.world import world_fixture  # noqa: F401


def _counts(conn) -> dict[str, int]:
    tables = ("contacts", "import_rejects", "name_answers", "contact_requests", "invitations")
    return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}  # noqa: S608


def test_contacts_never_sent_anything_are_erased_six_months_after_their_import(conn, world):
    """Alice and Bob were invited, but no message went out (the invitations were made by
    hand); Carol was never invited. All three count from the import."""
    before = retention_service.apply(conn, world.settings, now=w.at_noon(world.day(6, -1)))
    assert before.counts["contacts"] == 0
    receipt = retention_service.apply(conn, world.settings, now=w.at_noon(world.day(6)))
    assert receipt.counts["contacts"] == 3
    # The invitations stay (they count the response rate) but no longer point at anyone.
    assert _counts(conn)["invitations"] == 2
    assert (
        conn.execute("SELECT count(*) FROM invitations WHERE contact_id IS NOT NULL").fetchone()[0]
        == 0
    )


def test_a_survey_that_stays_open_keeps_no_one(conn, world):
    found = retention.plan(conn, world.settings, now=w.at_noon(world.day(18)))
    assert found.lines["contacts"].due_now == 3


def test_neither_a_closing_date_nor_closing_moves_the_day(conn, world):
    conn.execute(
        "UPDATE surveys SET closes_on = ? WHERE id = ?",
        (world.day(12).isoformat(), world.survey_id),
    )
    due = world.day(6).isoformat()
    assert retention.plan(conn, world.settings).lines["contacts"].upcoming == [(due, 3)]
    w.close(conn, world)
    assert retention.plan(conn, world.settings).lines["contacts"].upcoming == [(due, 3)]


def test_a_typed_name_goes_six_months_after_the_answer_and_the_answer_stays(conn, world):
    assert (
        retention_service.apply(conn, world.settings, now=w.at_noon(world.day(6, -1))).counts[
            "names"
        ]
        == 0
    )
    receipt = retention_service.apply(conn, world.settings, now=w.at_noon(world.day(6)))
    assert receipt.counts["names"] == 1
    assert _counts(conn)["name_answers"] == 0
    assert conn.execute("SELECT count(*) FROM responses").fetchone()[0] == 1


def test_a_contact_request_goes_at_its_deadline_or_once_handled(conn, world):
    days = world.settings["contact_request_days"]
    assert (
        retention_service.apply(conn, world.settings, now=w.at_noon(world.day(0, days - 1))).counts[
            "contact_requests"
        ]
        == 0
    )
    assert (
        retention_service.apply(conn, world.settings, now=w.at_noon(world.day(0, days))).counts[
            "contact_requests"
        ]
        == 1
    )


def test_a_handled_contact_request_goes_at_the_next_run(conn, world):
    conn.execute("UPDATE contact_requests SET handled_at = '2026-01-01T00:00:00Z'")
    receipt = retention_service.apply(conn, world.settings)
    assert receipt.counts["contact_requests"] == 1


def test_rejected_rows_of_an_import_go_with_its_term(conn, world):
    assert _counts(conn)["import_rejects"] == 1
    retention_service.apply(conn, world.settings, now=w.at_noon(world.day(6, -1)))
    assert _counts(conn)["import_rejects"] == 1
    assert (
        retention_service.apply(conn, world.settings, now=w.at_noon(world.day(6))).counts[
            "import_rejects"
        ]
        == 1
    )


def test_the_terms_follow_the_settings(conn, world):
    shorter = {**world.settings, "retention_contact_months": 1, "retention_name_months": 2}
    receipt = retention_service.apply(conn, shorter, now=w.at_noon(world.day(2)))
    assert receipt.counts["contacts"] == 3 and receipt.counts["names"] == 1


def test_month_ends_are_clamped_so_nothing_is_kept_a_day_too_long():
    from datetime import date

    from appliance.privacy.retention import add_months

    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months(date(2027, 8, 31), 6) == date(2028, 2, 29)
    assert add_months(date(2026, 11, 22), 6) == date(2027, 5, 22)


def test_sql_and_python_agree_on_month_ends(conn):
    from datetime import date

    from appliance.privacy import retention_store
    from appliance.privacy.retention import add_months

    for day in ("2026-08-31", "2027-08-31", "2026-01-31", "2026-12-31", "2026-03-15"):
        sql = retention_store._plus("?", "m").replace(":m_end", "?").replace(":m", "?")
        got = conn.execute(f"SELECT {sql}", (day, "+6 months", day, "+7 months")).fetchone()[0]  # noqa: S608
        assert got == add_months(date.fromisoformat(day), 6).isoformat()


def test_every_run_writes_a_receipt_with_counts_per_kind(conn, world):
    receipt = retention_service.apply(conn, world.settings, now=w.at_noon(world.day(6)))
    row = conn.execute(
        "SELECT actor, details FROM audit_log WHERE id = ?", (receipt.audit_id,)
    ).fetchone()
    details = json.loads(row["details"])
    assert row["actor"] == "system"
    assert set(details["counts"]) == set(retention.KINDS)
    assert details["counts"]["contacts"] == 3 and details["counts"]["names"] == 1
    assert w.CANARY not in row["details"]
    empty = retention_service.apply(conn, world.settings, now=w.at_noon(world.day(6)))
    assert empty.total == 0 and empty.audit_id > receipt.audit_id


def test_a_dry_run_plan_matches_what_the_run_then_erases(conn, world):
    moment = w.at_noon(world.day(7))
    found = retention.plan(conn, world.settings, now=moment)
    receipt = retention_service.apply(conn, world.settings, now=moment)
    for kind in ("contacts", "import_rejects", "names", "contact_requests"):
        assert found.lines[kind].due_now == receipt.counts[kind], kind


def test_mail_files_go_on_the_contact_term(conn, world, data_dir):
    import os
    import time

    folder = data_dir / "mail"
    folder.mkdir(exist_ok=True)
    old, new = folder / "old.eml", folder / "new.eml"
    old.write_text(f"To: alice@{w.CANARY.lower()}.nl\n")
    new.write_text("To: someone\n")
    seven_months = 7 * 31 * 86400
    os.utime(old, (time.time() - seven_months, time.time() - seven_months))
    found = retention.plan(conn, world.settings)
    assert found.lines["mail_files"].due_now == 1
    receipt = retention_service.apply(conn, world.settings)
    assert receipt.counts["mail_files"] == 1
    assert not old.exists() and new.exists()
