"""The systemd unit (installer/appliance.service): how systemd rates its sandbox, that systemd
loads it without complaint, and that its IP allow list keeps the proxy and a LAN relay reachable.

Needs only ``systemd-analyze`` (offline; no running systemd). That the hardened unit really
starts, serves and restarts is checked by tools/systemd_check.sh in a booted container.
"""

from __future__ import annotations

import ipaddress
import re
import shutil
import subprocess
from pathlib import Path

import pytest

UNIT = Path(__file__).resolve().parents[2] / "installer" / "appliance.service"
ANALYZE = shutil.which("systemd-analyze")
# The exposure this unit reaches (0.0 best, 10.0 worst). Loosening a hardening option raises it;
# if that is intended, raise this and say why in the unit's comments. "OK" ends at 4.9.
MAX_EXPOSURE = 1.0
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


def test_ip_allow_list_keeps_proxy_and_lan_relay_reachable_and_the_internet_out():
    assert unit_values("PrivateNetwork") in ([], ["no"]), "the proxy could not reach the service"
    assert unit_values("IPAddressDeny") == ["any"]
    named = {
        "localhost": ["127.0.0.0/8", "::1/128"],
        "link-local": ["169.254.0.0/16", "fe80::/64"],
    }
    allowed = [
        ipaddress.ip_network(net)
        for value in unit_values("IPAddressAllow")
        for word in value.split()
        for net in named.get(word, [word])
    ]

    def reachable(address: str) -> bool:
        ip = ipaddress.ip_address(address)
        return any(ip.version == net.version and ip in net for net in allowed)

    # The proxy on this host or the LAN, a relay on the LAN, the LAN's DNS server.
    for address in ("127.0.0.1", "::1", "10.1.2.3", "172.20.0.25", "192.168.1.25", "fd12::25"):
        assert reachable(address), address
    # A hosted relay must be allowed by the operator, deliberately (see the unit's comment).
    for address in ("203.0.113.25", "8.8.8.8", "2001:db8::25", "172.32.0.1"):
        assert not reachable(address), address
