"""Releases: the researcher sees the counters as released, and a release moves only after at
least k changes; staff see them live."""

from __future__ import annotations

import sqlite3

import pytest

from appliance import db
from appliance.reports import release_service
from appliance.reports.gate import Gate
from appliance.scheduler import release_due
from appliance.settings import load as load_settings
from tests.reports.test_attacks_round2 import NEW, _json, live  # noqa: F401

K = 5


def test_the_researcher_sees_a_release_that_moves_by_k_changes(as_role, conn, live):  # noqa: F811
    survey_id, one_more = live
    researcher, staff = as_role("researcher"), as_role("staff")
    first = _json(researcher, survey_id)["respondents"]
    for n in range(1, K):
        one_more("noord", NEW)
        assert _json(researcher, survey_id)["respondents"] == first, n
        assert _json(staff, survey_id)["respondents"] == first + n  # staff: live
    one_more("noord", NEW)
    assert _json(researcher, survey_id)["respondents"] == first + K


def test_the_scheduler_cuts_due_releases(conn, data_dir, live):  # noqa: F811
    survey_id, one_more = live
    settings = load_settings({"data_dir": str(data_dir)}, environ={})
    assert release_due(settings) == [survey_id]  # the fixture's responses
    for _ in range(K - 1):
        one_more("zuid", NEW)
    assert release_due(settings) == []
    one_more("zuid", NEW)
    assert release_service.cut_due(conn, K) == [survey_id]


def test_a_researchers_gate_cannot_read_live_counters_or_pending_changes(data_dir, cast):
    with Gate(db.db_path(data_dir), K, cast["researcher"].id) as gate:
        for sql in (
            "SELECT * FROM report_counts",
            "SELECT responses FROM campaigns",
            "SELECT changes FROM report_releases",
        ):
            with pytest.raises(sqlite3.DatabaseError):
                gate._conn.execute(sql).fetchall()
        gate._conn.execute("SELECT released_at FROM report_release_counts, report_releases")
