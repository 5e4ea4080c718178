"""The nightly backup job: writes ``nightly-<time>`` into ``backup_dir`` (private), keeps the
newest ``backup_keep`` nightly ones and never a manual one, and records success and failure in
the audit log."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from appliance import db
from appliance.backup import jobs
from appliance.backup.stream import BackupError
from appliance.settings import load as load_settings
from tests.backup.conftest import backup, run


def settings(data_dir, key_file, **extra) -> dict:
    return load_settings(
        {"data_dir": str(data_dir), "backup_key_file": str(key_file), **extra}, environ={}
    )


def _entries(data_dir, action):
    conn = db.connect(db.db_path(data_dir))
    try:
        return [
            json.loads(r[0])
            for r in conn.execute("SELECT details FROM audit_log WHERE action = ?", (action,))
        ]
    finally:
        conn.close()


def test_nightly_keeps_the_newest_n_and_never_a_manual_backup(populated, key_file, tmp_path):
    out = tmp_path / "nightly"
    values = settings(populated.data_dir, key_file, backup_dir=str(out), backup_keep=3)
    manual = backup(populated.data_dir, key_file, out)
    start = datetime(2026, 3, 1, 2, 30, tzinfo=UTC)
    outcomes = [jobs.nightly(values, None, now=start + timedelta(days=i)) for i in range(5)]
    assert outcomes[0].name == "nightly-20260301T023000Z"
    assert [o.removed for o in outcomes][3:] == [
        ["nightly-20260301T023000Z"],
        ["nightly-20260302T023000Z"],
    ]
    assert jobs.listing(out, "nightly") == [
        "nightly-20260303T023000Z",
        "nightly-20260304T023000Z",
        "nightly-20260305T023000Z",
    ]
    assert manual.exists() and manual.name.startswith("manual-")
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [manual.name, manual.name.replace(".backup", ".manifest.json")]
        + [f"{n}{s}" for n in jobs.listing(out, "nightly") for s in (".backup", ".manifest.json")]
    )
    for path in out.iterdir():
        assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert oct(out.stat().st_mode & 0o777) == "0o700"
    written = _entries(populated.data_dir, "backup.written")
    assert [e["kind"] for e in written] == ["manual"] + ["nightly"] * 5
    assert written[-1]["removed"] == 1 and written[-1]["contacts"] == 3
    assert all(str(key_file) not in json.dumps(e) for e in written)
    # What the nightly job wrote restores like any backup.
    fresh = tmp_path / "fresh"
    r = run(
        "restore",
        out / "nightly-20260305T023000Z.backup",
        "--data-dir",
        fresh,
        "--key-file",
        key_file,
    )
    assert r.exit_code == 0, r.output


def test_the_default_place_is_inside_the_data_dir(populated, key_file):
    values = settings(populated.data_dir, key_file)
    outcome = jobs.nightly(values, populated.data_dir)
    target = populated.data_dir / "backups"
    assert jobs.listing(target) == [outcome.name]
    assert oct(target.stat().st_mode & 0o777) == "0o700"


def test_a_failed_nightly_backup_is_recorded_and_raised(populated, tmp_path):
    values = settings(populated.data_dir, tmp_path / "missing.key")
    with pytest.raises(BackupError):
        jobs.nightly(values, None)
    (failed,) = _entries(populated.data_dir, "backup.failed")
    assert failed["name"].startswith("nightly-") and "does not exist" in failed["reason"]
    no_key = load_settings({"data_dir": str(populated.data_dir)}, environ={})
    with pytest.raises(BackupError, match="no backup key"):
        jobs.nightly(no_key, None)
    assert len(_entries(populated.data_dir, "backup.failed")) == 2
