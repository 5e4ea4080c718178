"""The `appliance` command: init, check, serve refusal, users, audit verify, data-dir lookup."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import urllib.request

from click.testing import CliRunner

from appliance import db
from appliance.auth import store as auth_store
from appliance.cli import main
from tests.serving import running_server

PW = "Cli-wachtwoord-lang-2026\n"


def run(*args, env=None, input=None):
    base = {k: v for k, v in os.environ.items() if not k.startswith("APPLIANCE_")}
    return CliRunner().invoke(
        main, list(args), env={**base, **(env or {})}, input=input, catch_exceptions=False
    )


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_init_creates_a_private_data_dir_and_prints_a_setup_code(tmp_path):
    data = tmp_path / "data"
    r = run("--data-dir", str(data), "init")
    assert r.exit_code == 0, r.output
    assert mode(data) == 0o700 and mode(data / "keys") == 0o700
    for name in ("field", "hash", "session"):
        assert mode(data / "keys" / f"{name}.key") == 0o600
    assert mode(data / "appliance.db") == 0o600
    assert "one-time setup code" in r.output and "/setup" in r.output
    key = (data / "keys" / "field.key").read_text().strip()
    assert key not in (data / "config.toml").read_text()
    assert key.encode() not in (data / "appliance.db").read_bytes()
    again = run("--data-dir", str(data), "init")
    assert again.exit_code == 0 and (data / "keys" / "field.key").read_text().strip() == key


def test_check_refuses_wrong_permissions_and_serve_refuses_too(tmp_path):
    data = tmp_path / "data"
    run("--data-dir", str(data), "init")
    assert run("--data-dir", str(data), "check").exit_code == 0
    os.chmod(data / "keys" / "field.key", 0o644)
    r = run("--data-dir", str(data), "check")
    assert r.exit_code == 1 and "field.key has mode 0644; expected 0600" in r.output
    served = subprocess.run(
        [sys.executable, "-m", "appliance", "--data-dir", str(data), "serve", "--port", "1"],
        capture_output=True,
        text=True,
        timeout=60,
        env={k: v for k, v in os.environ.items() if not k.startswith("APPLIANCE_")},
    )
    assert served.returncode != 0 and "refusing to serve" in served.stderr


def test_check_names_a_bad_config_key(tmp_path):
    data = tmp_path / "data"
    run("--data-dir", str(data), "init")
    (data / "config.toml").write_text("threads = 0\n")
    r = run("--data-dir", str(data), "check")
    assert r.exit_code == 1 and "setting 'threads'" in r.output


def test_the_data_dir_comes_from_option_env_config_then_default(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run("init")
    assert (tmp_path / "data" / "appliance.db").exists()
    run("init", env={"APPLIANCE_DATA_DIR": str(tmp_path / "from-env")})
    assert (tmp_path / "from-env" / "appliance.db").exists()
    cfg = tmp_path / "prod.toml"
    cfg.write_text(f'data_dir = "{tmp_path / "from-config"}"\n')
    run("--config", str(cfg), "init")
    assert (tmp_path / "from-config" / "appliance.db").exists()
    run(
        "--data-dir",
        str(tmp_path / "from-option"),
        "init",
        env={"APPLIANCE_DATA_DIR": str(tmp_path / "ignored")},
    )
    assert (tmp_path / "from-option" / "appliance.db").exists()
    assert not (tmp_path / "ignored").exists()


def test_user_commands_manage_accounts_and_are_audited(tmp_path):
    data = str(tmp_path / "data")
    run("--data-dir", data, "init")
    r = run(
        "--data-dir", data, "user", "add", "beheer", "--role", "admin", "--password-stdin", input=PW
    )
    assert r.exit_code == 0, r.output
    r = run(
        "--data-dir",
        data,
        "user",
        "add",
        "bureau",
        "--role",
        "researcher",
        "--valid-from",
        "2026-01-01",
        "--valid-until",
        "2026-03-31",
        "--password-stdin",
        input=PW,
    )
    assert r.exit_code == 0, r.output
    r = run(
        "--data-dir",
        data,
        "user",
        "add",
        "kort",
        "--role",
        "staff",
        "--password-stdin",
        input="short\n",
    )
    assert r.exit_code == 1 and "Use at least 12 characters." in r.output
    listing = run("--data-dir", data, "user", "list").output
    assert "beheer" in listing and "2026-01-01 .. 2026-03-31" in listing
    assert run("--data-dir", data, "user", "disable", "bureau").exit_code == 0
    r = run(
        "--data-dir",
        data,
        "user",
        "reset-password",
        "beheer",
        "--password-stdin",
        input="Nog-een-lang-wachtwoord-9\n",
    )
    assert r.exit_code == 0
    conn = db.connect(db.db_path(data))
    assert auth_store.user_by_name(conn, "bureau").disabled
    actions = [r[0] for r in conn.execute("SELECT action FROM audit_log WHERE actor = 'cli'")]
    assert actions[-4:] == ["user.created", "user.created", "user.disabled", "password.reset"]
    conn.close()


def test_audit_verify_reports_the_first_broken_link(tmp_path):
    data = str(tmp_path / "data")
    run("--data-dir", data, "init")
    run(
        "--data-dir", data, "user", "add", "beheer", "--role", "admin", "--password-stdin", input=PW
    )
    r = run("--data-dir", data, "audit", "verify")
    assert r.exit_code == 0 and "intact" in r.output
    conn = db.connect(db.db_path(data))
    conn.execute("DROP TRIGGER audit_log_no_update")
    target = conn.execute("SELECT id FROM audit_log WHERE action = 'user.created'").fetchone()[0]
    conn.execute("UPDATE audit_log SET target = 'user:999' WHERE id = ?", (target,))
    conn.close()
    r = run("--data-dir", data, "audit", "verify")
    assert r.exit_code == 1 and f"BROKEN at entry {target}" in r.output


def test_serve_takes_the_client_and_scheme_from_a_trusted_proxy_only(tmp_path):
    def probe(base_url):
        request = urllib.request.Request(
            base_url + "/login",
            headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"},
        )
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(request, timeout=10) as response:
            return response.headers.get("Strict-Transport-Security")

    with running_server(tmp_path / "direct") as server:
        assert probe(server.base_url) is None
    with running_server(tmp_path / "proxied", trusted_proxies="1") as server:
        assert probe(server.base_url).startswith("max-age=")


def test_init_can_leave_the_setup_code_to_serve(tmp_path):
    r = run("--data-dir", str(tmp_path / "data"), "init", "--no-setup-code")
    assert r.exit_code == 0 and "setup code" not in r.output
