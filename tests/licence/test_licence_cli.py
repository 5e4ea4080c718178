"""`appliance licence show|install`, and `check` refusing the test-only key setting."""

from __future__ import annotations

from datetime import date, timedelta

from tests.conftest import audit_actions
from tests.licensing import issue, new_key, public_text
from tests.test_cli import run

KEY = new_key()


def test_show_tells_a_fresh_installation_it_is_in_its_trial(data_dir):
    r = run("--data-dir", str(data_dir), "licence", "show")
    assert r.exit_code == 0, r.output
    assert "licence: trial" in r.output and "(30 days left)" in r.output
    assert "modules:      interviews, paper, publication" in r.output
    assert "researchers:  1 active, no limit allowed" in r.output


def test_install_checks_the_file_and_show_reports_it(data_dir, tmp_path, conn):
    env = {"APPLIANCE_LICENCE_TEST_KEY": public_text(KEY)}
    good = tmp_path / "good.licence"
    good.write_bytes(issue(KEY, licence_id="LIC-CLI", modules=("paper",), interviewers=2))
    forged = tmp_path / "forged.licence"
    forged.write_bytes(issue(new_key()))
    r = run("--data-dir", str(data_dir), "licence", "install", str(forged), env=env)
    assert r.exit_code != 0 and "does not match the vendor's key" in r.output
    r = run("--data-dir", str(data_dir), "licence", "install", str(good), env=env)
    assert r.exit_code == 0, r.output
    assert "installed licence LIC-CLI for Voorbeeld B.V." in r.output
    r = run("--data-dir", str(data_dir), "licence", "show", env=env)
    until = (date.today() + timedelta(days=355)).isoformat()
    assert f"licence: licensed; last day {until}" in r.output
    assert "modules:      paper" in r.output and "interviewers: 1 active, 2 allowed" in r.output
    assert audit_actions(conn).count("licence.installed") == 1


def test_the_real_vendor_key_refuses_a_throw_away_licence(data_dir, tmp_path):
    lic = tmp_path / "x.licence"
    lic.write_bytes(issue(KEY))
    r = run("--data-dir", str(data_dir), "licence", "install", str(lic))
    assert r.exit_code != 0 and "not installed" in r.output


def test_check_and_serve_refuse_the_test_key_setting(data_dir):
    env = {"APPLIANCE_LICENCE_TEST_KEY": public_text(KEY)}
    r = run("--data-dir", str(data_dir), "check", env=env)
    assert r.exit_code == 1 and "licence_test_key is set" in r.output
    r = run("--data-dir", str(data_dir), "serve", "--port", "1", env=env)
    assert r.exit_code != 0 and "refusing to serve" in r.output
