"""Upgrading an installation of the previous release, made by its own installer, and the guards
around an upgrade: the trust anchor it needs (``--vendor-key``), a Ctrl+C half-way, and an
upgrade that was cut off before.

One sandbox for the module (tests/installer/sandbox.py): v0.20.0 installed by v0.20.0's
install.sh (real directories /opt/appliance/src and venv, no vendor key in the package), fed the
bundle's wheels through pip's environment since the sandbox has no network, and seeded with data.
The tests run in file order: refused without the key, an upgrade interrupted by Ctrl+C (rolled
back to the old version, moved into a release of its own), the upgrade with the key (fixture
``upgraded``), then an upgrade refused after one was cut off.
"""

from __future__ import annotations

import io
import json
import subprocess
import tarfile
import threading
import time
from dataclasses import dataclass

import pytest

from appliance.migrations import NAMES
from tests.installer.conftest import ROOT, append_migration, install
from tests.installer.probes import BASE_URL, HTTP, KEY_TABLES, digest_inside, seed_inside
from tests.installer.sandbox import Sandbox

PREVIOUS = "v0.20.0"
# The release's commit (as for tests/fixtures/data-v0.20.0.tar.gz): a clone of main always has
# it, while tags do not always travel with a clone.
PREVIOUS_COMMIT = "d4cb70b"
KEY_IN_PACKAGE = "/opt/appliance/src/appliance/licence/vendor_key.pem"
MARKER = "/var/lib/appliance/installer-test-migration-started"
# A migration that announces itself and then takes long enough to be interrupted.
SLEEPING = f"""

def m9003_takes_its_time(db):
    import pathlib
    import time

    pathlib.Path({MARKER!r}).write_text("started")
    time.sleep(60)


STEPS = (*STEPS, ("9003_takes_its_time", m9003_takes_its_time))
"""


@dataclass
class Legacy:
    box: Sandbox
    before: dict  # the digest of the seeded data, made by v0.20.0


def run_sh(box: Sandbox, *argv: str):
    return box.run("bash", "-c", " ".join(argv))


def kind(box: Sandbox, path: str) -> str:
    """``directory``, ``symbolic link``, ... (stat's %F), "" when absent."""
    return box.run("stat", "-c", "%F", path).stdout.strip()


def link(box: Sandbox, path: str) -> str:
    return box.run("readlink", path).stdout.strip()


def releases(box: Sandbox) -> list[str]:
    return sorted(box.run("ls", "/opt/appliance/releases").stdout.split())


def service_pid(box: Sandbox) -> str:
    return box.run("cat", "/run/standin/appliance.service.pid").stdout.strip()


def serving(box: Sandbox, timeout: float = 30) -> bool:
    """/healthz answers 200 within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = box.run("/usr/bin/python3", "-c", HTTP, BASE_URL)
        if done.returncode == 0 and json.loads(done.stdout)["healthz"][0] == 200:
            return True
        time.sleep(0.5)
    return False


def vendor_pub(bundles) -> str:
    return str(bundles.key.with_suffix(".pub"))


@pytest.fixture(scope="module")
def legacy(bundles, tmp_path_factory) -> Legacy:
    tagged = subprocess.run(
        ["git", "-C", str(ROOT), "archive", PREVIOUS_COMMIT], capture_output=True
    )
    if tagged.returncode != 0:
        pytest.fail(
            f"no commit {PREVIOUS_COMMIT} ({PREVIOUS}) here, so no upgrade from it can be "
            f"tested; a shallow clone needs `git fetch --unshallow`: {tagged.stderr.decode()}"
        )
    work = tmp_path_factory.mktemp("legacy")
    box = Sandbox(work / "sandbox")
    try:
        source = box.tmp / PREVIOUS
        with tarfile.open(fileobj=io.BytesIO(tagged.stdout)) as tar:
            tar.extractall(source, filter="data")
        # v0.20.0's installer runs pip as root with root's environment; no network here, so
        # the bundle's wheels stand in for PyPI (they are the same dependencies).
        pip = {
            "PIP_NO_INDEX": "1",
            "PIP_FIND_LINKS": str(bundles.tree / "wheels"),
            "PIP_CONFIG_FILE": "/dev/null",
        }
        done = box.run(
            "bash",
            str(source / "installer/install.sh"),
            "--base-url",
            BASE_URL,
            "--allow-http",
            env=pip,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert kind(box, "/opt/appliance/src") == "directory"
        assert kind(box, KEY_IN_PACKAGE) == ""
        assert serving(box), done.stdout + done.stderr
        seed_inside(box)
        yield Legacy(box, digest_inside(box))
    finally:
        box.close()


def test_without_vendor_key_the_old_installation_is_refused_before_any_change(legacy, bundles):
    box = legacy.box
    pid, listing = service_pid(box), box.run("ls", "-A", "/opt/appliance", "/var/lib/appliance")
    done = install(box, bundles.upgrade, "--upgrade")
    assert done.returncode != 0
    assert "predates signed bundles" in done.stderr and "--vendor-key FILE" in done.stderr
    assert "signature ok" not in done.stdout
    assert kind(box, "/opt/appliance/src") == "directory"
    assert kind(box, "/opt/appliance/venv") == "directory"
    # No release, no backup, not even a stop: nothing was touched.
    assert box.run("ls", "-A", "/opt/appliance", "/var/lib/appliance").stdout == listing.stdout
    assert service_pid(box) == pid and serving(box, timeout=5)
    assert digest_inside(box) == legacy.before


def interrupt_when_migrating(box: Sandbox, bundle, *options: str):
    """Run install.sh with ``bundle``; once its migration has started, Ctrl+C: SIGINT to the
    installer's process group, which holds the migration too, as in a terminal. Returns the
    finished run and the seconds from the Ctrl+C to the end."""
    pidfile = box.tmp / "install.pid"
    command = (
        f"echo $$ >{pidfile}; exec bash {bundle.install_sh} --bundle {bundle.archive}"
        f" --health-timeout 60 {' '.join(options)}"
    )
    result = {}
    runner = threading.Thread(
        target=lambda: result.update(done=box.run("setsid", "-w", "bash", "-c", command))
    )
    runner.start()
    marker = box.upper(MARKER)
    try:
        deadline = time.monotonic() + 120
        while not marker.exists() and runner.is_alive() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert marker.exists(), result
        started = time.monotonic()
        assert run_sh(box, f"kill -INT -- -$(cat {pidfile})").returncode == 0
        runner.join(timeout=180)
    finally:
        box.run("rm", "-f", MARKER)
    return result["done"], time.monotonic() - started


def test_an_interrupted_upgrade_from_the_old_layout_puts_the_old_version_back(legacy, bundles):
    box = legacy.box
    sleeping = bundles.repack("sleeping", append_migration(SLEEPING))
    options = ("--upgrade", "--vendor-key", vendor_pub(bundles))
    done, seconds = interrupt_when_migrating(box, sleeping, *options)
    assert done.returncode == 130, done.stdout + done.stderr
    assert seconds < 45  # the migration's sleep was cut short, the rollback did not wait for it
    assert "interrupted while initialising" in done.stderr
    assert "Rolled back: releases/legacy-" in done.stderr and "restored from" in done.stderr
    # The old version stays in the release it was moved into, reached through the links.
    [old] = releases(box)
    assert old.startswith("legacy-") and link(box, "/opt/appliance/current") == f"releases/{old}"
    for name in ("src", "venv"):
        assert link(box, f"/opt/appliance/{name}") == f"current/{name}"
        assert kind(box, f"/opt/appliance/releases/{old}/{name}") == "directory"
    assert kind(box, KEY_IN_PACKAGE) == ""
    after = digest_inside(box)
    assert after == legacy.before and "9003_takes_its_time" not in after["migrations"]
    assert serving(box)
    assert box.run("/opt/appliance/venv/bin/appliance", "--help").returncode == 0


@pytest.fixture(scope="module")
def upgraded(legacy, bundles):
    """The old installation upgraded with the bundle and the vendor key given apart from it."""
    box = legacy.box
    before = digest_inside(box)
    done = install(box, bundles.upgrade, "--upgrade", "--vendor-key", vendor_pub(bundles))
    return done, before


def test_with_vendor_key_the_old_installation_upgrades_keeping_its_data(legacy, upgraded, bundles):
    box, (done, before) = legacy.box, upgraded
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"vendor key {vendor_pub(bundles)}" in done.stdout and "signature ok" in done.stdout
    current = link(box, "/opt/appliance/current")
    old = [r for r in releases(box) if r.startswith("legacy-")]
    assert len(old) == 1 and releases(box) == sorted([*old, current.split("/")[1]])
    for name in ("src", "venv"):
        assert kind(box, f"/opt/appliance/releases/{old[0]}/{name}") == "directory"
        assert link(box, f"/opt/appliance/{name}") == f"current/{name}"
    assert box.run("cat", "/opt/appliance/last-good").stdout.strip() == current
    # The new code, with the key the bundle was checked against built in.
    key = box.run("cat", KEY_IN_PACKAGE).stdout
    assert key == bundles.key.with_suffix(".pub").read_text()
    after = digest_inside(box)
    assert {t: after[t] for t in KEY_TABLES} == {t: before[t] for t in KEY_TABLES}
    assert before == legacy.before and after["contacts"][0] >= 200
    assert after["migrations"] == [*NAMES, "9001_installer_check"]
    backups = box.run("ls", "/var/lib/appliance/upgrade-backups").stdout.split()
    made = [f"/var/lib/appliance/upgrade-backups/{n}" for n in backups if n.endswith(".backup")]
    assert made

    # Whoever copies the backups without the key in /etc/appliance reads nothing: the schema
    # text every SQLite file carries is in the database, and in no backup.
    def schema_in(path: str) -> bool:
        return box.run("grep", "-a", "-q", "CREATE TABLE", path).returncode == 0

    assert schema_in("/var/lib/appliance/data/appliance.db")
    assert not any(schema_in(path) for path in made)
    assert box.run("test", "-e", "/var/lib/appliance/upgrade-backups/upgrade-backup.key").returncode
    assert serving(box)


def test_an_upgrade_refuses_when_an_earlier_one_did_not_finish(legacy, upgraded, bundles):
    box = legacy.box
    current = link(box, "/opt/appliance/current")
    pid = service_pid(box)
    # What an upgrade cut off right after the switch (power, SIGKILL) leaves: `current` points
    # at a release that never served (here a copy of the source only, as if half-installed).
    cutoff = f"{current}-cut-off"
    assert box.run("mkdir", f"/opt/appliance/{cutoff}").returncode == 0
    copied = box.run("cp", "-a", f"/opt/appliance/{current}/src", f"/opt/appliance/{cutoff}/")
    assert copied.returncode == 0, copied.stderr
    names = releases(box)
    assert box.run("ln", "-sfn", cutoff, "/opt/appliance/current").returncode == 0
    try:
        done = install(box, bundles.upgrade, "--upgrade")
        assert done.returncode != 0
        assert "an earlier upgrade did not finish" in done.stderr, done.stderr
        assert f"but {current} served last" in done.stderr
        # No --vendor-key needed any more: the upgraded installation's own key checked it.
        assert f"vendor key {KEY_IN_PACKAGE}" in done.stdout and "signature ok" in done.stdout
        assert link(box, "/opt/appliance/current") == cutoff
        assert releases(box) == names and service_pid(box) == pid
    finally:
        box.run("ln", "-sfn", current, "/opt/appliance/current")
        box.run("rm", "-rf", f"/opt/appliance/{cutoff}")
    assert serving(box, timeout=5)
