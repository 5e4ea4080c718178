"""Responses stored before segment values were fixed per invitation: the upgrade strips and
coarsens them, and recounts, before anything serves."""

from __future__ import annotations

import json
import random

from appliance import db, schema
from appliance.migrations import STEPS, migration_set
from appliance.responses.segments import LANGUAGE
from appliance.responses.upgrade_service import settle_legacy_segments
from appliance.surveys.templates import TEMPLATES

K = 5
REGIONS = {"noord": 20, "zuid": 12, "texel": 1}


def _legacy_database(path):
    """A database as 0015 left it: responses with every attribute of their invited contact."""
    conn = db.connect(path)
    schema.migrate(conn, migration_set(STEPS[:15]))
    with db.transaction(conn):
        conn.execute(
            "INSERT INTO surveys (id, title, status, created_at, definition, report_segments)"
            " VALUES (1, 'Oud', 'open', 'then', ?, '[\"regio\"]')",
            (json.dumps(TEMPLATES["nps"]),),
        )
        conn.execute("INSERT INTO contact_lists VALUES (1, 'Klanten', 'then', NULL)")
        conn.execute(
            "INSERT INTO contact_imports (id, list_id, basis, created_at)"
            " VALUES (1, 1, 'consent', 'then')"
        )
        rng = random.Random(3)
        n = 0
        for region, count in REGIONS.items():
            for _ in range(count):
                n += 1
                segments = {"regio": region, "klantnummer": f"K-{100200 + n}"}
                conn.execute(
                    "INSERT INTO contacts (id, list_id, import_id, language, segments)"
                    " VALUES (?, 1, 1, 'nl', ?)",
                    (n, json.dumps(segments)),
                )
                conn.execute(
                    "INSERT INTO invitations (survey_id, contact_id, token_hash, used)"
                    " VALUES (1, ?, ?, ?)",
                    (n, rng.randbytes(32), int(n % 2 == 1)),
                )
                if n % 2 == 1:
                    conn.execute(
                        "INSERT INTO responses (id, survey_id, mode, submitted_on, language,"
                        " segments, answers) VALUES (?, 1, 'invitation', '2026-10-01', 'nl', ?,"
                        ' \'{"nps": "9"}\')',
                        (f"{n:032x}", json.dumps(segments)),
                    )
    return conn


def test_the_upgrade_leaves_no_response_that_names_fewer_than_k(tmp_path):
    conn = _legacy_database(tmp_path / "old.db")
    # The texel respondent: before, the only response with that value.
    before = [json.loads(r[0]) for r in conn.execute("SELECT segments FROM responses")]
    assert sum(s["regio"] == "texel" for s in before) == 1
    assert all("klantnummer" in s for s in before)

    schema.migrate(conn)
    assert [r[0] for r in conn.execute("SELECT legacy_segments FROM surveys")] == [1]
    stripped = [json.loads(r[0]) for r in conn.execute("SELECT segments FROM responses")]
    assert not any("klantnummer" in s for s in stripped)

    assert settle_legacy_segments(conn, K) == [1]
    fixed = [json.loads(r[0]) for r in conn.execute("SELECT segments FROM invitations")]
    assert all(f.get("regio") != "texel" for f in fixed)
    combos = [{a: v for a, v in f.items() if a != LANGUAGE} for f in fixed]
    for response_id, segments, language in conn.execute(
        "SELECT id, segments, language FROM responses"
    ):
        stored = json.loads(segments)
        assert "klantnummer" not in stored and language in ("nl", "")
        if stored:
            assert sum(c == stored for c in combos) >= K, (response_id, stored)
    # The counters were rebuilt from what the responses now hold.
    counted = {
        r[0]: r[1]
        for r in conn.execute(
            "SELECT val1, sum(n) FROM report_counts WHERE dim1 = 'seg:regio' AND question = ''"
            " AND dim2 = ''"
            " GROUP BY val1"
        )
    }
    assert "texel" not in counted and sum(counted.values()) == 17
    assert [r[0] for r in conn.execute("SELECT legacy_segments FROM surveys")] == [0]
    assert settle_legacy_segments(conn, K) == []
