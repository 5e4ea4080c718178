"""Offline install from a signed bundle, and an upgrade that fails and puts it all back (the
upgrade that succeeds, from the previous release's own installation: test_legacy_upgrade.py).

Each runs install.sh for real in a sandbox without network (tests/installer/sandbox.py): one
sandbox for the module, installed once from the base bundle and seeded with data. The upgrade
tests hold whichever order they run in: a failed upgrade puts back exactly what was there.
"""

from __future__ import annotations

import re

import pytest
from cryptography.hazmat.primitives import serialization

from tests.installer.conftest import install
from tests.installer.probes import digest_inside, http_inside, seed_inside
from tests.installer.sandbox import Sandbox
from tests.licensing import issue
from tests.serving import SETUP_CODE


@pytest.fixture(scope="module")
def installed(bundles, tmp_path_factory):
    work = tmp_path_factory.mktemp("installed")
    # A licence signed with the bundle's vendor key: the installed appliance checks it against
    # the key built into its package, as in production (no test setting involved).
    vendor = serialization.load_pem_private_key(bundles.key.read_bytes(), password=None)
    licence = work / "LIC-TEST-1.licence"
    licence.write_bytes(issue(vendor, licence_id="LIC-TEST-1", modules=("paper",)))
    licence.chmod(0o644)
    box = Sandbox(work / "sandbox")
    try:
        done = install(
            box,
            bundles.base,
            "--base-url",
            "http://127.0.0.1:8080",
            "--allow-http",
            "--licence",
            str(licence),
        )
        assert done.returncode == 0, done.stdout + done.stderr
        yield box, done
    finally:
        box.close()


def current(box: Sandbox) -> str:
    return box.run("readlink", "/opt/appliance/current").stdout.strip()


def releases(box: Sandbox) -> list[str]:
    return sorted(box.run("ls", "/opt/appliance/releases").stdout.split())


def test_it_installs_without_network_serves_and_the_printed_setup_code_works(installed):
    box, done = installed
    assert box.run("ip", "route").stdout.strip() == ""  # nothing to reach but lo
    assert "signature ok" in done.stdout and "checksums ok" in done.stdout
    assert "/healthz answers" in done.stdout
    assert "installed licence LIC-TEST-1 for Voorbeeld B.V." in done.stdout
    assert "licence: licensed; last day" in done.stdout  # the summary's licence line
    assert re.match(r"releases/0\.\d+\.\d+-\d{8}T\d{6}Z$", current(box))
    for link in ("src", "venv"):
        assert box.run("readlink", f"/opt/appliance/{link}").stdout.strip() == f"current/{link}"
    assert box.run("/opt/appliance/venv/bin/appliance", "--help").returncode == 0
    codes = [ln.strip() for ln in done.stdout.splitlines() if SETUP_CODE.match(ln.strip())]
    assert len(codes) == 1, done.stdout
    result = http_inside(box, codes[0])
    assert result["healthz"] == [200, "ok\n"]
    assert result["setup"] == [302, "/login"], "the printed setup code was refused"
    # The service runs as its user, from the release's venv.
    status = box.run("systemctl", "is-active", "appliance")
    assert status.stdout.strip() == "active"


def test_a_failed_upgrade_puts_the_old_version_and_its_data_back(installed, bundles):
    box, _ = installed
    if digest_inside(box)["users"][0] <= 1:
        seed_inside(box)
    before, release = digest_inside(box), current(box)
    done = install(box, bundles.failing, "--upgrade")
    assert done.returncode != 0
    assert "upgrade failed while initialising" in done.stderr
    assert "fails on purpose" in done.stderr  # the migration's own error is shown
    assert "Rolled back" in done.stderr and "restored from" in done.stderr
    assert current(box) == release and release.split("/")[1] in releases(box)
    assert len(releases(box)) <= 2  # the failed release is gone
    after = digest_inside(box)
    assert after == before  # same rows, same content, same migrations and tables
    assert "half_done" not in after["tables"]
    assert http_inside(box)["healthz"] == [200, "ok\n"]
