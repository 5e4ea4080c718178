"""The organisation's day is the ``timezone`` setting's, whatever zone the server runs in: the
pages, the jobs and the commands date responses, exclusions, closing days and reports by it."""

from __future__ import annotations

import os
import time
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from appliance import create_app, db
from appliance.settings import SettingsError
from tests.conftest import app_settings
from tests.test_cli import run

# Twenty-six hours apart: their dates always differ, so a day counted in the server's own zone
# (UTC here) matches at most one of them at any hour the test runs.
ZONES = ("Pacific/Kiritimati", "Etc/GMT+12")


@pytest.fixture
def server_in_utc():
    before = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


def _days_agree(zone: str, data_dir) -> None:
    theirs = datetime.now(ZoneInfo(zone)).date()
    conn = db.connect(db.db_path(data_dir))
    try:
        sqlite_day = conn.execute("SELECT date('now', 'localtime')").fetchone()[0]
    finally:
        conn.close()
    assert date.today() == theirs
    assert sqlite_day == theirs.isoformat()
    assert datetime.now().astimezone().utcoffset() == datetime.now(ZoneInfo(zone)).utcoffset()


@pytest.mark.parametrize("zone", ZONES)
def test_the_app_counts_the_days_of_its_timezone_setting(server_in_utc, data_dir, zone):
    create_app({**app_settings(data_dir), "timezone": zone})
    _days_agree(zone, data_dir)


@pytest.mark.parametrize("zone", ZONES)
def test_each_command_counts_the_days_of_its_timezone_setting(server_in_utc, data_dir, zone):
    result = run("--data-dir", str(data_dir), "audit", "verify", env={"APPLIANCE_TIMEZONE": zone})
    assert result.exit_code == 0, result.output
    _days_agree(zone, data_dir)


def test_a_zone_the_system_has_no_data_for_stops_with_a_clear_error(
    server_in_utc, data_dir, tmp_path
):
    """Python knows the zone but the C library, which counts the local day, reads the system's
    own zone files: without them it would count UTC's day without a word."""
    os.environ["TZDIR"] = str(tmp_path)  # an empty zone directory
    try:
        with pytest.raises(SettingsError, match="no time zone data for 'Pacific/Kiritimati'"):
            create_app({**app_settings(data_dir), "timezone": "Pacific/Kiritimati"})
        result = run(
            "--data-dir",
            str(data_dir),
            "audit",
            "verify",
            env={"APPLIANCE_TIMEZONE": "Pacific/Kiritimati"},
        )
        assert result.exit_code == 1 and "install the tzdata package" in result.output
    finally:
        del os.environ["TZDIR"]
        os.environ.pop("TZ", None)
        time.tzset()
