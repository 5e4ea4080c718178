"""Organisation settings edited by an admin; changes are audited and take effect at once."""

from __future__ import annotations

from tests.conftest import audit_actions


def test_it_saves_settings_and_logs_old_and_new(as_role, conn):
    admin = as_role("admin")
    r = admin.post(
        "/admin/settings/",
        {
            "organisation_name": "Bakkerij Jansen BV",
            "default_language": "nl",
            "min_group_size": "7",
        },
    )
    assert r.status_code == 302
    assert audit_actions(conn)[-1] == "settings.changed"
    details = conn.execute("SELECT details FROM audit_log ORDER BY id DESC").fetchone()[0]
    assert '"min_group_size": [5, 7]' in details
    assert "Bakkerij Jansen BV" in as_role("staff").get("/reports/").get_data(as_text=True)
    # The new default language (nl) and k = 7 apply at once to a user without own language.
    assert "minder dan 7 reacties" in as_role("researcher").get("/reports/").get_data(as_text=True)


def test_it_never_allows_a_minimum_group_size_below_three(as_role, conn):
    r = as_role("admin").post(
        "/admin/settings/",
        {"organisation_name": "", "default_language": "en", "min_group_size": "2"},
    )
    assert r.status_code == 400
    assert conn.execute("SELECT count(*) FROM setting_overrides").fetchone()[0] == 0


def test_it_shows_the_server_configuration_read_only(as_role):
    page = as_role("admin").get("/admin/settings/").get_data(as_text=True)
    assert "session_idle_minutes" in page and "secure_cookies" in page


def test_a_dutch_admin_reads_the_server_settings_described_in_dutch(as_role, conn, cast):
    conn.execute("UPDATE users SET language = 'nl' WHERE id = ?", (cast["admin"].id,))
    page = as_role("admin").get("/admin/settings/").get_data(as_text=True)
    assert "Afmelden na zoveel minuten zonder activiteit." in page
    assert "Sign out after this many idle minutes." not in page
