"""The counters the fold keeps equal a full recount, exclusions included."""

from __future__ import annotations

import random

from appliance.db import transaction
from appliance.reports import fold_service
from appliance.reports import store as report_store
from appliance.reports.counters import week_of
from appliance.responses import store as responses_store
from tests.reports import study


def test_folded_counters_equal_a_full_recount(conn, data_dir):
    survey_id = study.create(conn)
    study.seed(conn, data_dir, survey_id, {"noord": 30, "zuid": 12, "texel": 2})
    rng = random.Random(5)
    study.respond(conn, data_dir, survey_id, rng, mode="kiosk")  # no segments at all
    ids = [r[0] for r in conn.execute("SELECT id FROM responses ORDER BY id LIMIT 4")]
    with transaction(conn):
        for rid in ids[:3]:
            responses_store.set_excluded(conn, rid, "speeder", "2026-11-22")
        responses_store.set_excluded(conn, ids[0], None, "2026-11-22")  # included again
    fold_service.fold_pending(conn)
    kept = report_store.counts_of(conn, survey_id)
    with transaction(conn):
        report_store.rebuild(conn, survey_id)
    assert report_store.counts_of(conn, survey_id) == kept
    assert kept[("#excluded", "", "", "", "", "")] == 2
    assert kept[("", "", "", "", "", "")] == 45 - 2
    # No open text and no name ever becomes a counter value.
    assert all(key[5] in ("", "*") for key in kept if key[0] == "remark")
    assert not any(key[0] == "who" for key in kept)


def test_iso_weeks_in_python_and_sql_agree(conn):
    for day in ("2026-01-01", "2026-12-31", "2027-01-03", "2024-12-30", "2026-11-22"):
        sql = conn.execute(
            "SELECT strftime('%Y', date(?, '-3 days', 'weekday 4')) || '-W' || printf('%02d',"
            " (strftime('%j', date(?, '-3 days', 'weekday 4')) - 1) / 7 + 1)",
            (day, day),
        ).fetchone()[0]
        assert sql == week_of(day)
