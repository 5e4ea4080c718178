"""``appliance purge --dry-run`` shows what falls due when and erases nothing; ``appliance
purge`` erases it and names its receipt. The scheduler's daily run does the same."""

from __future__ import annotations

import json

from click.testing import CliRunner

from appliance.cli import main
from appliance.scheduler import purge_due, retention_overdue
from tests.privacy import world as w


def _purge(data_dir, *args):
    return CliRunner().invoke(main, ["--data-dir", str(data_dir), "purge", *args], env={})


def test_a_dry_run_shows_the_plan_and_erases_nothing(conn, data_dir, tmp_path):
    world = w.build(conn, data_dir, tmp_path)
    conn.execute("UPDATE contact_requests SET handled_at = '2026-01-01T00:00:00Z'")
    result = _purge(data_dir, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "nothing is erased" in result.output
    lines = {line.split("  ")[0].strip(): line for line in result.output.splitlines()}
    assert lines["contacts"].split()[1] == "0"  # due now
    assert f"{world.day(6).isoformat()}: 3" in lines["contacts"]
    assert lines["contact requests"].split()[2] == "1"  # handled: due now
    assert conn.execute("SELECT count(*) FROM contact_requests").fetchone()[0] == 1
    assert "retention.purged" not in {r[0] for r in conn.execute("SELECT action FROM audit_log")}


def test_purge_erases_what_is_due_and_names_its_receipt(conn, data_dir, tmp_path):
    w.build(conn, data_dir, tmp_path)
    conn.execute("UPDATE contact_requests SET handled_at = '2026-01-01T00:00:00Z'")
    result = _purge(data_dir)
    assert result.exit_code == 0, result.output
    assert "erased        1  contact requests" in result.output
    receipt = conn.execute(
        "SELECT actor, details FROM audit_log WHERE action = 'retention.purged'"
    ).fetchone()
    assert receipt["actor"] == "cli"
    assert json.loads(receipt["details"])["counts"]["contact_requests"] == 1


def test_the_daily_job_runs_the_engine_and_catches_up_after_downtime(conn, data_dir, tmp_path):
    from appliance.keys import load as load_keys

    world = w.build(conn, data_dir, tmp_path)
    assert retention_overdue(world.settings)
    receipt = purge_due(world.settings, load_keys(data_dir))
    assert receipt.audit_id
    assert not retention_overdue(world.settings)


def test_serve_schedules_the_daily_purge_and_the_nightly_backup(data_dir, conn, tmp_path):
    from appliance import settings as settings_module
    from appliance.keys import load as load_keys
    from appliance.scheduler import Jobs

    values = settings_module.load(
        {"data_dir": str(data_dir), "backup_passphrase": "a long enough passphrase"}, environ={}
    )
    jobs = Jobs(values, load_keys(data_dir))
    jobs.start()
    try:
        ids = {job.id for job in jobs.scheduler.get_jobs()}
    finally:
        jobs.stop()
    assert {"mail", "purge", "backup"} <= ids
    jobs.backup()
    written = list((data_dir / "backups").glob("nightly-*.backup"))
    assert len(written) == 1
    assert "backup.written" in {r[0] for r in conn.execute("SELECT action FROM audit_log")}


def test_without_a_backup_key_serve_makes_no_nightly_backups(data_dir):
    from appliance import settings as settings_module
    from appliance.keys import load as load_keys
    from appliance.scheduler import Jobs

    jobs = Jobs(settings_module.load({"data_dir": str(data_dir)}, environ={}), load_keys(data_dir))
    jobs.start()
    try:
        assert "backup" not in {job.id for job in jobs.scheduler.get_jobs()}
    finally:
        jobs.stop()
