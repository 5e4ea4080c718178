"""The systemd unit (installer/appliance.service): how systemd rates its sandbox, that systemd
loads it without complaint, and that its IP allow list keeps the proxy and a LAN relay reachable.

Needs only ``systemd-analyze`` (offline; no running systemd). That the hardened unit really
starts, serves and restarts is checked by tools/systemd_check.sh in a booted container.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

UNIT = Path(__file__).resolve().parents[2] / "installer" / "appliance.service"
ANALYZE = shutil.which("systemd-analyze")
# The exposure this unit reaches (0.0 best, 10.0 worst). Loosening a hardening option raises it;
# if that is intended, raise this and say why in the unit's comments. "OK" ends at 4.9.
MAX_EXPOSURE = 1.1
GOOD_RATINGS = ("PERFECT", "SAFE", "OK")

pytestmark = pytest.mark.skipif(ANALYZE is None, reason="systemd-analyze is not installed")


def analyze(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ANALYZE, *map(str, args)], capture_output=True, text=True, timeout=60, check=False
    )


def unit_values(key: str) -> list[str]:
    """Every value assigned to ``key`` in the unit, in order (systemd allows repeats)."""
    pattern = re.compile(rf"^{re.escape(key)}=(.*)$")
    lines = UNIT.read_text().splitlines()
    return [m.group(1).strip() for line in lines if (m := pattern.match(line))]


def test_systemd_rates_the_sandbox_ok_or_better():
    result = analyze("security", "--offline=true", "--threshold=49", "--no-pager", UNIT)
    overall = re.search(r"Overall exposure level for \S+: (\d+\.\d) (\w+)", result.stdout)
    assert overall, result.stdout + result.stderr
    exposure, rating = float(overall.group(1)), overall.group(2)
    assert result.returncode == 0 and rating in GOOD_RATINGS, f"rated {exposure} {rating}"
    weak = [line for line in result.stdout.splitlines() if line.startswith("✗")]
    assert exposure <= MAX_EXPOSURE, f"exposure {exposure} > {MAX_EXPOSURE}:\n" + "\n".join(weak)


def test_systemd_loads_the_unit_without_warnings(tmp_path):
    # `verify` wants the unit's commands to exist and its dependencies to load: a root with the
    # unit, a stand-in for the appliance command and the one target systemd insists on.
    units = tmp_path / "etc" / "systemd" / "system"
    units.mkdir(parents=True)
    shutil.copy(UNIT, units / "appliance.service")
    (units / "sysinit.target").write_text("[Unit]\nDescription=stand-in\n")
    for line in unit_values("ExecStartPre") + unit_values("ExecStart"):
        command = tmp_path / line.split()[0].lstrip("-@:+!").lstrip("/")
        command.parent.mkdir(parents=True, exist_ok=True)
        command.write_text("#!/bin/sh\n")
        command.chmod(0o755)
    result = analyze("verify", f"--root={tmp_path}", "appliance.service")
    # An unknown or misspelt setting is only a warning (exit 0): any output fails too.
    assert result.returncode == 0 and not (result.stdout + result.stderr).strip(), (
        result.stdout + result.stderr
    )


def test_no_ip_filter_can_cut_off_mail_or_the_proxy():
    """A relay set in the browser after installation may be a hosted service, and the resolver
    may be public: an address filter would stop invitations while /healthz still answered."""
    assert unit_values("PrivateNetwork") in ([], ["no"]), "the proxy could not reach the service"
    assert unit_values("IPAddressDeny") == [] and unit_values("IPAddressAllow") == []
    assert unit_values("RestrictAddressFamilies") == ["AF_UNIX AF_INET AF_INET6"]
