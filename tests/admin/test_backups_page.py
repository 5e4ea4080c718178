"""Backups in the admin's pages: the last one (time, size, result), the next nightly run, and a
banner on every admin page when backups are off, failed or older than a day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from appliance import audit
from appliance.backup import status
from appliance.db import iso, utcnow
from tests.conftest import app_settings

WARNING = 'id="backup-warning"'


@pytest.fixture
def settings_overrides(data_dir):
    """Nightly backups switched on (a key and a time), as a real install would have them."""
    return {
        **app_settings(data_dir),
        "backup_passphrase": "een-lange-back-up-zin-2026",
        "backup_time": "02:30",
    }


def backup(conn, ok=True, hours_ago=1.0, size=2_345_678):
    """A backup result as ``backup.jobs`` records it, written ``hours_ago``."""
    audit.record(
        conn,
        "backup.written" if ok else "backup.failed",
        actor="system",
        target="backup",
        details={"name": "nightly-x", "kind": "nightly", "bytes": size}
        if ok
        else {"name": "nightly-y", "reason": "no space left on device"},
    )
    at = iso(utcnow() - timedelta(hours=hours_ago))
    conn.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    conn.execute("UPDATE audit_log SET at = ? WHERE id = (SELECT max(id) FROM audit_log)", (at,))


def test_a_recent_good_backup_shows_its_size_and_the_next_run(as_role, conn):
    backup(conn, hours_ago=3)
    page = as_role("admin").get("/admin/backups/").get_data(as_text=True)
    assert "2.3 MB" in page and "written" in page and "Next nightly backup:" in page
    assert "02:30" in page
    assert WARNING not in page


def test_a_failed_backup_warns_on_every_admin_page(as_role, conn):
    backup(conn, hours_ago=30)
    backup(conn, ok=False, hours_ago=2)
    admin = as_role("admin")
    for path in ("/", "/admin/users/", "/admin/settings/", "/admin/audit/", "/admin/backups/"):
        r = admin.get(path)
        page = r.get_data(as_text=True)
        assert r.status_code == 200 and WARNING in page and "The last backup failed." in page, path
    page = admin.get("/admin/backups/").get_data(as_text=True)
    assert "no space left on device" in page and "Last good backup:" in page
    # Staff do not handle backups: no banner for them.
    assert WARNING not in as_role("staff").get("/").get_data(as_text=True)


def test_an_old_backup_warns(as_role, conn):
    backup(conn, hours_ago=40)
    page = as_role("admin").get("/admin/users/").get_data(as_text=True)
    assert "The last backup is older than a day." in page


def test_a_fresh_install_without_a_backup_yet_does_not_warn(as_role):
    page = as_role("admin").get("/admin/users/").get_data(as_text=True)
    assert WARNING not in page


def test_backups_without_a_key_are_off_and_warn(app, as_role):
    app.extensions["appliance"].settings["backup_passphrase"] = ""
    page = as_role("admin").get("/admin/users/").get_data(as_text=True)
    assert "Nightly backups are off." in page
    page = as_role("admin").get("/admin/backups/").get_data(as_text=True)
    assert "no backup key is configured" in page


def test_the_next_run_is_the_next_local_backup_time():
    tz = ZoneInfo("Europe/Amsterdam")
    before = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)  # 02:00 in Amsterdam
    assert status.next_run("02:30", tz, before) == datetime(2026, 12, 2, 1, 30, tzinfo=UTC)
    after = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
    assert status.next_run("02:30", tz, after) == datetime(2026, 12, 3, 1, 30, tzinfo=UTC)
    assert status.next_run("", tz, after) is None
